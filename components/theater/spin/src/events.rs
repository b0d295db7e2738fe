//! The Redis-triggered consumer (`theater-events`, consumer group `theater`).
//!
//! Each doorbell drains the group. Every event is applied in one `BEGIN IMMEDIATE` transaction
//! that starts with the inbox claim (a redelivered event changes nothing) and ends with the
//! answer in the outbox; after the commit the outbox is relayed. Events carry
//! `Meta::caused_by(incoming)`: the correlation id travels on, the causation id is the incoming
//! event, and the reservation id is set. `SeatsHeld` and `HoldReleased` only change what the
//! seat maps show and publish nothing.

use std::cell::Cell;
use std::fmt::Display;

use cinema_eventing::consumer::{Consumer, DrainReport};
use cinema_eventing::sql;
use cinema_eventing::{Meta, inbox, outbox};
use cinema_events::{Envelope, EventData};
use cinema_http::Level;
use theater_core::services::holds::{HeldOutcome, HoldDisplay, ReleasedOutcome};
use theater_core::services::reservations::{CancellationOutcome, PlacementOutcome, SeatAllocation};

use crate::CONTEXT;
use crate::config::Config;
use crate::outbound::{OutboxPublisher, SystemClock};
use crate::store::{self, SqliteTheater, TxError};

// The event types this context acts on (`handle` below); the consumer acknowledges the others
// unread. Keep in step with that match when a type is added there.
cinema_events::payload_set!(
    Consumed: ReservationPlaced,
    ReservationCancelled,
    SeatsHeld,
    HoldReleased,
);

/// Drains every pending event of the group. Called by the Redis doorbell and by
/// `POST /admin/events/drain`.
///
/// # Errors
/// The database cannot be opened or Redis is unreachable (the events stay in the stream).
pub fn drain() -> anyhow::Result<DrainReport> {
    let config = Config::load();
    let conn = store::open()?;
    // One transaction per fetched batch (a savepoint per event), committed before the batch is
    // acknowledged; its outbox rows are relayed once it is committed.
    let batch = sql::BatchTransaction::new(&conn);
    // Set when a handled event wrote outbox rows.
    let published = Cell::new(false);
    let report = Consumer::new(&config.redis_address, CONTEXT).drain_batched::<Consumed, _>(
        CONTEXT,
        |event| handle(&batch, event, &published),
        || {
            let committed = batch.commit();
            if published.replace(false) && committed.is_ok() {
                outbox::relay_best_effort(&conn, &config.redis_address, CONTEXT, "theater-events");
            }
            committed.map_err(|e| e.to_string())
        },
    )?;
    report.log_trouble(CONTEXT);
    outbox::verify_now_and_then(&conn, &config.redis_address, CONTEXT);
    Ok(report)
}

enum Outcome {
    Placement(PlacementOutcome),
    Cancellation(CancellationOutcome),
    Held(HeldOutcome),
    Released(ReleasedOutcome),
}

impl Outcome {
    fn published(&self) -> bool {
        matches!(
            self,
            Self::Placement(PlacementOutcome::Allocated(_) | PlacementOutcome::Rejected(_))
                | Self::Cancellation(CancellationOutcome::Released(_))
        )
    }

    fn describe(&self) -> String {
        match self {
            Self::Placement(PlacementOutcome::Allocated(seats)) => {
                format!("seats allocated: {}", seats.join(","))
            }
            Self::Placement(PlacementOutcome::Rejected(reason)) => {
                format!("seats rejected: {}", reason.code())
            }
            Self::Placement(PlacementOutcome::AlreadyAnswered) => {
                "reservation placed again: already answered, nothing changed".into()
            }
            Self::Placement(PlacementOutcome::CancelledBeforePlacement) => {
                "placement arrived after its cancellation (tombstone): nothing allocated".into()
            }
            Self::Placement(PlacementOutcome::Ignored(why))
            | Self::Cancellation(CancellationOutcome::Ignored(why))
            | Self::Held(HeldOutcome::Ignored(why))
            | Self::Released(ReleasedOutcome::Ignored(why)) => {
                format!("event ignored: {why}")
            }
            Self::Cancellation(CancellationOutcome::Released(seats)) => {
                format!("seats released: {}", seats.join(","))
            }
            Self::Cancellation(CancellationOutcome::Tombstoned) => {
                "cancellation arrived before its placement: tombstone recorded".into()
            }
            Self::Cancellation(CancellationOutcome::NothingToRelease) => {
                "cancellation: no seats held".into()
            }
            Self::Held(HeldOutcome::Shown(seats)) => {
                format!("seats shown held: {}", seats.join(","))
            }
            Self::Held(HeldOutcome::AlreadyShown) => "hold seen again: already shown".into(),
            Self::Held(HeldOutcome::ReleasedBefore) => {
                "hold arrived after its release: nothing shown".into()
            }
            Self::Held(HeldOutcome::Expired) => "hold arrived expired: nothing shown".into(),
            Self::Released(ReleasedOutcome::Hidden) => "hold released: seats no longer held".into(),
            Self::Released(ReleasedOutcome::ReleasedBeforeHeld) => {
                "release arrived before its hold: remembered".into()
            }
            Self::Released(ReleasedOutcome::AlreadyReleased) => {
                "hold released again: nothing changed".into()
            }
        }
    }
}

