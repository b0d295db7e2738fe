//! Delivering queued notifications through the chat channel, with bounded retries.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::delivery::{Begin, DeliveryTotals, RetryPolicy};
use crate::model::NotificationId;
use crate::notification::Notification;
use crate::ports::{
    ChatChannel, ChatMessage, Clock, DeliveryCounts, Notifications, PendingDeliveries, StoreError,
};

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Deliveries this pass settled as sent.
    pub sent: usize,
    /// Attempts that failed.
    pub failed: usize,
    /// Deliveries this pass gave up on.
    pub gave_up: usize,
    /// Backing off, or being delivered by another consumer.
    pub not_due: usize,
}

impl DeliveryReport {
    /// What the pass adds to the running [`DeliveryTotals`].
    pub fn totals(&self) -> DeliveryTotals {
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        DeliveryTotals {
            sent: count(self.sent),
            gave_up: count(self.gave_up),
            failed_attempts: count(self.failed),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliverError {
    #[error(transparent)]
    Unexpected(#[from] StoreError),
}

/// The delivery use case: one pass over the pending-delivery index.
pub struct DeliverPending<'a> {
    pub notifications: &'a dyn Notifications,
    pub pending: &'a dyn PendingDeliveries,
    pub channel: &'a dyn ChatChannel,
    pub counts: &'a dyn DeliveryCounts,
    pub clock: &'a dyn Clock,
    pub policy: RetryPolicy,
    /// No new attempt starts after this much time in one pass (a slow endpoint must not hold the
    /// consumer for long); the rest waits for the next pass.
    pub time_budget: Duration,
}

impl DeliverPending<'_> {
    /// Attempts every due delivery, at most `limit` of them; the rest wait for the next pass.
    /// Adds what the pass settled and the attempts that failed to the [`DeliveryCounts`], once
    /// per pass.
    ///
    /// # Errors
    /// Storage unavailable (deliveries already made are recorded, and counted).
    pub fn execute(&self, limit: usize) -> Result<DeliveryReport, DeliverError> {
        let mut report = DeliveryReport::default();
        let pass = self.pass(limit, &mut report);
        // Counted even when a storage error cut the pass short: those deliveries did end.
        let totals = report.totals();
        if !totals.is_zero() {
            self.counts.add(&totals)?;
        }
        pass?;
        Ok(report)
    }

    fn pass(&self, limit: usize, report: &mut DeliveryReport) -> Result<(), StoreError> {
        let mut attempted = 0;
        let stop_at = self.clock.now() + self.time_budget;
        for id in self.pending.ids()? {
            if attempted >= limit || self.clock.now() >= stop_at {
                break;
            }
            match self.begin(&id)? {
                Started::Yes(notification) => {
                    attempted += 1;
                    self.attempt(&id, &notification, report)?;
                }
                Started::NotDue => report.not_due += 1,
                Started::GaveUp => {
                    report.gave_up += 1;
                    self.pending.remove(&id)?;
                }
                Started::Settled => self.pending.remove(&id)?,
            }
        }
        Ok(())
    }

    fn begin(&self, id: &NotificationId) -> Result<Started, StoreError> {
        let now = self.clock.now();
        let mut begin = Begin::NotDue;
        let stored = self.notifications.update(id, &mut |n| {
            begin = n.delivery.begin(now, &self.policy);
            begin != Begin::NotDue
        })?;
        Ok(match (stored, begin) {
            (None, _) => Started::Settled,
            (Some(n), Begin::Started { .. }) => Started::Yes(Box::new(n)),
            (Some(_), Begin::GaveUp) => Started::GaveUp,
            (Some(n), Begin::NotDue) if n.delivery.is_settled() => Started::Settled,
            (Some(_), Begin::NotDue) => Started::NotDue,
        })
    }

    fn attempt(
        &self,
        id: &NotificationId,
        n: &Notification,
        report: &mut DeliveryReport,
    ) -> Result<(), StoreError> {
        let result = self.channel.send(&ChatMessage {
            receiver_id: &n.customer_id,
            text: &n.message,
            notification_id: n.notification_id.as_str(),
            reservation_id: &n.reservation_id,
            status: n.status.as_str(),
            correlation_id: &n.correlation_id,
        });
        let now: DateTime<Utc> = self.clock.now();
        let kind = self.channel.kind();
        // Whether this result settled the delivery (the last run of `change` decides): another
        // consumer whose lease ran out may have settled it first, and that is counted there.
        let mut settled_here = false;
        let stored = self.notifications.update(id, &mut |stored| {
            let was_settled = stored.delivery.is_settled();
            stored.channel = kind;
            match &result {
                Ok(()) => stored.delivery.succeed(now, kind.as_str()),
                Err(e) => stored
                    .delivery
                    .fail(now, kind.as_str(), e.0.clone(), &self.policy),
            }
            settled_here = !was_settled && stored.delivery.is_settled();
            true
        })?;
        let settled_here = settled_here && stored.is_some();
        match &result {
            Ok(()) if settled_here => report.sent += 1,
            Ok(()) => {}
            Err(_) => report.failed += 1,
        }
        if stored.as_ref().is_none_or(|s| s.delivery.is_settled()) {
            if settled_here && stored.as_ref().is_some_and(|s| s.delivery.gave_up()) {
                report.gave_up += 1;
            }
            self.pending.remove(id)?;
        }
        Ok(())
    }
}

enum Started {
    Yes(Box<Notification>),
    NotDue,
    GaveUp,
    Settled,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::DeliveryState;
    use crate::model::{BookingStatus, StatusChange};
    use crate::testing::{Fakes, confirmed, refunded};

    fn queued(fakes: &Fakes, event: &cinema_events::Envelope) -> NotificationId {
        let change = StatusChange::from_event(event).unwrap();
        fakes.record().execute(&change).unwrap();
        change.notification_id()
    }

    #[test]
    fn a_pending_notification_is_sent_once_and_leaves_the_queue() {
        let fakes = Fakes::default();
        let id = queued(&fakes, &confirmed("r1", "alice"));
        let report = fakes.deliver().execute(10).unwrap();
        assert_eq!(report.sent, 1);
        let sent = fakes.channel.sent();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].receiver_id, "alice");
        assert_eq!(sent[0].status, "CONFIRMED");
        assert_eq!(sent[0].notification_id, id.as_str());
        assert_eq!(
            fakes.store.notification(&id).delivery.state(),
            DeliveryState::Sent
        );
        assert!(fakes.store.pending_ids().is_empty());
        // a later pass sends nothing more
        fakes.deliver().execute(10).unwrap();
        assert_eq!(fakes.channel.sent().len(), 1);
    }

