//! `GET /admin/metrics` (admin): the outbox backlog, authorizations by outcome, refunds by reason
//! and the amounts charged and refunded per currency — read from this context's own database
//! (`cinema_eventing::metrics_endpoint`). The totals are rows of `counters`, bumped by the store
//! in the transaction that records the payment, the attempt or the refund (`payment_core::tally`).
//! Payments by status follow from them: refunded = refunds, approved = approvals − refunds.

use cinema_eventing::Error;
use cinema_eventing::counters::{self, Counter, Label};
use cinema_eventing::metrics_endpoint::{Sample, outbox_pending};
use payment_core::authorization::Attempt;
use payment_core::payment::{Payment, Refund, RefundReason};
use payment_core::tally::Authorized;
use spin_sdk::sqlite3::Connection;

const AUTHORIZATIONS: Counter = Counter {
    name: "cinema_payment_authorizations_total",
    help: "Payment authorizations by outcome: approved (a new charge; a replay is not counted again), declined by the card issuer, unavailable (the provider failed or timed out).",
    label: Some(Label {
        name: "outcome",
        known: &Authorized::LABELS,
    }),
};

const CHARGED: Counter = Counter {
    name: "cinema_charged_amount_total",
    help: "Amount of the approved charges, in the currency's minor units (KRW: won).",
    label: Some(Label {
        name: "currency",
        known: &[],
    }),
};

const REFUNDS: Counter = Counter {
    name: "cinema_refunds_total",
    help: "Refunds (always of the whole payment) by reason: the reservation was rejected, cancelled, or abandoned.",
    label: Some(Label {
        name: "reason",
        known: &RefundReason::LABELS,
    }),
};

const REFUNDED: Counter = Counter {
    name: "cinema_refunded_amount_total",
    help: "Amount refunded, in the currency's minor units (KRW: won).",
    label: Some(Label {
        name: "currency",
        known: &[],
    }),
};

const COUNTERS: [Counter; 4] = [AUTHORIZATIONS, CHARGED, REFUNDS, REFUNDED];

/// Counts a new charge; inside the transaction that stores it.
///
/// # Errors
/// The database's.
pub fn count_approval(tx: &Connection, payment: &Payment) -> Result<(), Error> {
    counters::add(tx, &AUTHORIZATIONS, Authorized::Approved.as_str(), 1)?;
    let amount = payment.amount();
    counters::add(tx, &CHARGED, amount.currency().as_str(), amount.minor())
}

/// Counts an authorization that was not approved; inside the transaction that keeps it.
///
/// # Errors
/// The database's.
pub fn count_attempt(tx: &Connection, attempt: &Attempt) -> Result<(), Error> {
    let outcome = Authorized::of_attempt(attempt.outcome);
    counters::add(tx, &AUTHORIZATIONS, outcome.as_str(), 1)
}

/// Counts a refund; inside the transaction that records it.
///
/// # Errors
/// The database's.
pub fn count_refund(tx: &Connection, refund: &Refund) -> Result<(), Error> {
    counters::add(tx, &REFUNDS, refund.reason.as_str(), 1)?;
    let amount = &refund.amount;
    counters::add(tx, &REFUNDED, amount.currency().as_str(), amount.minor())
}

/// # Errors
/// The database cannot be read.
pub fn gather() -> anyhow::Result<Vec<Sample>> {
    let conn = crate::store::open()?;
    let mut samples = vec![outbox_pending(&conn)?];
    samples.extend(counters::samples(&conn, &COUNTERS)?);
    Ok(samples)
}