/// Applies one event. `Err` only for failures worth retrying (storage); the entry then stays
/// pending in the group.
fn handle(
    batch: &sql::BatchTransaction<'_>,
    event: &Envelope,
    published: &Cell<bool>,
) -> Result<(), String> {
    let outcome = match &event.data {
        EventData::ReservationPlaced(placed) => apply(batch, event, |ports| {
            ports.allocation().place(placed).map(Outcome::Placement)
        }),
        EventData::ReservationCancelled(cancelled) => apply(batch, event, |ports| {
            ports
                .allocation()
                .cancel(cancelled)
                .map(Outcome::Cancellation)
        }),
        EventData::SeatsHeld(held) => apply(batch, event, |ports| {
            ports.holds().held(held).map(Outcome::Held)
        }),
        EventData::HoldReleased(released) => apply(batch, event, |ports| {
            ports.holds().released(released).map(Outcome::Released)
        }),
        // Not consumed by the theater.
        _ => return Ok(()),
    };
    let (subject, subject_id) = subject_of(event);
    let fields = [
        ("correlation_id", event.correlation_id.as_str()),
        (subject, subject_id.as_str()),
        ("event_id", event.event_id.as_str()),
        ("event_type", event.type_.as_str()),
    ];
    match outcome {
        Ok(Some(outcome)) => {
            cinema_http::log(CONTEXT, Level::Info, &outcome.describe(), &fields);
            if outcome.published() {
                published.set(true);
            }
            Ok(())
        }
        Ok(None) => {
            cinema_http::log(
                CONTEXT,
                Level::Info,
                "event already processed (inbox)",
                &fields,
            );
            Ok(())
        }
        Err(cause) => {
            cinema_http::log(
                CONTEXT,
                Level::Error,
                &format!("event not applied: {cause}"),
                &fields,
            );
            Err(cause)
        }
    }
}

/// The ports of one event's savepoint, and the use cases on them.
struct Ports<'a> {
    store: SqliteTheater<'a>,
    events: OutboxPublisher<'a>,
}

impl Ports<'_> {
    fn allocation(&self) -> SeatAllocation<'_> {
        SeatAllocation {
            screenings: &self.store,
            seats: &self.store,
            ledger: &self.store,
            events: &self.events,
            clock: &SystemClock,
        }
    }

    fn holds(&self) -> HoldDisplay<'_> {
        HoldDisplay {
            screenings: &self.store,
            board: &self.store,
            clock: &SystemClock,
        }
    }
}

/// Runs the use case in the batch's transaction (its own savepoint) with the inbox claim; `None`
/// when the event was already processed. The error is the cause, for the log.
fn apply<E: Display>(
    batch: &sql::BatchTransaction<'_>,
    event: &Envelope,
    use_case: impl FnOnce(&Ports<'_>) -> Result<Outcome, E>,
) -> Result<Option<Outcome>, String> {
    batch
        .event(|tx| -> Result<Option<Outcome>, TxError<E>> {
            if !inbox::claim(tx, &event.event_id)? {
                return Ok(None);
            }
            let ports = Ports {
                store: SqliteTheater::new(tx),
                events: OutboxPublisher {
                    conn: tx,
                    meta: Meta::caused_by(event),
                },
            };
            use_case(&ports).map(Some).map_err(TxError::Domain)
        })
        .map_err(|e| match e {
            TxError::Domain(e) => e.to_string(),
            TxError::Storage(e) => e.to_string(),
        })
}

/// The id the log line is about: the reservation's, or the hold's.
fn subject_of(event: &Envelope) -> (&'static str, String) {
    match &event.data {
        EventData::SeatsHeld(e) => ("hold_id", e.hold_id.clone()),
        EventData::HoldReleased(e) => ("hold_id", e.hold_id.clone()),
        EventData::ReservationPlaced(e) => (
            "reservation_id",
            event
                .reservation_id
                .clone()
                .unwrap_or_else(|| e.reservation_id.clone()),
        ),
        EventData::ReservationCancelled(e) => (
            "reservation_id",
            event
                .reservation_id
                .clone()
                .unwrap_or_else(|| e.reservation_id.clone()),
        ),
        _ => (
            "reservation_id",
            event.reservation_id.clone().unwrap_or_default(),
        ),
    }
}
