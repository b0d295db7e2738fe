//! The saga's booking side: the theater's answer (allocated → `CONFIRMED`, rejected →
//! `REJECTED` and the claims released, payment refunds), payment's refunds, and the screenings the
//! theater schedules (our own copy, so bookings never call the theater). Run by the adapter inside
//! the event's transaction, after its inbox claim; a duplicate or late event changes nothing.

use cinema_events::EventData;

use crate::error::ReservationError;
use crate::model::Screening;
use crate::ports::{Clock, Reservations, Screenings};

/// What an event did.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// The booking changed; the event it published (if any) is in the outbox.
    Changed { published: Option<&'static str> },
    /// Nothing to do: a duplicate, a late answer, an unknown booking, or a type we ignore.
    Unchanged,
    /// The event cannot be applied and never will be (logged, acknowledged).
    Skipped(String),
}

/// What an event does to a booking: `None` when nothing changes, else the event to publish.
type Change<'a> = dyn Fn(&mut crate::Reservation) -> Option<Option<EventData>> + 'a;

pub struct ApplySagaEvent<'a> {
    pub reservations: &'a dyn Reservations,
    pub screenings: &'a dyn Screenings,
    pub clock: &'a dyn Clock,
}

impl ApplySagaEvent<'_> {
    /// # Errors
    /// Storage unavailable (the event is delivered again).
    pub fn execute(&self, data: &EventData) -> Result<Applied, ReservationError> {
        let now = self.clock.now();
        let (id, change): (&str, &Change<'_>) = match data {
            EventData::ScreeningScheduled(s) => {
                return match Screening::from_event(s) {
                    Ok(screening) => {
                        self.screenings.upsert_screening(&screening)?;
                        Ok(Applied::Changed { published: None })
                    }
                    Err(e) => Ok(Applied::Skipped(e)),
                };
            }
            EventData::SeatsAllocated(a) => {
                (&a.reservation_id, &|r| r.seats_allocated(now).map(Some))
            }
            EventData::SeatsRejected(x) => (&x.reservation_id, &|r| {
                r.seats_rejected(x.reason, now).map(Some)
            }),
            EventData::PaymentRefunded(p) => (&p.reservation_id, &|r| {
                r.payment_refunded(now).then_some(None)
            }),
            _ => return Ok(Applied::Unchanged),
        };
        let Some(mut r) = self.reservations.reservation(id)? else {
            return Ok(Applied::Unchanged);
        };
        let Some(event) = change(&mut r) else {
            return Ok(Applied::Unchanged);
        };
        self.reservations.save(&r, event.as_ref())?;
        Ok(Applied::Changed {
            published: event.as_ref().map(EventData::type_name),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reservation::{PaymentStatus, Status};
    use crate::testing::{World, alice, bob, seats};
    use cinema_events as ev;

    fn allocated(id: &str) -> EventData {
        EventData::SeatsAllocated(ev::SeatsAllocated {
            reservation_id: id.into(),
            screening_id: "s1".into(),
            seats: seats(&["A1"]),
        })
    }

    fn rejected(id: &str) -> EventData {
        EventData::SeatsRejected(ev::SeatsRejected {
            reservation_id: id.into(),
            screening_id: "s1".into(),
            seats: seats(&["A1"]),
            reason: ev::RejectionReason::SeatsTaken,
            taken: seats(&["A1"]),
        })
    }

    #[test]
    fn given_a_paid_booking_when_the_seats_are_allocated_then_confirmed_once() {
        let w = World::new();
        let r = w.book(&alice(), &["A1"]);
        assert_eq!(
            w.saga().execute(&allocated(r.id.as_str())).unwrap(),
            Applied::Changed {
                published: Some("ReservationConfirmed")
            }
        );
        assert_eq!(
            w.saga().execute(&allocated(r.id.as_str())).unwrap(),
            Applied::Unchanged
        );
        assert_eq!(
            w.store.reservation_now(r.id.as_str()).status,
            Status::Confirmed
        );
        assert_eq!(w.store.claimed_by(r.id.as_str()), seats(&["A1"]));
    }

    #[test]
    fn given_a_paid_booking_when_the_theater_rejects_it_then_rejected_and_its_claims_released() {
        // The theater stays the authority (a seat it blocked, say): compensated as before.
        let w = World::new();
        let r = w.book(&alice(), &["A1"]);
        w.saga().execute(&rejected(r.id.as_str())).unwrap();
        assert_eq!(
            w.store.reservation_now(r.id.as_str()).status,
            Status::Rejected
        );
        assert!(w.store.claimed_by(r.id.as_str()).is_empty());
        assert_eq!(
            w.store.event_types().last().map(String::as_str),
            Some("ReservationRejected")
        );
        w.hold_seats()
            .execute(&bob(), "s1", &seats(&["A1"]), None)
            .unwrap();
    }

    #[test]
    fn a_refund_is_recorded_without_an_event() {
        let w = World::new();
        let r = w.book(&alice(), &["A1"]);
        w.saga().execute(&rejected(r.id.as_str())).unwrap();
        let refunded = EventData::PaymentRefunded(ev::PaymentRefunded {
            payment_id: r.payment_id.clone(),
            reservation_id: r.id.to_string(),
            customer_id: "alice".into(),
            amount: r.total.clone().into(),
            reason: "reservation-rejected".into(),
        });
        assert_eq!(
            w.saga().execute(&refunded).unwrap(),
            Applied::Changed { published: None }
        );
        assert_eq!(
            w.store.reservation_now(r.id.as_str()).payment_status,
            PaymentStatus::Refunded
        );
    }

    #[test]
    fn answers_for_unknown_bookings_change_nothing() {
        let w = World::new();
        assert_eq!(
            w.saga().execute(&allocated("nobody")).unwrap(),
            Applied::Unchanged
        );
    }
}
