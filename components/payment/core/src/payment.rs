//! The `Payment` aggregate: an approved charge for one reservation, which can be refunded once, in
//! full. Declined or failed attempts never become payments (see [`crate::authorization`]).

use chrono::{DateTime, Utc};

use crate::model::{CustomerId, Money, PaymentId, RefundId, ReservationId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStatus {
    Approved,
    Refunded,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "APPROVED",
            Self::Refunded => "REFUNDED",
        }
    }
}

/// Why a payment was given back: the saga step that undid the booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundReason {
    /// The theater could not allocate the seats.
    ReservationRejected,
    /// The customer cancelled the booking.
    ReservationCancelled,
    /// The reservation side gave up on the booking after asking for the payment (timeout,
    /// failure, or the paid booking could not be stored): the customer has no booking.
    ReservationAbandoned,
}

impl RefundReason {
    pub const ALL: [Self; 3] = [
        Self::ReservationRejected,
        Self::ReservationCancelled,
        Self::ReservationAbandoned,
    ];

    /// [`RefundReason::ALL`] spelled out (the metric's label values).
    pub const LABELS: [&'static str; 3] = [
        Self::ALL[0].as_str(),
        Self::ALL[1].as_str(),
        Self::ALL[2].as_str(),
    ];

    /// The contract's spelling (`PaymentRefunded.reason`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ReservationRejected => "reservation-rejected",
            Self::ReservationCancelled => "reservation-cancelled",
            Self::ReservationAbandoned => "reservation-abandoned",
        }
    }

    /// The reason for one of the spellings of [`RefundReason::as_str`], else `None`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "reservation-rejected" => Some(Self::ReservationRejected),
            "reservation-cancelled" => Some(Self::ReservationCancelled),
            "reservation-abandoned" => Some(Self::ReservationAbandoned),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub id: RefundId,
    pub amount: Money,
    pub reason: RefundReason,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefundError {
    #[error("payment {0} has already been refunded")]
    AlreadyRefunded(PaymentId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    id: PaymentId,
    reservation_id: ReservationId,
    customer_id: CustomerId,
    amount: Money,
    created_at: DateTime<Utc>,
    refund: Option<Refund>,
}

impl Payment {
    /// A newly approved charge and the event announcing it.
    pub fn approve(
        id: PaymentId,
        reservation_id: ReservationId,
        customer_id: CustomerId,
        amount: Money,
        at: DateTime<Utc>,
    ) -> (Self, cinema_events::PaymentApproved) {
        let payment = Self {
            id,
            reservation_id,
            customer_id,
            amount,
            created_at: at,
            refund: None,
        };
        let event = cinema_events::PaymentApproved {
            payment_id: payment.id.to_string(),
            reservation_id: payment.reservation_id.to_string(),
            customer_id: payment.customer_id.as_str().to_string(),
            amount: payment.amount.to_event(),
        };
        (payment, event)
    }

    /// Rebuilds a stored payment. The status follows from whether a refund exists.
    pub fn restore(
        id: PaymentId,
        reservation_id: ReservationId,
        customer_id: CustomerId,
        amount: Money,
        created_at: DateTime<Utc>,
        refund: Option<Refund>,
    ) -> Self {
        Self {
            id,
            reservation_id,
            customer_id,
            amount,
            created_at,
            refund,
        }
    }

    /// Gives the whole charge back, once.
    ///
    /// # Errors
    /// [`RefundError::AlreadyRefunded`] when a refund exists: a payment is refunded at most once.
    pub fn refund(
        &mut self,
        refund_id: RefundId,
        reason: RefundReason,
        at: DateTime<Utc>,
    ) -> Result<cinema_events::PaymentRefunded, RefundError> {
        if self.refund.is_some() {
            return Err(RefundError::AlreadyRefunded(self.id.clone()));
        }
        let refund = Refund {
            id: refund_id,
            amount: self.amount.clone(),
            reason,
            created_at: at,
        };
        self.refund = Some(refund);
        Ok(cinema_events::PaymentRefunded {
            payment_id: self.id.to_string(),
            reservation_id: self.reservation_id.to_string(),
            customer_id: self.customer_id.as_str().to_string(),
            amount: self.amount.to_event(),
            reason: reason.as_str().to_string(),
        })
    }

    /// Whether an authorization request describes this same charge (same payer, same amount):
    /// only then may its idempotency key replay this payment.
    pub fn is_same_charge(&self, customer_id: &CustomerId, amount: &Money) -> bool {
        &self.customer_id == customer_id && &self.amount == amount
    }

    pub fn status(&self) -> PaymentStatus {
        if self.refund.is_some() {
            PaymentStatus::Refunded
        } else {
            PaymentStatus::Approved
        }
    }

    pub fn id(&self) -> &PaymentId {
        &self.id
    }

    pub fn reservation_id(&self) -> &ReservationId {
        &self.reservation_id
    }

    pub fn customer_id(&self) -> &CustomerId {
        &self.customer_id
    }

    pub fn amount(&self) -> &Money {
        &self.amount
    }

    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    pub fn refund_record(&self) -> Option<&Refund> {
        self.refund.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{at, payment};

    #[test]
    fn an_approved_payment_announces_itself_with_its_amount() {
        let (payment, event) = Payment::approve(
            PaymentId::parse("p1").unwrap(),
            ReservationId::parse("r1").unwrap(),
            CustomerId::parse("alice").unwrap(),
            Money::new(24_000, "KRW").unwrap(),
            at(0),
        );
        assert_eq!(payment.status(), PaymentStatus::Approved);
        assert_eq!(event.payment_id, "p1");
        assert_eq!(event.reservation_id, "r1");
        assert_eq!(event.customer_id, "alice");
        assert_eq!(
            event.amount,
            cinema_events::Money {
                amount: 24_000,
                currency: "KRW".into()
            }
        );
    }

    #[test]
    fn a_refund_gives_back_exactly_the_charged_amount() {
        // given an approved payment of 24,000 KRW
        let mut payment = payment("p1", "r1", "alice", 24_000);
        // when it is refunded
        let event = payment
            .refund(
                RefundId::parse("f1").unwrap(),
                RefundReason::ReservationCancelled,
                at(5),
            )
            .unwrap();
        // then the refund and its event carry the charged amount, and the payment is refunded
        assert_eq!(event.amount.amount, 24_000);
        assert_eq!(event.reason, "reservation-cancelled");
        assert_eq!(
            payment.refund_record().unwrap().amount,
            Money::new(24_000, "KRW").unwrap()
        );
        assert_eq!(payment.status(), PaymentStatus::Refunded);
    }

    #[test]
    fn a_payment_cannot_be_refunded_twice() {
        let mut payment = payment("p1", "r1", "alice", 24_000);
        payment
            .refund(
                RefundId::parse("f1").unwrap(),
                RefundReason::ReservationRejected,
                at(5),
            )
            .unwrap();
        let again = payment.refund(
            RefundId::parse("f2").unwrap(),
            RefundReason::ReservationCancelled,
            at(6),
        );
        assert_eq!(
            again,
            Err(RefundError::AlreadyRefunded(
                PaymentId::parse("p1").unwrap()
            ))
        );
        assert_eq!(payment.refund_record().unwrap().id.as_str(), "f1");
    }

    #[test]
    fn the_same_charge_means_the_same_customer_and_amount() {
        let payment = payment("p1", "r1", "alice", 24_000);
        let alice = CustomerId::parse("alice").unwrap();
        let bob = CustomerId::parse("bob").unwrap();
        assert!(payment.is_same_charge(&alice, &Money::new(24_000, "KRW").unwrap()));
        assert!(!payment.is_same_charge(&bob, &Money::new(24_000, "KRW").unwrap()));
        assert!(!payment.is_same_charge(&alice, &Money::new(12_000, "KRW").unwrap()));
        assert!(!payment.is_same_charge(&alice, &Money::new(24_000, "USD").unwrap()));
    }

    #[test]
    fn refund_reasons_use_the_contract_spelling() {
        for reason in [
            RefundReason::ReservationRejected,
            RefundReason::ReservationCancelled,
            RefundReason::ReservationAbandoned,
        ] {
            assert_eq!(RefundReason::parse(reason.as_str()), Some(reason));
        }
        assert_eq!(RefundReason::parse("other"), None);
    }
}
