//! The delivery state machine of one chat message:
//!
//! ```text
//! PENDING --attempt ok--> SENT
//!    |  \--attempt fails--> FAILED --(backoff elapsed) attempt ok--> SENT
//!    |                        |  \--attempt fails, attempts left--> FAILED (retry later)
//!    |                        \--attempt fails, none left--> FAILED, given up (final)
//! ```
//! An attempt is counted when it starts and holds a short lease, so two consumers never send the
//! same message at once, and a consumer that dies mid-send does not retry forever.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How hard delivery tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included.
    pub max_attempts: u32,
    /// Wait after the first failure; doubled after each further one.
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// How long an attempt may take before another consumer may take the message over.
    pub lease: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            first_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(300),
            lease: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait after the `attempts`-th failed attempt (1-based).
    pub fn backoff(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(20);
        self.first_backoff
            .saturating_mul(1 << doublings)
            .min(self.max_backoff)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum DeliveryState {
    Pending,
    Sent,
    Failed,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Sent => "SENT",
            Self::Failed => "FAILED",
        }
    }
}

/// Running totals of how deliveries ended, since the store began (the context's metrics). A
/// delivery still under way is in none of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryTotals {
    /// Deliveries settled as `SENT`.
    pub sent: u64,
    /// Deliveries settled as `FAILED`: given up after the last attempt.
    pub gave_up: u64,
    /// Attempts that failed, the last ones of given-up deliveries included.
    pub failed_attempts: u64,
}

impl DeliveryTotals {
    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }

    /// `self` plus `other`, field by field (saturating).
    #[must_use]
    pub fn plus(&self, other: &Self) -> Self {
        Self {
            sent: self.sent.saturating_add(other.sent),
            gave_up: self.gave_up.saturating_add(other.gave_up),
            failed_attempts: self.failed_attempts.saturating_add(other.failed_attempts),
        }
    }
}

/// One line of the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptRecord {
    pub attempt: u32,
    pub at: DateTime<Utc>,
    pub channel: String,
    pub outcome: DeliveryState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What trying to start an attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Begin {
    /// The attempt is ours; send now and record the result.
    Started { attempt: u32 },
    /// Sent, given up, leased by another consumer, or backing off: do nothing now.
    NotDue,
    /// No attempts are left (the last one never reported back): the delivery is now abandoned.
    GaveUp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    state: DeliveryState,
    attempts: u32,
    #[serde(default)]
    gave_up: bool,
    #[serde(default)]
    last_error: Option<String>,
    #[serde(default)]
    last_attempt_at: Option<DateTime<Utc>>,
    #[serde(default)]
    next_attempt_at: Option<DateTime<Utc>>,
    #[serde(default)]
    sent_at: Option<DateTime<Utc>>,
    #[serde(default)]
    lease_until: Option<DateTime<Utc>>,
    #[serde(default)]
    log: Vec<AttemptRecord>,
}

impl Delivery {
    /// A message not yet attempted, due at once.
    pub fn new() -> Self {
        Self {
            state: DeliveryState::Pending,
            attempts: 0,
            gave_up: false,
            last_error: None,
            last_attempt_at: None,
            next_attempt_at: None,
            sent_at: None,
            lease_until: None,
            log: Vec::new(),
        }
    }

    /// Sent, or given up: nothing more will happen.
    pub fn is_settled(&self) -> bool {
        self.state == DeliveryState::Sent || self.gave_up
    }

    /// Starts an attempt if one is due at `now`.
    pub fn begin(&mut self, now: DateTime<Utc>, policy: &RetryPolicy) -> Begin {
        if self.is_settled() || self.lease_until.is_some_and(|until| now < until) {
            return Begin::NotDue;
        }
        if self.attempts >= policy.max_attempts {
            // The last attempt's lease ran out without a result (its consumer died).
            self.give_up("the last delivery attempt never reported back".into());
            return Begin::GaveUp;
        }
        if self.next_attempt_at.is_some_and(|at| now < at) {
            return Begin::NotDue;
        }
        self.attempts += 1;
        self.last_attempt_at = Some(now);
        self.lease_until = Some(now + policy.lease);
        Begin::Started {
            attempt: self.attempts,
        }
    }

    /// The attempt reached the customer's chat.
    pub fn succeed(&mut self, now: DateTime<Utc>, channel: &str) {
        self.state = DeliveryState::Sent;
        self.sent_at = Some(now);
        self.lease_until = None;
        self.next_attempt_at = None;
        self.log.push(AttemptRecord {
            attempt: self.attempts,
            at: now,
            channel: channel.to_string(),
            outcome: DeliveryState::Sent,
            error: None,
        });
    }

