//! `POST /api/admin/events/relay`: one call that asks every publishing context to relay its
//! pending outbox rows, and one answer that sums them up.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::routes::Context;

/// One context's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayOutcome {
    Relayed(u64),
    Failed(String),
}

/// The combined answer: `{"relayed": total, "by_context": {...}}`, plus the contexts that did not
/// answer (then the status is 502 and `relayed` counts the others).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelayReport {
    pub relayed: u64,
    pub by_context: BTreeMap<&'static str, u64>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub failed: BTreeMap<&'static str, String>,
}

impl RelayReport {
    pub fn new(outcomes: impl IntoIterator<Item = (Context, RelayOutcome)>) -> Self {
        let mut report = Self {
            relayed: 0,
            by_context: BTreeMap::new(),
            failed: BTreeMap::new(),
        };
        for (context, outcome) in outcomes {
            match outcome {
                RelayOutcome::Relayed(n) => {
                    report.relayed += n;
                    report.by_context.insert(context.name(), n);
                }
                RelayOutcome::Failed(why) => {
                    report.failed.insert(context.name(), why);
                }
            }
        }
        report
    }

    pub fn complete(&self) -> bool {
        self.failed.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_sums_every_context() {
        let report = RelayReport::new([
            (Context::Reservation, RelayOutcome::Relayed(2)),
            (Context::Theater, RelayOutcome::Relayed(0)),
            (Context::Payment, RelayOutcome::Relayed(3)),
        ]);
        assert!(report.complete());
        assert_eq!(
            serde_json::to_value(&report).unwrap(),
            serde_json::json!({"relayed": 5, "by_context": {"payment": 3, "reservation": 2, "theater": 0}})
        );
    }

    #[test]
    fn a_context_that_fails_is_named_and_the_report_is_incomplete() {
        let report = RelayReport::new([
            (Context::Reservation, RelayOutcome::Relayed(1)),
            (Context::Theater, RelayOutcome::Failed("unreachable".into())),
        ]);
        assert!(!report.complete());
        assert_eq!(report.relayed, 1);
        assert_eq!(
            report.failed.get("theater").map(String::as_str),
            Some("unreachable")
        );
    }
}
