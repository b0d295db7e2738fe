//! Refunding a reservation's payment: the compensating step of the booking saga, taken when a
//! reservation is rejected (seats not allocated) or cancelled.

use crate::model::{RefundId, ReservationId};
use crate::payment::{RefundError, RefundReason};
use crate::ports::{Clock, IdGenerator, Refunds, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub enum RefundOutcome {
    /// The payment was refunded; the event was recorded with it.
    Refunded(cinema_events::PaymentRefunded),
    /// The payment had been refunded before: nothing changed.
    AlreadyRefunded,
    /// The reservation has no payment here (never approved): nothing to give back.
    NothingToRefund,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RefundPaymentError {
    #[error(transparent)]
    Unexpected(#[from] StoreError),
}

/// The refund use case.
pub struct RefundPayment<'a> {
    pub refunds: &'a dyn Refunds,
    pub clock: &'a dyn Clock,
    pub ids: &'a dyn IdGenerator,
}

impl RefundPayment<'_> {
    /// Refunds the reservation's payment in full, at most once.
    ///
    /// # Errors
    /// Storage unavailable.
    pub fn execute(
        &self,
        reservation_id: &ReservationId,
        reason: RefundReason,
    ) -> Result<RefundOutcome, RefundPaymentError> {
        let Some(mut payment) = self.refunds.payment_for(reservation_id)? else {
            return Ok(RefundOutcome::NothingToRefund);
        };
        let refund_id = RefundId::parse(&self.ids.new_id())
            .map_err(|e| StoreError(format!("generated refund id: {e}")))?;
        match payment.refund(refund_id, reason, self.clock.now()) {
            Ok(event) => {
                let refund = payment
                    .refund_record()
                    .cloned()
                    .ok_or_else(|| StoreError("refund not kept".into()))?;
                self.refunds.record_refund(&payment, &refund, &event)?;
                Ok(RefundOutcome::Refunded(event))
            }
            Err(RefundError::AlreadyRefunded(_)) => Ok(RefundOutcome::AlreadyRefunded),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payment::PaymentStatus;
    use crate::testing::{Fakes, request};

    fn approved(fakes: &Fakes, reservation: &str) {
        fakes
            .authorize()
            .execute(&request(reservation, "alice", 24_000, "tok_visa"))
            .unwrap();
    }

    #[test]
    fn a_rejected_reservation_gets_its_full_payment_back() {
        // given an approved payment for r1
        let fakes = Fakes::default();
        approved(&fakes, "r1");
        // when r1 is rejected
        let outcome = fakes
            .refund()
            .execute(
                &ReservationId::parse("r1").unwrap(),
                RefundReason::ReservationRejected,
            )
            .unwrap();
        // then the whole amount is refunded and announced once
        let RefundOutcome::Refunded(event) = outcome else {
            panic!("expected a refund")
        };
        assert_eq!(event.amount.amount, 24_000);
        assert_eq!(event.reason, "reservation-rejected");
        assert_eq!(fakes.store.refunded_events(), vec![event]);
        assert_eq!(fakes.store.payments()[0].status(), PaymentStatus::Refunded);
    }

    #[test]
    fn refund_is_idempotent() {
        let fakes = Fakes::default();
        approved(&fakes, "r1");
        let r1 = ReservationId::parse("r1").unwrap();
        fakes
            .refund()
            .execute(&r1, RefundReason::ReservationCancelled)
            .unwrap();
        let again = fakes
            .refund()
            .execute(&r1, RefundReason::ReservationCancelled)
            .unwrap();
        let other_reason = fakes
            .refund()
            .execute(&r1, RefundReason::ReservationRejected)
            .unwrap();
        assert_eq!(again, RefundOutcome::AlreadyRefunded);
        assert_eq!(other_reason, RefundOutcome::AlreadyRefunded);
        assert_eq!(fakes.store.refunded_events().len(), 1);
    }

    #[test]
    fn a_reservation_without_a_payment_has_nothing_to_refund() {
        let fakes = Fakes::default();
        fakes
            .authorize()
            .execute(&request("r1", "alice", 24_000, "tok_declined"))
            .unwrap_err();
        let outcome = fakes
            .refund()
            .execute(
                &ReservationId::parse("r1").unwrap(),
                RefundReason::ReservationCancelled,
            )
            .unwrap();
        assert_eq!(outcome, RefundOutcome::NothingToRefund);
        assert!(fakes.store.refunded_events().is_empty());
    }

    #[test]
    fn a_storage_failure_is_unexpected_and_changes_nothing() {
        let fakes = Fakes::default();
        approved(&fakes, "r1");
        fakes.store.fail_writes();
        let err = fakes.refund().execute(
            &ReservationId::parse("r1").unwrap(),
            RefundReason::ReservationCancelled,
        );
        assert!(matches!(err, Err(RefundPaymentError::Unexpected(_))));
        assert_eq!(fakes.store.payments()[0].status(), PaymentStatus::Approved);
    }
}
