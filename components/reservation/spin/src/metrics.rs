//! `GET /admin/metrics` (admin): the outbox backlog and the payment breaker, read from this
//! context's own stores (`cinema_eventing::metrics_endpoint`). Bookings by status and active holds
//! are left out: `reservations.status` and `holds.status` have no index, so counting them would
//! scan both tables on every scrape.

use cinema_eventing::metrics_endpoint::{Sample, outbox_pending};
use reservation_core::breaker::BreakerState;
use reservation_core::ports::BreakerStates;

use crate::breaker_store::KvBreaker;

/// # Errors
/// The database or the breaker's key-value store cannot be read.
pub fn gather() -> anyhow::Result<Vec<Sample>> {
    let conn = crate::store::open()?;
    let mut samples = vec![outbox_pending(&conn)?];
    let breaker = KvBreaker::open()
        .current()
        .map_err(|e| anyhow::anyhow!("breaker: {}", e.0))?;
    samples.extend(breaker_samples(breaker));
    Ok(samples)
}

fn breaker_samples(breaker: BreakerState) -> [Sample; 2] {
    let (state, code, failures) = match breaker {
        BreakerState::Closed { failures } => ("closed", 0.0, failures),
        BreakerState::HalfOpen { .. } => ("half_open", 1.0, 0),
        BreakerState::Open { .. } => ("open", 2.0, 0),
    };
    [
        Sample::gauge(
            "cinema_payment_breaker_state",
            "The payment circuit breaker: 0 closed, 1 half-open (one probe under way), 2 open.",
            code,
        )
        .label("state", state),
        Sample::gauge(
            "cinema_payment_breaker_failures",
            "Consecutive payment failures counted while the breaker is closed (0 while open or half-open).",
            f64::from(failures),
        ),
    ]
}
