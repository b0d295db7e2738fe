//! The runtime configuration file (`--runtime-config-file`): where each key-value store and
//! SQLite database label lives. Spin's rules: `default` labels exist without configuration (under
//! the state dir); every other label a component uses must be defined here or start-up fails.
//! Relative key-value paths resolve against the runtime-config file's folder, relative SQLite
//! paths against the working directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
struct File {
    #[serde(default)]
    key_value_store: BTreeMap<String, StoreEntry>,
    #[serde(default)]
    sqlite_database: BTreeMap<String, StoreEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreEntry {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    path: Option<PathBuf>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    allow_attach_file: Option<bool>,
}

/// Where a label's data lives. `None` path = in memory (Spin's behaviour for a `spin` store
/// without a path).
#[derive(Debug, Clone, PartialEq)]
pub struct StoreLocation(pub Option<PathBuf>);

/// Where a key-value label lives: a SQLite file (Spin's `spin` type) or a Redis database (Spin's
/// `redis` type: keys are stored as they are, so give each label its own database number).
#[derive(Debug, Clone, PartialEq)]
pub enum KvLocation {
    Sqlite(StoreLocation),
    Redis(String),
}

#[derive(Debug, Default, Clone)]
pub struct RuntimeConfig {
    pub key_value: BTreeMap<String, KvLocation>,
    pub sqlite: BTreeMap<String, StoreLocation>,
}

impl RuntimeConfig {
    /// Reads the file (if any) and adds the `default` labels under `state_dir`.
    ///
    /// # Errors
    /// Unreadable or invalid file, or a store type this host does not provide.
    pub fn load(file: Option<&Path>, state_dir: &Path, cwd: &Path) -> anyhow::Result<Self> {
        let (parsed, base) = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read runtime config {}", path.display()))?;
                let parsed: File = toml::from_str(&text)
                    .with_context(|| format!("invalid runtime config {}", path.display()))?;
                let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
                (parsed, base)
            }
            None => (File::default(), PathBuf::new()),
        };
        let mut config = Self::default();
        for (label, entry) in parsed.key_value_store {
            let location = if entry.kind == "redis" {
                KvLocation::Redis(entry.url.clone().with_context(|| {
                    format!("[key_value_store.{label}] of type \"redis\" needs a `url`")
                })?)
            } else {
                check_kind(&entry, "key_value_store", &label)?;
                let path = entry.path.map(|p| {
                    if p.is_absolute() {
                        p
                    } else {
                        cwd.join(&base).join(p)
                    }
                });
                KvLocation::Sqlite(StoreLocation(path))
            };
            config.key_value.insert(label, location);
        }
        for (label, entry) in parsed.sqlite_database {
            check_kind(&entry, "sqlite_database", &label)?;
            let path = entry
                .path
                .map(|p| if p.is_absolute() { p } else { cwd.join(p) });
            config.sqlite.insert(label, StoreLocation(path));
        }
        config.key_value.entry("default".into()).or_insert_with(|| {
            KvLocation::Sqlite(StoreLocation(Some(state_dir.join("sqlite_key_value.db"))))
        });
        config
            .sqlite
            .entry("default".into())
            .or_insert_with(|| StoreLocation(Some(state_dir.join("sqlite_db.db"))));
        Ok(config)
    }

    /// Fails start-up, as Spin does, when a component uses a label nobody defined.
    ///
    /// # Errors
    /// The first undefined label, naming the component.
    pub fn check_labels(
        &self,
        component: &str,
        kv: &[String],
        sqlite: &[String],
    ) -> anyhow::Result<()> {
        if let Some(label) = kv.iter().find(|l| !self.key_value.contains_key(*l)) {
            bail!(
                "component {component:?} uses key-value store {label:?}, which is not defined: add [key_value_store.{label}] to the runtime config"
            );
        }
        if let Some(label) = sqlite.iter().find(|l| !self.sqlite.contains_key(*l)) {
            bail!(
                "component {component:?} uses SQLite database {label:?}, which is not defined: add [sqlite_database.{label}] to the runtime config"
            );
        }
        Ok(())
    }
}

fn check_kind(entry: &StoreEntry, table: &str, label: &str) -> anyhow::Result<()> {
    if entry.allow_attach_file == Some(true) {
        bail!(
            "[{table}.{label}] sets allow_attach_file, which devhost does not support (ATTACH of files is always refused)"
        );
    }
    if entry.kind != "spin" {
        bail!(
            "[{table}.{label}] has type {:?}; devhost provides \"spin\" (SQLite files) for both and \"redis\" for key-value stores; libSQL and cloud stores are for production runtime configs",
            entry.kind
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_follow_spins_bases_and_defaults_exist() {
        let dir = std::env::temp_dir().join(format!("devhost-rc-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("conf")).unwrap();
        let file = dir.join("conf/rc.toml");
        std::fs::write(
            &file,
            "[key_value_store.cache]\ntype = \"spin\"\npath = \"kv.db\"\n[key_value_store.limits]\ntype = \"redis\"\nurl = \"redis://127.0.0.1:6379/2\"\n[sqlite_database.main]\ntype = \"spin\"\npath = \"data/main.db\"\n",
        )
        .unwrap();
        let cwd = PathBuf::from("/work");
        let rc = RuntimeConfig::load(Some(&file), Path::new("/state"), &cwd).unwrap();
        assert_eq!(
            rc.key_value["cache"],
            KvLocation::Sqlite(StoreLocation(Some(dir.join("conf/kv.db"))))
        );
        assert_eq!(
            rc.key_value["limits"],
            KvLocation::Redis("redis://127.0.0.1:6379/2".into())
        );
        assert_eq!(
            rc.sqlite["main"].0.as_deref(),
            Some(Path::new("/work/data/main.db"))
        );
        assert_eq!(
            rc.key_value["default"],
            KvLocation::Sqlite(StoreLocation(Some(PathBuf::from(
                "/state/sqlite_key_value.db"
            ))))
        );
        assert!(
            rc.check_labels("c", &["cache".into()], &["main".into(), "default".into()])
                .is_ok()
        );
        let err = rc
            .check_labels("c", &["nope".into()], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("nope"), "{err}");
    }
}
