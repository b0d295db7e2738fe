//! Use-case errors → API errors. The only place statuses and codes for failures are chosen; the
//! cause of an unexpected error goes to the log, never to the client.

use cinema_http::ApiError;
use payment_core::admin::{ConfigureSimulatorError, FindPaymentError};
use payment_core::authorization::AuthorizeError;
use payment_core::model::Invalid;

use crate::CONTEXT;

/// Seconds a client should wait before retrying a simulated outage.
const UNAVAILABLE_RETRY_AFTER_S: u64 = 1;

pub fn invalid(e: &Invalid) -> ApiError {
    ApiError::validation(e.to_string())
}

pub fn authorize(e: AuthorizeError) -> ApiError {
    match e {
        AuthorizeError::Declined { .. } => ApiError::new(
            402,
            "payment_declined",
            "the card was declined by its issuer",
        ),
        AuthorizeError::Unavailable { .. } => ApiError::unavailable(
            "payment_unavailable",
            "the payment provider is unavailable; please retry shortly",
            UNAVAILABLE_RETRY_AFTER_S,
        ),
        AuthorizeError::KeyReused(reservation) => ApiError::new(
            422,
            "idempotency_key_reused",
            format!(
                "reservation {reservation} was already charged with a different customer or amount"
            ),
        ),
        AuthorizeError::AlreadyRefunded(payment) => ApiError::new(
            409,
            "payment_refunded",
            format!(
                "the payment {} of reservation {} has been refunded",
                payment.id(),
                payment.reservation_id()
            ),
        ),
        AuthorizeError::Abandoned(reservation) => ApiError::new(
            409,
            "reservation_abandoned",
            format!(
                "reservation {reservation} was abandoned by the booking side; nothing was charged"
            ),
        ),
        AuthorizeError::Unexpected(cause) => ApiError::internal(CONTEXT, cause),
    }
}

pub fn find(e: FindPaymentError) -> ApiError {
    match e {
        FindPaymentError::NotFound(id) => ApiError::not_found(format!("no payment {id}")),
        FindPaymentError::Unexpected(cause) => ApiError::internal(CONTEXT, cause),
    }
}

pub fn configure(e: ConfigureSimulatorError) -> ApiError {
    match e {
        ConfigureSimulatorError::Invalid(invalid) => ApiError::validation(invalid.to_string()),
        ConfigureSimulatorError::Unexpected(cause) => ApiError::internal(CONTEXT, cause),
    }
}

pub fn storage(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(CONTEXT, e)
}
