//! Loading helpers for the deployment checks in `tests/`: the repository's YAML documents
//! (multi-document files), `spin.toml` reduced to what deployment depends on, and
//! dotted-path lookups into YAML values. Nothing here is used at run time by the platform.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub mod netpol;
pub mod promql;
pub mod rendered;

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
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    documents(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Every YAML document of a text (`---`-separated); empty documents are skipped.
///
/// # Errors
/// A document is not valid YAML.
pub fn documents(text: &str) -> Result<Vec<Yaml>, String> {
    use serde::Deserialize as _;
    let mut docs = Vec::new();
    for de in serde_yaml_ng::Deserializer::from_str(text) {
        let doc = Yaml::deserialize(de).map_err(|e| e.to_string())?;
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
    /// Channels of its Redis triggers.
    pub redis_channels: Vec<String>,
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
    /// The variables in `[application.trigger.redis] address` (the Redis the events use).
    pub redis_address_variables: BTreeSet<String>,
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
    app.redis_address_variables = template_names(redis_address).into_iter().collect();
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
                    // A trigger may name its own address; otherwise the application's.
                    let address = trigger
                        .get("address")
                        .and_then(toml::Value::as_str)
                        .unwrap_or(redis_address);
                    c.uses_variables.extend(template_names(address));
                    let channel = trigger.get("channel").and_then(toml::Value::as_str);
                    c.redis_channels.extend(channel.map(str::to_string));
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

/// `KEY=VALUE` lines of an env file as a map (comments and blank lines skipped; the last
/// assignment of a key wins).
///
/// # Errors
/// The file cannot be read.
pub fn env_file(path: &Path) -> Result<BTreeMap<String, String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        })
        .collect())
}

/// The files under `paths` (relative to the repository root) that git tracks or would track:
/// git-ignored files (the credentials `make-secrets.sh` writes) are left out. Without git, every
/// file except those named in a `.gitignore` beside them.
pub fn unignored_files(paths: &[&str]) -> Vec<PathBuf> {
    let root = repo_root();
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(&root)
        .args([
            "ls-files",
            "--cached",
            "--others",
            "--exclude-standard",
            "-z",
            "--",
        ])
        .args(paths)
        .output();
    if let Ok(out) = out
        && out.status.success()
    {
        let mut files: Vec<PathBuf> = out
            .stdout
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| root.join(String::from_utf8_lossy(p).as_ref()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        files.dedup();
        return files;
    }
    let mut files = Vec::new();
    for path in paths {
        let path = root.join(path);
        let candidates = if path.is_dir() {
            files_with(&path, &[""])
        } else {
            vec![path]
        };
        for file in candidates.into_iter().filter(|f| f.is_file()) {
            let ignored = file.parent().is_some_and(|dir| {
                let name = file.file_name().map(|n| n.to_string_lossy().to_string());
                std::fs::read_to_string(dir.join(".gitignore"))
                    .unwrap_or_default()
                    .lines()
                    .any(|l| Some(l.trim().trim_start_matches('/').to_string()) == name)
            });
            if !ignored {
                files.push(file);
            }
        }
    }
    files.sort();
    files
}

/// Assignments of the names in `names` (case-insensitive: `jwt_secret=`, `JWT_SECRET: `,
/// `jwt_secret = { default = "…" }`, `--variable jwt_secret=…`, `SPIN_VARIABLE_JWT_SECRET=…`) in
/// one line of text, as `(name, value)`. References are not values and are skipped: `$VAR`,
/// `${…}`, `$(…)`, `{{ … }}`, `<…>`, `%s`.
pub fn assignments_in_line(line: &str, names: &[&str]) -> Vec<(String, String)> {
    let lower = line.to_ascii_lowercase();
    let mut out = Vec::new();
    for name in names {
        let mut from = 0;
        while let Some(found) = lower[from..].find(name) {
            let start = from + found;
            let end = start + name.len();
            from = end;
            let before_ok = start == 0 || !lower.as_bytes()[start - 1].is_ascii_alphanumeric();
            let after_ok = lower
                .as_bytes()
                .get(end)
                .is_none_or(|b| !b.is_ascii_alphanumeric() && *b != b'_');
            if !before_ok || !after_ok {
                continue;
            }
            let rest = line[end..].trim_start_matches(['"', '\'', ' ', '\t']);
            let Some(rest) = rest.strip_prefix(['=', ':']) else {
                continue;
            };
            if rest.starts_with('=') {
                continue; // `==`: a comparison
            }
            let rest = rest.trim_start();
            let value = if rest.starts_with('{') && !rest.starts_with("{{") {
                // TOML inline table: `{ default = "…", secret = true }`
                rest.find("default")
                    .map(|i| rest[i + "default".len()..].trim_start())
                    .and_then(|r| r.strip_prefix('='))
                    .map(str::trim_start)
                    .and_then(|r| r.strip_prefix('"'))
                    .and_then(|r| r.split('"').next())
                    .unwrap_or("")
                    .to_string()
            } else if let Some(quoted) = rest.strip_prefix(['"', '\'']) {
                let q = rest.as_bytes()[0] as char;
                quoted.split(q).next().unwrap_or("").to_string()
            } else {
                rest.split(|c: char| c.is_whitespace() || c == '`' || c == ',')
                    .next()
                    .unwrap_or("")
                    .to_string()
            };
            let reference = value.starts_with('$')
                || value.starts_with("{{")
                || value.starts_with('<')
                || value.starts_with('%');
            if !value.is_empty() && !reference {
                out.push(((*name).to_string(), value));
            }
        }
    }
    out
}

/// Every `secretKeyRef` (`name`, `key`, `optional`) and KEDA `secretTargetRef` (`name`, `key`)
/// anywhere in a document.
pub fn secret_refs(doc: &Yaml) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    let mut stack = vec![doc];
    while let Some(v) = stack.pop() {
        match v {
            Yaml::Mapping(map) => {
                for (k, child) in map {
                    match k.as_str() {
                        Some("secretKeyRef") => out.push((
                            str_at(child, "name").unwrap_or_default().to_string(),
                            str_at(child, "key").unwrap_or_default().to_string(),
                            child
                                .get("optional")
                                .and_then(Yaml::as_bool)
                                .unwrap_or(false),
                        )),
                        Some("secretTargetRef") => {
                            for r in child.as_sequence().into_iter().flatten() {
                                out.push((
                                    str_at(r, "name").unwrap_or_default().to_string(),
                                    str_at(r, "key").unwrap_or_default().to_string(),
                                    false,
                                ));
                            }
                        }
                        _ => stack.push(child),
                    }
                }
            }
            Yaml::Sequence(items) => stack.extend(items),
            Yaml::Tagged(t) => stack.push(&t.value),
            _ => {}
        }
    }
    out
}

