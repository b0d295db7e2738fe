//! `reservation-events`: the saga's booking side reacting to the theater and payment.

use std::cell::Cell;

use cinema_eventing::consumer::{Consumer, DrainReport};
use cinema_eventing::{Error, Meta, envelope, inbox, outbox, sql};
use cinema_events::{Envelope, EventData};
use reservation_core::Screening;
use spin_sdk::sqlite3::Connection;

use crate::config::Config;
use crate::{CONTEXT, store};

// The event types this context acts on (`apply` below); the consumer acknowledges the others
// unread. Keep in step with that match when a type is added there.
cinema_events::payload_set!(
    Consumed:
    ScreeningScheduled,
    SeatsAllocated,
    SeatsRejected,
    PaymentRefunded,
);

/// Drains the group, sweeps abandoned bookings, then relays what the handlers published. Called
/// by the Redis doorbell and by `POST /admin/events/drain`.
///
/// # Errors
/// Redis or the database unreachable: the entries stay pending for a later drain.
pub fn drain() -> anyhow::Result<DrainReport> {
    let config = Config::load();
    let conn = store::open()?;
    // Each batch's confirmations and rejections are relayed as soon as the batch is applied,
    // not after the whole drain (up to `max_batches` batches): customers wait on them.
    let applied = Cell::new(false);
    let report = Consumer::new(&config.redis_address, CONTEXT).drain_batched::<Consumed, _>(
        CONTEXT,
        |event| apply(&conn, event).map(|()| applied.set(true)),
        || {
            if applied.replace(false) {
                outbox::relay_best_effort(&conn, &config.redis_address, CONTEXT, "");
            }
            Ok(())
        },
    )?;
    crate::abandon::sweep(&conn, &config.redis_address, config.payment_timeout_ms);
    outbox::verify_now_and_then(&conn, &config.redis_address, CONTEXT);
    Ok(report)
}

fn apply(conn: &Connection, event: &Envelope) -> Result<(), Error> {
    sql::transaction(conn, |c| {
        if !inbox::claim(c, &event.event_id)? {
            return Ok(());
        }
        let now = cinema_http::now();
        let change = match &event.data {
            EventData::ScreeningScheduled(s) => {
                match Screening::from_event(s) {
                    Ok(screening) => store::upsert_screening(c, &screening)?,
                    Err(e) => log_skip(event, &e),
                }
                return Ok(());
            }
            EventData::SeatsAllocated(a) => {
                with_reservation(c, &a.reservation_id, |r| r.seats_allocated(now).map(Some))?
            }
            EventData::SeatsRejected(x) => with_reservation(c, &x.reservation_id, |r| {
                r.seats_rejected(x.reason, now).map(Some)
            })?,
            EventData::PaymentRefunded(p) => with_reservation(c, &p.reservation_id, |r| {
                r.payment_refunded(now).then_some(None)
            })?,
            _ => return Ok(()),
        };
        if let Some((r, Some(data))) = change {
            let meta = Meta::caused_by(event).reservation(r.id.as_str(), Some(r.version));
            outbox::append::<crate::Published>(c, &envelope(CONTEXT, &meta, data))?;
        }
        Ok(())
    })
}

/// Loads a booking, applies `f`; if it reports a change (`Some`), saves it. Returns the saved
/// booking and the event to publish, if any.
fn with_reservation(
    c: &Connection,
    id: &str,
    f: impl FnOnce(&mut reservation_core::Reservation) -> Option<Option<EventData>>,
) -> Result<Option<(reservation_core::Reservation, Option<EventData>)>, Error> {
    let Some(mut r) = store::reservation(c, id)? else {
        return Ok(None);
    };
    match f(&mut r) {
        Some(event) => {
            store::update(c, &r)?;
            Ok(Some((r, event)))
        }
        None => Ok(None),
    }
}

fn log_skip(event: &Envelope, why: &str) {
    cinema_http::log(
        CONTEXT,
        cinema_http::Level::Warn,
        &format!("skipped {} {}: {why}", event.type_, event.event_id),
        &[("correlation_id", &event.correlation_id)],
    );
}
