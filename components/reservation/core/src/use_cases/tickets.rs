//! Tickets and check-in.
//!
//! - `GET /reservations/{id}/ticket` ([`ViewTicket`]): the owner's CONFIRMED booking → its signed
//!   code (what the QR code holds), with the screening's details.
//! - `POST /admin/check-ins` ([`CheckIn`]): staff scan a code → the booking's details and whether
//!   this is its first check-in. A made-up or altered code is refused without looking further
//!   than its booking; a cancelled or rejected booking's ticket is refused; nothing is stored on a
//!   refusal. Run by the adapter inside one transaction, so a cancel cannot slip in between the
//!   status check and the record.

use chrono::{DateTime, Utc};

use crate::error::ReservationError;
use crate::model::{CustomerId, Screening};
use crate::ports::{CheckIns, Clock, Reservations, Screenings};
use crate::reservation::{Reservation, Status};
use crate::ticket::{TicketCode, TicketSecret};

/// A booking's ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub reservation: Reservation,
    pub code: TicketCode,
    /// The screening, when this context knows it.
    pub screening: Option<Screening>,
}

pub struct ViewTicket<'a> {
    pub reservations: &'a dyn Reservations,
    pub screenings: &'a dyn Screenings,
    pub secret: &'a TicketSecret,
}

impl ViewTicket<'_> {
    /// # Errors
    /// Unknown or another customer's booking ([`ReservationError::NotFound`]), one that is not
    /// CONFIRMED ([`ReservationError::NotConfirmed`]), one booked before booking numbers
    /// ([`ReservationError::NoTicket`]), storage.
    pub fn execute(&self, customer: &CustomerId, id: &str) -> Result<Ticket, ReservationError> {
        let reservation = self
            .reservations
            .reservation(id)?
            .filter(|r| &r.customer_id == customer)
            .ok_or(ReservationError::NotFound)?;
        if reservation.status != Status::Confirmed {
            return Err(ReservationError::NotConfirmed(reservation.status.as_str()));
        }
        let number = reservation
            .booking_number
            .clone()
            .ok_or(ReservationError::NoTicket)?;
        let code = TicketCode::issue(self.secret, &number, &reservation.id);
        let screening = self.screenings.screening(&reservation.screening_id)?;
        Ok(Ticket {
            reservation,
            code,
            screening,
        })
    }
}

/// An accepted ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedIn {
    pub reservation: Reservation,
    pub screening: Option<Screening>,
    /// When the ticket was first used (now, when `first`).
    pub checked_in_at: DateTime<Utc>,
    pub first: bool,
}

pub struct CheckIn<'a> {
    pub reservations: &'a dyn Reservations,
    pub screenings: &'a dyn Screenings,
    pub check_ins: &'a dyn CheckIns,
    pub clock: &'a dyn Clock,
    pub secret: &'a TicketSecret,
}

