//! Giving up on a booking after payment was asked to charge it. The customer got no booking, so
//! `ReservationAbandoned` tells payment to refund the reservation's charge if there is one (a
//! timed-out call may still have been approved). No payment, no booking — and no booking, no
//! payment.

use cinema_eventing::{Meta, envelope, outbox, sql};
use cinema_events::{EventData, ReservationAbandoned};
use spin_sdk::sqlite3::Connection;

use crate::{CONTEXT, store};

/// Marks the attempt abandoned and publishes the event, if it was still pending and no booking
/// was stored under it. Failures are logged: the attempt stays pending and the consumer's sweep
/// abandons it later.
pub fn abandon(
    conn: &Connection,
    redis_address: &str,
    reservation_id: &str,
    reason: &str,
    correlation_id: &str,
) {
    let result = sql::transaction(conn, |c| -> Result<bool, cinema_eventing::Error> {
        let Some(customer_id) = store::abandon_attempt(c, reservation_id)? else {
            return Ok(false);
        };
        let meta = Meta::new(correlation_id).reservation(reservation_id, None);
        let data = EventData::ReservationAbandoned(ReservationAbandoned {
            reservation_id: reservation_id.to_string(),
            customer_id,
            reason: reason.to_string(),
        });
        outbox::append::<crate::Published>(c, &envelope(CONTEXT, &meta, data))?;
        Ok(true)
    });
    match result {
        Ok(true) => {
            cinema_http::log(
                CONTEXT,
                cinema_http::Level::Warn,
                &format!("booking abandoned ({reason}); payment will refund any charge"),
                &[
                    ("correlation_id", correlation_id),
                    ("reservation_id", reservation_id),
                ],
            );
            outbox::relay_best_effort(conn, redis_address, CONTEXT, correlation_id);
        }
        Ok(false) => {}
        Err(e) => cinema_http::log(
            CONTEXT,
            cinema_http::Level::Error,
            &format!("could not record the abandoned booking (the sweep retries): {e}"),
            &[
                ("correlation_id", correlation_id),
                ("reservation_id", reservation_id),
            ],
        ),
    }
}

/// How long after it started a request is certainly gone (twice the payment deadline plus a
/// margin): its pending attempt is abandoned by the sweep, its idempotency key may be taken over.
pub fn stale_after(payment_timeout_ms: u64) -> chrono::Duration {
    chrono::Duration::milliseconds(i64::try_from(payment_timeout_ms).unwrap_or(3000) * 2 + 10_000)
}

/// Abandons attempts whose instance died mid-call (still pending well after the payment deadline).
pub fn sweep(conn: &Connection, redis_address: &str, payment_timeout_ms: u64) {
    let cutoff = (cinema_http::now() - stale_after(payment_timeout_ms))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    match store::stale_attempts(conn, &cutoff) {
        Ok(ids) => {
            for id in ids {
                abandon(conn, redis_address, &id, "not-stored", "sweep");
            }
        }
        Err(e) => cinema_http::log(
            CONTEXT,
            cinema_http::Level::Warn,
            &format!("attempt sweep failed: {e}"),
            &[],
        ),
    }
}
