//! The projection use case: one integration event in, the read model updated.

use cinema_events::{Envelope, EventData};

use crate::ports::{CustomerIndex, Inbox, ReservationViews, Screenings, StoreError};
use crate::screening::ScreeningInfo;
use crate::view::{apply, subject};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projected {
    Applied,
    /// Already in the inbox: nothing done.
    Duplicate,
    /// An event type my page does not consume.
    Ignored,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectionError {
    /// The store failed; the event stays pending and is retried.
    #[error("{0}")]
    Unexpected(#[from] StoreError),
}

pub struct Projector<'a, V, I, S, X> {
    pub views: &'a V,
    pub index: &'a I,
    pub screenings: &'a S,
    pub inbox: &'a X,
}

impl<V: ReservationViews, I: CustomerIndex, S: Screenings, X: Inbox> Projector<'_, V, I, S, X> {
    /// Applies one event: the reservation's view (compare-and-swap), the customer's index, or the
    /// screening document — then records the event in the inbox. Every step is idempotent, so a
    /// crash before the inbox record just means the event is applied again, harmlessly.
    ///
    /// # Errors
    /// [`ProjectionError::Unexpected`] when the store fails.
    pub fn handle(&self, event: &Envelope) -> Result<Projected, ProjectionError> {
        let relevant =
            matches!(event.data, EventData::ScreeningScheduled(_)) || subject(event).is_some();
        if !relevant {
            return Ok(Projected::Ignored);
        }
        if self.inbox.seen(&event.event_id)? {
            return Ok(Projected::Duplicate);
        }
        if let EventData::ScreeningScheduled(scheduled) = &event.data {
            self.screenings.put(&ScreeningInfo::from(scheduled))?;
        } else if let Some((reservation_id, customer_id)) = subject(event) {
            self.views.update(reservation_id, &|current| {
                let next = apply(current.cloned(), event)?;
                (Some(&next) != current).then_some(next)
            })?;
            self.index.add(customer_id, reservation_id)?;
        }
        self.inbox.record(&event.event_id)?;
        Ok(Projected::Applied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::present;
    use crate::queries::MyReservations;
    use crate::testing::MemoryStore;
    use crate::testing::events::*;
    use crate::view::{PaymentStatus, Status};

    fn project(store: &MemoryStore, events: &[Envelope]) -> Vec<Projected> {
        let projector = Projector {
            views: store,
            index: store,
            screenings: store,
            inbox: store,
        };
        events
            .iter()
            .map(|e| projector.handle(e).unwrap())
            .collect()
    }

    fn list(store: &MemoryStore, customer: &str) -> Vec<crate::listing::MyReservation> {
        MyReservations {
            views: store,
            index: store,
            screenings: store,
        }
        .list(customer)
        .unwrap()
    }

    #[test]
    fn a_booking_appears_on_its_customers_page_with_its_movie() {
        let store = MemoryStore::default();
        project(&store, &[scheduled(), placed(1), confirmed(2)]);
        let page = list(&store, "alice");
        assert_eq!(page.len(), 1);
        assert_eq!(page[0].status, Status::Confirmed);
        assert_eq!(page[0].movie_title.as_deref(), Some("Parasite"));
        assert!(list(&store, "bob").is_empty());
    }

    #[test]
    fn a_redelivered_event_is_a_duplicate_and_changes_nothing() {
        let store = MemoryStore::default();
        project(&store, &[placed(1), confirmed(2)]);
        let before = store.snapshot();
        assert_eq!(
            project(&store, &[confirmed(2), placed(1)]),
            [Projected::Duplicate, Projected::Duplicate]
        );
        assert_eq!(store.snapshot(), before);
    }

    #[test]
    fn a_copy_of_an_event_under_another_id_still_changes_nothing() {
        // the inbox catches redeliveries; a re-published copy with a new id is absorbed by the
        // projection itself (set semantics)
        let store = MemoryStore::default();
        project(&store, &[placed(1), confirmed(2)]);
        let views_before = present(store.views(), &[]);
        let mut copy = confirmed(2);
        copy.event_id = "another-id".into();
        project(&store, &[copy]);
        assert_eq!(present(store.views(), &[]), views_before);
    }

    #[test]
    fn screening_details_arriving_after_the_booking_show_up_on_the_next_read() {
        let store = MemoryStore::default();
        project(&store, &[placed(1)]);
        assert_eq!(list(&store, "alice")[0].movie_title, None);
        project(&store, &[scheduled()]);
        assert_eq!(
            list(&store, "alice")[0].movie_title.as_deref(),
            Some("Parasite")
        );
    }

    #[test]
    fn out_of_order_delivery_ends_in_the_latest_state() {
        let store = MemoryStore::default();
        project(
            &store,
            &[
                refunded(),
                cancelled(3),
                placed(1),
                confirmed(2),
                approved(),
            ],
        );
        let page = list(&store, "alice");
        assert_eq!(page[0].status, Status::Cancelled);
        assert_eq!(page[0].payment_status, Some(PaymentStatus::Refunded));
        assert_eq!(page[0].version, 3);
    }

    #[test]
    fn events_mypage_does_not_consume_are_ignored_and_not_recorded() {
        let store = MemoryStore::default();
        assert_eq!(project(&store, &[seats_allocated()]), [Projected::Ignored]);
        assert!(store.snapshot().is_empty());
    }

    #[test]
    fn a_store_failure_is_reported_and_the_event_is_not_recorded() {
        let store = MemoryStore::default();
        store.fail(true);
        let projector = Projector {
            views: &store,
            index: &store,
            screenings: &store,
            inbox: &store,
        };
        assert!(projector.handle(&placed(1)).is_err());
        store.fail(false);
        assert_eq!(projector.handle(&placed(1)).unwrap(), Projected::Applied);
    }
}