/// The host of a URL (`scheme://[user[:password]@]host[:port][/path]`), without credentials and
/// port.
pub fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    hostport.split(':').next().unwrap_or("")
}

/// A runtime config's stores: `(section, label)` → `(type, url, token)`.
pub type Stores = BTreeMap<(String, String), (String, String, Option<String>)>;

/// The stores of a runtime config.
///
/// # Errors
/// The file cannot be read or is not TOML.
pub fn runtime_config_stores(path: &Path) -> Result<Stores, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: toml::Value = text
        .parse()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = BTreeMap::new();
    for section in ["key_value_store", "sqlite_database"] {
        for (label, store) in doc
            .get(section)
            .and_then(toml::Value::as_table)
            .into_iter()
            .flatten()
        {
            let s = |k: &str| {
                store
                    .get(k)
                    .and_then(toml::Value::as_str)
                    .map(str::to_string)
            };
            out.insert(
                (section.to_string(), label.clone()),
                (
                    s("type").unwrap_or_default(),
                    s("url").unwrap_or_default(),
                    s("token"),
                ),
            );
        }
    }
    Ok(out)
}

/// JSON-patch `add` / `replace` (RFC 6902, the subset Kustomize overlays here use) applied to a
/// YAML value.
///
/// # Errors
/// An operation other than add / replace, or a path that does not resolve.
pub fn json_patch(doc: &mut Yaml, ops: &Yaml) -> Result<(), String> {
    for op in ops.as_sequence().into_iter().flatten() {
        let kind = str_at(op, "op").unwrap_or_default();
        let path = str_at(op, "path").unwrap_or_default();
        let value = op.get("value").cloned().unwrap_or(Yaml::Null);
        if kind != "add" && kind != "replace" {
            return Err(format!("unsupported patch op {kind}"));
        }
        let steps: Vec<String> = path
            .split('/')
            .skip(1)
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        let (last, parents) = steps.split_last().ok_or("empty patch path")?;
        let mut target = &mut *doc;
        for step in parents {
            target = match target {
                Yaml::Mapping(m) => m
                    .get_mut(step.as_str())
                    .ok_or_else(|| format!("{path}: no {step}"))?,
                Yaml::Sequence(s) => step
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| s.get_mut(i))
                    .ok_or_else(|| format!("{path}: no element {step}"))?,
                _ => return Err(format!("{path}: cannot step into {step}")),
            };
        }
        match target {
            Yaml::Mapping(m) => {
                m.insert(Yaml::String(last.clone()), value);
            }
            Yaml::Sequence(s) if last == "-" => s.push(value),
            Yaml::Sequence(s) => {
                let i: usize = last.parse().map_err(|_| format!("{path}: bad index"))?;
                if kind == "replace" && i < s.len() {
                    s[i] = value;
                } else if i <= s.len() {
                    s.insert(i, value);
                } else {
                    return Err(format!("{path}: index out of range"));
                }
            }
            _ => return Err(format!("{path}: not a container")),
        }
    }
    Ok(())
}

/// The objects of `kind`.
pub fn of_kind<'a>(objects: &'a [Object], kind: &str) -> Vec<&'a Object> {
    objects.iter().filter(|o| o.kind() == kind).collect()
}

/// Collects every problem before failing, so one run shows them all.
#[derive(Default)]
pub struct Problems(pub Vec<String>);

impl Problems {
    pub fn check(&mut self, ok: bool, msg: impl FnOnce() -> String) {
        if !ok {
            self.0.push(msg());
        }
    }

    /// Panics listing every problem, if there is any.
    pub fn assert_none(self) {
        assert!(
            self.0.is_empty(),
            "{} problem(s):\n- {}",
            self.0.len(),
            self.0.join("\n- ")
        );
    }
}
