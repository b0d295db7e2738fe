//! Authorizing a charge: the idempotent, synchronous step of the booking saga.
//!
//! The reservation id is the idempotency key: a reservation is charged at most once, and asking
//! again for the same charge returns the first payment. A declined card or an unavailable
//! provider stores no approval, so the same reservation may be retried.

use chrono::{DateTime, Utc};

use crate::decision::{Decision, decide, replay_or_conflict};
use crate::model::{AttemptId, CardToken, CustomerId, Invalid, Money, PaymentId, ReservationId};
use crate::payment::Payment;
use crate::ports::{
    Approvals, Clock, FailureDraw, IdGenerator, Recorded, SimulatorSettingsStore, Sleeper,
    StoreError,
};

/// A validated request to charge a customer for a reservation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRequest {
    pub reservation_id: ReservationId,
    pub customer_id: CustomerId,
    pub amount: Money,
    pub card_token: CardToken,
}

impl AuthorizationRequest {
    /// `idempotency_key`, when given, must name the same reservation as the body.
    ///
    /// # Errors
    /// The first invalid field.
    pub fn parse(
        idempotency_key: Option<&str>,
        reservation_id: &str,
        customer_id: &str,
        amount_minor: i64,
        currency: &str,
        card_token: &str,
    ) -> Result<Self, Invalid> {
        let reservation_id = ReservationId::parse(reservation_id)?;
        if let Some(key) = idempotency_key
            && key != reservation_id.as_str()
        {
            return Err(Invalid::new(
                "idempotency-key",
                "must equal the reservation_id",
            ));
        }
        Ok(Self {
            reservation_id,
            customer_id: CustomerId::parse(customer_id)?,
            amount: Money::new(amount_minor, currency)?,
            card_token: CardToken::parse(card_token)?,
        })
    }
}

/// What became of an authorization that was not approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    Declined,
    ProviderUnavailable,
}

impl AttemptOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Declined => "DECLINED",
            Self::ProviderUnavailable => "UNAVAILABLE",
        }
    }
}

/// An authorization that did not end in an approval, kept for support and audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub id: AttemptId,
    pub reservation_id: ReservationId,
    pub customer_id: CustomerId,
    pub amount: Money,
    pub outcome: AttemptOutcome,
    pub at: DateTime<Utc>,
}

/// A successful authorization.
#[derive(Debug, Clone, PartialEq)]
pub enum Authorization {
    /// A new charge (one `PaymentApproved` event was recorded).
    Approved(Payment),
    /// The charge this reservation already had; nothing new was charged.
    Replayed(Payment),
}

