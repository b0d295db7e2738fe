//! What this context's counters count (`GET /admin/metrics`). Every change worth counting
//! publishes exactly one event, in the transaction that makes the change, so the store counts
//! where it appends to the outbox: no count without its change, no change without its count.
//! A booking call's own hold (seats named in the booking request) is never announced, so it is
//! not counted as a hold.

use cinema_events::EventData;

use crate::hold::ReleaseReason;

/// A step of a booking's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingOutcome {
    /// Paid and stored (`PAID`).
    Placed,
    /// The theater allocated the seats.
    Confirmed,
    /// The theater could not allocate the seats (the payment is refunded).
    Rejected,
    /// The customer cancelled (seats released, payment refunded).
    Cancelled,
    /// Charged, but the booking was never stored (timeout, failure): the charge is refunded.
    Abandoned,
}

impl BookingOutcome {
    pub const ALL: [Self; 5] = [
        Self::Placed,
        Self::Confirmed,
        Self::Rejected,
        Self::Cancelled,
        Self::Abandoned,
    ];

    /// [`BookingOutcome::ALL`] spelled out (the metric's label values).
    pub const LABELS: [&'static str; 5] = {
        let mut labels = [""; 5];
        let mut i = 0;
        while i < labels.len() {
            labels[i] = Self::ALL[i].as_str();
            i += 1;
        }
        labels
    };

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Placed => "placed",
            Self::Confirmed => "confirmed",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
            Self::Abandoned => "abandoned",
        }
    }
}

/// One count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tally {
    Booking(BookingOutcome),
    /// A customer's hold was placed.
    HoldPlaced,
    /// A customer's hold ended before its expiry (an expiry writes nothing, so it is not counted).
    HoldEnded(ReleaseReason),
}

/// What publishing `event` counts, if anything.
pub fn tally(event: &EventData) -> Option<Tally> {
    Some(match event {
        EventData::ReservationPlaced(_) => Tally::Booking(BookingOutcome::Placed),
        EventData::ReservationConfirmed(_) => Tally::Booking(BookingOutcome::Confirmed),
        EventData::ReservationRejected(_) => Tally::Booking(BookingOutcome::Rejected),
        EventData::ReservationCancelled(_) => Tally::Booking(BookingOutcome::Cancelled),
        EventData::ReservationAbandoned(_) => Tally::Booking(BookingOutcome::Abandoned),
        EventData::SeatsHeld(_) => Tally::HoldPlaced,
        EventData::HoldReleased(released) => {
            Tally::HoldEnded(ReleaseReason::parse(&released.reason)?)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use cinema_events as ev;

    use super::*;
    use crate::testing::{World, alice, bob, seats};
    use crate::use_cases::holds::ReleaseHold;
    use crate::use_cases::place::{PlaceRequest, Placed, Target};

    fn tallies(w: &World) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for tally in w.store.events().iter().filter_map(tally) {
            let key = match tally {
                Tally::Booking(outcome) => format!("booking {}", outcome.as_str()),
                Tally::HoldPlaced => "hold placed".into(),
                Tally::HoldEnded(reason) => format!("hold {}", reason.as_str()),
            };
            *counts.entry(key).or_default() += 1;
        }
        counts
    }

    fn book_hold(w: &World, hold: &str) {
        let request = PlaceRequest {
            customer: alice(),
            target: Target::Hold(hold.into()),
            tickets: None,
            card_token: "tok_visa".into(),
            idempotency_key: None,
        };
        assert!(matches!(
            w.place().execute(&request).unwrap(),
            Placed::New(_)
        ));
    }

    #[test]
    fn every_step_of_bookings_and_holds_is_counted_once_from_what_it_published() {
        // given a hold booked and confirmed, one released, one replaced by a newer hold
        let w = World::new();
        let booked = w
            .hold_seats()
            .execute(&alice(), "s1", &seats(&["A1"]), None)
            .unwrap();
        book_hold(&w, booked.id.as_str());
        let confirmed = w.store.reservations()[0].clone();
        w.confirm(&confirmed);
        let released = w
            .hold_seats()
            .execute(&alice(), "s1", &seats(&["B1"]), None)
            .unwrap();
        ReleaseHold {
            holds: &w.store,
            outbox: &w.store,
        }
        .execute(&alice(), released.id.as_str())
        .unwrap();
        w.hold_seats()
            .execute(&bob(), "s1", &seats(&["C1"]), None)
            .unwrap();
        w.hold_seats()
            .execute(&bob(), "s1", &seats(&["C1", "C2"]), None)
            .unwrap();
        // and a booking without a hold cancelled, and one whose seats the theater rejected
        let cancelled = w.book(&alice(), &["D1"]);
        w.cancel().execute(&alice(), cancelled.id.as_str()).unwrap();
        let rejected = w.book(&alice(), &["E1"]);
        w.saga()
            .execute(&EventData::SeatsRejected(ev::SeatsRejected {
                reservation_id: rejected.id.to_string(),
                screening_id: "s1".into(),
                seats: seats(&["E1"]),
                reason: ev::RejectionReason::SeatsTaken,
                taken: seats(&["E1"]),
            }))
            .unwrap();
        // then each step counts once; the bookings' own call holds count nothing
        let expected: BTreeMap<String, usize> = [
            ("booking placed", 3),
            ("booking confirmed", 1),
            ("booking cancelled", 1),
            ("booking rejected", 1),
            ("hold placed", 4),
            ("hold booked", 1),
            ("hold released", 1),
            ("hold replaced", 1),
        ]
        .into_iter()
        .map(|(k, n)| (k.to_string(), n))
        .collect();
        assert_eq!(tallies(&w), expected);
    }

    #[test]
    fn an_abandoned_payment_is_counted_as_an_abandoned_booking() {
        let w = World::new();
        let hold = w
            .hold_seats()
            .execute(&alice(), "s1", &seats(&["A1"]), None)
            .unwrap();
        w.store.begin_payment_now(&hold, &w.clock);
        let attempt = w.store.pending_attempts()[0].clone();
        w.store.abandon_now(&attempt);
        assert_eq!(
            tally(w.store.events().last().unwrap()),
            Some(Tally::Booking(BookingOutcome::Abandoned))
        );
    }

    #[test]
    fn events_of_other_contexts_and_unknown_release_reasons_count_nothing() {
        let allocated = EventData::SeatsAllocated(ev::SeatsAllocated {
            reservation_id: "r1".into(),
            screening_id: "s1".into(),
            seats: seats(&["A1"]),
        });
        let odd = EventData::HoldReleased(ev::HoldReleased {
            hold_id: "h1".into(),
            screening_id: "s1".into(),
            seats: seats(&["A1"]),
            reason: "lost".into(),
        });
        assert_eq!(tally(&allocated), None);
        assert_eq!(tally(&odd), None);
    }

    #[test]
    fn release_reasons_read_back_as_they_are_written() {
        for reason in ReleaseReason::ALL {
            assert_eq!(ReleaseReason::parse(reason.as_str()), Some(reason));
        }
    }
}
