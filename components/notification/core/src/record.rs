//! Turning a booking status change into exactly one notification, queued for delivery.

use crate::locale::VenueZone;
use crate::message::compose;
use crate::model::{BookingStatus, NotificationId, ScreeningInfo, StatusChange};
use crate::notification::{ChannelKind, Notification};
use crate::ports::{
    Clock, Created, CustomerIndex, CustomerPreferences, Notifications, PendingDeliveries,
    Screenings, StoreError,
};
use crate::preferences::preferences_of;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// A new notification was created and queued.
    New(Notification),
    /// The notification existed (a duplicate or redelivered event); nothing new was created.
    Duplicate(Notification),
}

impl Recorded {
    pub fn notification(&self) -> &Notification {
        match self {
            Self::New(n) | Self::Duplicate(n) => n,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Unexpected(#[from] StoreError),
}

/// The record use case. Every step is idempotent, so a redelivered event repairs whatever a
/// crash left half done (document written but index not yet, …).
pub struct RecordStatusChange<'a> {
    pub notifications: &'a dyn Notifications,
    pub customers: &'a dyn CustomerIndex,
    pub pending: &'a dyn PendingDeliveries,
    pub screenings: &'a dyn Screenings,
    /// The customer's language when the message is written (a later change of mind changes
    /// later messages, not this one).
    pub preferences: &'a dyn CustomerPreferences,
    pub clock: &'a dyn Clock,
    /// The channel deliveries will use (shown before the first attempt).
    pub channel: ChannelKind,
    /// The zone showtimes are told in.
    pub zone: VenueZone,
}

impl RecordStatusChange<'_> {
    /// # Errors
    /// Storage unavailable: the event should be retried.
    pub fn execute(&self, change: &StatusChange) -> Result<Recorded, RecordError> {
        let screening = match change.screening_id() {
            Some(id) => self.screenings.get(id)?,
            None => None,
        };
        let language = preferences_of(self.preferences, &change.customer_id)?.language;
        let change = &self.with_booking_number(change)?;
        let candidate = Notification::new(
            change,
            compose(change, screening.as_ref(), language, self.zone),
            self.channel,
            self.clock.now(),
        );
        let recorded = match self.notifications.create_if_absent(&candidate)? {
            Created::New(n) => Recorded::New(n),
            Created::Existing(n) => Recorded::Duplicate(n),
        };
        let stored = recorded.notification();
        self.customers
            .add(&stored.customer_id, &stored.notification_id)?;
        if !stored.delivery.is_settled() {
            self.pending.add(&stored.notification_id)?;
        }
        Ok(recorded)
    }
}

impl RecordStatusChange<'_> {
    /// A refund names the booking number its cancellation or rejection notice named (payment
    /// events do not carry it); without one the message shows the short id.
    fn with_booking_number(&self, change: &StatusChange) -> Result<StatusChange, StoreError> {
        let mut change = change.clone();
        if change.booking_number.is_none() && change.status() == BookingStatus::Refunded {
            for earlier in [BookingStatus::Cancelled, BookingStatus::Rejected] {
                let id = NotificationId::for_status(&change.reservation_id, earlier);
                if let Some(n) = self.notifications.get(&id)?
                    && n.booking_number.is_some()
                {
                    change.booking_number = n.booking_number;
                    break;
                }
            }
        }
        Ok(change)
    }
}