impl Authorization {
    pub fn payment(&self) -> &Payment {
        match self {
            Self::Approved(p) | Self::Replayed(p) => p,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AuthorizeError {
    #[error("the card was declined")]
    Declined { attempt_id: AttemptId },
    #[error("the payment provider is unavailable")]
    Unavailable { attempt_id: AttemptId },
    #[error("reservation {0} was already charged with a different customer or amount")]
    KeyReused(ReservationId),
    #[error("the payment {} of reservation {} was refunded", .0.id(), .0.reservation_id())]
    AlreadyRefunded(Box<Payment>),
    #[error("reservation {0} was abandoned by the booking side; nothing was charged")]
    Abandoned(ReservationId),
    #[error(transparent)]
    Unexpected(#[from] StoreError),
}

/// The authorization use case.
pub struct AuthorizePayment<'a> {
    pub approvals: &'a dyn Approvals,
    pub settings: &'a dyn SimulatorSettingsStore,
    pub clock: &'a dyn Clock,
    pub ids: &'a dyn IdGenerator,
    pub draw: &'a dyn FailureDraw,
    pub sleeper: &'a dyn Sleeper,
}

impl AuthorizePayment<'_> {
    /// Charges the card once per reservation. The simulated provider's latency applies to every
    /// answer; the draw is taken only when a new charge is attempted.
    ///
    /// # Errors
    /// See [`AuthorizeError`].
    pub fn execute(&self, request: &AuthorizationRequest) -> Result<Authorization, AuthorizeError> {
        let settings = self.settings.load()?;
        self.sleeper.sleep(settings.latency());
        let existing = self.approvals.payment_for(&request.reservation_id)?;
        let draw = if existing.is_none() && !request.card_token.is_declined_by_issuer() {
            self.draw.draw()
        } else {
            1.0
        };
        match decide(request, existing.as_ref(), &settings, draw) {
            Decision::Approve => self.approve(request),
            Decision::Replay(payment) => Ok(Authorization::Replayed(payment)),
            Decision::KeyReused => Err(AuthorizeError::KeyReused(request.reservation_id.clone())),
            Decision::AlreadyRefunded(payment) => {
                Err(AuthorizeError::AlreadyRefunded(Box::new(payment)))
            }
            Decision::Decline => {
                let attempt_id = self.record_attempt(request, AttemptOutcome::Declined)?;
                Err(AuthorizeError::Declined { attempt_id })
            }
            Decision::Unavailable => {
                let attempt_id =
                    self.record_attempt(request, AttemptOutcome::ProviderUnavailable)?;
                Err(AuthorizeError::Unavailable { attempt_id })
            }
        }
    }

    fn approve(&self, request: &AuthorizationRequest) -> Result<Authorization, AuthorizeError> {
        let id = PaymentId::parse(&self.ids.new_id())
            .map_err(|e| StoreError(format!("generated payment id: {e}")))?;
        let (payment, event) = Payment::approve(
            id,
            request.reservation_id.clone(),
            request.customer_id.clone(),
            request.amount.clone(),
            self.clock.now(),
        );
        match self.approvals.record_approval(&payment, &event)? {
            Recorded::New => Ok(Authorization::Approved(payment)),
            Recorded::Abandoned => Err(AuthorizeError::Abandoned(request.reservation_id.clone())),
            // A concurrent call for the same reservation won the race: answer as if we came second.
            Recorded::Existing(winner) => match replay_or_conflict(request, &winner) {
                Decision::Replay(payment) => Ok(Authorization::Replayed(payment)),
                Decision::AlreadyRefunded(payment) => {
                    Err(AuthorizeError::AlreadyRefunded(Box::new(payment)))
                }
                _ => Err(AuthorizeError::KeyReused(request.reservation_id.clone())),
            },
        }
    }

    fn record_attempt(
        &self,
        request: &AuthorizationRequest,
        outcome: AttemptOutcome,
    ) -> Result<AttemptId, StoreError> {
        let id = AttemptId::parse(&self.ids.new_id())
            .map_err(|e| StoreError(format!("generated attempt id: {e}")))?;
        self.approvals.record_attempt(&Attempt {
            id: id.clone(),
            reservation_id: request.reservation_id.clone(),
            customer_id: request.customer_id.clone(),
            amount: request.amount.clone(),
            outcome,
            at: self.clock.now(),
        })?;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payment::PaymentStatus;
    use crate::simulator::SimulatorSettings;
    use crate::testing::{Fakes, payment, request};

    #[test]
    fn an_idempotency_key_other_than_the_reservation_id_is_invalid() {
        let err =
            AuthorizationRequest::parse(Some("other"), "r1", "alice", 1000, "KRW", "tok_visa")
                .unwrap_err();
        assert_eq!(err.field, "idempotency-key");
        assert!(
            AuthorizationRequest::parse(Some("r1"), "r1", "alice", 1000, "KRW", "tok_visa").is_ok()
        );
        assert!(AuthorizationRequest::parse(None, "r1", "alice", 1000, "KRW", "tok_visa").is_ok());
    }

    #[test]
    fn invalid_fields_are_named() {
        let field = |r: Result<AuthorizationRequest, Invalid>| r.unwrap_err().field;
        assert_eq!(
            field(AuthorizationRequest::parse(
                None, "", "alice", 1000, "KRW", "tok_visa"
            )),
            "reservation_id"
        );
        assert_eq!(
            field(AuthorizationRequest::parse(
                None, "r1", "", 1000, "KRW", "tok_visa"
            )),
            "customer_id"
        );
        assert_eq!(
            field(AuthorizationRequest::parse(
                None, "r1", "alice", 0, "KRW", "tok_visa"
            )),
            "amount.amount"
        );
        assert_eq!(
            field(AuthorizationRequest::parse(
                None, "r1", "alice", 1000, "won", "tok_visa"
            )),
            "amount.currency"
        );
        assert_eq!(
            field(AuthorizationRequest::parse(
                None, "r1", "alice", 1000, "KRW", "4111"
            )),
            "card_token"
        );
    }

    #[test]
    fn an_approval_is_stored_with_one_payment_approved_event() {
        let fakes = Fakes::default();
        let result = fakes
            .authorize()
            .execute(&request("r1", "alice", 24_000, "tok_visa"))
            .unwrap();
        let Authorization::Approved(payment) = result else {
            panic!("expected a new approval")
        };
        assert_eq!(payment.status(), PaymentStatus::Approved);
        assert_eq!(fakes.store.approved_events().len(), 1);
        assert_eq!(
            fakes.store.approved_events()[0].payment_id,
            payment.id().as_str()
        );
    }

    #[test]
    fn a_second_authorization_for_the_same_reservation_returns_the_first_payment() {
        // given an approved reservation
        let fakes = Fakes::default();
        let first = fakes
            .authorize()
            .execute(&request("r1", "alice", 24_000, "tok_visa"))
            .unwrap();
        // when the same charge is asked for again
        let second = fakes
            .authorize()
            .execute(&request("r1", "alice", 24_000, "tok_visa"))
            .unwrap();
        // then it is the same payment, replayed, and only one event was recorded
        assert_eq!(second, Authorization::Replayed(first.payment().clone()));
        assert_eq!(fakes.store.approved_events().len(), 1);
    }

    #[test]
    fn a_declined_card_stores_no_approval_but_records_the_attempt() {
        let fakes = Fakes::default();
        let err = fakes
            .authorize()
            .execute(&request("r1", "alice", 24_000, "tok_declined"))
            .unwrap_err();
        assert!(matches!(err, AuthorizeError::Declined { .. }));
        assert!(fakes.store.payments().is_empty());
        assert!(fakes.store.approved_events().is_empty());
        assert_eq!(fakes.store.attempts()[0].outcome, AttemptOutcome::Declined);
    }

    #[test]
    fn a_declined_reservation_may_later_be_approved_with_a_good_card() {
        let fakes = Fakes::default();
        fakes
            .authorize()
            .execute(&request("r1", "alice", 24_000, "tok_declined"))
            .unwrap_err();
        let retry = fakes
            .authorize()
            .execute(&request("r1", "alice", 24_000, "tok_visa"))
            .unwrap();
        assert!(matches!(retry, Authorization::Approved(_)));
    }

    #[test]
    fn a_simulated_outage_stores_no_approval() {
        let fakes = Fakes::default();
        fakes
            .store
            .set_settings(SimulatorSettings::new(0, 1.0).unwrap());
        let err = fakes
            .authorize()
            .execute(&request("r1", "alice", 24_000, "tok_visa"))
            .unwrap_err();
        assert!(matches!(err, AuthorizeError::Unavailable { .. }));
        assert!(fakes.store.payments().is_empty());
        assert_eq!(
            fakes.store.attempts()[0].outcome,
            AttemptOutcome::ProviderUnavailable
        );
    }

    #[test]
    fn the_simulated_latency_delays_every_answer() {
        let fakes = Fakes::default();
        fakes
            .store
            .set_settings(SimulatorSettings::new(1500, 0.0).unwrap());
        fakes
            .authorize()
            .execute(&request("r1", "alice", 24_000, "tok_visa"))
            .unwrap();
        fakes
            .authorize()
            .execute(&request("r2", "alice", 24_000, "tok_declined"))
            .unwrap_err();
        assert_eq!(fakes.sleeper.total_ms(), 3000);
    }

    #[test]
    fn losing_a_race_to_a_concurrent_identical_call_replays_the_winner() {
        // given another instance approved r1 between our lookup and our insert
        let fakes = Fakes::default();
        let winner = payment("p-winner", "r1", "alice", 24_000);
        fakes
            .store
            .approve_concurrently_before_next_insert(winner.clone());
        // when we try to approve the same charge
        let result = fakes
            .authorize()
            .execute(&request("r1", "alice", 24_000, "tok_visa"))
            .unwrap();
        // then we answer with the winner's payment and charged nothing more
        assert_eq!(result, Authorization::Replayed(winner));
        assert!(fakes.store.approved_events().is_empty());
    }

    #[test]
    fn a_reused_key_with_another_amount_is_refused() {
        let fakes = Fakes::default();
        fakes
            .authorize()
            .execute(&request("r1", "alice", 24_000, "tok_visa"))
            .unwrap();
        let err = fakes
            .authorize()
            .execute(&request("r1", "alice", 36_000, "tok_visa"))
            .unwrap_err();
        assert!(matches!(err, AuthorizeError::KeyReused(_)));
        assert_eq!(fakes.store.payments().len(), 1);
    }

    #[test]
    fn a_storage_failure_is_unexpected() {
        let fakes = Fakes::default();
        fakes.store.fail_writes();
        let err = fakes
            .authorize()
            .execute(&request("r1", "alice", 24_000, "tok_visa"))
            .unwrap_err();
        assert!(matches!(err, AuthorizeError::Unexpected(_)));
    }
}
