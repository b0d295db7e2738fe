//! The cluster is closed: stores require credentials that come from Secrets, NetworkPolicies let
//! through exactly the connections spin.toml needs, the relay CronJob authenticates with the
//! operations credential, and no usable secret is published in the repository (issue 12).
//!
//! `DEPLOY_CHECK_SPIN_TOML=<path>` checks against another manifest (e.g. a proposed spin.toml).

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use deploy_check::netpol::{self, Labels, Peer};
use deploy_check::{
    Object, Problems, SpinApp, Yaml, assignments_in_line, deploy_objects, env_file, json_patch,
    lookup, of_kind, repo_root, runtime_config_stores, secret_refs, spin_manifest, str_at,
    strings_at, template_names, unignored_files, url_host, yaml_documents,
};

/// The Secret with the stores' credentials (Redis password, libSQL keys, `redis_address`).
const STORE_SECRET: &str = "cinema-store-credentials";
/// The Secret with the application's secrets (`jwt_secret`, `ops_token`, `kakao_token`).
const APP_SECRET: &str = "cinema-secrets";
/// Values of these names must never be published with 32 bytes or more (a usable secret).
const SECRET_NAMES: &[&str] = &["jwt_secret", "ops_token", "redis_password"];

fn spin() -> SpinApp {
    let path = std::env::var_os("DEPLOY_CHECK_SPIN_TOML")
        .map_or_else(|| repo_root().join("spin.toml"), PathBuf::from);
    spin_manifest(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Objects of the base (what both overlays deploy).
fn base_objects() -> Vec<Object> {
    let base = repo_root().join("deploy/spinkube/base");
    deploy_objects()
        .into_iter()
        .filter(|o| o.file.starts_with(&base))
        .collect()
}

fn overlay_dir(overlay: &str) -> PathBuf {
    repo_root().join("deploy/spinkube/overlays").join(overlay)
}

// ------------------------------------------------------------------------------ NetworkPolicy

/// What a peer of the evaluation is, for the expected table.
#[derive(Clone, Debug)]
enum Role {
    /// A SpinApp's pods: the context label, whether it serves HTTP, and what its components use.
    App {
        context: String,
        http: bool,
        redis_hosts: BTreeSet<String>,
        sqld_hosts: BTreeSet<String>,
        calls_contexts: BTreeSet<String>,
        calls_outside: bool,
    },
    Redis(String),
    Sqld(String),
    OtherStore,
    Relay,
    IngressController,
    Keda,
    Dns,
    Internet,
    ElsewherePod,
}

fn ns(name: &str) -> Labels {
    netpol::labels(&[("kubernetes.io/metadata.name", name)])
}

fn external(name: &str, namespace: Option<&str>, labels: &[(&str, &str)], ip: &str) -> Peer {
    Peer {
        name: name.to_string(),
        namespace: namespace.map(ns),
        own: false,
        labels: netpol::labels(labels),
        ip: ip.parse().expect("ip"),
    }
}

/// Every pod the manifests create, plus the peers outside the namespace that matter.
fn world(spin: &SpinApp, objects: &[Object], overlay: &str) -> Vec<(Peer, Role)> {
    let stores = runtime_config_stores(&overlay_dir(overlay).join("runtime-config.example.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let host_of = |section: &str, label: &str| {
        stores
            .get(&(section.to_string(), label.to_string()))
            .map(|(_, url, _)| url_host(url).to_string())
    };
    let redis_hosts: BTreeSet<String> = stores
        .values()
        .filter(|(t, _, _)| t == "redis")
        .map(|(_, url, _)| url_host(url).to_string())
        .collect();
    let sqld_hosts: BTreeSet<String> = stores
        .values()
        .filter(|(t, _, _)| t == "libsql")
        .map(|(_, url, _)| url_host(url).to_string())
        .collect();
    let own_ns = ns("cinema");
    let mut out = Vec::new();
    let mut ip = 10u8;
    let mut own = |name: &str, labels: Labels| {
        ip += 1;
        Peer {
            name: name.to_string(),
            namespace: Some(own_ns.clone()),
            own: true,
            labels,
            ip: IpAddr::from([10, 244, 0, ip]),
        }
    };
    for app in of_kind(objects, "SpinApp") {
        let mut labels = netpol::labels_of(lookup(&app.doc, "spec.podLabels")[0]);
        labels.insert("core.spinkube.dev/app-name".into(), app.name().into());
        let components: Vec<_> = strings_at(&app.doc, "spec.components")
            .iter()
            .filter_map(|id| spin.components.get(id))
            .collect();
        let mut role_redis = BTreeSet::new();
        let mut role_sqld = BTreeSet::new();
        let mut calls_contexts = BTreeSet::new();
        let mut calls_outside = false;
        for c in &components {
            if c.redis_triggered
                || c.uses_variables
                    .iter()
                    .any(|v| spin.redis_address_variables.contains(v))
            {
                role_redis.extend(redis_hosts.iter().cloned());
            }
            for label in &c.key_value_stores {
                role_redis.extend(host_of("key_value_store", label));
            }
            for label in &c.sqlite_databases {
                role_sqld.extend(host_of("sqlite_database", label));
            }
            for host in &c.allowed_outbound_hosts {
                for var in template_names(host) {
                    if let Some(ctx) = var.strip_suffix("_url") {
                        calls_contexts.insert(ctx.to_string());
                    } else if !var.starts_with("redis") {
                        calls_outside = true;
                    }
                }
            }
        }
        let role = Role::App {
            context: labels
                .get("cinema.example/context")
                .cloned()
                .unwrap_or_default(),
            http: components.iter().any(|c| !c.http_routes.is_empty()),
            redis_hosts: role_redis,
            sqld_hosts: role_sqld,
            calls_contexts,
            calls_outside,
        };
        out.push((own(app.name(), labels), role));
    }
    for set in of_kind(objects, "StatefulSet") {
        let labels = netpol::labels_of(lookup(&set.doc, "spec.template.metadata.labels")[0]);
        let name = set.name();
        let role = if redis_hosts.contains(name) {
            Role::Redis(name.to_string())
        } else if sqld_hosts.contains(name) {
            Role::Sqld(name.to_string())
        } else {
            Role::OtherStore
        };
        out.push((own(name, labels), role));
    }
    for job in of_kind(objects, "CronJob") {
        let labels = netpol::labels_of(
            lookup(&job.doc, "spec.jobTemplate.spec.template.metadata.labels")[0],
        );
        out.push((own(job.name(), labels), Role::Relay));
    }
    out.push((
        external(
            "ingress-nginx",
            Some("ingress-nginx"),
            &[("app.kubernetes.io/name", "ingress-nginx")],
            "10.244.9.1",
        ),
        Role::IngressController,
    ));
    out.push((
        external(
            "keda-operator",
            Some("keda"),
            &[("app.kubernetes.io/name", "keda-operator")],
            "10.244.9.2",
        ),
        Role::Keda,
    ));
    out.push((
        external(
            "kube-dns",
            Some("kube-system"),
            &[("k8s-app", "kube-dns")],
            "10.244.9.3",
        ),
        Role::Dns,
    ));
    out.push((
        external(
            "a pod of another namespace",
            Some("elsewhere"),
            &[("app", "curious")],
            "10.244.9.4",
        ),
        Role::ElsewherePod,
    ));
    out.push((
        external("kapi.kakao.com", None, &[], "211.249.220.24"),
        Role::Internet,
    ));
    out.push((
        external("the cloud metadata endpoint", None, &[], "169.254.169.254"),
        Role::ElsewherePod,
    ));
    out
}

type Uses<'a> = (
    &'a BTreeSet<String>,
    &'a BTreeSet<String>,
    &'a BTreeSet<String>,
    bool,
);

/// What an app's pods connect to: Redis hosts, libSQL hosts, contexts, outside the cluster.
fn app(role: &Role) -> Option<Uses<'_>> {
    match role {
        Role::App {
            redis_hosts,
            sqld_hosts,
            calls_contexts,
            calls_outside,
            ..
        } => Some((redis_hosts, sqld_hosts, calls_contexts, *calls_outside)),
        _ => None,
    }
}

/// The connections spin.toml needs (and the edge), nothing else.
fn expected(src: &(Peer, Role), dst: &(Peer, Role), port: u16, proto: &str, prod: bool) -> bool {
    let tcp = proto == "TCP";
    match &dst.1 {
        Role::App {
            context,
            http: true,
            ..
        } if tcp && port == 80 => {
            if context == "gateway" || context == "web" {
                let edge_source = if prod {
                    matches!(src.1, Role::IngressController)
                } else {
                    !src.0.own
                };
                edge_source || (context == "gateway" && matches!(src.1, Role::Relay))
            } else {
                app(&src.1).is_some_and(|(_, _, calls, _)| calls.contains(context))
            }
        }
        Role::Redis(host) if tcp && port == 6379 => {
            matches!(src.1, Role::Keda)
                || app(&src.1).is_some_and(|(redis, _, _, _)| redis.contains(host))
        }
        Role::Sqld(host) if tcp && port == 8080 => {
            app(&src.1).is_some_and(|(_, sqld, _, _)| sqld.contains(host))
        }
        Role::Dns if port == 53 => matches!(src.1, Role::App { .. } | Role::Relay),
        Role::Internet if tcp && port == 443 => {
            app(&src.1).is_some_and(|(_, _, _, outside)| outside)
        }
        _ => false,
    }
}

/// The base NetworkPolicies, with an overlay's JSON patches applied.
fn policies(objects: &[Object], overlay: &str) -> Vec<Yaml> {
    let mut docs: Vec<Yaml> = of_kind(objects, "NetworkPolicy")
        .into_iter()
        .map(|o| o.doc.clone())
        .collect();
    let k = &yaml_documents(&overlay_dir(overlay).join("kustomization.yaml"))
        .unwrap_or_else(|e| panic!("{e}"))[0];
    for patch in lookup(k, "patches[]").into_iter().flatten() {
        if str_at(patch, "target.kind") != Some("NetworkPolicy") {
            continue;
        }
        let name = str_at(patch, "target.name");
        let ops: Yaml = serde_yaml_ng::from_str(str_at(patch, "patch").unwrap_or_default())
            .unwrap_or_else(|e| panic!("overlay {overlay}: a NetworkPolicy patch: {e}"));
        for doc in docs
            .iter_mut()
            .filter(|d| name.is_none_or(|n| str_at(d, "metadata.name") == Some(n)))
        {
            json_patch(doc, &ops).unwrap_or_else(|e| panic!("overlay {overlay}: {e}"));
        }
    }
    docs
}

#[test]
fn network_policies_let_through_exactly_what_spin_toml_needs() {
    let (spin, objects) = (spin(), base_objects());
    let mut p = Problems::default();
    for overlay in ["dev", "prod"] {
        let docs = policies(&objects, overlay);
        let policies: Vec<&Yaml> = docs.iter().collect();
        for doc in &policies {
            for port in lookup(doc, "spec.ingress[].ports[].port")
                .into_iter()
                .chain(lookup(doc, "spec.egress[].ports[].port"))
                .flatten()
            {
                p.check(port.as_u64().is_some(), || {
                    format!(
                        "NetworkPolicy {}: use port numbers (the check does not resolve names)",
                        str_at(doc, "metadata.name").unwrap_or_default()
                    )
                });
            }
        }
        let world = world(&spin, &objects, overlay);
        let prod = overlay == "prod";
        for src in &world {
            for dst in &world {
                if !src.0.own && !dst.0.own {
                    continue;
                }
                for (port, proto) in [
                    (80, "TCP"),
                    (443, "TCP"),
                    (53, "UDP"),
                    (53, "TCP"),
                    (6379, "TCP"),
                    (8080, "TCP"),
                    (5001, "TCP"),
                ] {
                    let want = expected(src, dst, port, proto, prod);
                    let got = netpol::allows(&policies, &src.0, &dst.0, port, proto);
                    p.check(want == got, || {
                        format!(
                            "{overlay}: {} -> {} {port}/{proto}: the policies {} it, {}",
                            src.0.name,
                            dst.0.name,
                            if got { "allow" } else { "drop" },
                            if want {
                                "but it is needed (spin.toml / the edge)"
                            } else {
                                "but nothing needs it"
                            }
                        )
                    });
                }
            }
        }
    }
    p.assert_none();
}

#[test]
fn network_policy_evaluator_knows_the_basics() {
    // The evaluator the test above relies on: default open, closed once selected, both ends.
    let pod = |name: &str, ctx: &str| Peer {
        name: name.into(),
        namespace: Some(ns("cinema")),
        own: true,
        labels: netpol::labels(&[("cinema.example/context", ctx)]),
        ip: "10.0.0.1".parse().expect("ip"),
    };
    let (a, b) = (pod("a", "a"), pod("b", "b"));
    assert!(netpol::allows(&[], &a, &b, 80, "TCP"));
    let deny: Yaml =
        serde_yaml_ng::from_str("spec: {podSelector: {}, policyTypes: [Ingress, Egress]}")
            .expect("yaml");
    assert!(!netpol::allows(&[&deny], &a, &b, 80, "TCP"));
    let b_from_a: Yaml = serde_yaml_ng::from_str(
        "spec: {podSelector: {matchLabels: {cinema.example/context: b}}, policyTypes: [Ingress],
          ingress: [{from: [{podSelector: {matchLabels: {cinema.example/context: a}}}], ports: [{port: 80}]}]}",
    )
    .expect("yaml");
    let a_out: Yaml = serde_yaml_ng::from_str(
        "spec: {podSelector: {matchExpressions: [{key: cinema.example/context, operator: In, values: [a]}]},
          policyTypes: [Egress], egress: [{to: [{podSelector: {}}]}]}",
    )
    .expect("yaml");
    assert!(
        !netpol::allows(&[&deny, &b_from_a], &a, &b, 80, "TCP"),
        "egress still closed"
    );
    assert!(netpol::allows(
        &[&deny, &b_from_a, &a_out],
        &a,
        &b,
        80,
        "TCP"
    ));
    assert!(!netpol::allows(
        &[&deny, &b_from_a, &a_out],
        &a,
        &b,
        81,
        "TCP"
    ));
    assert!(!netpol::allows(
        &[&deny, &b_from_a, &a_out],
        &b,
        &a,
        80,
        "TCP"
    ));
}

