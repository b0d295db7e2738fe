//! `GET /admin/metrics` (admin): the outbox backlog, the payment breaker, bookings by outcome,
//! holds placed and ended, and the customer holds active now — all read from this context's own
//! stores (`cinema_eventing::metrics_endpoint`). The totals are rows of `counters`, bumped by
//! [`count`] where the store publishes the event of the change (`reservation_core::tally`); the
//! active holds are an indexed range (`holds_active`: active customer holds by expiry, so the
//! count reads only the holds not yet expired). Bookings by current status are left out:
//! counting `reservations` by status would read every booking on every scrape.

use cinema_eventing::Error;
use cinema_eventing::counters::{self, Counter, Label};
use cinema_eventing::metrics_endpoint::{Sample, outbox_pending};
use cinema_eventing::sql::{exec, text};
use cinema_events::EventData;
use reservation_core::breaker::BreakerState;
use reservation_core::hold::ReleaseReason;
use reservation_core::ports::BreakerStates;
use reservation_core::tally::{BookingOutcome, Tally, tally};
use spin_sdk::sqlite3::Connection;

use crate::breaker_store::KvBreaker;

const BOOKINGS: Counter = Counter {
    name: "cinema_bookings_total",
    help: "Bookings by step reached: placed (paid and stored), confirmed (seats allocated), rejected (seats not allocated; refunded), cancelled (by the customer; refunded), abandoned (charged but never stored; refunded).",
    label: Some(Label {
        name: "outcome",
        known: &BookingOutcome::LABELS,
    }),
};

const HOLDS_PLACED: Counter = Counter {
    name: "cinema_holds_placed_total",
    help: "Seat holds placed by customers (POST /holds).",
    label: None,
};

const HOLDS_ENDED: Counter = Counter {
    name: "cinema_holds_ended_total",
    help: "Seat holds ended before their expiry: booked, released by the customer, or replaced by their newer hold. Expired holds are placed - ended - active.",
    label: Some(Label {
        name: "reason",
        known: &ReleaseReason::LABELS,
    }),
};

const COUNTERS: [Counter; 3] = [BOOKINGS, HOLDS_PLACED, HOLDS_ENDED];

/// Counts what publishing `event` announces; called by the store inside the transaction that
/// appends it to the outbox.
///
/// # Errors
/// The database's.
pub fn count(conn: &Connection, event: &EventData) -> Result<(), Error> {
    match tally(event) {
        Some(Tally::Booking(outcome)) => counters::add(conn, &BOOKINGS, outcome.as_str(), 1),
        Some(Tally::HoldPlaced) => counters::add(conn, &HOLDS_PLACED, "", 1),
        Some(Tally::HoldEnded(reason)) => counters::add(conn, &HOLDS_ENDED, reason.as_str(), 1),
        None => Ok(()),
    }
}

/// # Errors
/// The database or the breaker's key-value store cannot be read.
pub fn gather() -> anyhow::Result<Vec<Sample>> {
    let conn = crate::store::open()?;
    let mut samples = vec![outbox_pending(&conn)?];
    let breaker = KvBreaker::open()
        .current()
        .map_err(|e| anyhow::anyhow!("breaker: {}", e.0))?;
    samples.extend(breaker_samples(
        breaker,
        cinema_http::now().timestamp_millis(),
    ));
    samples.extend(counters::samples(&conn, &COUNTERS)?);
    samples.push(Sample::gauge(
        "cinema_holds_active",
        "Customer seat holds active now (placed, not yet booked, released or expired).",
        active_holds(&conn)? as f64,
    ));
    Ok(samples)
}

/// The holds `holds_active` indexes whose expiry is still ahead.
fn active_holds(conn: &Connection) -> Result<i64, Error> {
    let now = cinema_http::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    Ok(exec(
        conn,
        "SELECT COUNT(*) AS n FROM holds
         WHERE status = 'ACTIVE' AND for_call = 0 AND expires_at > ?",
        &[text(now)],
    )?
    .rows()
    .next()
    .and_then(|r| r.get::<i64>("n"))
    .unwrap_or(0))
}

/// The breaker as the next booking would meet it at `now_ms` ([`BreakerState::as_seen_at`]).
fn breaker_samples(breaker: BreakerState, now_ms: i64) -> [Sample; 2] {
    let (state, code, failures) = match breaker.as_seen_at(now_ms) {
        BreakerState::Closed { failures } => ("closed", 0.0, failures),
        BreakerState::HalfOpen { .. } => ("half_open", 1.0, 0),
        BreakerState::Open { .. } => ("open", 2.0, 0),
    };
    [
        Sample::gauge(
            "cinema_payment_breaker_state",
            "The payment circuit breaker: 0 closed, 1 half-open (cool-down over: the next booking probes, or a probe is under way), 2 open.",
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
