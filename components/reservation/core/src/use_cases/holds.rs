//! Choosing seats holds them for [`Timing::hold_ttl`](super::Timing): nobody else can hold or
//! book them meanwhile, so the customer pays only for seats they will get. The hold lives in the
//! reservation context's own store; the theater is not asked (it only shows held seats as taken,
//! from the events), so holds keep working while the theater is down.

use crate::error::ReservationError;
use crate::hold::{Hold, ReleaseReason};
use crate::model::{CustomerId, HoldId};
use crate::ports::{Claim, Clock, Holds, Ids, Outbox, Screenings};
use crate::pricing::{TicketRequest, Tickets};
use crate::quote::quote;

use super::Timing;

/// `POST /holds`.
pub struct HoldSeats<'a> {
    pub screenings: &'a dyn Screenings,
    pub holds: &'a dyn Holds,
    pub outbox: &'a dyn Outbox,
    pub clock: &'a dyn Clock,
    pub ids: &'a dyn Ids,
    pub timing: Timing,
}

impl HoldSeats<'_> {
    /// Holds the seats for the customer, all or none, priced for `tickets` (absent: all adult).
    ///
    /// # Errors
    /// The screening is unknown or started, a seat or ticket rule is broken, or a seat is held
    /// or booked by someone else ([`ReservationError::SeatsTaken`], nothing held).
    pub fn execute(
        &self,
        customer: &CustomerId,
        screening_id: &str,
        seats: &[String],
        tickets: Option<&TicketRequest>,
    ) -> Result<Hold, ReservationError> {
        let now = self.clock.now();
        let tickets = tickets.map(Tickets::parse).transpose()?;
        let screening = self
            .screenings
            .screening(screening_id)?
            .ok_or(ReservationError::UnknownScreening)?;
        let quote = quote(&screening, seats, tickets.as_ref(), now)?;
        let id = HoldId::parse(&self.ids.new_id()).map_err(ReservationError::Invalid)?;
        // A hold never outlives the showtime it is for.
        let expires_at = (now + self.timing.hold_ttl).min(screening.starts_at);
        let hold = Hold::place(
            id,
            customer.clone(),
            &screening,
            quote,
            expires_at,
            now,
            false,
        );
        match self.holds.claim(&hold, None)? {
            Claim::Claimed => {
                self.outbox.relay();
                Ok(hold)
            }
            Claim::Taken(seats) => Err(ReservationError::SeatsTaken(seats)),
        }
    }
}

/// `GET /holds/{id}`: the customer's own hold, with its status as of now.
pub struct ViewHold<'a> {
    pub holds: &'a dyn Holds,
}

impl ViewHold<'_> {
    /// # Errors
    /// [`ReservationError::HoldNotFound`] for an unknown or another customer's hold.
    pub fn execute(&self, customer: &CustomerId, id: &str) -> Result<Hold, ReservationError> {
        let id = HoldId::parse(id).map_err(|_| ReservationError::HoldNotFound)?;
        self.holds
            .hold(&id)?
            .filter(|h| h.belongs_to(customer))
            .ok_or(ReservationError::HoldNotFound)
    }
}

/// `DELETE /holds/{id}`: lets the seats go. Idempotent: a released, expired or booked hold is
/// answered as it is (a booked hold stays booked: its seats are the booking's).
pub struct ReleaseHold<'a> {
    pub holds: &'a dyn Holds,
    pub outbox: &'a dyn Outbox,
}

