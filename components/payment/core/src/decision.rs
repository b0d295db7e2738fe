//! The pure authorization decision: what to do with a request, given the reservation's existing
//! payment, the simulator's settings and one uniform draw. No I/O; the use case in
//! [`crate::authorization`] carries it out.

use crate::authorization::AuthorizationRequest;
use crate::payment::{Payment, PaymentStatus};
use crate::simulator::SimulatorSettings;

/// The pure decision for one authorization request.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Charge the card.
    Approve,
    /// The reservation already has this very charge: answer with it, charge nothing.
    Replay(Payment),
    /// The reservation already has a different charge (another customer or amount).
    KeyReused,
    /// The reservation's charge was refunded; the reservation is over and cannot be paid again.
    AlreadyRefunded(Payment),
    /// The issuer declines the card.
    Decline,
    /// The provider failed to answer (simulated outage).
    Unavailable,
}

/// Decides an authorization from the reservation's existing payment (if any), the simulator's
/// settings and one uniform draw in `[0, 1)`.
pub fn decide(
    request: &AuthorizationRequest,
    existing: Option<&Payment>,
    settings: &SimulatorSettings,
    draw: f64,
) -> Decision {
    if let Some(payment) = existing {
        return replay_or_conflict(request, payment);
    }
    if request.card_token.is_declined_by_issuer() {
        Decision::Decline
    } else if settings.fails(draw) {
        Decision::Unavailable
    } else {
        Decision::Approve
    }
}

pub(crate) fn replay_or_conflict(request: &AuthorizationRequest, payment: &Payment) -> Decision {
    if !payment.is_same_charge(&request.customer_id, &request.amount) {
        Decision::KeyReused
    } else if payment.status() == PaymentStatus::Refunded {
        Decision::AlreadyRefunded(payment.clone())
    } else {
        Decision::Replay(payment.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{payment, request};

    fn healthy() -> SimulatorSettings {
        SimulatorSettings::HEALTHY
    }

    #[test]
    fn a_good_card_on_a_healthy_provider_is_approved() {
        assert_eq!(
            decide(
                &request("r1", "alice", 24_000, "tok_visa"),
                None,
                &healthy(),
                0.5
            ),
            Decision::Approve
        );
    }

    #[test]
    fn tok_declined_is_declined_whatever_the_draw() {
        let failing = SimulatorSettings::new(0, 1.0).unwrap();
        let req = request("r1", "alice", 24_000, "tok_declined");
        assert_eq!(decide(&req, None, &healthy(), 0.5), Decision::Decline);
        assert_eq!(decide(&req, None, &failing, 0.0), Decision::Decline);
    }

    #[test]
    fn the_simulated_failure_makes_the_provider_unavailable() {
        let half = SimulatorSettings::new(0, 0.5).unwrap();
        let req = request("r1", "alice", 24_000, "tok_visa");
        assert_eq!(decide(&req, None, &half, 0.2), Decision::Unavailable);
        assert_eq!(decide(&req, None, &half, 0.7), Decision::Approve);
    }

    #[test]
    fn the_same_charge_again_replays_the_first_payment() {
        let first = payment("p1", "r1", "alice", 24_000);
        let again = request("r1", "alice", 24_000, "tok_mastercard");
        let failing = SimulatorSettings::new(0, 1.0).unwrap();
        assert_eq!(
            decide(&again, Some(&first), &failing, 0.0),
            Decision::Replay(first)
        );
    }

    #[test]
    fn a_different_amount_or_customer_under_the_same_key_is_a_reused_key() {
        let first = payment("p1", "r1", "alice", 24_000);
        assert_eq!(
            decide(
                &request("r1", "alice", 12_000, "tok_visa"),
                Some(&first),
                &healthy(),
                0.5
            ),
            Decision::KeyReused
        );
        assert_eq!(
            decide(
                &request("r1", "bob", 24_000, "tok_visa"),
                Some(&first),
                &healthy(),
                0.5
            ),
            Decision::KeyReused
        );
    }

    #[test]
    fn a_refunded_reservation_cannot_be_charged_again() {
        let mut first = payment("p1", "r1", "alice", 24_000);
        first
            .refund(
                crate::model::RefundId::parse("f1").unwrap(),
                crate::payment::RefundReason::ReservationRejected,
                crate::testing::at(1),
            )
            .unwrap();
        let decision = decide(
            &request("r1", "alice", 24_000, "tok_visa"),
            Some(&first),
            &healthy(),
            0.5,
        );
        assert_eq!(decision, Decision::AlreadyRefunded(first));
    }
}
