//! Attempts whose instance died mid-call (still pending after the call allowance) are abandoned:
//! payment refunds any charge, the hold they paid for is freed. Run on every consumer wake-up.

use crate::error::ReservationError;
use crate::ports::{AbandonReason, Attempts, Clock};

use super::Timing;

pub struct AbandonStale<'a> {
    pub attempts: &'a dyn Attempts,
    pub clock: &'a dyn Clock,
    pub timing: Timing,
}

impl AbandonStale<'_> {
    /// Returns how many attempts were abandoned.
    ///
    /// # Errors
    /// Storage unavailable (the next wake-up retries).
    pub fn execute(&self) -> Result<usize, ReservationError> {
        let before = self.clock.now() - self.timing.call_allowance();
        let mut abandoned = 0;
        for id in self.attempts.stale(before)? {
            if self.attempts.abandon(&id, AbandonReason::NotStored)? {
                abandoned += 1;
            }
        }
        Ok(abandoned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{World, alice, bob, seats};

    #[test]
    fn given_an_attempt_whose_instance_died_when_swept_then_abandoned_and_its_seats_freed() {
        let w = World::new();
        let hold = w
            .hold_seats()
            .execute(&alice(), "s1", &seats(&["A1"]), None)
            .unwrap();
        w.store.begin_payment_now(&hold, &w.clock);
        let sweep = AbandonStale {
            attempts: &w.store,
            clock: &*w.clock,
            timing: w.timing,
        };
        assert_eq!(sweep.execute().unwrap(), 0, "not stale yet");
        w.clock
            .advance_s(w.timing.call_allowance().num_seconds() + 1);
        assert_eq!(sweep.execute().unwrap(), 1);
        assert_eq!(w.store.abandoned_reasons(), ["not-stored"]);
        assert!(w.store.pending_attempts().is_empty());
        // The hold is the customer's again, free to be paid for; its seats are still theirs.
        assert_eq!(
            w.hold_seats()
                .execute(&bob(), "s1", &seats(&["A1"]), None)
                .unwrap_err(),
            ReservationError::SeatsTaken(seats(&["A1"]))
        );
        let request = crate::use_cases::place::PlaceRequest {
            customer: alice(),
            target: crate::use_cases::place::Target::Hold(hold.id.to_string()),
            tickets: None,
            card_token: "tok_visa".into(),
            idempotency_key: None,
        };
        assert!(w.place().execute(&request).is_ok());
    }
}
