//! The operator's use cases: looking at a payment, tuning the provider simulator.

use crate::model::{Invalid, PaymentId};
use crate::payment::Payment;
use crate::ports::{PaymentLookup, SimulatorSettingsStore, StoreError};
use crate::simulator::SimulatorSettings;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FindPaymentError {
    #[error("no payment {0}")]
    NotFound(PaymentId),
    #[error(transparent)]
    Unexpected(#[from] StoreError),
}

/// # Errors
/// [`FindPaymentError::NotFound`] for an unknown id; storage unavailable.
pub fn find_payment(
    payments: &dyn PaymentLookup,
    id: &PaymentId,
) -> Result<Payment, FindPaymentError> {
    payments
        .find(id)?
        .ok_or_else(|| FindPaymentError::NotFound(id.clone()))
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigureSimulatorError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Unexpected(#[from] StoreError),
}

/// Validates and stores new simulator settings, which every instance uses from its next call.
///
/// # Errors
/// Settings out of range (nothing stored); storage unavailable.
pub fn configure_simulator(
    store: &dyn SimulatorSettingsStore,
    latency_ms: u64,
    failure_rate: f64,
) -> Result<SimulatorSettings, ConfigureSimulatorError> {
    let settings = SimulatorSettings::new(latency_ms, failure_rate)?;
    store.save(&settings)?;
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Fakes, request};

    #[test]
    fn valid_settings_are_stored_and_used_by_the_next_authorization() {
        let fakes = Fakes::default();
        configure_simulator(&fakes.store, 250, 1.0).unwrap();
        let err = fakes
            .authorize()
            .execute(&request("r1", "alice", 1000, "tok_visa"))
            .unwrap_err();
        assert!(matches!(
            err,
            crate::authorization::AuthorizeError::Unavailable { .. }
        ));
        assert_eq!(fakes.sleeper.total_ms(), 250);
    }

    #[test]
    fn invalid_settings_are_rejected_and_nothing_changes() {
        let fakes = Fakes::default();
        let err = configure_simulator(&fakes.store, 0, 2.0).unwrap_err();
        assert!(matches!(err, ConfigureSimulatorError::Invalid(_)));
        assert_eq!(fakes.store.load().unwrap(), SimulatorSettings::HEALTHY);
    }

    #[test]
    fn an_unknown_payment_is_not_found() {
        let fakes = Fakes::default();
        let id = PaymentId::parse("nope").unwrap();
        assert_eq!(
            find_payment(&fakes.store, &id),
            Err(FindPaymentError::NotFound(id))
        );
    }

    #[test]
    fn a_known_payment_is_found_with_its_refund() {
        let fakes = Fakes::default();
        let approved = fakes
            .authorize()
            .execute(&request("r1", "alice", 1000, "tok_visa"))
            .unwrap();
        fakes
            .refund()
            .execute(
                &crate::model::ReservationId::parse("r1").unwrap(),
                crate::payment::RefundReason::ReservationCancelled,
            )
            .unwrap();
        let found = find_payment(&fakes.store, approved.payment().id()).unwrap();
        assert!(found.refund_record().is_some());
    }
}
