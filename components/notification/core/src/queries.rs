//! Reading a customer's notifications (`GET /my/notifications`).

use crate::notification::Notification;
use crate::ports::{CustomerIndex, NotificationReader, StoreError};

/// The customer's notifications, newest first.
///
/// # Errors
/// Storage unavailable.
pub fn customer_notifications(
    index: &dyn CustomerIndex,
    reader: &dyn NotificationReader,
    customer_id: &str,
) -> Result<Vec<Notification>, StoreError> {
    let ids = index.ids(customer_id)?;
    let mut notifications: Vec<Notification> = reader
        .get_many(&ids)?
        .into_iter()
        .filter(|n| n.customer_id == customer_id)
        .collect();
    notifications.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then_with(|| b.notification_id.cmp(&a.notification_id))
    });
    Ok(notifications)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BookingStatus, StatusChange};
    use crate::testing::{Fakes, cancelled, confirmed, refunded};

    #[test]
    fn a_customer_sees_only_their_notifications_newest_first() {
        let fakes = Fakes::default();
        let events = [
            confirmed("r1", "alice"),
            confirmed("r2", "bob"),
            cancelled("r1", "alice"),
            refunded("r1", "alice", 100),
        ];
        for (second, mut event) in (0..).zip(events) {
            event.occurred_at = crate::testing::at(second).to_rfc3339();
            fakes
                .record()
                .execute(&StatusChange::from_event(&event).unwrap())
                .unwrap();
        }
        let list = customer_notifications(&fakes.store, &fakes.store, "alice").unwrap();
        let statuses: Vec<_> = list.iter().map(|n| n.status).collect();
        assert_eq!(
            statuses,
            [
                BookingStatus::Refunded,
                BookingStatus::Cancelled,
                BookingStatus::Confirmed
            ]
        );
        assert!(list.iter().all(|n| n.customer_id == "alice"));
    }

    #[test]
    fn a_customer_without_notifications_gets_an_empty_list() {
        let fakes = Fakes::default();
        assert!(
            customer_notifications(&fakes.store, &fakes.store, "nobody")
                .unwrap()
                .is_empty()
        );
    }
}