    #[test]
    fn a_failed_send_is_recorded_and_retried_on_a_later_pass() {
        // given a channel that fails once
        let fakes = Fakes::default();
        let id = queued(&fakes, &refunded("r1", "alice", 24_000));
        fakes.channel.fail_next(1, "HTTP 500: upstream error");
        // when delivery runs: the failure is logged and the notification stays queued
        let first = fakes.deliver().execute(10).unwrap();
        assert_eq!(first.failed, 1);
        let n = fakes.store.notification(&id);
        assert_eq!(n.delivery.state(), DeliveryState::Failed);
        assert_eq!(n.delivery.last_error(), Some("HTTP 500: upstream error"));
        assert_eq!(fakes.store.pending_ids(), vec![id.clone()]);
        // a pass before the backoff elapsed does nothing
        assert_eq!(fakes.deliver().execute(10).unwrap().not_due, 1);
        // then, after the backoff, it is sent
        fakes.clock.advance(10);
        assert_eq!(fakes.deliver().execute(10).unwrap().sent, 1);
        let n = fakes.store.notification(&id);
        assert_eq!(n.delivery.state(), DeliveryState::Sent);
        assert_eq!(n.delivery.attempts(), 2);
        assert!(fakes.store.pending_ids().is_empty());
    }

    #[test]
    fn delivery_gives_up_after_five_attempts_and_stays_failed() {
        let fakes = Fakes::default();
        let id = queued(&fakes, &confirmed("r1", "alice"));
        fakes.channel.fail_next(100, "connection refused");
        for _ in 0..10 {
            fakes.deliver().execute(10).unwrap();
            fakes.clock.advance(600);
        }
        let n = fakes.store.notification(&id);
        assert_eq!(n.delivery.state(), DeliveryState::Failed);
        assert_eq!(n.delivery.attempts(), 5);
        assert!(n.delivery.gave_up());
        assert_eq!(fakes.channel.attempts(), 5);
        assert!(fakes.store.pending_ids().is_empty());
    }

