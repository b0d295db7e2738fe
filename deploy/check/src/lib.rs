//! Loading helpers for the deployment checks in `tests/manifests.rs`: the repository's YAML
//! documents (multi-document files), `spin.toml` reduced to what deployment depends on, and
//! dotted-path lookups into YAML values. Nothing here is used at run time by the platform.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub use serde_yaml_ng::Value as Yaml;

/// The repository root (this crate lives in `deploy/check`).
pub fn repo_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// Files under `dir` (recursively) whose name ends with one of `exts`, sorted.
pub fn files_with(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if exts.iter().any(|e| path.to_string_lossy().ends_with(e)) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Every YAML document of a file (`---`-separated); empty documents are skipped.
///
/// # Errors
/// The file cannot be read or a document is not valid YAML.
pub fn yaml_documents(path: &Path) -> Result<Vec<Yaml>, String> {
    use serde::Deserialize as _;
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut docs = Vec::new();
    for de in serde_yaml_ng::Deserializer::from_str(&text) {
        let doc = Yaml::deserialize(de).map_err(|e| format!("{}: {e}", path.display()))?;
        if !doc.is_null() {
            docs.push(doc);
        }
    }
    Ok(docs)
}

/// A Kubernetes object found in `deploy/`, with the file it came from.
pub struct Object {
    pub file: PathBuf,
    pub doc: Yaml,
}

impl Object {
    pub fn kind(&self) -> &str {
        self.doc.get("kind").and_then(Yaml::as_str).unwrap_or("")
    }

    pub fn name(&self) -> &str {
        str_at(&self.doc, "metadata.name").unwrap_or("")
    }

    pub fn label(&self) -> String {
        let root = repo_root();
        let file = self.file.strip_prefix(&root).unwrap_or(&self.file);
        format!("{} {} ({})", self.kind(), self.name(), file.display())
    }
}

/// Every document with a `kind` in the YAML files under `deploy/`.
///
/// # Panics
/// A file does not parse (the parse test reports which).
pub fn deploy_objects() -> Vec<Object> {
    let mut out = Vec::new();
    for file in files_with(&repo_root().join("deploy"), &[".yaml", ".yml"]) {
        for doc in yaml_documents(&file).unwrap_or_else(|e| panic!("{e}")) {
            if doc.get("kind").is_some() {
                out.push(Object {
                    file: file.clone(),
                    doc,
                });
            }
        }
    }
    out
}

/// The values at a dotted path; `name[]` steps into every element of a list. A missing step
/// yields `None` for that branch, so callers can tell "absent" from "present".
pub fn lookup<'a>(value: &'a Yaml, path: &str) -> Vec<Option<&'a Yaml>> {
    let mut current = vec![Some(value)];
    for step in path.split('.') {
        let (key, each) = match step.strip_suffix("[]") {
            Some(key) => (key, true),
            None => (step, false),
        };
        let mut next = Vec::new();
        for v in current {
            let child = v.and_then(|v| v.get(key));
            if each {
                match child.and_then(Yaml::as_sequence) {
                    Some(items) => next.extend(items.iter().map(Some)),
                    None => next.push(None),
                }
            } else {
                next.push(child);
            }
        }
        current = next;
    }
    current
}

/// The string at a path without lists, if there is one.
pub fn str_at<'a>(value: &'a Yaml, path: &str) -> Option<&'a str> {
    lookup(value, path)
        .first()
        .copied()
        .flatten()
        .and_then(Yaml::as_str)
}