impl CheckIn<'_> {
    /// # Errors
    /// A code that is malformed, names no booking or was not signed for it
    /// ([`ReservationError::InvalidTicket`]), a booking that is not CONFIRMED
    /// ([`ReservationError::TicketNotValid`]), storage.
    pub fn execute(&self, code: &str) -> Result<CheckedIn, ReservationError> {
        let code = TicketCode::parse(code).map_err(|_| ReservationError::InvalidTicket)?;
        let reservation = self
            .reservations
            .by_booking_number(code.booking_number())?
            .ok_or(ReservationError::InvalidTicket)?;
        if !code.verify(self.secret, &reservation.id) {
            return Err(ReservationError::InvalidTicket);
        }
        if reservation.status != Status::Confirmed {
            return Err(ReservationError::TicketNotValid(
                reservation.status.as_str(),
            ));
        }
        let (checked_in_at, first) =
            self.check_ins
                .check_in(code.booking_number(), &reservation.id, self.clock.now())?;
        let screening = self.screenings.screening(&reservation.screening_id)?;
        Ok(CheckedIn {
            reservation,
            screening,
            checked_in_at,
            first,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{World, alice, bob};

    fn confirmed(w: &World) -> Reservation {
        let r = w.book(&alice(), &["A1", "A2"]);
        w.confirm(&r);
        w.store.reservation_now(r.id.as_str())
    }

    fn ticket(w: &World, r: &Reservation) -> String {
        w.view_ticket()
            .execute(&alice(), r.id.as_str())
            .unwrap()
            .code
            .to_string()
    }

    #[test]
    fn booking_numbers_carry_the_month_and_never_repeat_even_when_a_draw_clashes() {
        let w = World::new();
        // The second booking draws the first one's serial, then another.
        w.store.draw_serials(&[4_573_921, 4_573_921, 12]);
        let first = w.book(&alice(), &["A1"]);
        let second = w.book(&bob(), &["A2"]);
        let number = |r: &Reservation| r.booking_number.clone().map(|n| n.to_string());
        assert_eq!(number(&first).as_deref(), Some("3001-0457-3921"));
        assert_eq!(number(&second).as_deref(), Some("3001-0000-0012"));
        // Stored and announced under the number it got.
        assert_eq!(
            w.store.reservation_now(second.id.as_str()).booking_number,
            second.booking_number
        );
        let announced: Vec<Option<String>> = w
            .store
            .events()
            .into_iter()
            .filter_map(|e| match e {
                cinema_events::EventData::ReservationPlaced(p) => Some(p.booking_number),
                _ => None,
            })
            .collect();
        assert_eq!(announced, [number(&first), number(&second)]);
    }

    #[test]
    fn given_a_confirmed_booking_then_its_ticket_names_its_number_and_screening() {
        let w = World::new();
        let r = confirmed(&w);
        let t = w.view_ticket().execute(&alice(), r.id.as_str()).unwrap();
        let number = r.booking_number.clone().unwrap();
        assert!(t.code.to_string().starts_with(&format!("{number}.")));
        assert_eq!(t.screening.map(|s| s.movie_title), Some("Parasite".into()));
    }

    #[test]
    fn a_paid_booking_has_no_ticket_yet_and_another_customer_sees_none() {
        let w = World::new();
        let r = w.book(&alice(), &["A1"]);
        assert_eq!(
            w.view_ticket()
                .execute(&alice(), r.id.as_str())
                .unwrap_err(),
            ReservationError::NotConfirmed("PAID")
        );
        w.confirm(&r);
        assert_eq!(
            w.view_ticket().execute(&bob(), r.id.as_str()).unwrap_err(),
            ReservationError::NotFound
        );
    }

    #[test]
    fn given_a_ticket_when_checked_in_twice_then_first_then_not_with_the_first_time() {
        let w = World::new();
        let r = confirmed(&w);
        let code = ticket(&w, &r);
        let first = w.check_in().execute(&code).unwrap();
        assert!(first.first);
        assert_eq!(first.checked_in_at, w.clock.now());
        assert_eq!(first.reservation.id, r.id);
        w.clock.advance_s(90);
        let second = w.check_in().execute(&code).unwrap();
        assert!(!second.first);
        assert_eq!(second.checked_in_at, first.checked_in_at);
    }

    #[test]
    fn a_forged_code_is_invalid_and_nothing_is_recorded() {
        let w = World::new();
        let r = confirmed(&w);
        let code = ticket(&w, &r);
        let last = code.chars().last().unwrap();
        let forged = format!(
            "{}{}",
            &code[..code.len() - 1],
            if last == 'A' { 'B' } else { 'A' }
        );
        for bad in [
            forged.as_str(),
            "2612-0000-0000.AAAAAAAAAAAAAAAA",
            "hello",
            "",
        ] {
            assert_eq!(
                w.check_in().execute(bad).unwrap_err(),
                ReservationError::InvalidTicket,
                "{bad}"
            );
        }
        assert!(w.store.check_ins().is_empty());
    }

    #[test]
    fn a_ticket_signed_with_another_secret_is_invalid() {
        let w = World::new();
        let r = confirmed(&w);
        let other = TicketSecret::new(&"q".repeat(40)).unwrap();
        let code = TicketCode::issue(&other, r.booking_number.as_ref().unwrap(), &r.id);
        assert_eq!(
            w.check_in().execute(&code.to_string()).unwrap_err(),
            ReservationError::InvalidTicket
        );
    }

    #[test]
    fn a_cancelled_bookings_ticket_is_refused_with_its_status_and_nothing_is_recorded() {
        let w = World::new();
        let r = confirmed(&w);
        let code = ticket(&w, &r);
        w.cancel().execute(&alice(), r.id.as_str()).unwrap();
        assert_eq!(
            w.check_in().execute(&code).unwrap_err(),
            ReservationError::TicketNotValid("CANCELLED")
        );
        assert!(w.store.check_ins().is_empty());
    }
}
