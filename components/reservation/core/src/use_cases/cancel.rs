//! `DELETE /reservations/{id}`: the customer cancels before the showtime. The booking's claims
//! are released at once (its seats can be held again); the theater releases the allocation and
//! payment refunds, both from `ReservationCancelled`. A booking whose ticket was used at the door
//! is not cancelled (the customer is in the hall: no refund). Run by the adapter inside one
//! transaction, so a check-in cannot land between this look and the cancel.

use chrono::SecondsFormat;

use crate::error::ReservationError;
use crate::model::CustomerId;
use crate::ports::{CheckIns, Clock, Reservations, Screenings};
use crate::reservation::{Reservation, Status};

pub struct CancelReservation<'a> {
    pub reservations: &'a dyn Reservations,
    pub screenings: &'a dyn Screenings,
    pub check_ins: &'a dyn CheckIns,
    pub clock: &'a dyn Clock,
}

impl CancelReservation<'_> {
    /// Cancels the customer's booking; cancelling a cancelled booking answers it unchanged.
    ///
    /// # Errors
    /// Unknown or another customer's booking ([`ReservationError::NotFound`]), a rejected one, or
    /// a screening that has started, a booking checked in at the door
    /// ([`ReservationError::CheckedIn`]).
    pub fn execute(
        &self,
        customer: &CustomerId,
        id: &str,
    ) -> Result<Reservation, ReservationError> {
        let mut r = self
            .reservations
            .reservation(id)?
            .ok_or(ReservationError::NotFound)?;
        if r.status == Status::Confirmed
            && &r.customer_id == customer
            && let Some(number) = &r.booking_number
            && let Some(at) = self.check_ins.checked_in_at(number)?
        {
            return Err(ReservationError::CheckedIn(
                at.to_rfc3339_opts(SecondsFormat::Secs, true),
            ));
        }
        let starts_at = self
            .screenings
            .screening(&r.screening_id)?
            .map(|s| s.starts_at);
        if let Some(event) = r.cancel(customer, starts_at, self.clock.now())? {
            self.reservations.save(&r, Some(&event))?;
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reservation::Status;
    use crate::testing::{World, alice, bob, seats};

    #[test]
    fn given_a_ticket_used_at_the_door_when_cancelled_then_refused_and_the_booking_stands() {
        use crate::ports::CheckIns;
        let w = World::new();
        let r = w.book(&alice(), &["A1"]);
        w.confirm(&r);
        let number = r.booking_number.clone().unwrap();
        w.store.check_in(&number, &r.id, w.clock.now()).unwrap();

        let refused = w.cancel().execute(&alice(), r.id.as_str()).unwrap_err();
        assert!(
            matches!(refused, ReservationError::CheckedIn(_)),
            "{refused:?}"
        );
        assert_eq!(
            w.store.reservation_now(r.id.as_str()).status,
            Status::Confirmed
        );
        assert_ne!(
            w.store.event_types().last().map(String::as_str),
            Some("ReservationCancelled")
        );
        // Someone else's booking stays someone else's: not found, whatever its ticket did.
        assert_eq!(
            w.cancel().execute(&bob(), r.id.as_str()).unwrap_err(),
            ReservationError::NotFound
        );
    }

    #[test]
    fn given_a_ticket_not_used_when_cancelled_then_cancelled() {
        let w = World::new();
        let r = w.book(&alice(), &["A1"]);
        w.confirm(&r);
        let cancelled = w.cancel().execute(&alice(), r.id.as_str()).unwrap();
        assert_eq!(cancelled.status, Status::Cancelled);
    }

    #[test]
    fn given_a_booking_when_cancelled_then_its_seats_are_free_for_others_at_once() {
        let w = World::new();
        let r = w.book(&alice(), &["A1"]);
        let cancelled = w.cancel().execute(&alice(), r.id.as_str()).unwrap();
        assert_eq!(cancelled.status, Status::Cancelled);
        assert!(w.store.claimed_by(r.id.as_str()).is_empty());
        w.hold_seats()
            .execute(&bob(), "s1", &seats(&["A1"]), None)
            .unwrap();
        assert_eq!(
            w.store.event_types().last().map(String::as_str),
            Some("SeatsHeld")
        );
    }

    #[test]
    fn cancelling_twice_publishes_once_and_others_cannot_cancel() {
        let w = World::new();
        let r = w.book(&alice(), &["A1"]);
        assert_eq!(
            w.cancel().execute(&bob(), r.id.as_str()).unwrap_err(),
            ReservationError::NotFound
        );
        w.cancel().execute(&alice(), r.id.as_str()).unwrap();
        w.cancel().execute(&alice(), r.id.as_str()).unwrap();
        let cancels = w
            .store
            .event_types()
            .iter()
            .filter(|t| *t == "ReservationCancelled")
            .count();
        assert_eq!(cancels, 1);
    }

    #[test]
    fn after_the_showtime_a_booking_cannot_be_cancelled() {
        let w = World::new();
        let r = w.book(&alice(), &["A1"]);
        w.clock.set(w.screening.starts_at);
        assert_eq!(
            w.cancel().execute(&alice(), r.id.as_str()).unwrap_err(),
            ReservationError::CancelTooLate
        );
        assert_eq!(w.store.claimed_by(r.id.as_str()), seats(&["A1"]));
    }
}
