//! The transactional outbox and its relay to Redis.

use cinema_events::{Envelope, PayloadSet};
use spin_sdk::redis::{Connection as Redis, RedisParameter};
use spin_sdk::sqlite3::Connection;

use crate::sql::{exec, int, text};
use crate::{DOORBELL, DOORBELL_PENDING, Error, STREAM, bin};

/// Approximate cap on the stream's length (`XADD MAXLEN ~`): old entries every consumer group has
/// long read are trimmed. Read models are rebuilt from the contexts' own stores, not the stream.
pub const STREAM_MAX_LEN: i64 = 1_000_000;

/// # Errors
/// The database's.
pub fn ensure_schema(conn: &Connection) -> Result<(), Error> {
    exec(
        conn,
        "CREATE TABLE IF NOT EXISTS outbox (
            seq        INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id   TEXT NOT NULL UNIQUE,
            envelope   TEXT NOT NULL,
            created_at TEXT NOT NULL,
            relayed_at TEXT
        )",
        &[],
    )?;
    exec(
        conn,
        "CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (seq) WHERE relayed_at IS NULL",
        &[],
    )?;
    Ok(())
}

/// Adds an event to the outbox. Call inside the transaction that makes the state change. `P` is
/// the set of types the context publishes (`cinema_events::payload_set!`).
///
/// # Errors
/// The database's; [`Error::Other`] for an event whose type is not in `P` (a programming error:
/// the transaction should roll back).
pub fn append<P: PayloadSet>(conn: &Connection, event: &Envelope) -> Result<(), Error> {
    let json = event
        .to_json_in::<P>()
        .map_err(|e| Error::Other(format!("event not published: {e}")))?;
    exec(
        conn,
        "INSERT INTO outbox (event_id, envelope, created_at) VALUES (?, ?, ?)",
        &[text(&event.event_id), text(json), text(&event.occurred_at)],
    )?;
    Ok(())
}

/// The answer of an operator's `POST /admin/outbox/relay`: rows sent now, rows still waiting.
#[derive(Debug, serde::Serialize)]
pub struct RelayAnswer {
    pub relayed: usize,
    pub pending: i64,
}

/// How many events are waiting to be relayed.
///
/// # Errors
/// The database's.
pub fn pending_count(conn: &Connection) -> Result<i64, Error> {
    let result = exec(
        conn,
        "SELECT COUNT(*) AS n FROM outbox WHERE relayed_at IS NULL",
        &[],
    )?;
    Ok(result
        .rows()
        .next()
        .and_then(|r| r.get::<i64>("n"))
        .unwrap_or(0))
}

/// Appends the envelopes `ARGV[4..]` to the stream and rings the doorbell unless a ring is
/// already pending, all in one round trip. The pending flag (`KEYS[2]`, expiring after `ARGV[3]`
/// ms) is cleared by every consumer before it reads (see [`crate::consumer`]): an event appended
/// while the flag is set is read by a drain that has not started yet, so a burst of relays rings
/// once instead of once per relay, without a lost wake-up. A ring that reached no subscriber
/// clears the flag at once; the expiry bounds the wait if a delivered ring is lost (a consumer
/// host crashing before its consumers ran): events relayed meanwhile are read by the next ring.
const RELAY: &str = r#"
local stream, flag = KEYS[1], KEYS[2]
local maxlen, channel, ttl = ARGV[1], ARGV[2], ARGV[3]
for i = 4, #ARGV do
  redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 'e', ARGV[i])
end
if redis.call('SET', flag, '1', 'NX', 'PX', ttl) then
  if redis.call('PUBLISH', channel, 'wake') == 0 then
    -- Nobody subscribed (consumers restarting): no ring is on its way, so do not hold one back.
    redis.call('DEL', flag)
  end
  return 1
end
return 0
"#;

/// How long a rung doorbell suppresses further rings when no consumer clears it.
pub const DOORBELL_PENDING_MS: i64 = 1_000;

/// Sends pending outbox rows (oldest first, at most `limit`) to the stream, rings the doorbell
/// and marks them relayed. Returns how many were relayed.
///
/// # Errors
/// Redis unreachable (the rows stay pending) or a database error.
pub fn relay(conn: &Connection, redis_address: &str, limit: i64) -> Result<usize, Error> {
    let pending = exec(
        conn,
        "SELECT seq, envelope FROM outbox WHERE relayed_at IS NULL ORDER BY seq LIMIT ?",
        &[int(limit)],
    )?;
    let mut first = None;
    let mut last = 0;
    let mut count = 0;
    let mut args = vec![
        RedisParameter::Int64(2),
        bin(STREAM),
        bin(DOORBELL_PENDING),
        RedisParameter::Int64(STREAM_MAX_LEN),
        bin(DOORBELL),
        RedisParameter::Int64(DOORBELL_PENDING_MS),
    ];
    for row in pending.rows() {
        let (Some(seq), Some(envelope)) = (row.get::<i64>("seq"), row.get::<&str>("envelope"))
        else {
            continue;
        };
        first.get_or_insert(seq);
        last = seq;
        count += 1;
        args.push(bin(envelope));
    }
    let Some(first) = first else {
        return Ok(0);
    };
    // One script: the entries and the doorbell reach Redis together or not at all.
    Redis::open(redis_address)?.execute("EVAL", &[vec![bin(RELAY)], args].concat())?;
    // Rows are numbered in commit order under SQLite's single writer, so the selected rows are
    // exactly the pending ones in [first, last].
    exec(
        conn,
        "UPDATE outbox SET relayed_at = ? WHERE relayed_at IS NULL AND seq BETWEEN ? AND ?",
        &[text(cinema_http::now_rfc3339()), int(first), int(last)],
    )?;
    Ok(count)
}

/// Relays every pending row and then rings the doorbell even if nothing was pending, so every
/// consumer wakes up and drains what it missed (the operator's `POST /api/admin/events/relay`).
///
/// # Errors
/// As [`relay`].
pub fn relay_all_and_ring(conn: &Connection, redis_address: &str) -> Result<usize, Error> {
    let mut total = 0;
    loop {
        let n = relay(conn, redis_address, 1000)?;
        total += n;
        if n < 1000 {
            break;
        }
    }
    Redis::open(redis_address)?.publish(DOORBELL, b"wake".as_ref())?;
    Ok(total)
}

/// Relays after a commit without failing the caller: the state change is already durable and the
/// rows stay pending if Redis is down; the next request or `POST /admin/events/relay` retries.
pub fn relay_best_effort(
    conn: &Connection,
    redis_address: &str,
    context: &str,
    correlation_id: &str,
) {
    if let Err(e) = relay(conn, redis_address, 100) {
        cinema_http::log(
            context,
            cinema_http::Level::Warn,
            &format!("event relay deferred: {e}"),
            &[("correlation_id", correlation_id)],
        );
    }
}
