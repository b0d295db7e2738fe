//! Spin variables: application variables (default / required / secret), values from
//! `--variable k=v` and `SPIN_VARIABLE_<NAME>` environment variables, and component variables
//! that are `{{ template }}` expressions over the application variables.
//!
//! Values come from static providers, so everything is resolved once at start-up: a required
//! variable without a value or a template naming an undeclared variable fails start-up, as in Spin.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context, bail};

use crate::manifest::VariableDecl;

/// Spin's rule for variable names: lowercase ASCII letters, digits and single underscores,
/// starting with a letter and ending with a letter or digit.
///
/// # Errors
/// The name breaks the rule; the message says how.
pub fn validate_name(name: &str) -> anyhow::Result<()> {
    let reason = if name.is_empty() {
        "must not be empty"
    } else if name
        .chars()
        .any(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
    {
        "Variable names may contain only lower-case letters, numbers, and underscores."
    } else if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        "must start with a lowercase ASCII letter"
    } else if !name.ends_with(|c: char| c.is_ascii_alphanumeric()) {
        "must end with a lowercase ASCII letter or digit"
    } else if name.contains("__") {
        "must not contain multiple consecutive underscores"
    } else {
        return Ok(());
    };
    bail!("{name:?}: {reason}")
}

/// A parsed `{{ name }}` template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template(Vec<Part>);

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(String),
    Variable(String),
}

impl Template {
    /// # Errors
    /// An opening `{{` without its closing `}}`.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let mut parts = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix("{{") {
                let Some((expr, tail)) = after.split_once("}}") else {
                    bail!("invalid variable template {text:?}: unmatched '{{{{'");
                };
                parts.push(Part::Variable(expr.trim().to_string()));
                rest = tail;
            } else {
                let end = rest.find("{{").unwrap_or(rest.len());
                parts.push(Part::Literal(rest[..end].to_string()));
                rest = &rest[end..];
            }
        }
        Ok(Self(parts))
    }

    pub fn is_literal(&self) -> bool {
        self.0.iter().all(|p| matches!(p, Part::Literal(_)))
    }

    /// # Errors
    /// The template names a variable `lookup` does not know.
    pub fn render(&self, lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<String> {
        let mut out = String::new();
        for part in &self.0 {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Variable(name) => match lookup(name) {
                    Some(value) => out.push_str(&value),
                    None => bail!("no variable named {name:?} is declared in [variables]"),
                },
            }
        }
        Ok(out)
    }
}

/// The resolved application variables.
#[derive(Debug, Default, Clone)]
pub struct AppVariables {
    values: HashMap<String, String>,
}

impl AppVariables {
    /// Resolves every declared application variable from the providers, in Spin's order:
    /// `--variable` values, then `SPIN_VARIABLE_*` environment variables, then the default.
    ///
    /// # Errors
    /// A required variable has no value, or a `--variable` names an undeclared variable.
    pub fn resolve(
        decls: &BTreeMap<String, VariableDecl>,
        cli: &[(String, String)],
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        let cli: HashMap<&str, &str> = cli.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut values = HashMap::new();
        for (name, decl) in decls {
            let env_name = format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase());
            let value = cli
                .get(name.as_str())
                .map(|v| v.to_string())
                .or_else(|| env(&env_name))
                .or_else(|| decl.default.clone());
            match value {
                Some(v) => {
                    values.insert(name.clone(), v);
                }
                None if decl.required => bail!(
                    "variable {name:?} is required but has no value: pass --variable {name}=... or set {env_name}"
                ),
                None => {}
            }
        }
        Ok(Self { values })
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.values.get(name).cloned()
    }

    /// Renders a manifest string that may contain `{{ variable }}` templates.
    ///
    /// # Errors
    /// Invalid template syntax or an unknown / unset variable.
    pub fn render(&self, text: &str) -> anyhow::Result<String> {
        Template::parse(text)?
            .render(|name| self.get(name))
            .with_context(|| format!("cannot resolve {text:?}"))
    }
}

/// Resolves one component's `variables` table against the application variables.
///
/// # Errors
/// A template names an undeclared application variable.
pub fn resolve_component(
    component_id: &str,
    vars: &BTreeMap<String, String>,
    decls: &BTreeMap<String, VariableDecl>,
    app: &AppVariables,
) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (name, text) in vars {
        let template = Template::parse(text)
            .with_context(|| format!("component {component_id:?} variable {name:?}"))?;
        let value = template
            .render(|var| {
                if decls.contains_key(var) {
                    Some(app.get(var).unwrap_or_default())
                } else {
                    None
                }
            })
            .with_context(|| format!("component {component_id:?} variable {name:?}"))?;
        out.insert(name.clone(), value);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decls(items: &[(&str, Option<&str>, bool)]) -> BTreeMap<String, VariableDecl> {
        items
            .iter()
            .map(|(n, d, r)| {
                (
                    n.to_string(),
                    VariableDecl {
                        default: d.map(str::to_string),
                        required: *r,
                        ..Default::default()
                    },
                )
            })
            .collect()
    }

    #[test]
    fn names_follow_spins_rule() {
        assert!(validate_name("redis_address").is_ok());
        assert!(validate_name("a1").is_ok());
        for bad in ["", "Upper", "1abc", "a__b", "a_", "a-b"] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn templates_render_literals_and_variables() {
        let t = Template::parse("{{ a }}-{{b}}!").unwrap();
        let s = t
            .render(|n| Some(if n == "a" { "x" } else { "y" }.into()))
            .unwrap();
        assert_eq!(s, "x-y!");
        assert!(Template::parse("plain").unwrap().is_literal());
        assert!(Template::parse("{{ open").is_err());
    }

    #[test]
    fn cli_beats_environment_beats_default() {
        let d = decls(&[
            ("a", Some("default"), false),
            ("b", Some("default"), false),
            ("c", Some("default"), false),
        ]);
        let env =
            |k: &str| (k == "SPIN_VARIABLE_A" || k == "SPIN_VARIABLE_B").then(|| "env".to_string());
        let vars = AppVariables::resolve(&d, &[("a".into(), "cli".into())], env).unwrap();
        assert_eq!(vars.get("a").as_deref(), Some("cli"));
        assert_eq!(vars.get("b").as_deref(), Some("env"));
        assert_eq!(vars.get("c").as_deref(), Some("default"));
    }

    #[test]
    fn a_required_variable_without_a_value_fails() {
        let d = decls(&[("secret_key", None, true)]);
        let err = AppVariables::resolve(&d, &[], |_| None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("secret_key"), "{err}");
    }

    #[test]
    fn component_templates_must_name_declared_variables() {
        let d = decls(&[("a", Some("1"), false)]);
        let app = AppVariables::resolve(&d, &[], |_| None).unwrap();
        let ok: BTreeMap<_, _> = [("x".to_string(), "v{{ a }}".to_string())].into();
        assert_eq!(resolve_component("c", &ok, &d, &app).unwrap()["x"], "v1");
        let bad: BTreeMap<_, _> = [("x".to_string(), "{{ nope }}".to_string())].into();
        assert!(resolve_component("c", &bad, &d, &app).is_err());
    }
}