/// Remembers a screening so later messages can name its movie, hall and showtime.
///
/// # Errors
/// Storage unavailable.
pub fn remember_screening(
    screenings: &dyn Screenings,
    screening: &ScreeningInfo,
) -> Result<(), RecordError> {
    Ok(screenings.put(screening)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::DeliveryState;
    use crate::model::{BookingStatus, NotificationId};
    use crate::testing::{Fakes, cancelled, confirmed, refunded, screening_scheduled};

    fn change(event: &cinema_events::Envelope) -> StatusChange {
        StatusChange::from_event(event).unwrap()
    }

    #[test]
    fn a_status_change_creates_one_pending_notification_for_its_customer() {
        let fakes = Fakes::default();
        let Recorded::New(n) = fakes
            .record()
            .execute(&change(&confirmed("r1", "alice")))
            .unwrap()
        else {
            panic!("expected a new notification")
        };
        assert_eq!(n.status, BookingStatus::Confirmed);
        assert_eq!(n.delivery.state(), DeliveryState::Pending);
        assert_eq!(
            fakes.store.customer_ids("alice"),
            vec![n.notification_id.clone()]
        );
        assert_eq!(fakes.store.pending_ids(), vec![n.notification_id]);
    }

    #[test]
    fn the_same_status_change_twice_makes_one_notification() {
        let fakes = Fakes::default();
        fakes
            .record()
            .execute(&change(&confirmed("r1", "alice")))
            .unwrap();
        let again = fakes
            .record()
            .execute(&change(&confirmed("r1", "alice")))
            .unwrap();
        assert!(matches!(again, Recorded::Duplicate(_)));
        assert_eq!(fakes.store.customer_ids("alice").len(), 1);
        assert_eq!(fakes.store.pending_ids().len(), 1);
    }

    #[test]
    fn a_refund_is_its_own_notification_next_to_the_cancellation() {
        let fakes = Fakes::default();
        fakes
            .record()
            .execute(&change(&cancelled("r1", "alice")))
            .unwrap();
        fakes
            .record()
            .execute(&change(&refunded("r1", "alice", 24_000)))
            .unwrap();
        assert_eq!(
            fakes.store.customer_ids("alice"),
            vec![
                NotificationId::for_status("r1", BookingStatus::Cancelled),
                NotificationId::for_status("r1", BookingStatus::Refunded),
            ]
        );
    }

    #[test]
    fn a_redelivered_event_for_a_sent_notification_does_not_queue_it_again() {
        let fakes = Fakes::default();
        fakes
            .record()
            .execute(&change(&confirmed("r1", "alice")))
            .unwrap();
        fakes.deliver().execute(10).unwrap();
        assert!(fakes.store.pending_ids().is_empty());
        fakes
            .record()
            .execute(&change(&confirmed("r1", "alice")))
            .unwrap();
        assert!(fakes.store.pending_ids().is_empty());
        assert_eq!(fakes.channel.sent().len(), 1);
    }

    #[test]
    fn a_known_screening_makes_the_message_name_the_movie() {
        let fakes = Fakes::default();
        fakes.remember_screening(&screening_scheduled("s1"));
        let Recorded::New(n) = fakes
            .record()
            .execute(&change(&confirmed("r1", "alice")))
            .unwrap()
        else {
            panic!()
        };
        assert!(n.message.contains("Dune · Hall 1"), "{}", n.message);
    }

    #[test]
    fn the_message_is_written_in_the_language_the_customer_has_when_it_is_recorded() {
        let fakes = Fakes::default();
        let Recorded::New(korean) = fakes
            .record()
            .execute(&change(&confirmed("r1", "alice")))
            .unwrap()
        else {
            panic!()
        };
        crate::preferences::change_language(&fakes.store, "alice", "en").unwrap();
        let Recorded::New(english) = fakes
            .record()
            .execute(&change(&cancelled("r1", "alice")))
            .unwrap()
        else {
            panic!()
        };
        assert!(
            korean.message.starts_with("[시네마] 예매가 확정"),
            "{}",
            korean.message
        );
        assert!(
            english.message.starts_with("[Cinema] Booking cancelled"),
            "{}",
            english.message
        );
        // What was written stays written.
        let kept = fakes.store.notification(&korean.notification_id);
        assert_eq!(kept.message, korean.message);
    }

    #[test]
    fn a_refund_names_the_booking_number_of_its_cancellation() {
        let fakes = Fakes::default();
        let mut cancellation = change(&cancelled("r1", "alice"));
        cancellation.booking_number = Some("2612-0457-3921".into());
        fakes.record().execute(&cancellation).unwrap();
        let Recorded::New(refund) = fakes
            .record()
            .execute(&change(&refunded("r1", "alice", 24_000)))
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(refund.booking_number.as_deref(), Some("2612-0457-3921"));
        assert!(
            refund.message.contains("예매번호 2612-0457-3921"),
            "{}",
            refund.message
        );
    }

    #[test]
    fn a_storage_failure_is_unexpected() {
        let fakes = Fakes::default();
        fakes.store.fail_writes();
        assert!(
            fakes
                .record()
                .execute(&change(&confirmed("r1", "alice")))
                .is_err()
        );
    }
}