    /// The attempt failed: retry after a backoff while attempts are left, else give up.
    pub fn fail(&mut self, now: DateTime<Utc>, channel: &str, error: String, policy: &RetryPolicy) {
        self.state = DeliveryState::Failed;
        self.lease_until = None;
        self.log.push(AttemptRecord {
            attempt: self.attempts,
            at: now,
            channel: channel.to_string(),
            outcome: DeliveryState::Failed,
            error: Some(error.clone()),
        });
        if self.attempts >= policy.max_attempts {
            self.give_up(error);
        } else {
            self.last_error = Some(error);
            self.next_attempt_at = Some(now + policy.backoff(self.attempts));
        }
    }

    fn give_up(&mut self, error: String) {
        self.state = DeliveryState::Failed;
        self.gave_up = true;
        self.lease_until = None;
        self.next_attempt_at = None;
        self.last_error = Some(error);
    }

    pub fn state(&self) -> DeliveryState {
        self.state
    }

    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    pub fn gave_up(&self) -> bool {
        self.gave_up
    }

    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    pub fn last_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.last_attempt_at
    }

    pub fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.next_attempt_at
    }

    pub fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.sent_at
    }

    pub fn log(&self) -> &[AttemptRecord] {
        &self.log
    }
}

impl Default for Delivery {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::at;

    fn policy() -> RetryPolicy {
        RetryPolicy::default()
    }

    #[test]
    fn a_new_delivery_is_pending_and_due_at_once() {
        let mut d = Delivery::new();
        assert_eq!(d.state(), DeliveryState::Pending);
        assert_eq!(d.begin(at(0), &policy()), Begin::Started { attempt: 1 });
    }

    #[test]
    fn a_successful_attempt_settles_the_delivery_as_sent() {
        let mut d = Delivery::new();
        d.begin(at(0), &policy());
        d.succeed(at(1), "kakao");
        assert_eq!(d.state(), DeliveryState::Sent);
        assert!(d.is_settled());
        assert_eq!(d.begin(at(100), &policy()), Begin::NotDue);
        assert_eq!(d.log().len(), 1);
    }

    #[test]
    fn a_failed_attempt_is_retried_after_a_growing_backoff() {
        let mut d = Delivery::new();
        d.begin(at(0), &policy());
        d.fail(at(0), "kakao", "HTTP 500".into(), &policy());
        assert_eq!(d.state(), DeliveryState::Failed);
        assert_eq!(d.last_error(), Some("HTTP 500"));
        assert_eq!(
            d.begin(at(1), &policy()),
            Begin::NotDue,
            "2 s backoff after the first failure"
        );
        assert_eq!(d.begin(at(2), &policy()), Begin::Started { attempt: 2 });
        d.fail(at(2), "kakao", "HTTP 500".into(), &policy());
        assert_eq!(
            d.begin(at(5), &policy()),
            Begin::NotDue,
            "4 s backoff after the second"
        );
        assert_eq!(d.begin(at(6), &policy()), Begin::Started { attempt: 3 });
        d.succeed(at(6), "kakao");
        assert_eq!(d.state(), DeliveryState::Sent);
        assert_eq!(
            d.log().iter().map(|r| r.outcome).collect::<Vec<_>>(),
            [
                DeliveryState::Failed,
                DeliveryState::Failed,
                DeliveryState::Sent
            ]
        );
    }

    #[test]
    fn delivery_gives_up_after_the_last_attempt_fails() {
        let mut d = Delivery::new();
        let mut now = 0;
        for _ in 0..policy().max_attempts {
            now += 1000;
            assert!(matches!(d.begin(at(now), &policy()), Begin::Started { .. }));
            d.fail(at(now), "kakao", "connection refused".into(), &policy());
        }
        assert!(d.gave_up());
        assert!(d.is_settled());
        assert_eq!(d.state(), DeliveryState::Failed);
        assert_eq!(d.attempts(), 5);
        assert_eq!(d.begin(at(now + 10_000), &policy()), Begin::NotDue);
    }

    #[test]
    fn a_leased_attempt_is_not_started_twice() {
        let mut d = Delivery::new();
        assert!(matches!(d.begin(at(0), &policy()), Begin::Started { .. }));
        assert_eq!(d.begin(at(1), &policy()), Begin::NotDue);
        // the first consumer died: after the lease another one may try
        assert_eq!(d.begin(at(31), &policy()), Begin::Started { attempt: 2 });
    }

    #[test]
    fn an_attempt_that_never_reports_back_counts_and_finally_gives_up() {
        let mut d = Delivery::new();
        let mut now = 0;
        for _ in 0..policy().max_attempts {
            assert!(matches!(d.begin(at(now), &policy()), Begin::Started { .. }));
            now += 31;
        }
        assert_eq!(d.begin(at(now), &policy()), Begin::GaveUp);
        assert!(d.is_settled());
    }

    #[test]
    fn the_backoff_doubles_up_to_its_cap() {
        let p = policy();
        assert_eq!(p.backoff(1), Duration::from_secs(2));
        assert_eq!(p.backoff(2), Duration::from_secs(4));
        assert_eq!(p.backoff(4), Duration::from_secs(16));
        assert_eq!(p.backoff(30), Duration::from_secs(300));
    }
}
