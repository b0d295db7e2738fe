//! `reservation-events`: the saga's booking side reacting to the theater and payment. Each event
//! runs [`ApplySagaEvent`] inside its own transaction, after its inbox claim; then the sweep
//! abandons attempts whose instance died mid-call ([`AbandonStale`]).

use std::cell::Cell;

use cinema_eventing::consumer::{Consumer, DrainReport};
use cinema_eventing::{Error, Meta, inbox, outbox, sql};
use cinema_events::Envelope;
use reservation_core::ReservationError;
use reservation_core::use_cases::abandon::AbandonStale;
use reservation_core::use_cases::saga::{Applied, ApplySagaEvent};
use spin_sdk::sqlite3::Connection;

use crate::CONTEXT;
use crate::config::Config;
use crate::http::System;
use crate::store::{self, Db};

// The event types this context acts on (`ApplySagaEvent`); the consumer acknowledges the others
// unread. Keep in step with that use case when a type is added there.
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
    let address = config.redis_address.as_str();
    // Each batch's confirmations and rejections are relayed as soon as the batch is applied,
    // not after the whole drain (up to `max_batches` batches): customers wait on them.
    let applied = Cell::new(false);
    let report = Consumer::new(address, CONTEXT).drain_batched::<Consumed, _>(
        CONTEXT,
        |event| apply(&conn, address, event).map(|()| applied.set(true)),
        || {
            if applied.replace(false) {
                outbox::relay_best_effort(&conn, address, CONTEXT, "");
            }
            Ok(())
        },
    )?;
    report.log_trouble(CONTEXT);
    sweep(&conn, &config);
    outbox::verify_now_and_then(&conn, address, CONTEXT);
    Ok(report)
}

/// A use case's refusal inside the event's transaction (rolled back), or the transaction's own
/// failure.
enum Failed {
    Db(Error),
    Refused(ReservationError),
}

impl From<Error> for Failed {
    fn from(e: Error) -> Self {
        Self::Db(e)
    }
}

fn apply(conn: &Connection, address: &str, event: &Envelope) -> Result<(), Error> {
    let applied = sql::transaction(conn, |c| {
        if !inbox::claim(c, &event.event_id)? {
            return Ok(Applied::Unchanged);
        }
        let db = Db::within(c, address, Meta::caused_by(event));
        ApplySagaEvent {
            reservations: &db,
            screenings: &db,
            clock: &System,
        }
        .execute(&event.data)
        .map_err(Failed::Refused)
    });
    match applied {
        Ok(Applied::Skipped(why)) => {
            log(event, cinema_http::Level::Warn, &format!("skipped: {why}"));
            Ok(())
        }
        Ok(Applied::Changed { .. } | Applied::Unchanged) => Ok(()),
        Err(Failed::Db(e)) => Err(e),
        // Only storage fails an event; it is delivered again.
        Err(Failed::Refused(e)) => Err(Error::Other(e.to_string())),
    }
}

/// Abandons attempts whose instance died mid-call; payment refunds any charge. Failures are
/// logged: the next wake-up retries.
fn sweep(conn: &Connection, config: &Config) {
    let db = Db::new(conn, &config.redis_address, "sweep");
    let swept = AbandonStale {
        attempts: &db,
        clock: &System,
        timing: config.timing,
    }
    .execute();
    match swept {
        Ok(0) => {}
        Ok(n) => {
            cinema_http::log(
                CONTEXT,
                cinema_http::Level::Warn,
                &format!(
                    "{n} booking attempt(s) abandoned after their call died; payment will refund any charge"
                ),
                &[("correlation_id", "sweep")],
            );
            reservation_core::ports::Outbox::relay(&db);
        }
        Err(e) => cinema_http::log(
            CONTEXT,
            cinema_http::Level::Warn,
            &format!("attempt sweep failed: {e}"),
            &[],
        ),
    }
}

fn log(event: &Envelope, level: cinema_http::Level, message: &str) {
    cinema_http::log(
        CONTEXT,
        level,
        &format!("{} {}: {message}", event.type_, event.event_id),
        &[("correlation_id", &event.correlation_id)],
    );
}