impl ReleaseHold<'_> {
    /// # Errors
    /// [`ReservationError::HoldNotFound`] for an unknown or another customer's hold.
    pub fn execute(&self, customer: &CustomerId, id: &str) -> Result<Hold, ReservationError> {
        let hold = ViewHold { holds: self.holds }.execute(customer, id)?;
        if hold.status != crate::hold::HoldStatus::Active {
            return Ok(hold);
        }
        let released = self.holds.release(&hold.id, ReleaseReason::Released)?;
        self.outbox.relay();
        Ok(released.unwrap_or(hold))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hold::HoldStatus;
    use crate::testing::{World, alice, bob, seats};

    #[test]
    fn given_free_seats_when_held_then_the_hold_is_active_announced_and_priced() {
        let w = World::new();
        let hold = w
            .hold_seats()
            .execute(&alice(), "s1", &seats(&["A1", "A2"]), None)
            .unwrap();
        assert_eq!(hold.status, HoldStatus::Active);
        assert_eq!(hold.total.amount, 24_000);
        assert_eq!(hold.expires_at, w.clock.now() + w.timing.hold_ttl);
        assert_eq!(
            w.store.claimed_by(&hold.id.to_string()),
            seats(&["A1", "A2"])
        );
        assert_eq!(w.store.event_types(), ["SeatsHeld"]);
    }

    #[test]
    fn given_a_seat_held_by_another_customer_when_held_then_taken_and_nothing_held() {
        let w = World::new();
        w.hold_seats()
            .execute(&bob(), "s1", &seats(&["A2"]), None)
            .unwrap();
        let err = w
            .hold_seats()
            .execute(&alice(), "s1", &seats(&["A1", "A2"]), None)
            .unwrap_err();
        assert_eq!(err, ReservationError::SeatsTaken(seats(&["A2"])));
        assert!(
            w.store.claims_of_customer(&alice()).is_empty(),
            "all or nothing"
        );
    }

    #[test]
    fn given_an_expired_hold_when_another_customer_holds_its_seats_then_they_get_them() {
        let w = World::new();
        w.hold_seats()
            .execute(&bob(), "s1", &seats(&["A1"]), None)
            .unwrap();
        w.clock.advance_s(601);
        let hold = w
            .hold_seats()
            .execute(&alice(), "s1", &seats(&["A1"]), None)
            .unwrap();
        assert_eq!(w.store.claimed_by(&hold.id.to_string()), seats(&["A1"]));
    }

    #[test]
    fn given_my_own_hold_when_i_hold_overlapping_seats_then_the_old_hold_is_replaced() {
        let w = World::new();
        let old = w
            .hold_seats()
            .execute(&alice(), "s1", &seats(&["A1", "A2"]), None)
            .unwrap();
        let new = w
            .hold_seats()
            .execute(&alice(), "s1", &seats(&["A2", "A3"]), None)
            .unwrap();
        let old = w.store.hold_now(&old.id);
        assert_eq!(old.status, HoldStatus::Released);
        assert_eq!(
            w.store.claimed_by(&new.id.to_string()),
            seats(&["A2", "A3"])
        );
        assert!(
            w.store.claimed_by(&old.id.to_string()).is_empty(),
            "A1 is free again"
        );
        assert_eq!(
            w.store.event_types(),
            ["SeatsHeld", "HoldReleased", "SeatsHeld"]
        );
    }

    #[test]
    fn a_hold_never_outlives_its_showtime() {
        let w = World::new();
        w.clock
            .set(w.screening.starts_at - chrono::Duration::seconds(60));
        let hold = w
            .hold_seats()
            .execute(&alice(), "s1", &seats(&["A1"]), None)
            .unwrap();
        assert_eq!(hold.expires_at, w.screening.starts_at);
    }

    #[test]
    fn unknown_screenings_and_bad_seats_hold_nothing() {
        let w = World::new();
        assert_eq!(
            w.hold_seats()
                .execute(&alice(), "nope", &seats(&["A1"]), None)
                .unwrap_err(),
            ReservationError::UnknownScreening
        );
        assert!(matches!(
            w.hold_seats()
                .execute(&alice(), "s1", &seats(&["Z99"]), None),
            Err(ReservationError::Invalid(_))
        ));
        assert!(w.store.event_types().is_empty());
    }

    #[test]
    fn only_the_owner_sees_or_releases_a_hold_and_releasing_twice_is_harmless() {
        let w = World::new();
        let hold = w
            .hold_seats()
            .execute(&alice(), "s1", &seats(&["A1"]), None)
            .unwrap();
        let id = hold.id.to_string();
        let release = ReleaseHold {
            holds: &w.store,
            outbox: &w.store,
        };
        assert_eq!(
            release.execute(&bob(), &id).unwrap_err(),
            ReservationError::HoldNotFound
        );
        assert_eq!(
            ViewHold { holds: &w.store }
                .execute(&bob(), &id)
                .unwrap_err(),
            ReservationError::HoldNotFound
        );
        assert_eq!(
            release.execute(&alice(), &id).unwrap().status,
            HoldStatus::Released
        );
        assert_eq!(
            release.execute(&alice(), &id).unwrap().status,
            HoldStatus::Released
        );
        assert!(w.store.claimed_by(&id).is_empty());
        assert_eq!(w.store.event_types(), ["SeatsHeld", "HoldReleased"]);
        // Free again for anyone.
        w.hold_seats()
            .execute(&bob(), "s1", &seats(&["A1"]), None)
            .unwrap();
    }

    #[test]
    fn an_expired_hold_reads_expired() {
        let w = World::new();
        let hold = w
            .hold_seats()
            .execute(&alice(), "s1", &seats(&["A1"]), None)
            .unwrap();
        w.clock.advance_s(600);
        assert_eq!(hold.status_at(w.clock.now()), HoldStatus::Expired);
    }
}
