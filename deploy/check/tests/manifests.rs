//! The deployment manifests (`deploy/`), the workflows (`.github/workflows/`) and `spin.toml`
//! agree with each other and with the fields kept in `deploy/schema/fields.toml`.
//!
//! `DEPLOY_CHECK_SPIN_TOML=<path>` checks against another manifest (e.g. a proposed spin.toml).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use deploy_check::{
    Object, Problems, SpinApp, Yaml, deploy_objects, env_file_keys, files_with, lookup, of_kind,
    repo_root, secret_refs, spin_manifest, str_at, strings_at, yaml_documents,
};

fn spin_toml_path() -> PathBuf {
    std::env::var_os("DEPLOY_CHECK_SPIN_TOML")
        .map_or_else(|| repo_root().join("spin.toml"), PathBuf::from)
}

fn spin() -> SpinApp {
    spin_manifest(&spin_toml_path()).unwrap_or_else(|e| panic!("{e}"))
}

fn schema() -> toml::Value {
    let path = repo_root().join("deploy/schema/fields.toml");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .parse()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn has_http(spin: &SpinApp, app: &Object) -> bool {
    strings_at(&app.doc, "spec.components").iter().any(|id| {
        spin.components
            .get(id)
            .is_some_and(|c| !c.http_routes.is_empty())
    })
}

fn yaml_matches(value: &Yaml, expected: &toml::Value) -> bool {
    match expected {
        toml::Value::String(s) => value.as_str() == Some(s.as_str()),
        toml::Value::Boolean(b) => value.as_bool() == Some(*b),
        toml::Value::Integer(i) => value.as_i64() == Some(*i),
        _ => false,
    }
}

/// `required`, `one_of`, `equals`, `forbidden` and `allowed_keys` of one rule table.
fn check_rules(p: &mut Problems, obj: &Object, rules: &toml::Value) {
    let list = |key: &str| -> Vec<String> {
        rules
            .get(key)
            .and_then(toml::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    for path in list("required") {
        let found = lookup(&obj.doc, &path);
        p.check(
            found.iter().all(|v| v.is_some_and(|v| !v.is_null())),
            || format!("{}: missing {path}", obj.label()),
        );
    }
    for path in list("forbidden") {
        p.check(lookup(&obj.doc, &path).iter().all(Option::is_none), || {
            format!("{}: must not set {path}", obj.label())
        });
    }
    for group in rules
        .get("one_of")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
    {
        let paths: Vec<&str> = group
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str())
            .collect();
        let per_path: Vec<Vec<Option<&Yaml>>> =
            paths.iter().map(|path| lookup(&obj.doc, path)).collect();
        let branches = per_path.first().map_or(0, Vec::len);
        for i in 0..branches {
            let set = per_path
                .iter()
                .filter(|vals| vals.get(i).copied().flatten().is_some())
                .count();
            p.check(set == 1, || {
                format!("{}: exactly one of {paths:?} expected", obj.label())
            });
        }
    }
    for (path, expected) in rules
        .get("equals")
        .and_then(toml::Value::as_table)
        .into_iter()
        .flatten()
    {
        for found in lookup(&obj.doc, path) {
            p.check(found.is_some_and(|v| yaml_matches(v, expected)), || {
                format!(
                    "{}: {path} must be {expected}, found {found:?}",
                    obj.label()
                )
            });
        }
    }
    for (path, allowed) in rules
        .get("allowed_keys")
        .and_then(toml::Value::as_table)
        .into_iter()
        .flatten()
    {
        let allowed: BTreeSet<&str> = allowed
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str())
            .collect();
        for map in lookup(&obj.doc, path)
            .into_iter()
            .flatten()
            .filter_map(Yaml::as_mapping)
        {
            for key in map.keys().filter_map(Yaml::as_str) {
                p.check(allowed.contains(key), || {
                    format!(
                        "{}: unknown field {path}.{key} (not in fields.toml)",
                        obj.label()
                    )
                });
            }
        }
    }
}

#[test]
fn every_manifest_and_workflow_parses() {
    let root = repo_root();
    let mut files = files_with(&root.join("deploy"), &[".yaml", ".yml"]);
    let workflows = files_with(&root.join(".github/workflows"), &[".yaml", ".yml"]);
    assert!(!workflows.is_empty(), "no workflow in .github/workflows");
    files.extend(workflows);
    let mut p = Problems::default();
    for file in &files {
        match yaml_documents(file) {
            Ok(docs) => p.check(!docs.is_empty(), || format!("{}: empty", file.display())),
            Err(e) => p.0.push(e),
        }
    }
    p.assert_none();
}

#[test]
fn objects_have_the_fields_the_project_relies_on() {
    let (schema, spin, objects) = (schema(), spin(), deploy_objects());
    let kinds = schema
        .get("kinds")
        .and_then(toml::Value::as_table)
        .expect("[kinds] in fields.toml");
    let mut p = Problems::default();
    for (kind, rules) in kinds {
        let found = of_kind(&objects, kind);
        p.check(!found.is_empty(), || format!("no {kind} in deploy/"));
        for obj in found {
            let want = rules
                .get("api_version")
                .and_then(toml::Value::as_str)
                .unwrap_or_default();
            p.check(str_at(&obj.doc, "apiVersion") == Some(want), || {
                format!("{}: apiVersion must be {want}", obj.label())
            });
            check_rules(&mut p, obj, rules);
            if kind == "SpinApp" && has_http(&spin, obj) {
                check_rules(
                    &mut p,
                    obj,
                    rules.get("http").expect("[kinds.SpinApp.http]"),
                );
            } else if kind == "SpinApp" {
                // No HTTP trigger in the pod → nothing listens on the probe port.
                p.check(
                    obj.doc.get("spec").and_then(|s| s.get("checks")).is_none(),
                    || {
                        format!(
                            "{}: has checks but no HTTP component to answer them",
                            obj.label()
                        )
                    },
                );
            }
        }
    }
    p.assert_none();
}

#[test]
fn spinapps_deploy_every_component_of_spin_toml_exactly_once() {
    let (spin, objects) = (spin(), deploy_objects());
    let mut deployed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for app in of_kind(&objects, "SpinApp") {
        for id in strings_at(&app.doc, "spec.components") {
            deployed.entry(id).or_default().push(app.name().to_string());
        }
    }
    let mut p = Problems::default();
    for (id, apps) in &deployed {
        p.check(spin.components.contains_key(id), || {
            format!("SpinApp(s) {apps:?} deploy {id}, which spin.toml does not define")
        });
        p.check(apps.len() == 1, || {
            format!("component {id} is deployed by several SpinApps: {apps:?}")
        });
    }
    for id in spin.components.keys() {
        p.check(deployed.contains_key(id), || {
            format!("spin.toml component {id} is deployed by no SpinApp")
        });
    }
    p.assert_none();
}

#[test]
fn spinapp_variables_are_exactly_those_their_components_use() {
    let (spin, objects) = (spin(), deploy_objects());
    let mut p = Problems::default();
    let mut bound = BTreeSet::new();
    for app in of_kind(&objects, "SpinApp") {
        let wanted: BTreeSet<String> = strings_at(&app.doc, "spec.components")
            .iter()
            .filter_map(|id| spin.components.get(id))
            .flat_map(|c| c.uses_variables.iter().cloned())
            .collect();
        let vars: Vec<&Yaml> = lookup(&app.doc, "spec.variables[]")
            .into_iter()
            .flatten()
            .collect();
        let mut given = BTreeSet::new();
        for var in vars {
            let name = str_at(var, "name").unwrap_or_default().to_string();
            p.check(spin.variables.contains_key(&name), || {
                format!(
                    "{}: variable {name} is not in spin.toml [variables]",
                    app.label()
                )
            });
            if spin.variables.get(&name) == Some(&true) {
                p.check(str_at(var, "valueFrom.secretKeyRef.name").is_some(), || {
                    format!("{}: secret variable {name} must come from a Secret (valueFrom.secretKeyRef)", app.label())
                });
            }
            let key = str_at(var, "valueFrom.secretKeyRef.key")
                .or_else(|| str_at(var, "valueFrom.configMapKeyRef.key"));
            p.check(key.is_none_or(|k| k == name), || {
                format!(
                    "{}: variable {name} reads key {key:?}; keys are named after the variable",
                    app.label()
                )
            });
            given.insert(name);
        }
        for missing in wanted.difference(&given) {
            p.0.push(format!("{}: its components use {{{{ {missing} }}}} but the SpinApp does not bind it (the spin.toml default is for local runs)", app.label()));
        }
        for extra in given.difference(&wanted) {
            p.0.push(format!(
                "{}: binds {extra}, which none of its components uses",
                app.label()
            ));
        }
        bound.extend(given);
    }
    for name in spin.variables.keys() {
        p.check(bound.contains(name), || {
            format!("spin.toml variable {name} is bound by no SpinApp")
        });
    }
    p.assert_none();
}

#[test]
fn selected_components_chain_only_to_components_in_the_same_spinapp() {
    // Spin (and the shim, for `spec.components`) refuses a selection in which a component's
    // allowed_outbound_hosts name `http://<other>.spin.internal` for an unselected component;
    // templated hosts are skipped by that check and resolved at run time.
    let (spin, objects) = (spin(), deploy_objects());
    let mut p = Problems::default();
    for app in of_kind(&objects, "SpinApp") {
        let selected = strings_at(&app.doc, "spec.components");
        for id in &selected {
            let Some(c) = spin.components.get(id) else {
                continue;
            };
            for host in &c.allowed_outbound_hosts {
                if host.contains("{{") {
                    continue;
                }
                if let Some(target) = host
                    .strip_prefix("http://")
                    .and_then(|h| h.strip_suffix(".spin.internal"))
                {
                    p.check(selected.iter().any(|s| s == target), || {
                        format!("{}: component {id} chains to {host}, which is not in this SpinApp; spin.toml must use a URL variable (e.g. \"{{{{ {target}_url }}}}\")", app.label())
                    });
                }
            }
        }
    }
    p.assert_none();
}

#[test]
fn each_http_spinapp_has_exactly_one_routed_http_component_in_the_cluster_manifest() {
    // The image is pushed from deploy/spinkube/cluster-manifest.sh's output, not spin.toml.
    let dir = std::env::temp_dir().join(format!("deploy-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = dir.join("spin.cluster.toml");
    let status = std::process::Command::new("bash")
        .arg(repo_root().join("deploy/spinkube/cluster-manifest.sh"))
        .arg(spin_toml_path())
        .arg(&out)
        .status()
        .expect("bash");
    assert!(status.success(), "cluster-manifest.sh failed");
    let cluster = spin_manifest(&out).unwrap_or_else(|e| panic!("{e}"));
    let objects = deploy_objects();
    let mut p = Problems::default();
    for app in of_kind(&objects, "SpinApp") {
        let routes: Vec<Option<String>> = strings_at(&app.doc, "spec.components")
            .iter()
            .filter_map(|id| cluster.components.get(id))
            .flat_map(|c| c.http_routes.iter().cloned())
            .collect();
        p.check(routes.len() <= 1, || {
            format!(
                "{}: several HTTP triggers in one pod: {routes:?}",
                app.label()
            )
        });
        p.check(routes.iter().all(Option::is_some), || {
            format!("{}: a private HTTP component alone in a pod is unreachable (Spin gives it no route)", app.label())
        });
    }
    let _ = std::fs::remove_dir_all(&dir);
    p.assert_none();
}

#[test]
fn autoscalers_target_the_spinapps_and_consumer_groups_of_the_contexts() {
    let (schema, spin, objects) = (schema(), spin(), deploy_objects());
    let events = schema.get("events").expect("[events] in fields.toml");
    let stream = events
        .get("stream")
        .and_then(toml::Value::as_str)
        .expect("events.stream");
    let groups: BTreeSet<&str> = events
        .get("consumer_groups")
        .and_then(toml::Value::as_array)
        .expect("events.consumer_groups")
        .iter()
        .filter_map(toml::Value::as_str)
        .collect();
    let apps: BTreeMap<&str, &Object> = of_kind(&objects, "SpinApp")
        .into_iter()
        .map(|a| (a.name(), a))
        .collect();
    let mut p = Problems::default();

    let doorbells: BTreeSet<&str> = events
        .get("doorbells")
        .and_then(toml::Value::as_array)
        .expect("events.doorbells")
        .iter()
        .filter_map(toml::Value::as_str)
        .collect();
    let redis_components: BTreeSet<String> = spin
        .components
        .iter()
        .filter(|(_, c)| {
            c.redis_channels
                .iter()
                .any(|ch| doorbells.contains(ch.as_str()))
        })
        .map(|(id, _)| id.clone())
        .collect();
    let expected: BTreeSet<String> = groups.iter().map(|g| format!("{g}-events")).collect();
    p.check(redis_components == expected, || format!("spin.toml's components on the doorbells {doorbells:?} {redis_components:?} are not the consumer groups' {expected:?}"));
    // A SpinApp of bell components only (Redis-triggered on another channel): no lag to scale on,
    // so an HPA on CPU like the HTTP ones.
    let bell_only = |app: &Object| {
        let ids = strings_at(&app.doc, "spec.components");
        !ids.is_empty()
            && ids.iter().all(|id| {
                spin.components.get(id).is_some_and(|c| {
                    c.http_routes.is_empty()
                        && !c.redis_channels.is_empty()
                        && c.redis_channels
                            .iter()
                            .all(|ch| !doorbells.contains(ch.as_str()))
                })
            })
    };

    let mut scaled: BTreeMap<&str, usize> = BTreeMap::new();
    for hpa in of_kind(&objects, "HorizontalPodAutoscaler") {
        let target = str_at(&hpa.doc, "spec.scaleTargetRef.name").unwrap_or_default();
        *scaled.entry(target).or_default() += 1;
        match apps.get(target) {
            Some(app) => p.check(has_http(&spin, app) || bell_only(app), || {
                format!(
                    "{}: targets {target}, which has no HTTP component (scale consumers on lag)",
                    hpa.label()
                )
            }),
            None => p.0.push(format!(
                "{}: targets {target}, which is no SpinApp (its Deployment has the SpinApp's name)",
                hpa.label()
            )),
        }
    }
    for so in of_kind(&objects, "ScaledObject") {
        let target = str_at(&so.doc, "spec.scaleTargetRef.name").unwrap_or_default();
        *scaled.entry(target).or_default() += 1;
        let Some(app) = apps.get(target) else {
            p.0.push(format!(
                "{}: targets {target}, which is no SpinApp",
                so.label()
            ));
            continue;
        };
        let components = strings_at(&app.doc, "spec.components");
        for trigger in lookup(&so.doc, "spec.triggers[]").into_iter().flatten() {
            let group = str_at(trigger, "metadata.consumerGroup").unwrap_or_default();
            p.check(groups.contains(group), || {
                format!(
                    "{}: consumer group {group} is not one of {groups:?}",
                    so.label()
                )
            });
            p.check(components == [format!("{group}-events")], || {
                format!("{}: group {group} is drained by {group}-events, but {target} runs {components:?}", so.label())
            });
            p.check(str_at(trigger, "metadata.stream") == Some(stream), || {
                format!("{}: stream must be {stream}", so.label())
            });
        }
    }
    for (name, app) in &apps {
        p.check(scaled.get(name) == Some(&1), || format!("{}: needs exactly one autoscaler (HPA for HTTP and bells, ScaledObject for consumers), has {}", app.label(), scaled.get(name).unwrap_or(&0)));
    }
    p.assert_none();
}

#[test]
fn overlays_provide_every_configmap_and_secret_key_and_shared_stores() {
    let (spin, objects) = (spin(), deploy_objects());
    let root = repo_root().join("deploy/spinkube/overlays");
    let mut p = Problems::default();
    let mut config_keys = BTreeSet::new();
    let mut secret_keys = BTreeSet::new();
    let mut runtime_secrets = BTreeSet::new();
    for app in of_kind(&objects, "SpinApp") {
        for var in lookup(&app.doc, "spec.variables[]").into_iter().flatten() {
            if let Some(k) = str_at(var, "valueFrom.configMapKeyRef.key") {
                config_keys.insert((
                    "configmap",
                    str_at(var, "valueFrom.configMapKeyRef.name")
                        .unwrap_or_default()
                        .to_string(),
                    k.to_string(),
                ));
            }
            if let Some(k) = str_at(var, "valueFrom.secretKeyRef.key") {
                secret_keys.insert((
                    "secret",
                    str_at(var, "valueFrom.secretKeyRef.name")
                        .unwrap_or_default()
                        .to_string(),
                    k.to_string(),
                ));
            }
        }
        runtime_secrets
            .extend(str_at(&app.doc, "spec.runtimeConfig.loadFromSecret").map(str::to_string));
    }
    // Every other object's Secret keys too: the stores' credentials, the CronJob's token, KEDA's
    // TriggerAuthentication.
    for obj in &objects {
        for (name, key, _) in secret_refs(&obj.doc) {
            secret_keys.insert(("secret", name, key));
        }
    }
    let labels: BTreeSet<(&str, &String)> = spin
        .components
        .values()
        .flat_map(|c| {
            c.key_value_stores
                .iter()
                .map(|l| ("key_value_store", l))
                .chain(c.sqlite_databases.iter().map(|l| ("sqlite_database", l)))
        })
        .collect();

    for overlay in ["dev", "prod"] {
        let dir = root.join(overlay);
        let k =
            &yaml_documents(&dir.join("kustomization.yaml")).unwrap_or_else(|e| panic!("{e}"))[0];
        // name → keys each generator provides (literals, env files; files that CI writes are
        // represented by their committed *.example twin).
        let mut provided: BTreeMap<(&str, String), BTreeSet<String>> = BTreeMap::new();
        for (kind, field) in [
            ("configmap", "configMapGenerator"),
            ("secret", "secretGenerator"),
        ] {
            for generator in lookup(k, &format!("{field}[]")).into_iter().flatten() {
                let name = str_at(generator, "name").unwrap_or_default().to_string();
                let keys = provided.entry((kind, name)).or_default();
                for lit in strings_at(generator, "literals") {
                    keys.extend(lit.split_once('=').map(|(k, _)| k.to_string()));
                }
                for env in strings_at(generator, "envs") {
                    let path = dir.join(&env);
                    let path = if path.exists() {
                        path
                    } else {
                        dir.join(env.replace(".env", ".example.env"))
                    };
                    keys.extend(env_file_keys(&path).unwrap_or_else(|e| panic!("{e}")));
                }
                for file in strings_at(generator, "files") {
                    let (key, src) = file.split_once('=').unwrap_or((&file, &file));
                    keys.insert(key.to_string());
                    let path = dir.join(src);
                    let path = if path.exists() {
                        path
                    } else {
                        dir.join(src.replace(".toml", ".example.toml"))
                    };
                    if key == "runtime-config.toml" {
                        check_runtime_config(&mut p, &path, &labels);
                    }
                }
            }
        }
        for (kind, name, key) in config_keys.iter().chain(&secret_keys) {
            let has = provided
                .get(&(*kind, name.clone()))
                .is_some_and(|keys| keys.contains(key));
            p.check(has, || {
                format!("overlay {overlay}: {kind} {name} lacks key {key}")
            });
        }
        for name in &runtime_secrets {
            let has = provided
                .get(&("secret", name.clone()))
                .is_some_and(|keys| keys.contains("runtime-config.toml"));
            p.check(has, || format!("overlay {overlay}: secret {name} lacks key runtime-config.toml (the operator mounts that key)"));
        }
        let config = std::fs::read_to_string(dir.join("kustomizeconfig.yaml")).unwrap_or_default();
        let dev_config =
            std::fs::read_to_string(root.join("dev/kustomizeconfig.yaml")).unwrap_or_default();
        p.check(config == dev_config, || {
            format!("overlay {overlay}: kustomizeconfig.yaml differs from dev's")
        });
    }
    p.assert_none();
}

/// Every store label of spin.toml is defined, and none is Spin's per-pod file store.
fn check_runtime_config(
    p: &mut Problems,
    path: &std::path::Path,
    labels: &BTreeSet<(&str, &String)>,
) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: toml::Value = text
        .parse()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for (section, label) in labels {
        let store = doc.get(*section).and_then(|s| s.get(label.as_str()));
        let kind = store
            .and_then(|s| s.get("type"))
            .and_then(toml::Value::as_str);
        p.check(matches!(kind, Some("redis" | "libsql")), || {
            format!("{}: [{section}.{label}] must be type redis or libsql (found {kind:?}): several pods write it", path.display())
        });
    }
}

#[test]
fn kustomizations_list_existing_files() {
    let mut p = Problems::default();
    for file in files_with(&repo_root().join("deploy"), &["kustomization.yaml"]) {
        let dir = file.parent().expect("parent").to_path_buf();
        let doc = &yaml_documents(&file).unwrap_or_else(|e| panic!("{e}"))[0];
        for field in ["resources", "configurations", "components"] {
            for entry in strings_at(doc, field) {
                p.check(dir.join(&entry).exists(), || {
                    format!("{}: {field} entry {entry} does not exist", file.display())
                });
            }
        }
    }
    p.assert_none();
}

#[test]
fn workflows_pin_every_action() {
    let mut p = Problems::default();
    for file in files_with(&repo_root().join(".github/workflows"), &[".yml", ".yaml"]) {
        for doc in yaml_documents(&file).unwrap_or_else(|e| panic!("{e}")) {
            p.check(doc.get("on").is_some() && doc.get("jobs").is_some(), || {
                format!("{}: a workflow needs `on` and `jobs`", file.display())
            });
            let uses = lookup(&doc, "jobs")
                .into_iter()
                .flatten()
                .filter_map(Yaml::as_mapping)
                .flat_map(|jobs| jobs.values())
                .flat_map(|job| {
                    let steps = lookup(job, "steps[]")
                        .into_iter()
                        .flatten()
                        .filter_map(|s| s.get("uses"));
                    job.get("uses")
                        .into_iter()
                        .chain(steps)
                        .filter_map(Yaml::as_str)
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>();
            for u in uses {
                p.check(pinned(u), || {
                    format!(
                        "{}: `uses: {u}` is not pinned to @vX.Y.Z or a commit SHA",
                        file.display()
                    )
                });
            }
        }
    }
    p.assert_none();
}

fn pinned(uses: &str) -> bool {
    if uses.starts_with("./") {
        return true;
    }
    if let Some(image) = uses.strip_prefix("docker://") {
        return image.contains("@sha256:");
    }
    let Some((_, version)) = uses.rsplit_once('@') else {
        return false;
    };
    let semver = version.strip_prefix('v').is_some_and(|v| {
        v.split('.').count() == 3
            && v.split('.')
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    });
    let sha = version.len() == 40 && version.bytes().all(|b| b.is_ascii_hexdigit());
    semver || sha
}
