//! The events side: drain consumer group `mypage` and project each event (on the Redis doorbell,
//! or on `POST /admin/events/drain`).

use cinema_eventing::consumer::{Consumer, DrainReport};
use cinema_events::Envelope;
use mypage_core::projector::{Projected, ProjectionError, Projector};
use mypage_core::view::subject;

use crate::CONTEXT;
use crate::store::KvStore;

// The event types this context acts on (`mypage_core::view::Fact::of` and the screening details);
// the consumer acknowledges the others unread. Keep in step with that match when a type is added
// there.
cinema_events::payload_set!(
    Consumed:
    ScreeningScheduled,
    ReservationPlaced,
    ReservationConfirmed,
    ReservationRejected,
    ReservationCancelled,
    PaymentApproved,
    PaymentRefunded,
);

/// # Errors
/// The store cannot be opened or Redis is unreachable (the events stay in the stream).
pub fn drain() -> anyhow::Result<DrainReport> {
    let redis_address = cinema_http::redis_address();
    let store = KvStore::open()?;
    let projector = Projector {
        views: &store,
        index: &store,
        screenings: &store,
        inbox: &store,
    };
    let report = Consumer::new(&redis_address, CONTEXT).drain_batched::<Consumed, _>(
        CONTEXT,
        |event| handle(&projector, event),
        || store.flush_inbox().map_err(ProjectionError::from),
    )?;
    report.log_trouble(CONTEXT);
    store.prune_inbox_now_and_then(&redis_address);
    Ok(report)
}

fn handle(
    projector: &Projector<'_, KvStore, KvStore, KvStore, KvStore>,
    event: &Envelope,
) -> Result<(), ProjectionError> {
    let outcome = projector.handle(event)?;
    if outcome == Projected::Applied {
        let mut fields = vec![
            ("correlation_id", event.correlation_id.as_str()),
            ("event_type", event.type_.as_str()),
        ];
        if let Some((reservation_id, _)) = subject(event) {
            fields.push(("reservation_id", reservation_id));
        }
        cinema_http::log(
            CONTEXT,
            cinema_http::Level::Info,
            &format!("applied {}", event.event_id),
            &fields,
        );
    }
    Ok(())
}
