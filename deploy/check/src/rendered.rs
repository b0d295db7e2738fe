//! The overlays as the cluster receives them (`kubectl kustomize`), and the checks on them that a
//! schema cannot make: the autoscalers scale the Deployments the operator creates for the
//! SpinApps, autoscaled SpinApps leave `replicas` to them, and probes go only where something
//! answers HTTP. Schema validation itself is `deploy/schema/validate.py` (`tests/rendered.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{SpinApp, Yaml, repo_root, str_at, strings_at};

/// The overlays under `deploy/spinkube/overlays`.
pub const OVERLAYS: &[&str] = &["dev", "prod"];

/// A fresh directory under the system temp dir, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// # Panics
    /// The directory cannot be created.
    pub fn new(what: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("deploy-check-{what}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// `kubectl kustomize` of one overlay, rendered from a copy of `deploy/spinkube` in which the
/// overlay's generated files (`secrets.env`, `stores.env`, `runtime-config.toml`, git-ignored) are
/// its committed `*.example*` files: the shape the release writes, with empty values, so the render
/// needs no credentials and does not depend on what make-secrets.sh left in the checkout.
///
/// # Errors
/// The copy fails, kubectl is missing, or kustomize refuses the overlay.
pub fn render(overlay: &str) -> Result<String, String> {
    let tmp = TempDir::new("render");
    let tree = tmp.0.join("spinkube");
    copy_dir(&repo_root().join("deploy/spinkube"), &tree).map_err(|e| format!("copy: {e}"))?;
    let dir = tree.join("overlays").join(overlay);
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some((stem, ext)) = name.split_once(".example") {
            std::fs::copy(entry.path(), dir.join(format!("{stem}{ext}")))
                .map_err(|e| format!("{name}: {e}"))?;
        }
    }
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(&dir)
        .output()
        .map_err(|e| format!("kubectl (needed to render the overlays; install kubectl): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "kubectl kustomize overlays/{overlay}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("kubectl kustomize output: {e}"))
}

/// The documents as one multi-document YAML text.
///
/// # Panics
/// A document cannot be serialised (not for values parsed from YAML).
pub fn to_yaml(docs: &[Yaml]) -> String {
    docs.iter()
        .map(|d| {
            format!(
                "---\n{}",
                serde_yaml_ng::to_string(d).expect("serialise YAML")
            )
        })
        .collect()
}

fn kind(doc: &Yaml) -> &str {
    str_at(doc, "kind").unwrap_or_default()
}

/// `Kind namespace/name`.
pub fn label(doc: &Yaml) -> String {
    format!(
        "{} {}/{}",
        kind(doc),
        str_at(doc, "metadata.namespace").unwrap_or_default(),
        str_at(doc, "metadata.name").unwrap_or_default()
    )
}

fn autoscaled(app: &Yaml) -> bool {
    app.get("spec")
        .and_then(|s| s.get("enableAutoscaling"))
        .and_then(Yaml::as_bool)
        == Some(true)
}

/// Whether one of the SpinApp's components (all of spin.toml's when `spec.components` is absent)
/// has an HTTP trigger, private ones included: only then does the pod listen for the probes.
pub fn serves_http(spin: &SpinApp, app: &Yaml) -> bool {
    let selected = strings_at(app, "spec.components");
    spin.components
        .iter()
        .filter(|(id, _)| selected.is_empty() || selected.contains(id))
        .any(|(_, c)| !c.http_routes.is_empty())
}

/// What no schema can say about a rendered overlay:
/// - every HorizontalPodAutoscaler and ScaledObject scales the `apps/v1` Deployment the operator
///   creates for a SpinApp of its namespace (same name), never the SpinApp itself, and no
///   Deployment has two autoscalers;
/// - a SpinApp scaled that way has `enableAutoscaling: true` (else the operator resets the
///   replicas the autoscaler sets), and one with `enableAutoscaling: true` has no `replicas`
///   (the operator's webhook refuses it) and has an autoscaler (else nothing sizes it);
/// - `checks` (readiness / liveness probes) only on SpinApps whose components include an
///   HTTP-triggered one: a pod of Redis-triggered components has no listener and would never
///   become ready.
pub fn problems(spin: &SpinApp, docs: &[Yaml]) -> Vec<String> {
    let mut out = Vec::new();
    let key = |doc: &Yaml| {
        (
            str_at(doc, "metadata.namespace")
                .unwrap_or_default()
                .to_string(),
            str_at(doc, "metadata.name").unwrap_or_default().to_string(),
        )
    };
    let apps: BTreeMap<(String, String), &Yaml> = docs
        .iter()
        .filter(|d| kind(d) == "SpinApp")
        .map(|d| (key(d), d))
        .collect();
    let mut scaled_by: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for scaler in docs
        .iter()
        .filter(|d| matches!(kind(d), "HorizontalPodAutoscaler" | "ScaledObject"))
    {
        let keda = kind(scaler) == "ScaledObject";
        // KEDA defaults an absent apiVersion / kind to apps/v1 Deployment; the HPA requires both.
        let default = |v: &'static str| if keda { Some(v) } else { None };
        let api = str_at(scaler, "spec.scaleTargetRef.apiVersion").or(default("apps/v1"));
        let target_kind = str_at(scaler, "spec.scaleTargetRef.kind").or(default("Deployment"));
        let name = str_at(scaler, "spec.scaleTargetRef.name").unwrap_or_default();
        let namespace = str_at(scaler, "metadata.namespace").unwrap_or_default();
        let target = (namespace.to_string(), name.to_string());
        let what = label(scaler);
        if target_kind == Some("SpinApp")
            || api.is_some_and(|a| a.starts_with("core.spinkube.dev/"))
        {
            out.push(format!("{what}: scales the SpinApp {name} itself; scale the Deployment the operator creates for it (apiVersion apps/v1, kind Deployment, name {name})"));
            continue;
        }
        if api != Some("apps/v1") || target_kind != Some("Deployment") {
            out.push(format!(
                "{what}: scales {} {} {name}, not the apps/v1 Deployment of a SpinApp",
                api.unwrap_or("(no apiVersion)"),
                target_kind.unwrap_or("(no kind)")
            ));
            continue;
        }
        match apps.get(&target) {
            None => out.push(format!("{what}: scales Deployment {name}, but no SpinApp {name} in namespace {namespace} creates it")),
            Some(app) if !autoscaled(app) => out.push(format!("{what}: scales SpinApp {name}'s Deployment, but {name} lacks enableAutoscaling: true (the operator would reset its replicas)")),
            Some(_) => {}
        }
        scaled_by.entry(target).or_default().push(what);
    }
    for (target, scalers) in &scaled_by {
        if scalers.len() > 1 {
            out.push(format!(
                "Deployment {}/{} has several autoscalers: {scalers:?}",
                target.0, target.1
            ));
        }
    }
    for (target, app) in &apps {
        let what = label(app);
        let spec = app.get("spec");
        if autoscaled(app) {
            if spec.and_then(|s| s.get("replicas")).is_some() {
                out.push(format!("{what}: enableAutoscaling: true with replicas (the operator's webhook refuses it; the autoscaler owns the count)"));
            }
            if !scaled_by.contains_key(target) {
                out.push(format!("{what}: enableAutoscaling: true but no HorizontalPodAutoscaler or ScaledObject scales Deployment {}", target.1));
            }
        }
        if spec.and_then(|s| s.get("checks")).is_some() && !serves_http(spin, app) {
            out.push(format!("{what}: has checks (probes), but none of its components {:?} has an HTTP trigger to answer them", strings_at(app, "spec.components")));
        }
    }
    out
}
