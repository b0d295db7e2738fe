//! The events side (component `notification-events`, consumer group `notification`): every
//! booking status change becomes one notification; then every due delivery is attempted.

use std::time::Duration;

use cinema_eventing::consumer::{Consumer, DrainReport};
use cinema_eventing::inbox::KvInbox;
use cinema_events::Envelope;
use cinema_http::{Level, log};
use notification_core::deliver::DeliverPending;
use notification_core::delivery::RetryPolicy;
use notification_core::model::{ScreeningInfo, StatusChange};
use notification_core::notification::ChannelKind;
use notification_core::ports::{ChatChannel, Clock, StoreError};
use notification_core::record::{RecordError, RecordStatusChange, Recorded, remember_screening};

use crate::CONTEXT;
use crate::config::Config;
use crate::store::{Kv, STORE};

/// Attempts per wake-up and the time after which a pass starts no new attempt.
const DELIVERIES_PER_WAKE_UP: usize = 100;
const DELIVERY_TIME_BUDGET: Duration = Duration::from_secs(10);

struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        cinema_http::now()
    }
}

#[derive(Debug, thiserror::Error)]
enum HandleError {
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error(transparent)]
    Inbox(#[from] cinema_eventing::Error),
}

// The event types this context acts on (`ScreeningInfo::from_event` and
// `StatusChange::from_event`); the consumer acknowledges the others unread. Keep in step with that
// match when a type is added there.
cinema_events::payload_set!(
    Consumed:
    ScreeningScheduled,
    ReservationConfirmed,
    ReservationRejected,
    ReservationCancelled,
    PaymentRefunded,
);

/// Drains the group, then attempts every due delivery. Called by the Redis doorbell and by
/// `POST /admin/events/drain`.
///
/// # Errors
/// Redis or the store unreachable: unhandled entries stay pending for a later wake-up.
pub fn drain() -> anyhow::Result<DrainReport> {
    let config = Config::load();
    let kv = Kv::open()?;
    let inbox = KvInbox::open(STORE)?;
    let channel = config.channel();
    let report = Consumer::new(&config.redis_address, CONTEXT).drain_batched::<Consumed, _>(
        CONTEXT,
        |event| handle(&kv, &inbox, channel.kind(), event),
        || inbox.flush().map_err(HandleError::from),
    )?;
    deliver(&kv, channel.as_ref())?;
    Ok(report)
}

fn handle(
    kv: &Kv,
    inbox: &KvInbox,
    channel: ChannelKind,
    event: &Envelope,
) -> Result<(), HandleError> {
    if let Some(screening) = ScreeningInfo::from_event(event) {
        remember_screening(kv, &screening)?;
        return Ok(());
    }
    let Some(change) = StatusChange::from_event(event) else {
        return Ok(());
    };
    if inbox.seen(&event.event_id)? {
        return Ok(());
    }
    let recorded = RecordStatusChange {
        notifications: kv,
        customers: kv,
        pending: kv,
        screenings: kv,
        clock: &SystemClock,
        channel,
    }
    .execute(&change)?;
    inbox.record(&event.event_id);
    let (what, n) = match &recorded {
        Recorded::New(n) => ("notification queued", n),
        Recorded::Duplicate(n) => ("notification exists already", n),
    };
    log(
        CONTEXT,
        Level::Info,
        what,
        &[
            ("correlation_id", &event.correlation_id),
            ("reservation_id", &change.reservation_id),
            ("notification_id", n.notification_id.as_str()),
            ("event_type", &event.type_),
        ],
    );
    Ok(())
}

fn deliver(kv: &Kv, channel: &dyn ChatChannel) -> Result<(), StoreError> {
    let report = DeliverPending {
        notifications: kv,
        pending: kv,
        channel,
        clock: &SystemClock,
        policy: RetryPolicy::default(),
        time_budget: DELIVERY_TIME_BUDGET,
    }
    .execute(DELIVERIES_PER_WAKE_UP)
    .map_err(|notification_core::deliver::DeliverError::Unexpected(e)| e)?;
    // Passes that only found deliveries backing off or leased elsewhere are not worth a line.
    if report.sent + report.failed + report.gave_up > 0 {
        let level = if report.failed > 0 || report.gave_up > 0 {
            Level::Warn
        } else {
            Level::Info
        };
        log(
            CONTEXT,
            level,
            "delivery pass",
            &[
                ("channel", channel.kind().as_str()),
                ("sent", &report.sent.to_string()),
                ("failed", &report.failed.to_string()),
                ("gave_up", &report.gave_up.to_string()),
                ("not_due", &report.not_due.to_string()),
            ],
        );
    }
    Ok(())
}
