//! The overlays as `kubectl kustomize` renders them (with their example credential files) pass
//! real schemas — the built-in kinds of Kubernetes 1.35 (kubernetes-validate, strict: unknown
//! fields fail), SpinApp, ScaledObject and TriggerAuthentication (`deploy/schema/*.json`) — through
//! `deploy/schema/validate.py` in the venv of `scripts/deploy-env`, and the checks no schema can
//! make (`deploy_check::rendered::problems`). Broken copies of the render must fail both.
//!
//! `DEPLOY_CHECK_SPIN_TOML=<path>` checks against another manifest (e.g. a proposed spin.toml).

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use deploy_check::rendered::{self, OVERLAYS, TempDir, label, to_yaml};
use deploy_check::{SpinApp, Yaml, documents, repo_root, spin_manifest, str_at};

fn spin() -> SpinApp {
    let path = std::env::var_os("DEPLOY_CHECK_SPIN_TOML")
        .map_or_else(|| repo_root().join("spin.toml"), PathBuf::from);
    spin_manifest(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Each overlay's render, made once per test process.
fn renders() -> &'static [(&'static str, String)] {
    static RENDERS: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    RENDERS.get_or_init(|| {
        OVERLAYS
            .iter()
            .map(|o| (*o, rendered::render(o).unwrap_or_else(|e| panic!("{e}"))))
            .collect()
    })
}

fn docs_of(overlay: &str) -> Vec<Yaml> {
    let (_, text) = renders()
        .iter()
        .find(|(o, _)| *o == overlay)
        .expect("an overlay");
    documents(text).unwrap_or_else(|e| panic!("render of {overlay}: {e}"))
}

/// The venv's python (scripts/deploy-env creates it once, then only checks it).
fn python() -> &'static PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let script = repo_root().join("scripts/deploy-env");
        let out = Command::new(&script)
            .output()
            .expect("run scripts/deploy-env");
        assert!(
            out.status.success(),
            "scripts/deploy-env failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let path = Command::new(&script)
            .arg("--path")
            .output()
            .expect("scripts/deploy-env --path");
        PathBuf::from(String::from_utf8_lossy(&path.stdout).trim()).join("bin/python")
    })
}

/// validate.py over the named texts (each written to `<name>.yaml`): success and its output.
fn validate(files: &[(String, String)]) -> (bool, String) {
    let tmp = TempDir::new("validate");
    let paths: Vec<PathBuf> = files
        .iter()
        .map(|(name, text)| {
            let path = tmp.0.join(format!("{name}.yaml"));
            std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            path
        })
        .collect();
    let out = Command::new(python())
        .arg(repo_root().join("deploy/schema/validate.py"))
        .args(&paths)
        .output()
        .expect("run validate.py");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.success(),
        text.replace(&format!("{}/", tmp.0.display()), ""),
    )
}

fn find<'a>(docs: &'a mut [Yaml], kind: &str, name: &str) -> &'a mut Yaml {
    docs.iter_mut()
        .find(|d| str_at(d, "kind") == Some(kind) && str_at(d, "metadata.name") == Some(name))
        .unwrap_or_else(|| panic!("no {kind} {name} in the render"))
}

/// Sets the value at a dotted path (`spec.triggers.0.metadata.lagCount`), creating mappings on
/// the way.
fn set(doc: &mut Yaml, path: &str, value: Yaml) {
    let (parents, last) = path.rsplit_once('.').map_or(("", path), |(p, l)| (p, l));
    let mut node = doc;
    for step in parents.split('.').filter(|s| !s.is_empty()) {
        node = match node {
            Yaml::Sequence(items) => &mut items[step.parse::<usize>().expect("an index")],
            Yaml::Mapping(map) => map
                .entry(Yaml::String(step.to_string()))
                .or_insert_with(|| Yaml::Mapping(Default::default())),
            other => panic!("{path}: cannot step into {other:?}"),
        };
    }
    match node {
        Yaml::Mapping(map) => {
            map.insert(Yaml::String(last.to_string()), value);
        }
        other => panic!("{path}: not a mapping: {other:?}"),
    }
}

fn yaml(text: &str) -> Yaml {
    serde_yaml_ng::from_str(text).expect("YAML")
}

