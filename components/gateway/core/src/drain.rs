//! `POST /api/admin/events/drain`: one call that asks every consuming context to drain its
//! consumer group — for platforms without Spin's Redis trigger, where a scheduler calls it — and
//! one answer that sums them up.
//!
//! A drain's handlers publish events other contexts consume (the theater's answer to a booking,
//! then the booking's confirmation), so one pass over the contexts moves a booking one step. The
//! gateway therefore calls every context again while the previous round handled something, up to
//! [`DrainReport::MAX_ROUNDS`]: one scheduled call carries a booking from `PAID` to `CONFIRMED`
//! and on to the read models instead of one step per schedule period.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::routes::Context;

/// One context's counts (`cinema_eventing::consumer::DrainReport`): events handled, left for a
/// retry, and parked as unreadable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Drained {
    pub handled: u64,
    pub failed: u64,
    pub dead_lettered: u64,
}

impl Drained {
    fn add(&mut self, other: Self) {
        self.handled += other.handled;
        self.failed += other.failed;
        self.dead_lettered += other.dead_lettered;
    }
}

/// One context's answer to one drain call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrainOutcome {
    Drained(Drained),
    Failed(String),
}

/// The combined answer: `{"drained": handled in total, "rounds", "by_context": {ctx: counts}}`,
/// plus the contexts that did not drain (then the status is 502).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DrainReport {
    pub drained: u64,
    pub rounds: u32,
    pub by_context: BTreeMap<&'static str, Drained>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub failed: BTreeMap<&'static str, String>,
    #[serde(skip)]
    last_round_handled: u64,
}

impl DrainReport {
    /// Rounds per call: the saga's longest chain (a cancellation: released and refunded, then
    /// the booking, then the read models) needs three productive rounds and one that finds
    /// nothing; a busy stream is left to the next call.
    pub const MAX_ROUNDS: u32 = 5;

    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one round's answers (counts add up per context).
    pub fn add_round(&mut self, outcomes: impl IntoIterator<Item = (Context, DrainOutcome)>) {
        self.rounds += 1;
        self.last_round_handled = 0;
        for (context, outcome) in outcomes {
            match outcome {
                DrainOutcome::Drained(counts) => {
                    self.drained += counts.handled;
                    self.last_round_handled += counts.handled;
                    self.by_context
                        .entry(context.name())
                        .or_default()
                        .add(counts);
                }
                DrainOutcome::Failed(why) => {
                    self.failed.insert(context.name(), why);
                }
            }
        }
    }

    /// Whether to call every context again: the last round handled events (whose handlers may
    /// have published more), every context answered, and the round limit is not reached.
    pub fn wants_another_round(&self) -> bool {
        self.last_round_handled > 0 && self.complete() && self.rounds < Self::MAX_ROUNDS
    }

    pub fn complete(&self) -> bool {
        self.failed.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drained(handled: u64) -> DrainOutcome {
        DrainOutcome::Drained(Drained {
            handled,
            ..Drained::default()
        })
    }

    #[test]
    fn the_report_sums_rounds_per_context_and_in_total() {
        let mut report = DrainReport::new();
        report.add_round([
            (Context::Theater, drained(1)),
            (
                Context::Reservation,
                DrainOutcome::Drained(Drained {
                    handled: 0,
                    failed: 1,
                    dead_lettered: 2,
                }),
            ),
        ]);
        report.add_round([
            (Context::Theater, drained(0)),
            (Context::Reservation, drained(3)),
        ]);
        assert!(report.complete());
        assert_eq!(
            serde_json::to_value(&report).unwrap(),
            serde_json::json!({
                "drained": 4,
                "rounds": 2,
                "by_context": {
                    "reservation": {"handled": 3, "failed": 1, "dead_lettered": 2},
                    "theater": {"handled": 1, "failed": 0, "dead_lettered": 0},
                },
            })
        );
    }

    #[test]
    fn another_round_follows_while_the_last_one_handled_something() {
        let mut report = DrainReport::new();
        report.add_round([
            (Context::Theater, drained(1)),
            (Context::Mypage, drained(0)),
        ]);
        assert!(report.wants_another_round());
        report.add_round([
            (Context::Theater, drained(0)),
            (Context::Mypage, drained(0)),
        ]);
        assert!(!report.wants_another_round());
        assert_eq!(report.drained, 1);
    }

    #[test]
    fn rounds_stop_at_the_limit_even_on_a_busy_stream() {
        let mut report = DrainReport::new();
        for _ in 0..DrainReport::MAX_ROUNDS {
            assert!(report.rounds == 0 || report.wants_another_round());
            report.add_round([(Context::Catalog, drained(7))]);
        }
        assert!(!report.wants_another_round());
        assert_eq!(report.drained, 7 * u64::from(DrainReport::MAX_ROUNDS));
    }

    #[test]
    fn a_context_that_fails_is_named_and_no_further_round_runs() {
        let mut report = DrainReport::new();
        report.add_round([
            (Context::Reservation, drained(2)),
            (
                Context::Notification,
                DrainOutcome::Failed("answered 503".into()),
            ),
        ]);
        assert!(!report.complete());
        assert!(!report.wants_another_round());
        assert_eq!(report.drained, 2);
        assert_eq!(
            report.failed.get("notification").map(String::as_str),
            Some("answered 503")
        );
        assert!(!report.by_context.contains_key("notification"));
    }
}
