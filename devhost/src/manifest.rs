//! The subset of Spin's application manifest (`spin_manifest_version = 2`) this host understands.
//! Unknown keys are rejected where Spin rejects them, so a typo fails here as it would under Spin.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub spin_manifest_version: u32,
    pub application: Application,
    #[serde(default)]
    pub variables: BTreeMap<String, VariableDecl>,
    #[serde(default)]
    pub trigger: Triggers,
    #[serde(default)]
    pub component: BTreeMap<String, Component>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default)]
    pub targets: Vec<String>,
    #[serde(default)]
    pub trigger: ApplicationTriggers,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationTriggers {
    #[serde(default)]
    pub redis: Option<RedisTriggerDefaults>,
    #[serde(default)]
    pub http: Option<toml::Table>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisTriggerDefaults {
    pub address: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableDecl {
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub secret: bool,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Triggers {
    #[serde(default)]
    pub http: Vec<HttpTrigger>,
    #[serde(default)]
    pub redis: Vec<RedisTrigger>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpTrigger {
    #[serde(default)]
    pub id: Option<String>,
    pub route: Route,
    pub component: String,
    #[serde(default)]
    pub executor: Option<toml::Table>,
}

/// `route = "/path/..."` or `route = { private = true }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Route {
    Path(String),
    Private(PrivateRoute),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivateRoute {
    pub private: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisTrigger {
    #[serde(default)]
    pub id: Option<String>,
    pub channel: String,
    pub component: String,
    #[serde(default)]
    pub address: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub source: Source,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    #[serde(default)]
    pub files: Vec<FileMount>,
    #[serde(default)]
    pub exclude_files: Vec<String>,
    #[serde(default)]
    pub allowed_outbound_hosts: Vec<String>,
    #[serde(default)]
    pub allowed_http_hosts: Option<Vec<String>>,
    #[serde(default)]
    pub key_value_stores: Vec<String>,
    #[serde(default)]
    pub sqlite_databases: Vec<String>,
    #[serde(default)]
    pub ai_models: Vec<String>,
    #[serde(default)]
    pub build: Option<toml::Table>,
    #[serde(default)]
    pub tool: Option<toml::Table>,
    #[serde(default)]
    pub dependencies_inherit_configuration: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Source {
    Local(String),
    Remote { url: String, digest: String },
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum FileMount {
    Pattern(String),
    Placement { source: String, destination: String },
}

impl Manifest {
    /// Reads and validates a manifest file.
    ///
    /// # Errors
    /// The file cannot be read, is not TOML of manifest version 2, or refers to components,
    /// triggers or variables that do not exist.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read manifest {}", path.display()))?;
        let manifest: Manifest = toml::from_str(&text)
            .with_context(|| format!("invalid manifest {}", path.display()))?;
        manifest.validate()?;
        Ok(manifest)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if self.spin_manifest_version != 2 {
            bail!(
                "unsupported spin_manifest_version {} (devhost understands version 2)",
                self.spin_manifest_version
            );
        }
        for name in self.variables.keys() {
            crate::variables::validate_name(name)
                .with_context(|| format!("invalid application variable name {name:?}"))?;
        }
        for (name, decl) in &self.variables {
            if decl.required && decl.default.is_some() {
                bail!("variable {name:?} cannot be both required and have a default");
            }
        }
        for (id, component) in &self.component {
            validate_component_id(id)?;
            for name in component.variables.keys() {
                crate::variables::validate_name(name).with_context(|| {
                    format!("invalid variable name {name:?} in component {id:?}")
                })?;
            }
            if component.allowed_http_hosts.is_some() {
                bail!(
                    "component {id:?} uses `allowed_http_hosts`, which manifest v2 replaced with `allowed_outbound_hosts`"
                );
            }
        }
        let known = |id: &str, kind: &str| -> anyhow::Result<()> {
            if self.component.contains_key(id) {
                Ok(())
            } else {
                bail!(
                    "{kind} trigger refers to component {id:?}, which the manifest does not define"
                )
            }
        };
        for t in &self.trigger.http {
            known(&t.component, "http")?;
            if let Route::Private(p) = &t.route
                && !p.private
            {
                bail!(
                    "route must be a string pattern or '{{ private = true }}': '{}' has {{ private = false }}",
                    t.component
                );
            }
        }
        for t in &self.trigger.redis {
            known(&t.component, "redis")?;
        }
        if !self.trigger.redis.is_empty()
            && self.application.trigger.redis.is_none()
            && self.trigger.redis.iter().any(|t| t.address.is_none())
        {
            bail!(
                "redis triggers need `[application.trigger.redis] address` or a per-trigger `address`"
            );
        }
        Ok(())
    }
}

impl Component {
    /// The component's .wasm file, resolved against the manifest's folder.
    ///
    /// # Errors
    /// The source is a remote URL (this host runs offline) .
    pub fn local_source(&self, id: &str, manifest_dir: &Path) -> anyhow::Result<PathBuf> {
        match &self.source {
            Source::Local(path) => Ok(manifest_dir.join(path)),
            Source::Remote { url, .. } => bail!(
                "component {id:?} has a remote source ({url}); devhost runs offline and needs a local .wasm file"
            ),
        }
    }
}

/// Spin's rule: component ids are kebab-case words of lowercase letters and digits.
fn validate_component_id(id: &str) -> anyhow::Result<()> {
    let ok = !id.is_empty()
        && id.split('-').all(|word| {
            !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && id.starts_with(|c: char| c.is_ascii_lowercase());
    if ok {
        Ok(())
    } else {
        bail!("invalid component id {id:?}: use lowercase letters, digits and single hyphens")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<Manifest> {
        let m: Manifest = toml::from_str(text)?;
        m.validate()?;
        Ok(m)
    }

    const MINIMAL: &str = r#"
spin_manifest_version = 2
[application]
name = "app"
[[trigger.http]]
route = "/..."
component = "web"
[component.web]
source = "web.wasm"
"#;

    #[test]
    fn a_minimal_manifest_parses() {
        let m = parse(MINIMAL).unwrap();
        assert_eq!(m.trigger.http.len(), 1);
        assert!(m.component.contains_key("web"));
    }

    #[test]
    fn a_trigger_for_an_unknown_component_is_rejected() {
        let text = MINIMAL.replace("component = \"web\"", "component = \"nope\"");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("nope"), "{err}");
    }

    #[test]
    fn an_unknown_key_is_rejected() {
        let text = format!("{MINIMAL}\nkey_value_store = [\"default\"]\n");
        assert!(parse(&text).is_err());
    }

    #[test]
    fn private_false_is_rejected() {
        let text = MINIMAL.replace("route = \"/...\"", "route = { private = false }");
        assert!(parse(&text).is_err());
    }

    #[test]
    fn component_ids_must_be_kebab_case() {
        assert!(validate_component_id("web-ui2").is_ok());
        assert!(validate_component_id("Web").is_err());
        assert!(validate_component_id("web_ui").is_err());
        assert!(validate_component_id("web--ui").is_err());
    }
}
