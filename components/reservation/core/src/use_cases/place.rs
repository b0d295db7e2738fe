//! `POST /reservations`: the booking flow.
//!
//! 1. An `Idempotency-Key` is claimed first: a replay answers with the first reply (the tickets
//!    are part of the request: other tickets with the same key are another request).
//! 2. The seats are claimed before any money moves: the named hold (still active, the
//!    customer's, not being paid for by another request) is extended for the call, or the seats
//!    are claimed with a hold of the call's own, priced for the request's tickets. A seat someone
//!    else holds or booked → 409. A hold's booking is charged the hold's total, for its tickets.
//! 3. The breaker admits the call or answers "retry shortly" at once.
//! 4. Payment is called synchronously with a deadline (the reservation id is its idempotency
//!    key). Declined or refused: nothing stored, the hold is free for another try. Failed or
//!    timed out: the attempt is abandoned, so payment refunds a charge that landed anyway.
//! 5. Approved: the booking is stored `PAID` with `ReservationPlaced` (and the hold's end) in one
//!    transaction, unless the attempt was abandoned meanwhile.
//!
//! Every failure path releases what the request claimed: its key, its call's hold, its attempt.

use crate::breaker::{Admission, CircuitBreaker};
use crate::error::{BUSY_RETRY_AFTER_S, ReservationError};
use crate::hold::Hold;
use crate::idempotency::{self, Fingerprint, Replay};
use crate::model::{CustomerId, HoldId, ReservationId, SeatSelection};
use crate::ports::{
    AbandonReason, Attempt, Attempts, Begin, Claim, Clock, Holds, IdempotencyKeys, Ids, KeyRef,
    Outbox, PaymentGateway, PaymentOutcome, PaymentRequest, Reservations, Screenings, StoreError,
    Stored,
};
use crate::pricing::{TicketRequest, Tickets};
use crate::quote::{Quote, quote};
use crate::reservation::{Placement, Reservation};

use super::Timing;

/// What to book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Exactly the seats of this hold.
    Hold(String),
    /// These seats, claimed for the length of the call.
    Seats {
        screening_id: String,
        seats: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceRequest {
    pub customer: CustomerId,
    pub target: Target,
    /// How many tickets of each type (absent: all adult); only with [`Target::Seats`] — a hold
    /// has its own.
    pub tickets: Option<TicketRequest>,
    pub card_token: String,
    pub idempotency_key: Option<String>,
}

/// The answer to a booking request.
#[derive(Debug, Clone, PartialEq)]
pub enum Placed {
    /// A new paid booking.
    New(Reservation),
    /// The same `Idempotency-Key` and request again: the first reply (verbatim when it was
    /// remembered), or the booking it created.
    Replay {
        reservation_id: String,
        reply: Option<String>,
        reservation: Option<Reservation>,
    },
}

pub struct PlaceReservation<'a> {
    pub screenings: &'a dyn Screenings,
    pub holds: &'a dyn Holds,
    pub reservations: &'a dyn Reservations,
    pub attempts: &'a dyn Attempts,
    pub keys: &'a dyn IdempotencyKeys,
    pub payments: &'a dyn PaymentGateway,
    pub breaker: CircuitBreaker<'a>,
    pub outbox: &'a dyn Outbox,
    pub clock: &'a dyn Clock,
    pub ids: &'a dyn Ids,
    pub timing: Timing,
}

