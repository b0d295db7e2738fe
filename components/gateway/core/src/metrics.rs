//! `GET /api/admin/metrics`: the numbers the contexts report about themselves (each from its own
//! store, as [`ContextSample`]s on its private `GET /admin/metrics`) and what the gateway reads
//! from Redis, gathered into one answer in the Prometheus text exposition format (0.0.4).
//!
//! [`Exposition`] groups samples into families by name, so every metric gets its `# HELP` and
//! `# TYPE` lines once, whichever context reported it first; label values are escaped here.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The media type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4";

/// Every metric's name starts with this.
pub const PREFIX: &str = "cinema_";

/// A metric's type, as far as this API uses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Gauge,
    Counter,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Gauge => "gauge",
            Self::Counter => "counter",
        }
    }
}

/// One number a context reports on its private `GET /admin/metrics`
/// (`{"metrics": [{"name", "help", "type", "labels": {…}, "value"}]}`); the gateway adds the
/// `context` label.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ContextSample {
    pub name: String,
    pub help: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// A sample refused by [`Exposition::add`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("{0:?} is not a metric name starting with {PREFIX}")]
    BadName(String),
    #[error("{0:?} is not a label name")]
    BadLabel(String),
    #[error("{name} is a {existing} already")]
    KindClash {
        name: String,
        existing: &'static str,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct Family {
    help: String,
    kind: Kind,
    samples: Vec<(Vec<(String, String)>, f64)>,
}

/// Metric families in name order, each with its samples in the order they came.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exposition {
    families: BTreeMap<String, Family>,
}

impl Exposition {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one sample of metric `name`; its help and type are the first sample's.
    ///
    /// # Errors
    /// A name without [`PREFIX`] or not a Prometheus name, a label name that is not one (or is
    /// reserved, `__…`), or a name already used by a metric of another type.
    pub fn add(
        &mut self,
        name: &str,
        help: &str,
        kind: Kind,
        labels: &[(&str, &str)],
        value: f64,
    ) -> Result<(), Refused> {
        if !name.starts_with(PREFIX) || !is_name(name, true) {
            return Err(Refused::BadName(name.to_string()));
        }
        if let Some((label, _)) = labels
            .iter()
            .find(|(label, _)| !is_name(label, false) || label.starts_with("__"))
        {
            return Err(Refused::BadLabel((*label).to_string()));
        }
        let family = self
            .families
            .entry(name.to_string())
            .or_insert_with(|| Family {
                help: help.to_string(),
                kind,
                samples: Vec::new(),
            });
        if family.kind != kind {
            return Err(Refused::KindClash {
                name: name.to_string(),
                existing: family.kind.as_str(),
            });
        }
        let labels = labels
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        family.samples.push((labels, value));
        Ok(())
    }

    /// Adds a context's sample with `context="…"` in front of its own labels.
    ///
    /// # Errors
    /// As [`Exposition::add`]; a sample that brings its own `context` label is refused too.
    pub fn add_from(&mut self, context: &str, sample: &ContextSample) -> Result<(), Refused> {
        if sample.labels.contains_key("context") {
            return Err(Refused::BadLabel("context".into()));
        }
        let mut labels = vec![("context", context)];
        labels.extend(sample.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        self.add(
            &sample.name,
            &sample.help,
            sample.kind,
            &labels,
            sample.value,
        )
    }

    /// The text exposition format: per family `# HELP`, `# TYPE`, then its samples.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (name, family) in &self.families {
            out.push_str(&format!("# HELP {name} {}\n", escape_help(&family.help)));
            out.push_str(&format!("# TYPE {name} {}\n", family.kind.as_str()));
            for (labels, value) in &family.samples {
                out.push_str(name);
                if !labels.is_empty() {
                    out.push('{');
                    for (i, (label, value)) in labels.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        out.push_str(&format!("{label}=\"{}\"", escape_label_value(value)));
                    }
                    out.push('}');
                }
                out.push_str(&format!(" {}\n", format_value(*value)));
            }
        }
        out
    }
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*` for metric names; label names have no `:`.
fn is_name(name: &str, colons: bool) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || (colons && c == ':');
    name.chars().next().is_some_and(|c| !c.is_ascii_digit()) && name.chars().all(allowed)
}

/// In label values `\`, `"` and line feeds are escaped.
fn escape_label_value(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// In help texts `\` and line feeds are escaped (quotes are not).
fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}

fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        // Rust prints whole numbers without a fraction (`3`) and never uses an exponent.
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_and_type_are_written_once_per_metric_whoever_reports_it() {
        let mut exposition = Exposition::new();
        let sample = |value| ContextSample {
            name: "cinema_outbox_pending".into(),
            help: "Outbox rows not yet relayed.".into(),
            kind: Kind::Gauge,
            labels: BTreeMap::new(),
            value,
        };
        exposition.add_from("theater", &sample(2.0)).unwrap();
        exposition.add_from("payment", &sample(0.0)).unwrap();
        exposition
            .add(
                "cinema_context_up",
                "Answered.",
                Kind::Gauge,
                &[("context", "payment")],
                1.0,
            )
            .unwrap();
        assert_eq!(
            exposition.render(),
            "# HELP cinema_context_up Answered.\n\
             # TYPE cinema_context_up gauge\n\
             cinema_context_up{context=\"payment\"} 1\n\
             # HELP cinema_outbox_pending Outbox rows not yet relayed.\n\
             # TYPE cinema_outbox_pending gauge\n\
             cinema_outbox_pending{context=\"theater\"} 2\n\
             cinema_outbox_pending{context=\"payment\"} 0\n"
        );
    }

    #[test]
    fn label_values_escape_backslashes_quotes_and_line_feeds() {
        let mut exposition = Exposition::new();
        exposition
            .add(
                "cinema_x",
                "A \\ help\nover two lines with \"quotes\".",
                Kind::Counter,
                &[("group", "a\\b \"c\"\nd")],
                1.5,
            )
            .unwrap();
        assert_eq!(
            exposition.render(),
            "# HELP cinema_x A \\\\ help\\nover two lines with \"quotes\".\n\
             # TYPE cinema_x counter\n\
             cinema_x{group=\"a\\\\b \\\"c\\\"\\nd\"} 1.5\n"
        );
    }

    #[test]
    fn a_metric_without_labels_has_no_braces_and_special_values_have_their_names() {
        let mut exposition = Exposition::new();
        for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 12_345_678.0] {
            exposition
                .add("cinema_y", "Y.", Kind::Gauge, &[], value)
                .unwrap();
        }
        let text = exposition.render();
        let samples: Vec<&str> = text.lines().skip(2).collect();
        assert_eq!(
            samples,
            [
                "cinema_y NaN",
                "cinema_y +Inf",
                "cinema_y -Inf",
                "cinema_y 12345678"
            ]
        );
    }

    #[test]
    fn names_outside_the_prefix_bad_labels_and_kind_clashes_are_refused() {
        let mut exposition = Exposition::new();
        let add = |e: &mut Exposition, name: &str, kind, label: &str| {
            e.add(name, "h", kind, &[(label, "v")], 1.0)
        };
        assert!(matches!(
            add(&mut exposition, "up", Kind::Gauge, "a"),
            Err(Refused::BadName(_))
        ));
        assert!(matches!(
            add(&mut exposition, "cinema_a-b", Kind::Gauge, "a"),
            Err(Refused::BadName(_))
        ));
        for label in ["1a", "a:b", "__name__", ""] {
            assert!(
                matches!(
                    add(&mut exposition, "cinema_a", Kind::Gauge, label),
                    Err(Refused::BadLabel(_))
                ),
                "{label:?}"
            );
        }
        add(&mut exposition, "cinema_a", Kind::Gauge, "a").unwrap();
        assert!(matches!(
            add(&mut exposition, "cinema_a", Kind::Counter, "a"),
            Err(Refused::KindClash { .. })
        ));
        let own_context = ContextSample {
            name: "cinema_b".into(),
            help: "h".into(),
            kind: Kind::Gauge,
            labels: [("context".to_string(), "x".to_string())].into(),
            value: 1.0,
        };
        assert!(exposition.add_from("theater", &own_context).is_err());
    }

    #[test]
    fn a_context_answer_parses_with_its_labels() {
        let answer: Vec<ContextSample> = serde_json::from_value(serde_json::json!([
            {"name": "cinema_payment_breaker_state", "help": "h", "type": "gauge",
             "labels": {"state": "open"}, "value": 2},
            {"name": "cinema_outbox_pending", "help": "h", "type": "gauge", "value": 0}
        ]))
        .unwrap();
        assert_eq!(answer[0].labels["state"], "open");
        assert_eq!(answer[0].value, 2.0);
        assert!(answer[1].labels.is_empty());
    }
}