    #[test]
    fn a_pass_attempts_at_most_its_limit() {
        let fakes = Fakes::default();
        for r in ["r1", "r2", "r3"] {
            queued(&fakes, &confirmed(r, "alice"));
        }
        assert_eq!(fakes.deliver().execute(2).unwrap().sent, 2);
        assert_eq!(fakes.store.pending_ids().len(), 1);
        assert_eq!(fakes.deliver().execute(2).unwrap().sent, 1);
    }

    #[test]
    fn a_pass_starts_no_attempt_after_its_time_budget() {
        let fakes = Fakes::default();
        queued(&fakes, &confirmed("r1", "alice"));
        let pass = DeliverPending {
            time_budget: Duration::ZERO,
            ..fakes.deliver()
        };
        assert_eq!(pass.execute(10).unwrap(), DeliveryReport::default());
        assert_eq!(fakes.channel.attempts(), 0);
    }

    #[test]
    fn how_deliveries_ended_is_added_to_the_running_totals() {
        // given one message sent at once and one sent after a failed attempt
        let fakes = Fakes::default();
        queued(&fakes, &confirmed("r1", "alice"));
        queued(&fakes, &confirmed("r2", "alice"));
        fakes.channel.fail_next(1, "HTTP 503");
        fakes.deliver().execute(10).unwrap();
        fakes.clock.advance(10);
        fakes.deliver().execute(10).unwrap();
        // then both count as sent, and the failed attempt as a failure
        let totals = fakes.store.totals().unwrap();
        assert_eq!(
            totals,
            DeliveryTotals {
                sent: 2,
                gave_up: 0,
                failed_attempts: 1
            }
        );
        // and a pass with nothing due adds nothing
        fakes.deliver().execute(10).unwrap();
        assert_eq!(fakes.store.totals().unwrap(), totals);
    }

    #[test]
    fn a_delivery_given_up_counts_once_with_every_failed_attempt() {
        let fakes = Fakes::default();
        queued(&fakes, &confirmed("r1", "alice"));
        fakes.channel.fail_next(100, "connection refused");
        for _ in 0..10 {
            fakes.deliver().execute(10).unwrap();
            fakes.clock.advance(600);
        }
        assert_eq!(
            fakes.store.totals().unwrap(),
            DeliveryTotals {
                sent: 0,
                gave_up: 1,
                failed_attempts: 5
            }
        );
    }

    #[test]
    fn a_delivery_whose_last_attempt_never_reported_back_counts_as_given_up() {
        // given a delivery whose five attempts all began and never reported back
        let fakes = Fakes::default();
        let id = queued(&fakes, &confirmed("r1", "alice"));
        for _ in 0..RetryPolicy::default().max_attempts {
            fakes
                .store
                .update(&id, &mut |n| {
                    n.delivery.begin(fakes.clock.now(), &RetryPolicy::default());
                    true
                })
                .unwrap();
            fakes.clock.advance(31);
        }
        // when a pass finds it: given up, counted once, no failed attempt seen
        let report = fakes.deliver().execute(10).unwrap();
        assert_eq!(report.gave_up, 1);
        fakes.deliver().execute(10).unwrap();
        assert_eq!(
            fakes.store.totals().unwrap(),
            DeliveryTotals {
                sent: 0,
                gave_up: 1,
                failed_attempts: 0
            }
        );
    }

    #[test]
    fn the_channel_used_is_recorded() {
        let fakes = Fakes::default();
        let id = queued(&fakes, &confirmed("r1", "alice"));
        fakes.deliver().execute(10).unwrap();
        let n = fakes.store.notification(&id);
        assert_eq!(n.channel, fakes.channel.kind());
        assert_eq!(n.delivery.log()[0].channel, fakes.channel.kind().as_str());
        assert_eq!(n.status, BookingStatus::Confirmed);
    }
}
