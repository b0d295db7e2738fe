//! The events side. `notification-events` (the shared doorbell, consumer group `notification`)
//! turns every booking status change into one notification and rings the delivery bell;
//! `notification-delivery` (the bell, on a Redis address of its own) makes the chat calls.
//!
//! Spin runs the messages of one Redis address one at a time for every component subscribed
//! there, so a chat call made on the doorbell would hold up every other context's consumer (a
//! hung endpoint would delay CONFIRMED for everyone). On its own address the delivery side only
//! holds itself up.

use std::time::Duration;

use cinema_eventing::consumer::{Consumer, DrainReport};
use cinema_eventing::inbox::KvInbox;
use cinema_events::Envelope;
use cinema_http::{Level, log};
use notification_core::deliver::DeliverPending;
use notification_core::delivery::RetryPolicy;
use notification_core::locale::VenueZone;
use notification_core::model::{ScreeningInfo, StatusChange};
use notification_core::notification::ChannelKind;
use notification_core::ports::{ChatChannel, Clock, PendingDeliveries, StoreError};
use notification_core::record::{RecordError, RecordStatusChange, Recorded, remember_screening};

use crate::CONTEXT;
use crate::config::Config;
use crate::store::{Kv, STORE};

/// Attempts per wake-up and the time after which a pass starts no new attempt.
const DELIVERIES_PER_WAKE_UP: usize = 100;
const DELIVERY_TIME_BUDGET: Duration = Duration::from_secs(10);
/// The channel `notification-delivery` listens on (through its own Redis address).
pub const DELIVERY_BELL: &str = "cinema.deliveries";

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

/// The doorbell (`notification-events`): drains the group, then rings the delivery bell when
/// deliveries are waiting. No chat call is made here.
///
/// # Errors
/// Redis or the store unreachable: unhandled entries stay pending for a later wake-up.
pub fn on_doorbell() -> anyhow::Result<()> {
    let config = Config::load();
    let kv = Kv::open()?;
    drain_into(&config, &kv)?;
    if !PendingDeliveries::ids(&kv)?.is_empty() {
        spin_sdk::redis::Connection::open(&config.redis_address)?
            .publish(DELIVERY_BELL, b"deliver".as_ref())?;
    }
    Ok(())
}

/// The delivery bell (`notification-delivery`): attempts every due delivery.
///
/// # Errors
/// The store unreachable.
pub fn on_delivery_bell() -> anyhow::Result<()> {
    let config = Config::load();
    deliver(&Kv::open()?, config.channel().as_ref())?;
    Ok(())
}

/// `POST /admin/events/drain` (platforms without the Redis trigger): drains the group, then
/// delivers in the same call — there is no bell to hand the deliveries to.
///
/// # Errors
/// Redis or the store unreachable: unhandled entries stay pending for a later wake-up.
pub fn drain() -> anyhow::Result<DrainReport> {
    let config = Config::load();
    let kv = Kv::open()?;
    let report = drain_into(&config, &kv)?;
    deliver(&kv, config.channel().as_ref())?;
    Ok(report)
}

fn drain_into(config: &Config, kv: &Kv) -> anyhow::Result<DrainReport> {
    let inbox = KvInbox::open(STORE)?;
    let kind = config.channel_kind();
    let report = Consumer::new(&config.redis_address, CONTEXT).drain_batched::<Consumed, _>(
        CONTEXT,
        |event| handle(kv, &inbox, kind, config.venue_zone, event),
        || inbox.flush().map_err(HandleError::from),
    )?;
    inbox.prune_now_and_then(&config.redis_address, CONTEXT);
    Ok(report)
}

fn handle(
    kv: &Kv,
    inbox: &KvInbox,
    channel: ChannelKind,
    zone: VenueZone,
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
        preferences: kv,
        clock: &SystemClock,
        channel,
        zone,
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
        counts: kv,
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