/// A list of strings at a path (e.g. `spec.components`).
pub fn strings_at(value: &Yaml, path: &str) -> Vec<String> {
    lookup(value, path)
        .first()
        .copied()
        .flatten()
        .and_then(Yaml::as_sequence)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// What deployment needs to know about one component of `spin.toml`.
#[derive(Debug, Default)]
pub struct Component {
    /// Routes of its HTTP triggers: `Some(route)`, or `None` for `{ private = true }`.
    pub http_routes: Vec<Option<String>>,
    pub redis_triggered: bool,
    pub allowed_outbound_hosts: Vec<String>,
    /// Application variables its configuration refers to (`{{ name }}`), including the Redis
    /// trigger's address and channel for a Redis-triggered component.
    pub uses_variables: BTreeSet<String>,
    pub key_value_stores: Vec<String>,
    pub sqlite_databases: Vec<String>,
}

/// `spin.toml` reduced to components, triggers and application variables.
#[derive(Debug, Default)]
pub struct SpinApp {
    pub components: BTreeMap<String, Component>,
    /// Application variable → `secret = true`.
    pub variables: BTreeMap<String, bool>,
}

/// `{{ name }}` references in a template string.
pub fn template_names(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.push(after[..end].trim().to_string());
        rest = &after[end + 2..];
    }
    out
}

fn toml_strings(v: Option<&toml::Value>) -> Vec<String> {
    v.and_then(toml::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Parses a Spin manifest (v2).
///
/// # Errors
/// Not readable, not TOML, or a trigger names an undefined component.
pub fn spin_manifest(path: &Path) -> Result<SpinApp, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: toml::Value = text
        .parse()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut app = SpinApp::default();
    if let Some(vars) = doc.get("variables").and_then(toml::Value::as_table) {
        for (name, def) in vars {
            let secret = def
                .get("secret")
                .and_then(toml::Value::as_bool)
                .unwrap_or(false);
            app.variables.insert(name.clone(), secret);
        }
    }
    let components = doc
        .get("component")
        .and_then(toml::Value::as_table)
        .ok_or("spin.toml has no [component.*]")?;
    for (id, table) in components {
        let mut c = Component {
            allowed_outbound_hosts: toml_strings(table.get("allowed_outbound_hosts")),
            key_value_stores: toml_strings(table.get("key_value_stores")),
            sqlite_databases: toml_strings(table.get("sqlite_databases")),
            ..Component::default()
        };
        for host in &c.allowed_outbound_hosts {
            c.uses_variables.extend(template_names(host));
        }
        if let Some(vars) = table.get("variables").and_then(toml::Value::as_table) {
            for value in vars.values().filter_map(toml::Value::as_str) {
                c.uses_variables.extend(template_names(value));
            }
        }
        app.components.insert(id.clone(), c);
    }
    let redis_address = doc
        .get("application")
        .and_then(|a| a.get("trigger"))
        .and_then(|t| t.get("redis"))
        .and_then(|r| r.get("address"))
        .and_then(toml::Value::as_str)
        .unwrap_or("");
    let triggers = doc.get("trigger").and_then(toml::Value::as_table);
    for (kind, list) in triggers.into_iter().flatten() {
        for trigger in list.as_array().into_iter().flatten() {
            let id = trigger
                .get("component")
                .and_then(toml::Value::as_str)
                .ok_or_else(|| format!("a {kind} trigger without a component id"))?;
            let c = app
                .components
                .get_mut(id)
                .ok_or_else(|| format!("a {kind} trigger names unknown component {id}"))?;
            match kind.as_str() {
                "http" => c.http_routes.push(
                    trigger
                        .get("route")
                        .and_then(toml::Value::as_str)
                        .map(str::to_string),
                ),
                "redis" => {
                    c.redis_triggered = true;
                    c.uses_variables.extend(template_names(redis_address));
                    let channel = trigger.get("channel").and_then(toml::Value::as_str);
                    c.uses_variables
                        .extend(template_names(channel.unwrap_or_default()));
                }
                _ => {}
            }
        }
    }
    Ok(app)
}

/// `KEY=VALUE` lines of an env file (comments and blank lines skipped).
///
/// # Errors
/// The file cannot be read.
pub fn env_file_keys(path: &Path) -> Result<BTreeSet<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
        .collect())
}
