//! The Redis-triggered projector (`catalog-events`, consumer group `catalog`): drains the group
//! and applies each theater event (and each reservation and refund event, for the staff
//! programme's sales) to the read model, then records it in the inbox.

use catalog_core::services::{Projected, ProjectionError, Projector};
use cinema_eventing::consumer::{Consumer, DrainReport};
use cinema_http::Level;

use crate::CONTEXT;
use crate::store::{KvCatalog, KvInbox};

// The event types this context acts on (`catalog_core::projection::targets`); the consumer
// acknowledges the others unread. Keep in step with that match when a type is added there.
cinema_events::payload_set!(
    Consumed:
    MovieRegistered,
    ScreeningScheduled,
    SeatsAllocated,
    SeatsReleased,
    ReservationPlaced,
    ReservationConfirmed,
    ReservationRejected,
    ReservationCancelled,
    PaymentRefunded,
);

/// Drains the group into the read model. Called by the Redis doorbell and by
/// `POST /admin/events/drain`.
///
/// # Errors
/// The store cannot be opened or Redis is unreachable (the events stay in the stream).
pub fn drain() -> anyhow::Result<DrainReport> {
    let redis_address = cinema_http::redis_address();
    let catalog = KvCatalog::open()?;
    let inbox = KvInbox::open()?;
    let projector = Projector {
        writer: &catalog,
        inbox: &inbox,
    };
    let report = Consumer::new(&redis_address, CONTEXT).drain_batched::<Consumed, _>(
        CONTEXT,
        |event| {
            let fields = [
                ("correlation_id", event.correlation_id.as_str()),
                (
                    "reservation_id",
                    event.reservation_id.as_deref().unwrap_or(""),
                ),
                ("event_id", event.event_id.as_str()),
                ("event_type", event.type_.as_str()),
            ];
            match projector.handle(event) {
                Ok(Projected::Applied) => {
                    cinema_http::log(CONTEXT, Level::Info, "event projected", &fields);
                    Ok(())
                }
                Ok(Projected::AlreadyApplied) => {
                    cinema_http::log(
                        CONTEXT,
                        Level::Info,
                        "event already projected (inbox)",
                        &fields,
                    );
                    Ok(())
                }
                Ok(Projected::NotProjected) => Ok(()),
                Err(ProjectionError::Unexpected(e)) => {
                    cinema_http::log(
                        CONTEXT,
                        Level::Error,
                        &format!("event not projected: {e}"),
                        &fields,
                    );
                    Err(e)
                }
            }
        },
        || inbox.flush(),
    )?;
    report.log_trouble(CONTEXT);
    inbox.prune_now_and_then(&redis_address);
    Ok(report)
}
