//! Reliable integration events over Redis for the cinema's Spin components.
//!
//! - **Outbox** ([`outbox`]): a publisher writes the event row in the same SQLite transaction as
//!   the state change; [`outbox::relay`] then appends pending rows to the Redis stream
//!   [`STREAM`] (`XADD`), rings each doorbell of [`BELLS`] — the saga's [`SAGA_DOORBELL`] and
//!   the read models' [`DOORBELL`] — (`PUBLISH`, once per burst: a ring is skipped while its
//!   pending flag says one is on its way) and marks them
//!   relayed, in one `EVAL` round trip. If Redis is down the rows stay pending and a later
//!   relay sends them: nothing is lost; a crash between `XADD` and the mark can send a row twice, which inboxes absorb.
//! - **Consumer** ([`consumer`]): a Redis-triggered component woken by the doorbell drains its
//!   consumer group with `XAUTOCLAIM` + `XREADGROUP` inside one `EVAL` (Spin flattens nested
//!   replies, so the script returns one JSON string), handles each event and `XACK`s it. A
//!   consumer that was down catches up on its next wake-up (the group remembers its position);
//!   replicas share the group, so each entry is delivered to one of them. Where no Redis
//!   trigger runs, [`drain_endpoint`] serves the same drain as `POST /admin/events/drain`.
//! - **Dead letters** ([`dead_letters`]): an entry whose handler keeps failing is retried with
//!   back-off up to `event_max_attempts` times, then parked where an operator lists and replays it.
//! - **Metrics** ([`metrics_endpoint`]): `GET /admin/metrics`, a context's own numbers (its
//!   outbox backlog and whatever else it reads cheaply) for the gateway's Prometheus endpoint;
//!   [`counters`]: running totals kept in the context's SQLite, bumped in the transaction of the
//!   change they count.
//! - **Inbox** ([`inbox`]): processed event ids, recorded in the same transaction as the
//!   consumer's state change (SQLite) or after an idempotent update (key-value).
//! - **Key-value documents** ([`kv`]): JSON read-model documents in `wasi:keyvalue`, updated
//!   with compare-and-swap loops ([`kv::Documents::update_json`]) that retry on conflict and
//!   create absent documents safely, so replicas may project in parallel.

pub mod consumer;
pub mod counters;
pub mod dead_letters;
pub mod drain_endpoint;
pub mod inbox;
pub mod kv;
pub mod metrics_endpoint;
pub mod outbox;
pub mod retention;
pub mod sql;

use cinema_events::{Envelope, EventData, SCHEMA_VERSION};

/// The Redis stream holding every integration event.
pub const STREAM: &str = "cinema:events";
/// The pub/sub channel that wakes the read models' consumers (catalog, my page, notification,
/// reports).
pub const DOORBELL: &str = "cinema.events";
/// Set while a ring of [`DOORBELL`] is on its way; its consumers clear it before reading
/// (doorbell coalescing).
pub const DOORBELL_PENDING: &str = "cinema:events:doorbell";
/// The pub/sub channel that wakes the saga's consumers ([`SAGA_CONTEXTS`]).
pub const SAGA_DOORBELL: &str = "cinema.saga";
/// [`DOORBELL_PENDING`] of [`SAGA_DOORBELL`].
pub const SAGA_DOORBELL_PENDING: &str = "cinema:saga:doorbell";
/// The contexts whose consumers move a booking along (placed → seats allocated → confirmed, and
/// the refunds). They have their own doorbell, which `spin.toml` subscribes on its own Redis
/// connection: Spin's Redis trigger handles one message at a time per address, running every
/// component subscribed on it, so on one bell each saga hop waited for the slowest read model.
pub const SAGA_CONTEXTS: [&str; 3] = ["theater", "reservation", "payment"];

/// A doorbell: the channel that wakes a set of consumers and the flag that coalesces its rings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bell {
    pub channel: &'static str,
    pub pending: &'static str,
}

/// Every doorbell; a relay rings each (unless a ring of it is pending).
pub const BELLS: [Bell; 2] = [
    Bell {
        channel: SAGA_DOORBELL,
        pending: SAGA_DOORBELL_PENDING,
    },
    Bell {
        channel: DOORBELL,
        pending: DOORBELL_PENDING,
    },
];

/// The doorbell that wakes `group`'s consumer.
pub fn bell_of(group: &str) -> Bell {
    if SAGA_CONTEXTS.contains(&group) {
        BELLS[0]
    } else {
        BELLS[1]
    }
}

/// Rings every doorbell (the operator's relay, a replayed dead letter): each consumer wakes and
/// catches up.
///
/// # Errors
/// Redis unreachable.
pub fn ring_all(redis: &spin_sdk::redis::Connection) -> Result<(), spin_sdk::redis::Error> {
    for bell in BELLS {
        redis.publish(bell.channel, b"wake".as_ref())?;
    }
    Ok(())
}
pub use cinema_http::{DEFAULT_REDIS_ADDRESS, redis_address};