#[test]
fn the_rendered_overlays_pass_the_kubernetes_spinkube_and_keda_schemas() {
    let files: Vec<(String, String)> = renders()
        .iter()
        .map(|(o, text)| ((*o).to_string(), text.clone()))
        .collect();
    let (ok, out) = validate(&files);
    assert!(ok, "validate.py refuses the rendered overlays:\n{out}");
    for (overlay, _) in renders() {
        let kinds: Vec<String> = docs_of(overlay)
            .iter()
            .map(|d| str_at(d, "kind").unwrap_or_default().to_string())
            .collect();
        for kind in [
            "SpinApp",
            "ScaledObject",
            "HorizontalPodAutoscaler",
            "TriggerAuthentication",
        ] {
            assert!(
                kinds.iter().any(|k| k == kind),
                "overlay {overlay} rendered no {kind}"
            );
        }
    }
    println!("{out}");
}

#[test]
fn a_broken_manifest_fails_the_schema_check() {
    // (case, overlay, kind, name, path, value, what validate.py must say about it)
    let cases = [
        (
            "spinapp-replicas-a-string",
            "dev",
            "SpinApp",
            "cinema-reservation",
            "spec.replicas",
            "two",
            "SpinApp cinema-dev/cinema-reservation: spec.replicas: 'two' is not of type 'integer'",
        ),
        (
            "spinapp-unknown-probe-field",
            "prod",
            "SpinApp",
            "cinema-gateway",
            "spec.checks.readiness.httpGet.port",
            "80",
            "SpinApp cinema/cinema-gateway: spec.checks.readiness.httpGet: Additional properties are not allowed ('port' was unexpected)",
        ),
        (
            "scaledobject-lag-a-number",
            "prod",
            "ScaledObject",
            "cinema-payment-events",
            "spec.triggers.0.metadata.lagCount",
            "100",
            "ScaledObject cinema/cinema-payment-events: spec.triggers.0.metadata.lagCount: 100 is not of type 'string'",
        ),
        (
            "hpa-misspelt-field",
            "dev",
            "HorizontalPodAutoscaler",
            "cinema-web",
            "spec.maxReplica",
            "3",
            "HorizontalPodAutoscaler cinema-dev/cinema-web: spec: Additional properties are not allowed ('maxReplica' was unexpected)",
        ),
        (
            "statefulset-replicas-a-string",
            "prod",
            "StatefulSet",
            "cinema-redis",
            "spec.replicas",
            "one",
            "StatefulSet cinema/cinema-redis: spec.replicas: 'one' is not of type 'integer', 'null'",
        ),
    ];
    let files: Vec<(String, String)> = cases
        .iter()
        .map(|(case, overlay, kind, name, path, value, _)| {
            let mut docs = docs_of(overlay);
            set(find(&mut docs, kind, name), path, yaml(value));
            ((*case).to_string(), to_yaml(&docs))
        })
        .collect();
    let (ok, out) = validate(&files);
    assert!(!ok, "validate.py accepts the broken copies:\n{out}");
    for (case, _, _, _, _, _, expected) in cases {
        let lines: Vec<&str> = out
            .lines()
            .filter(|l| l.starts_with(&format!("{case}.yaml: ")))
            .collect();
        assert!(
            lines.len() == 1 && lines[0].ends_with(expected),
            "{case}: expected exactly `{expected}`, validate.py said:\n{out}"
        );
    }
    println!("{out}");
}

#[test]
fn autoscalers_replicas_and_probes_fit_the_rendered_spinapps() {
    let spin = spin();
    for (overlay, _) in renders() {
        let docs = docs_of(overlay);
        let problems = rendered::problems(&spin, &docs);
        assert!(
            problems.is_empty(),
            "overlay {overlay}:\n- {}",
            problems.join("\n- ")
        );
    }
}

/// A broken copy of the dev render for the checks no schema makes.
struct Misfit {
    what: &'static str,
    kind: &'static str,
    name: &'static str,
    /// (dotted path, YAML value) set on that object.
    edits: &'static [(&'static str, &'static str)],
    /// The beginnings of exactly the problems it must cause.
    expected: &'static [&'static str],
}