impl PlaceReservation<'_> {
    /// # Errors
    /// See [`ReservationError`]: every refusal happens before any charge, except
    /// [`ReservationError::PaymentUnavailable`] after a failed or timed-out call (then any charge
    /// is refunded) and [`ReservationError::Storage`] after an approval that could not be stored
    /// (likewise refunded).
    pub fn execute(&self, request: &PlaceRequest) -> Result<Placed, ReservationError> {
        let card_token = request.card_token.trim();
        if card_token.is_empty() || card_token.len() > 128 {
            return Err(ReservationError::Invalid(
                "payment.card_token is required".into(),
            ));
        }
        let tickets = match (&request.target, &request.tickets) {
            (Target::Hold(_), Some(_)) => {
                return Err(ReservationError::Invalid(
                    "a booking of a hold takes the hold's tickets: leave out tickets".into(),
                ));
            }
            (_, tickets) => tickets.as_ref().map(Tickets::parse).transpose()?,
        };
        let tickets = tickets.as_ref();
        let id = ReservationId::parse(&self.ids.new_id()).map_err(ReservationError::Invalid)?;
        let Some(key) = &request.idempotency_key else {
            return self.place(request, tickets, card_token, &id, None);
        };
        idempotency::validate_key(key).map_err(ReservationError::Invalid)?;
        let fingerprint = match &request.target {
            Target::Hold(hold_id) => Fingerprint::of_hold(hold_id, card_token),
            Target::Seats {
                screening_id,
                seats,
            } => Fingerprint::of_seats(screening_id, seats, tickets, card_token),
        };
        let stored = self
            .keys
            .claim_key(&request.customer, key, &fingerprint.canonical(), &id)?;
        match idempotency::check(
            stored
                .as_ref()
                .map(|s| (s.fingerprint.as_str(), s.reservation_id.as_str())),
            &fingerprint,
        ) {
            Replay::Fresh => {}
            Replay::Conflict => return Err(ReservationError::KeyReused),
            Replay::Same { reservation_id } => {
                let reply = stored.and_then(|s| s.response);
                let reservation = match reply {
                    Some(_) => None,
                    None => self.reservations.reservation(&reservation_id)?,
                };
                if reply.is_some() || reservation.is_some() {
                    return Ok(Placed::Replay {
                        reservation_id,
                        reply,
                        reservation,
                    });
                }
                // The first request is still at work, or died without a trace long ago: then
                // this one takes the key over under its own id. Never continue under the first's
                // id: its attempt may be abandoned while this one is approved.
                let cutoff = self.clock.now() - self.timing.call_allowance();
                if !self.keys.take_over_stale_key(
                    &request.customer,
                    key,
                    &reservation_id,
                    &id,
                    cutoff,
                )? {
                    return Err(self.in_progress("a request with this Idempotency-Key"));
                }
            }
        }
        let result = self.place(request, tickets, card_token, &id, Some(key));
        if result.is_err() {
            // Only the key row this request claimed (under its own id) is released; a failure
            // to release leaves a row the next retry takes over once it is stale.
            let _ = self.keys.release_key(&request.customer, key, &id);
        }
        result
    }

    fn in_progress(&self, what: &'static str) -> ReservationError {
        ReservationError::InProgress {
            what,
            retry_after_s: self.timing.payment_timeout_ms.div_ceil(1000).max(1),
        }
    }

    fn place(
        &self,
        request: &PlaceRequest,
        tickets: Option<&Tickets>,
        card_token: &str,
        id: &ReservationId,
        key: Option<&String>,
    ) -> Result<Placed, ReservationError> {
        let now = self.clock.now();
        let attempt = Attempt {
            reservation_id: id.clone(),
            customer_id: request.customer.clone(),
            started_at: now,
            until: now + self.timing.call_allowance(),
        };
        let hold = self.claim_seats(request, tickets, &attempt)?;
        let release = || self.holds.end_payment(&hold, id);

        if let Admission::Reject { retry_after_s } = self.breaker.admit(now.timestamp_millis()) {
            release()?;
            return Err(ReservationError::PaymentUnavailable {
                retry_after_s,
                cause: "the payment breaker is open".into(),
            });
        }
        let outcome = self.payments.authorize(&PaymentRequest {
            reservation_id: id.clone(),
            customer_id: request.customer.clone(),
            amount: hold.total.clone(),
            card_token: card_token.to_string(),
        });
        let payment_id = match outcome {
            PaymentOutcome::Approved { payment_id } => {
                self.breaker.record_success();
                payment_id
            }
            PaymentOutcome::Declined { message } => {
                self.breaker.record_success();
                release()?;
                let message = if message.is_empty() {
                    "the payment was declined".into()
                } else {
                    message
                };
                return Err(ReservationError::PaymentDeclined(message));
            }
            PaymentOutcome::Invalid { message } => {
                self.breaker.record_success();
                release()?;
                return Err(ReservationError::PaymentInvalid(message));
            }
            PaymentOutcome::Timeout => {
                return Err(self.give_up(
                    id,
                    AbandonReason::PaymentTimeout,
                    "the payment call timed out".into(),
                ));
            }
            PaymentOutcome::Failed { reason } => {
                return Err(self.give_up(id, AbandonReason::PaymentFailed, reason));
            }
        };

        let seats = SeatSelection::parse(&hold.seats).map_err(ReservationError::Invalid)?;
        let quote = Quote {
            seats,
            tickets: hold.tickets(),
            total: hold.total.clone(),
        };
        let placement = Placement {
            id: id.clone(),
            customer_id: request.customer.clone(),
            screening_id: hold.screening_id.clone(),
            quote,
            payment_id,
            at: self.clock.now(),
        };
        // The booking's event first (the store writes it): the theater allocates before it stops
        // showing the hold.
        let mut booked = hold.clone();
        let released: Vec<_> = booked.booked(id.clone()).into_iter().collect();
        let key = key.map(|key| KeyRef {
            customer_id: &request.customer,
            key,
        });
        // The customer has paid: a store that was only busy gets one more try before the
        // charge is given back.
        let mut stored = self
            .reservations
            .store_placed(&placement, &booked, &released, key);
        if stored.as_ref().is_err_and(StoreError::is_busy) {
            stored = self
                .reservations
                .store_placed(&placement, &booked, &released, key);
        }
        match stored {
            Ok(Stored::Placed(reservation)) => {
                self.outbox.relay();
                Ok(Placed::New(*reservation))
            }
            // The sweep took the attempt for dead and its refund is under way: store nothing.
            Ok(Stored::Abandoned) => Err(ReservationError::PaymentUnavailable {
                retry_after_s: 1,
                cause: "the attempt was abandoned before the booking could be stored".into(),
            }),
            Err(e) => {
                // Paid but not stored: give the money back.
                let _ = self.give_up(id, AbandonReason::NotStored, String::new());
                Err(if e.is_busy() {
                    ReservationError::Busy {
                        retry_after_s: BUSY_RETRY_AFTER_S,
                        refunded: true,
                    }
                } else {
                    ReservationError::Storage(e)
                })
            }
        }
    }

    /// Step 2: the seats are this request's before any charge.
    fn claim_seats(
        &self,
        request: &PlaceRequest,
        tickets: Option<&Tickets>,
        attempt: &Attempt,
    ) -> Result<Hold, ReservationError> {
        let now = attempt.started_at;
        match &request.target {
            Target::Hold(hold_id) => {
                let hold_id = HoldId::parse(hold_id).map_err(|_| ReservationError::HoldNotFound)?;
                let hold = self
                    .holds
                    .hold(&hold_id)?
                    .filter(|h| h.belongs_to(&request.customer))
                    .ok_or(ReservationError::HoldNotFound)?;
                hold.bookable(now)?;
                let screening = self
                    .screenings
                    .screening(&hold.screening_id)?
                    .ok_or(ReservationError::UnknownScreening)?;
                if screening.starts_at <= now {
                    return Err(ReservationError::ShowtimePassed);
                }
                match self.holds.begin_payment(&hold, attempt)? {
                    Begin::Began => Ok(hold),
                    Begin::Expired => Err(ReservationError::HoldExpired),
                    Begin::Busy => Err(self.in_progress("a booking of this hold")),
                }
            }
            Target::Seats {
                screening_id,
                seats,
            } => {
                let screening = self
                    .screenings
                    .screening(screening_id)?
                    .ok_or(ReservationError::UnknownScreening)?;
                let quote = quote(&screening, seats, tickets, now)?;
                let hold_id =
                    HoldId::parse(&self.ids.new_id()).map_err(ReservationError::Invalid)?;
                let hold = Hold::place(
                    hold_id,
                    request.customer.clone(),
                    &screening,
                    quote,
                    attempt.until,
                    now,
                    true,
                );
                match self.holds.claim(&hold, Some(attempt))? {
                    Claim::Claimed => Ok(hold),
                    Claim::Taken(seats) => Err(ReservationError::SeatsTaken(seats)),
                }
            }
        }
    }

    /// Payment did not answer usefully: record the failure, abandon the attempt (payment refunds
    /// any charge that landed anyway), free the hold.
    fn give_up(
        &self,
        id: &ReservationId,
        reason: AbandonReason,
        cause: String,
    ) -> ReservationError {
        let retry_after_s = match reason {
            AbandonReason::NotStored => 1,
            _ => self
                .breaker
                .record_failure(self.clock.now().timestamp_millis()),
        };
        let cause = match self.attempts.abandon(id, reason) {
            Ok(abandoned) => {
                if abandoned {
                    // Payment refunds as soon as it hears.
                    self.outbox.relay();
                }
                cause
            }
            Err(e) => {
                format!("{cause}; the attempt could not be abandoned yet (the sweep retries): {e}")
            }
        };
        ReservationError::PaymentUnavailable {
            retry_after_s,
            cause,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::breaker::BreakerState;
    use crate::hold::HoldStatus;
    use crate::reservation::Status;
    use crate::testing::{World, alice, bob, seats};

    fn by_seats(customer: CustomerId, labels: &[&str]) -> PlaceRequest {
        PlaceRequest {
            customer,
            target: Target::Seats {
                screening_id: "s1".into(),
                seats: seats(labels),
            },
            tickets: None,
            card_token: "tok_visa".into(),
            idempotency_key: None,
        }
    }

    fn by_hold(customer: CustomerId, hold: &Hold) -> PlaceRequest {
        PlaceRequest {
            customer,
            target: Target::Hold(hold.id.to_string()),
            tickets: None,
            card_token: "tok_visa".into(),
            idempotency_key: None,
        }
    }

    fn new(placed: Placed) -> Reservation {
        match placed {
            Placed::New(r) => r,
            other => panic!("expected a new booking, got {other:?}"),
        }
    }

    #[test]
    fn given_free_seats_when_booked_directly_then_paid_and_the_seats_are_the_bookings() {
        let w = World::new();
        let r = new(w
            .place()
            .execute(&by_seats(alice(), &["A1", "A2"]))
            .unwrap());
        assert_eq!((r.status, r.total.amount), (Status::Paid, 24_000));
        assert_eq!(w.store.claimed_by(r.id.as_str()), seats(&["A1", "A2"]));
        assert_eq!(w.payments.charges(), 1);
        assert_eq!(
            w.store.event_types(),
            ["ReservationPlaced"],
            "a call's hold is never announced"
        );
    }

    #[test]
    fn given_a_hold_when_booked_with_it_then_exactly_its_seats_are_booked_and_the_hold_ends() {
        let w = World::new();
        let hold = w
            .hold_seats()
            .execute(&alice(), "s1", &seats(&["B1", "B2"]), None)
            .unwrap();
        w.clock.advance_s(30);
        let r = new(w.place().execute(&by_hold(alice(), &hold)).unwrap());
        assert_eq!(r.seats, seats(&["B1", "B2"]));
        assert_eq!(w.payments.last_amount(), 24_000);
        let hold = w.store.hold_now(&hold.id);
        assert_eq!(
            (hold.status, hold.reservation_id.as_ref()),
            (HoldStatus::Booked, Some(&r.id))
        );
        assert_eq!(w.store.claimed_by(r.id.as_str()), seats(&["B1", "B2"]));
        assert_eq!(
            w.store.event_types(),
            ["SeatsHeld", "ReservationPlaced", "HoldReleased"]
        );
        // A booked hold is not booked twice.
        assert!(matches!(
            w.place().execute(&by_hold(alice(), &hold)),
            Err(ReservationError::HoldBooked(_))
        ));
        assert_eq!(w.payments.charges(), 1);
    }

    #[test]
    fn given_seats_held_by_someone_else_when_booked_then_taken_before_any_charge() {
        let w = World::new();
        w.hold_seats()
            .execute(&bob(), "s1", &seats(&["A2"]), None)
            .unwrap();
        let err = w
            .place()
            .execute(&by_seats(alice(), &["A1", "A2"]))
            .unwrap_err();
        assert_eq!(err, ReservationError::SeatsTaken(seats(&["A2"])));
        assert_eq!(w.payments.charges(), 0);
        assert!(w.store.claims_of_customer(&alice()).is_empty());
    }

    #[test]
    fn given_seats_booked_by_someone_else_when_held_or_booked_then_taken() {
        let w = World::new();
        new(w.place().execute(&by_seats(bob(), &["C3"])).unwrap());
        assert_eq!(
            w.hold_seats()
                .execute(&alice(), "s1", &seats(&["C3"]), None)
                .unwrap_err(),
            ReservationError::SeatsTaken(seats(&["C3"]))
        );
        assert_eq!(
            w.place().execute(&by_seats(alice(), &["C3"])).unwrap_err(),
            ReservationError::SeatsTaken(seats(&["C3"]))
        );
        assert_eq!(w.payments.charges(), 1);
    }

    #[test]
    fn given_an_expired_hold_when_booked_then_hold_expired_and_nothing_charged() {
        let w = World::new();
        let hold = w
            .hold_seats()
            .execute(&alice(), "s1", &seats(&["A1"]), None)
            .unwrap();
        w.clock.advance_s(600);
        assert_eq!(
            w.place().execute(&by_hold(alice(), &hold)).unwrap_err(),
            ReservationError::HoldExpired
        );
        assert_eq!(w.payments.charges(), 0);
    }

    #[test]
    fn given_a_released_hold_when_booked_then_hold_expired() {
        let w = World::new();
        let hold = w
            .hold_seats()
            .execute(&alice(), "s1", &seats(&["A1"]), None)
            .unwrap();
        w.store.release_now(&hold.id);
        assert_eq!(
            w.place().execute(&by_hold(alice(), &hold)).unwrap_err(),
            ReservationError::HoldExpired
        );
    }

    #[test]
    fn another_customers_hold_is_not_found() {
        let w = World::new();
        let hold = w
            .hold_seats()
            .execute(&bob(), "s1", &seats(&["A1"]), None)
            .unwrap();
        assert_eq!(
            w.place().execute(&by_hold(alice(), &hold)).unwrap_err(),
            ReservationError::HoldNotFound
        );
        let mut unknown = by_hold(alice(), &hold);
        unknown.target = Target::Hold("no-such-hold".into());
        assert_eq!(
            w.place().execute(&unknown).unwrap_err(),
            ReservationError::HoldNotFound
        );
        assert_eq!(w.payments.charges(), 0);
    }

    #[test]
    fn given_a_hold_being_paid_for_when_booked_again_then_in_progress_and_one_charge() {
        let w = World::new();
        let hold = w
            .hold_seats()
            .execute(&alice(), "s1", &seats(&["A1"]), None)
            .unwrap();
        // The first request is inside its payment call when the second arrives.
        let again = by_hold(alice(), &hold);
        w.during_next_payment(move |w| {
            let err = w.place().execute(&again).unwrap_err();
            assert!(
                matches!(err, ReservationError::InProgress { .. }),
                "{err:?}"
            );
        });
        new(w.place().execute(&by_hold(alice(), &hold)).unwrap());
        assert_eq!(w.payments.charges(), 1);
    }

    #[test]
    fn a_hold_is_kept_for_the_payment_call_even_if_it_expires_during_it() {
        let w = World::new();
        let hold = w
            .hold_seats()
            .execute(&alice(), "s1", &seats(&["A1"]), None)
            .unwrap();
        w.clock.advance_s(599);
        w.during_next_payment(|w| {
            w.clock.advance_s(2);
            let err = w
                .hold_seats()
                .execute(&bob(), "s1", &seats(&["A1"]), None)
                .unwrap_err();
            assert_eq!(err, ReservationError::SeatsTaken(seats(&["A1"])));
        });
        let r = new(w.place().execute(&by_hold(alice(), &hold)).unwrap());
        assert_eq!(w.store.claimed_by(r.id.as_str()), seats(&["A1"]));
    }

    #[test]
    fn given_a_declined_card_then_nothing_is_stored_and_the_hold_can_be_paid_again() {
        let w = World::new();
        let hold = w
            .hold_seats()
            .execute(&alice(), "s1", &seats(&["A1"]), None)
            .unwrap();
        w.payments.answer(PaymentOutcome::Declined {
            message: String::new(),
        });
        let err = w.place().execute(&by_hold(alice(), &hold)).unwrap_err();
        assert_eq!(
            err,
            ReservationError::PaymentDeclined("the payment was declined".into())
        );
        assert!(w.store.pending_attempts().is_empty());
        assert_eq!(w.store.hold_now(&hold.id).status, HoldStatus::Active);
        // Back to the hold's own expiry, not the call's.
        assert_eq!(
            w.store.claim_expiry(&hold.id.to_string()),
            Some(hold.expires_at)
        );
        new(w.place().execute(&by_hold(alice(), &hold)).unwrap());
    }

    #[test]
    fn every_failure_of_a_direct_booking_releases_its_seats() {
        for outcome in [
            PaymentOutcome::Declined {
                message: "no".into(),
            },
            PaymentOutcome::Invalid {
                message: "bad token".into(),
            },
            PaymentOutcome::Timeout,
            PaymentOutcome::Failed {
                reason: "503".into(),
            },
        ] {
            let w = World::new();
            w.payments.answer(outcome.clone());
            assert!(
                w.place().execute(&by_seats(alice(), &["A1"])).is_err(),
                "{outcome:?}"
            );
            assert!(
                w.store.claims_of_customer(&alice()).is_empty(),
                "{outcome:?}"
            );
            // Someone else may have them at once.
            w.hold_seats()
                .execute(&bob(), "s1", &seats(&["A1"]), None)
                .unwrap();
        }
    }

    #[test]
    fn a_timeout_abandons_the_attempt_so_a_late_charge_is_refunded() {
        let w = World::new();
        w.payments.answer(PaymentOutcome::Timeout);
        let err = w.place().execute(&by_seats(alice(), &["A1"])).unwrap_err();
        assert!(matches!(err, ReservationError::PaymentUnavailable { .. }));
        assert_eq!(w.store.event_types(), ["ReservationAbandoned"]);
        assert_eq!(w.store.abandoned_reasons(), ["payment-timeout"]);
    }

    #[test]
    fn an_open_breaker_answers_at_once_without_calling_payment_and_frees_the_hold() {
        let w = World::new();
        w.breaker.set(BreakerState::Open {
            until_ms: w.clock.now().timestamp_millis() + 7_000,
        });
        let hold = w
            .hold_seats()
            .execute(&alice(), "s1", &seats(&["A1"]), None)
            .unwrap();
        let err = w.place().execute(&by_hold(alice(), &hold)).unwrap_err();
        assert!(
            matches!(
                err,
                ReservationError::PaymentUnavailable {
                    retry_after_s: 7,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(w.payments.calls(), 0);
        assert_eq!(w.store.hold_now(&hold.id).status, HoldStatus::Active);
        assert!(w.store.pending_attempts().is_empty());
    }

    #[test]
    fn repeated_failures_open_the_breaker() {
        let w = World::new();
        w.payments.answer_always(PaymentOutcome::Failed {
            reason: "down".into(),
        });
        for n in 0..5 {
            let _ = w
                .place()
                .execute(&by_seats(alice(), &[&format!("A{}", n + 1)]));
        }
        assert!(matches!(w.breaker.state(), BreakerState::Open { .. }));
        let calls = w.payments.calls();
        let _ = w.place().execute(&by_seats(alice(), &["B1"]));
        assert_eq!(w.payments.calls(), calls, "open: payment is not called");
    }

    #[test]
    fn an_approval_that_cannot_be_stored_is_abandoned_for_a_refund() {
        let w = World::new();
        w.store.fail_next_store_placed();
        let err = w.place().execute(&by_seats(alice(), &["A1"])).unwrap_err();
        assert!(matches!(err, ReservationError::Storage(_)));
        assert_eq!(w.store.abandoned_reasons(), ["not-stored"]);
        assert!(w.store.claims_of_customer(&alice()).is_empty());
    }

    #[test]
    fn an_approval_the_busy_store_takes_on_its_second_try_is_booked_once() {
        let w = World::new();
        w.store.lock_next_store_placed(1);
        let r = new(w.place().execute(&by_seats(alice(), &["A1"])).unwrap());
        assert_eq!(w.store.claimed_by(r.id.as_str()), seats(&["A1"]));
        assert_eq!(w.store.reservations().len(), 1);
        assert!(w.store.abandoned_reasons().is_empty());
    }

    #[test]
    fn an_approval_a_store_stays_too_busy_for_is_refunded_and_answered_busy() {
        let w = World::new();
        w.store.lock_next_store_placed(2);
        let err = w.place().execute(&by_seats(alice(), &["A1"])).unwrap_err();
        assert_eq!(
            err,
            ReservationError::Busy {
                retry_after_s: 1,
                refunded: true
            }
        );
        assert!(
            err.to_string().contains("the payment is being refunded"),
            "{err}"
        );
        assert_eq!(w.store.abandoned_reasons(), ["not-stored"]);
        assert!(w.store.claims_of_customer(&alice()).is_empty());
        assert!(w.store.reservations().is_empty());
    }

    #[test]
    fn a_busy_store_is_a_retry_not_a_fault() {
        assert_eq!(
            ReservationError::from(StoreError(
                "sqlite: Error::Io(\"database is locked\")".into()
            )),
            ReservationError::Busy {
                retry_after_s: 1,
                refunded: false
            }
        );
        assert!(matches!(
            ReservationError::from(StoreError("disk full".into())),
            ReservationError::Storage(_)
        ));
    }

    #[test]
    fn an_attempt_abandoned_by_the_sweep_during_the_call_stores_nothing() {
        let w = World::new();
        w.during_next_payment(|w| {
            for id in w.store.pending_attempts() {
                w.store.abandon_now(&id);
            }
        });
        let err = w.place().execute(&by_seats(alice(), &["A1"])).unwrap_err();
        assert!(matches!(
            err,
            ReservationError::PaymentUnavailable {
                retry_after_s: 1,
                ..
            }
        ));
        assert!(w.store.reservations().is_empty());
    }

    #[test]
    fn the_same_key_and_request_replays_the_first_booking_with_one_charge() {
        let w = World::new();
        let mut request = by_seats(alice(), &["A1"]);
        request.idempotency_key = Some("k1".into());
        let first = new(w.place().execute(&request).unwrap());
        match w.place().execute(&request).unwrap() {
            Placed::Replay {
                reservation_id,
                reply,
                ..
            } => {
                assert_eq!(reservation_id, first.id.to_string());
                assert!(reply.is_some());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(w.payments.charges(), 1);
        let mut other = by_seats(alice(), &["A2"]);
        other.idempotency_key = Some("k1".into());
        assert_eq!(
            w.place().execute(&other).unwrap_err(),
            ReservationError::KeyReused
        );
    }

    #[test]
    fn a_declined_request_forgets_its_key_so_it_may_be_retried() {
        let w = World::new();
        let mut request = by_seats(alice(), &["A1"]);
        request.idempotency_key = Some("k1".into());
        w.payments.answer(PaymentOutcome::Declined {
            message: String::new(),
        });
        assert!(w.place().execute(&request).is_err());
        assert!(matches!(
            w.place().execute(&request).unwrap(),
            Placed::New(_)
        ));
    }

    #[test]
    fn a_key_whose_first_request_is_at_work_answers_in_progress() {
        let w = World::new();
        let mut request = by_seats(alice(), &["A1"]);
        request.idempotency_key = Some("k1".into());
        let again = request.clone();
        w.during_next_payment(move |w| {
            let err = w.place().execute(&again).unwrap_err();
            assert!(
                matches!(err, ReservationError::InProgress { .. }),
                "{err:?}"
            );
        });
        assert!(matches!(
            w.place().execute(&request).unwrap(),
            Placed::New(_)
        ));
        assert_eq!(w.payments.charges(), 1);
    }
}