// ------------------------------------------------------------------------ store credentials

fn env_var<'a>(container: &'a Yaml, name: &str) -> Option<&'a Yaml> {
    lookup(container, "env[]")
        .into_iter()
        .flatten()
        .find(|e| str_at(e, "name") == Some(name))
}

/// `(secret, key, optional)` of an env var that comes from a Secret.
fn env_secret(container: &Yaml, name: &str) -> Option<(String, String, bool)> {
    env_var(container, name).and_then(|e| secret_refs(e).into_iter().next())
}

fn container_script(container: &Yaml) -> String {
    strings_at(container, "command")
        .into_iter()
        .chain(strings_at(container, "args"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn stores_require_credentials_from_the_store_secret() {
    let (spin, objects) = (spin(), base_objects());
    let stores = runtime_config_stores(&overlay_dir("prod").join("runtime-config.example.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut p = Problems::default();
    let sets: BTreeMap<&str, &Object> = of_kind(&objects, "StatefulSet")
        .into_iter()
        .map(|s| (s.name(), s))
        .collect();
    let container = |set: &Object| lookup(&set.doc, "spec.template.spec.containers[]")[0].cloned();

    for ((section, label), (kind, url, _)) in &stores {
        let host = url_host(url);
        let Some(set) = sets.get(host) else {
            // A managed store (Turso, a managed Redis): its credential is in the runtime config.
            continue;
        };
        let Some(c) = container(set) else {
            p.0.push(format!("{}: no container", set.label()));
            continue;
        };
        let script = container_script(&c);
        match kind.as_str() {
            "redis" => {
                for var in ["REDIS_PASSWORD", "REDISCLI_AUTH"] {
                    let r = env_secret(&c, var);
                    p.check(
                        r == Some((STORE_SECRET.into(), "redis_password".into(), false)),
                        || format!("{}: env {var} must come from Secret {STORE_SECRET} key redis_password (not optional), found {r:?}", set.label()),
                    );
                }
                p.check(
                    script.contains("requirepass") && script.contains("REDIS_PASSWORD"),
                    || {
                        format!(
                            "{}: redis-server must run with requirepass $REDIS_PASSWORD",
                            set.label()
                        )
                    },
                );
                p.check(script.contains("-lt 32"), || {
                    format!(
                        "{}: must refuse to start with a password shorter than 32 bytes",
                        set.label()
                    )
                });
            }
            "libsql" => {
                let key = format!("sqld_{label}_jwt_key");
                let r = env_secret(&c, "SQLD_AUTH_JWT_KEY");
                p.check(
                    r == Some((STORE_SECRET.into(), key.clone(), false)),
                    || format!("{}: env SQLD_AUTH_JWT_KEY must come from Secret {STORE_SECRET} key {key} (not optional), found {r:?}", set.label()),
                );
                p.check(env_var(&c, "SQLD_HTTP_AUTH").is_none(), || {
                    format!(
                        "{}: SQLD_HTTP_AUTH would replace the JWT check",
                        set.label()
                    )
                });
                p.check(
                    script.contains("SQLD_AUTH_JWT_KEY") && script.contains("exit 1"),
                    || format!("{}: must refuse to start without its key", set.label()),
                );
            }
            other => {
                p.0.push(format!("[{section}.{label}]: type {other} in the cluster"))
            }
        }
    }
    // Every in-cluster store is a store of some label (no open server is left behind).
    for (name, set) in &sets {
        p.check(
            stores.values().any(|(_, url, _)| url_host(url) == *name),
            || format!("{}: no runtime-config store points at it", set.label()),
        );
    }
    // KEDA reads the lag with the password.
    let auths: BTreeMap<&str, &Object> = of_kind(&objects, "TriggerAuthentication")
        .into_iter()
        .map(|a| (a.name(), a))
        .collect();
    for so in of_kind(&objects, "ScaledObject") {
        for trigger in lookup(&so.doc, "spec.triggers[]").into_iter().flatten() {
            let name = str_at(trigger, "authenticationRef.name").unwrap_or_default();
            let ok = auths.get(name).is_some_and(|a| {
                lookup(&a.doc, "spec.secretTargetRef[]")
                    .into_iter()
                    .flatten()
                    .any(|r| {
                        str_at(r, "parameter") == Some("password")
                            && str_at(r, "name") == Some(STORE_SECRET)
                            && str_at(r, "key") == Some("redis_password")
                    })
            });
            p.check(ok, || format!("{}: the redis-streams trigger needs authenticationRef to a TriggerAuthentication mapping `password` to {STORE_SECRET}/redis_password", so.label()));
        }
    }
    // The Redis address the components connect with carries the password: it comes from the
    // store Secret, never from a ConfigMap.
    for app in of_kind(&objects, "SpinApp") {
        for var in lookup(&app.doc, "spec.variables[]").into_iter().flatten() {
            let name = str_at(var, "name").unwrap_or_default();
            if spin.redis_address_variables.contains(name) {
                let from = str_at(var, "valueFrom.secretKeyRef.name");
                p.check(from == Some(STORE_SECRET), || {
                    format!("{}: {name} carries the Redis password: valueFrom.secretKeyRef {STORE_SECRET}, found {from:?}", app.label())
                });
            }
        }
    }
    p.assert_none();
}

#[test]
fn runtime_config_templates_take_every_store_credential_from_the_secret() {
    let mut p = Problems::default();
    for overlay in ["dev", "prod"] {
        let path = overlay_dir(overlay).join("runtime-config.example.toml");
        let stores = runtime_config_stores(&path).unwrap_or_else(|e| panic!("{e}"));
        for ((section, label), (kind, url, token)) in &stores {
            let at = format!("{overlay}/runtime-config.example.toml [{section}.{label}]");
            match kind.as_str() {
                "redis" => p.check(url.contains(":${REDIS_PASSWORD}@"), || {
                    format!("{at}: the URL must carry the password: redis://:${{REDIS_PASSWORD}}@host:port/db")
                }),
                "libsql" => {
                    let want = format!("${{SQLD_TOKEN_{}}}", label.to_ascii_uppercase());
                    p.check(token.as_deref() == Some(want.as_str()), || {
                        format!("{at}: token must be the placeholder {want} (make-secrets.sh fills it), found {token:?}")
                    });
                }
                _ => {}
            }
        }
        // Generators read the filled-in file; the template never reaches a Secret.
        let k = &yaml_documents(&overlay_dir(overlay).join("kustomization.yaml"))
            .unwrap_or_else(|e| panic!("{e}"))[0];
        let files: Vec<String> = lookup(k, "secretGenerator[]")
            .into_iter()
            .flatten()
            .flat_map(|g| strings_at(g, "files"))
            .collect();
        p.check(files.iter().all(|f| !f.contains("example")), || {
            format!("overlay {overlay}: a Secret is generated from an example file: {files:?}")
        });
    }
    p.assert_none();
}

#[test]
fn credentials_stay_out_of_configmaps_and_allowed_outbound_hosts() {
    let (spin, objects) = (spin(), base_objects());
    let mut p = Problems::default();
    for overlay in ["dev", "prod"] {
        let config =
            env_file(&overlay_dir(overlay).join("config.env")).unwrap_or_else(|e| panic!("{e}"));
        for (key, value) in &config {
            p.check(!(value.contains("://") && value.contains('@')), || {
                format!("overlay {overlay}: config.env {key} is a URL with credentials; ConfigMaps are not secret")
            });
            p.check(!SECRET_NAMES.contains(&key.as_str()), || {
                format!("overlay {overlay}: config.env sets {key}; it belongs in a Secret")
            });
        }
    }
    // Spin parses every allowed_outbound_hosts entry as scheme://host[:port]; a value with
    // `user:password@` fails to parse, and the component then has no outbound permission at all.
    for app in of_kind(&objects, "SpinApp") {
        let from_store_secret: BTreeSet<&str> = lookup(&app.doc, "spec.variables[]")
            .into_iter()
            .flatten()
            .filter(|v| str_at(v, "valueFrom.secretKeyRef.name") == Some(STORE_SECRET))
            .filter_map(|v| str_at(v, "name"))
            .collect();
        for id in strings_at(&app.doc, "spec.components") {
            let Some(c) = spin.components.get(&id) else {
                continue;
            };
            for host in &c.allowed_outbound_hosts {
                for var in template_names(host) {
                    p.check(!from_store_secret.contains(var.as_str()), || {
                        format!("{}: component {id} lists \"{host}\" in allowed_outbound_hosts, but {var} carries the store password (Secret {STORE_SECRET}); a URL with user:password@ is not a valid allowed host. spin.toml: allow a credential-free variable instead (e.g. \"{{{{ redis_allowed_host }}}}\", bound from config.env) and keep {var} for the connection", app.label())
                    });
                }
            }
        }
    }
    p.assert_none();
}

// ------------------------------------------------------------------------ make-secrets.sh

fn run_make_secrets(args: &[&str], dir: &Path) -> (bool, String) {
    let out = std::process::Command::new("bash")
        .arg(repo_root().join("deploy/spinkube/make-secrets.sh"))
        .args(args)
        .arg(dir)
        .output()
        .expect("bash");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn make_secrets_writes_consistent_credentials_and_check_refuses_weak_ones() {
    let has_openssl = std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        has_openssl,
        "openssl is required by deploy/spinkube/make-secrets.sh (and this test)"
    );
    let mut p = Problems::default();
    for overlay in ["dev", "prod"] {
        let dir = std::env::temp_dir().join(format!(
            "deploy-check-secrets-{}-{overlay}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::copy(
            overlay_dir(overlay).join("runtime-config.example.toml"),
            dir.join("runtime-config.example.toml"),
        )
        .expect("copy template");
        let (ok, err) = run_make_secrets(&[], &dir);
        assert!(ok, "make-secrets.sh {overlay} failed:\n{err}");

        let secrets = env_file(&dir.join("secrets.env")).unwrap_or_else(|e| panic!("{e}"));
        let stores_env = env_file(&dir.join("stores.env")).unwrap_or_else(|e| panic!("{e}"));
        // The written keys are exactly those of the committed examples (what the checks of the
        // Secrets' keys read).
        for (file, written) in [("secrets", &secrets), ("stores", &stores_env)] {
            let example = env_file(&overlay_dir(overlay).join(format!("{file}.example.env")))
                .unwrap_or_else(|e| panic!("{e}"));
            let (a, b): (BTreeSet<_>, BTreeSet<_>) =
                (example.keys().collect(), written.keys().collect());
            p.check(a == b, || format!("overlay {overlay}: {file}.example.env has keys {a:?}, make-secrets.sh writes {b:?}"));
        }
        let password = stores_env
            .get("redis_password")
            .cloned()
            .unwrap_or_default();
        p.check(password.len() >= 32, || {
            format!("{overlay}: redis_password too short")
        });
        for name in ["jwt_secret", "ops_token"] {
            let v = secrets.get(name).map_or(0, String::len);
            p.check(v >= 32, || format!("{overlay}: {name} has {v} bytes"));
        }
        p.check(
            stores_env.get("redis_address")
                == Some(&format!("redis://:{password}@cinema-redis:6379")),
            || {
                format!(
                    "{overlay}: redis_address must be redis://:<redis_password>@cinema-redis:6379"
                )
            },
        );
        let written = runtime_config_stores(&dir.join("runtime-config.toml"))
            .unwrap_or_else(|e| panic!("{e}"));
        for ((section, label), (kind, url, token)) in &written {
            match kind.as_str() {
                "redis" => p.check(url.contains(&format!(":{password}@")), || {
                    format!("{overlay}: [{section}.{label}] {url} lacks the Redis password")
                }),
                "libsql" => p.check(
                    token.as_deref().is_some_and(|t| t.split('.').count() == 3)
                        && stores_env.contains_key(&format!("sqld_{label}_jwt_key")),
                    || format!("{overlay}: [{section}.{label}] needs a JWT and stores.env sqld_{label}_jwt_key"),
                ),
                _ => {}
            }
        }

        // --check refuses what must not reach a cluster.
        let original = std::fs::read_to_string(dir.join("secrets.env")).expect("secrets.env");
        let ops = secrets.get("ops_token").cloned().unwrap_or_default();
        let jwt = secrets.get("jwt_secret").cloned().unwrap_or_default();
        for (what, text) in [
            (
                "an empty ops_token",
                original.replace(&format!("ops_token={ops}"), "ops_token="),
            ),
            ("a short jwt_secret", original.replace(&jwt, "too-short")),
            (
                "ops_token equal to jwt_secret",
                original.replace(&ops, &jwt),
            ),
        ] {
            std::fs::write(dir.join("secrets.env"), text).expect("write");
            let (ok, _) = run_make_secrets(&["--check"], &dir);
            p.check(!ok, || {
                format!("{overlay}: make-secrets.sh --check accepts {what}")
            });
        }
        std::fs::write(dir.join("secrets.env"), &original).expect("write");
        let rc = std::fs::read_to_string(dir.join("runtime-config.toml")).expect("runtime-config");
        let first_token = written
            .values()
            .find_map(|(_, _, t)| t.clone())
            .unwrap_or_default();
        let other_token = written
            .values()
            .filter_map(|(_, _, t)| t.clone())
            .find(|t| *t != first_token)
            .unwrap_or_default();
        for (what, text) in [
            (
                "a Redis URL without the password",
                rc.replacen(&format!(":{password}@"), "@", 1),
            ),
            (
                "a token of another database's key",
                rc.replacen(&first_token, &other_token, 1),
            ),
            (
                "an unfilled placeholder",
                rc.replacen(&first_token, "${SQLD_TOKEN_X}", 1),
            ),
        ] {
            std::fs::write(dir.join("runtime-config.toml"), text).expect("write");
            let (ok, _) = run_make_secrets(&["--check"], &dir);
            p.check(!ok, || {
                format!("{overlay}: make-secrets.sh --check accepts {what}")
            });
        }
        std::fs::write(dir.join("runtime-config.toml"), &rc).expect("write");
        let (ok, err) = run_make_secrets(&["--check"], &dir);
        p.check(ok, || {
            format!("{overlay}: --check refuses the files it wrote:\n{err}")
        });
        let _ = std::fs::remove_dir_all(&dir);
    }
    p.assert_none();
}

// ------------------------------------------------------------------------ the relay CronJob

#[test]
fn relay_cronjob_authenticates_with_ops_token_only() {
    let objects = base_objects();
    let jobs = of_kind(&objects, "CronJob");
    assert!(!jobs.is_empty(), "no CronJob in the base");
    let mut p = Problems::default();
    for job in jobs {
        let containers: Vec<&Yaml> =
            lookup(&job.doc, "spec.jobTemplate.spec.template.spec.containers[]")
                .into_iter()
                .flatten()
                .collect();
        for c in containers {
            let refs = secret_refs(c);
            p.check(
                refs == [(APP_SECRET.to_string(), "ops_token".to_string(), false)],
                || format!("{}: the only secret must be {APP_SECRET}/ops_token, required (not optional); found {refs:?}", job.label()),
            );
            let var = lookup(c, "env[]")
                .into_iter()
                .flatten()
                .find(|e| str_at(e, "valueFrom.secretKeyRef.key") == Some("ops_token"))
                .and_then(|e| str_at(e, "name"))
                .unwrap_or("OPS_TOKEN");
            let script = container_script(c);
            p.check(
                script.contains("authorization: Bearer") && script.contains(&format!("\"${var}\"")),
                || format!("{}: must send ${var} as the bearer token", job.label()),
            );
            p.check(script.contains(&format!("${{#{var}}}\" -lt 32")), || {
                format!(
                    "{}: must fail, saying why, when ${var} is shorter than 32 bytes",
                    job.label()
                )
            });
            p.check(!script.contains("dev-token"), || {
                format!("{}: no dev-token fallback", job.label())
            });
            p.check(script.contains("/api/admin/events/relay"), || {
                format!("{}: calls POST /api/admin/events/relay", job.label())
            });
        }
    }
    p.assert_none();
}

// --------------------------------------------------------------------- nothing published

#[test]
fn no_usable_secret_is_published() {
    let files = unignored_files(&[
        "deploy",
        "docs",
        ".github",
        "spin.toml",
        "runtime-config.toml",
        "README.md",
    ]);
    assert!(files.len() > 10, "found only {files:?}");
    let root = repo_root();
    let mut p = Problems::default();
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue; // not text
        };
        let rel = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .display()
            .to_string();
        if rel.starts_with("deploy/check/") {
            continue; // this checker's own patterns and fixtures
        }
        for (n, line) in text.lines().enumerate() {
            for (name, value) in assignments_in_line(line, SECRET_NAMES) {
                p.check(value.len() < 32, || {
                    format!("{rel}:{}: {name} = a {}-byte value: a published value must never be usable (leave it empty; generate with openssl rand -hex 32)", n + 1, value.len())
                });
            }
        }
        // The example env files show the shape only.
        if rel.ends_with(".example.env") {
            for (key, value) in env_file(file).unwrap_or_default() {
                p.check(value.is_empty(), || {
                    format!("{rel}: {key} has a value; examples leave every value empty")
                });
            }
        }
    }
    p.assert_none();
}

#[test]
fn published_secret_scanner_finds_assignments() {
    let names = SECRET_NAMES;
    let long = "0123456789abcdef0123456789abcdef";
    for line in [
        format!("jwt_secret={long}"),
        format!("  - jwt_secret={long}"),
        format!("jwt_secret = {{ default = \"{long}\", secret = true }}"),
        format!("SPIN_VARIABLE_JWT_SECRET={long} spin up"),
        format!("spin up --variable ops_token={long}"),
        format!("OPS_TOKEN: \"{long}\""),
        format!("redis_password='{long}'"),
    ] {
        let found = assignments_in_line(&line, names);
        assert!(
            found.iter().any(|(_, v)| v == long),
            "{line}: found {found:?}"
        );
    }
    for line in [
        "jwt_secret=",
        "jwt_secret = { default = \"\", secret = true }",
        "jwt_secret = \"{{ jwt_secret }}\"",
        "JWT_SECRET: ${{ secrets.JWT_SECRET }}",
        "SPIN_VARIABLE_JWT_SECRET=$(openssl rand -hex 32)",
        "printf 'jwt_secret=%s\\n' \"$JWT_SECRET\"",
        "- name: jwt_secret",
        "key: ops_token",
        "if [ \"$jwt_secret\" == \"x\" ]",
    ] {
        assert!(
            assignments_in_line(line, names).is_empty(),
            "{line}: {:?}",
            assignments_in_line(line, names)
        );
    }
}

// ------------------------------------------------------------------------ per-address limit

#[test]
fn prod_limits_requests_per_address_at_the_ingress() {
    let mut p = Problems::default();
    let k = &yaml_documents(&overlay_dir("prod").join("kustomization.yaml"))
        .unwrap_or_else(|e| panic!("{e}"))[0];
    let ingress_patches: Vec<String> = lookup(k, "patches[]")
        .into_iter()
        .flatten()
        .filter(|patch| str_at(patch, "target.kind") == Some("Ingress"))
        .filter_map(|patch| str_at(patch, "patch").map(str::to_string))
        .collect();
    let mut ingress = of_kind(&base_objects(), "Ingress")
        .first()
        .map(|o| o.doc.clone())
        .expect("an Ingress in the base");
    for patch in &ingress_patches {
        let ops: Yaml = serde_yaml_ng::from_str(patch).expect("patch yaml");
        json_patch(&mut ingress, &ops).unwrap_or_else(|e| panic!("{e}"));
    }
    let annotations = netpol::labels_of(lookup(&ingress, "metadata.annotations")[0]);
    let limit = annotations
        .get("nginx.ingress.kubernetes.io/limit-rps")
        .and_then(|v| v.parse::<u32>().ok());
    p.check(limit.is_some_and(|l| l > 0), || {
        format!("prod: the Ingress needs nginx.ingress.kubernetes.io/limit-rps (per client address); annotations {annotations:?}")
    });
    p.check(
        str_at(&ingress, "spec.ingressClassName") == Some("nginx"),
        || "prod: the limit annotations are ingress-nginx's; ingressClassName must be nginx".into(),
    );
    for overlay in ["dev", "prod"] {
        let config =
            env_file(&overlay_dir(overlay).join("config.env")).unwrap_or_else(|e| panic!("{e}"));
        p.check(
            config.get("rate_limit_address_per_s").map(String::as_str) == Some("0"),
            || format!("overlay {overlay}: rate_limit_address_per_s must be 0 behind the ingress (the gateway sees one address)"),
        );
    }
    p.assert_none();
}