const MISFITS: &[Misfit] = &[
    Misfit {
        what: "a ScaledObject on the SpinApp kind",
        kind: "ScaledObject",
        name: "cinema-reservation-events",
        edits: &[
            (
                "spec.scaleTargetRef.apiVersion",
                "core.spinkube.dev/v1alpha1",
            ),
            ("spec.scaleTargetRef.kind", "SpinApp"),
        ],
        expected: &[
            "ScaledObject cinema-dev/cinema-reservation-events: scales the SpinApp cinema-reservation-events itself",
            "SpinApp cinema-dev/cinema-reservation-events: enableAutoscaling: true but no HorizontalPodAutoscaler or ScaledObject scales",
        ],
    },
    Misfit {
        what: "an HPA on a Deployment no SpinApp creates",
        kind: "HorizontalPodAutoscaler",
        name: "cinema-gateway",
        edits: &[("spec.scaleTargetRef.name", "gateway")],
        expected: &[
            "HorizontalPodAutoscaler cinema-dev/cinema-gateway: scales Deployment gateway, but no SpinApp gateway in namespace cinema-dev creates it",
            "SpinApp cinema-dev/cinema-gateway: enableAutoscaling: true but no",
        ],
    },
    Misfit {
        what: "an HPA on a StatefulSet",
        kind: "HorizontalPodAutoscaler",
        name: "cinema-web",
        edits: &[("spec.scaleTargetRef.kind", "StatefulSet")],
        expected: &[
            "HorizontalPodAutoscaler cinema-dev/cinema-web: scales apps/v1 StatefulSet cinema-web, not the apps/v1 Deployment of a SpinApp",
            "SpinApp cinema-dev/cinema-web: enableAutoscaling: true but no",
        ],
    },
    Misfit {
        what: "replicas on an autoscaled SpinApp",
        kind: "SpinApp",
        name: "cinema-catalog",
        edits: &[("spec.replicas", "2")],
        expected: &["SpinApp cinema-dev/cinema-catalog: enableAutoscaling: true with replicas"],
    },
    Misfit {
        what: "an autoscaled SpinApp without enableAutoscaling",
        kind: "SpinApp",
        name: "cinema-theater",
        edits: &[("spec.enableAutoscaling", "false")],
        expected: &[
            "HorizontalPodAutoscaler cinema-dev/cinema-theater: scales SpinApp cinema-theater's Deployment, but cinema-theater lacks enableAutoscaling: true",
        ],
    },
    Misfit {
        what: "probes on a SpinApp of Redis-triggered components",
        kind: "SpinApp",
        name: "cinema-catalog-events",
        edits: &[(
            "spec.checks",
            "{readiness: {httpGet: {path: /.well-known/spin/health}}}",
        )],
        expected: &[
            "SpinApp cinema-dev/cinema-catalog-events: has checks (probes), but none of its components [\"catalog-events\"] has an HTTP trigger",
        ],
    },
];

#[test]
fn a_scaledobject_on_the_spinapp_and_other_misfits_fail_the_rendered_checks() {
    let spin = spin();
    let mut failures = Vec::new();
    for m in MISFITS {
        let mut docs = docs_of("dev");
        for (path, value) in m.edits {
            set(find(&mut docs, m.kind, m.name), path, yaml(value));
        }
        let problems = rendered::problems(&spin, &docs);
        let all_found = m
            .expected
            .iter()
            .all(|e| problems.iter().any(|p| p.starts_with(e)));
        if !all_found || problems.len() != m.expected.len() {
            failures.push(format!(
                "{}: expected {:#?}\nfound {problems:#?}",
                m.what, m.expected
            ));
        }
        println!("{}:\n  - {}", m.what, problems.join("\n  - "));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_spinapp_without_components_serves_http_when_spin_toml_has_an_http_trigger() {
    let spin = spin();
    let app = yaml("{kind: SpinApp, metadata: {name: all}, spec: {image: x, executor: y}}");
    assert!(rendered::serves_http(&spin, &app));
    let events = yaml("{kind: SpinApp, metadata: {name: e}, spec: {components: [catalog-events]}}");
    assert!(!rendered::serves_http(&spin, &events), "{}", label(&events));
}