/// The text of a script's string reply (a bulk string or a status); `None` for anything else.
pub(crate) fn reply_text(reply: Option<&spin_sdk::redis::RedisResult>) -> Option<String> {
    match reply? {
        spin_sdk::redis::RedisResult::Binary(b) => Some(String::from_utf8_lossy(b).into_owned()),
        spin_sdk::redis::RedisResult::Status(s) => Some(s.clone()),
        _ => None,
    }
}

/// The Redis connection to `address` for this invocation. Spin's outbound Redis connects afresh
/// for every `Connection::open` (a TCP connection each time: a consumer's wake-up that drained,
/// relayed and checked a flag opened three; see bench/ANALYSIS.md), while a component instance
/// lives for one invocation: so the first open is kept for the instance's lifetime and shared by
/// the outbox relay, the consumer, the periodic flags and the doorbell. A failed open is not
/// kept.
///
/// # Errors
/// Redis unreachable.
pub fn redis(
    address: &str,
) -> Result<std::rc::Rc<spin_sdk::redis::Connection>, spin_sdk::redis::Error> {
    use std::cell::RefCell;
    use std::rc::Rc;
    type Open = Vec<(String, Rc<spin_sdk::redis::Connection>)>;
    thread_local! {
        static OPEN: RefCell<Open> = const { RefCell::new(Vec::new()) };
    }
    OPEN.with(|open| {
        if let Some((_, connection)) = open.borrow().iter().find(|(a, _)| a == address) {
            return Ok(connection.clone());
        }
        let connection = Rc::new(cinema_http::timing::time("redis-connect", || {
            spin_sdk::redis::Connection::open(address)
        })?);
        open.borrow_mut()
            .push((address.to_string(), connection.clone()));
        Ok(connection)
    })
}

/// Whether a periodic job is due: sets the Redis flag `key` for `every_ms` unless it is set
/// (another wake-up did the job recently). `false` when Redis is unreachable.
pub fn due(redis_address: &str, key: &str, every_ms: i64) -> bool {
    let set = redis(redis_address).and_then(|redis| {
        redis.execute(
            "SET",
            &[
                bin(key),
                bin("1"),
                bin("NX"),
                bin("PX"),
                spin_sdk::redis::RedisParameter::Int64(every_ms),
            ],
        )
    });
    // `SET … NX` answers OK when it set the flag, nil when it was set already.
    matches!(
        set.as_deref(),
        Ok([spin_sdk::redis::RedisResult::Status(_), ..])
    )
}

/// Where events no consumer could process are parked ([`dead_letters`]).
pub const DEAD_LETTERS: &str = "cinema:events:dead";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("sqlite: {0}")]
    Sqlite(String),
    #[error("redis: {0}")]
    Redis(String),
    #[error("key-value: {0}")]
    KeyValue(String),
    #[error("{0}")]
    Other(String),
}

impl From<spin_sdk::sqlite3::Error> for Error {
    fn from(e: spin_sdk::sqlite3::Error) -> Self {
        Self::Sqlite(format!("{e:?}"))
    }
}

impl From<spin_sdk::redis::Error> for Error {
    fn from(e: spin_sdk::redis::Error) -> Self {
        Self::Redis(format!("{e:?}"))
    }
}

/// A Redis argument from text.
pub(crate) fn bin(s: &str) -> spin_sdk::redis::RedisParameter {
    spin_sdk::redis::RedisParameter::Binary(s.as_bytes().to_vec())
}

/// Metadata that travels with every event of one causal chain.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub correlation_id: String,
    pub causation_id: Option<String>,
    pub reservation_id: Option<String>,
    pub reservation_version: Option<u64>,
}

impl Meta {
    pub fn new(correlation_id: impl Into<String>) -> Self {
        Self {
            correlation_id: correlation_id.into(),
            ..Self::default()
        }
    }

    /// The metadata for events caused by `cause`.
    pub fn caused_by(cause: &Envelope) -> Self {
        Self {
            correlation_id: cause.correlation_id.clone(),
            causation_id: Some(cause.event_id.clone()),
            reservation_id: cause.reservation_id.clone(),
            reservation_version: None,
        }
    }

    pub fn reservation(mut self, id: impl Into<String>, version: Option<u64>) -> Self {
        self.reservation_id = Some(id.into());
        self.reservation_version = version;
        self
    }
}

/// Wraps a payload in a new envelope (fresh id, current time).
pub fn envelope(source: &str, meta: &Meta, data: EventData) -> Envelope {
    Envelope {
        event_id: cinema_http::new_id(),
        type_: data.type_name().to_string(),
        version: SCHEMA_VERSION,
        occurred_at: cinema_http::now_rfc3339(),
        correlation_id: meta.correlation_id.clone(),
        causation_id: meta.causation_id.clone(),
        reservation_id: meta.reservation_id.clone(),
        reservation_version: meta.reservation_version,
        source: source.to_string(),
        data,
    }
}
