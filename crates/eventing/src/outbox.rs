//! The transactional outbox and its relay to Redis.

use cinema_events::Envelope;
use spin_sdk::redis::{Connection as Redis, RedisParameter};
use spin_sdk::sqlite3::Connection;

use crate::sql::{exec, int, text};
use crate::{DOORBELL, Error, STREAM};

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

/// Adds an event to the outbox. Call inside the transaction that makes the state change.
///
/// # Errors
/// The database's.
pub fn append(conn: &Connection, event: &Envelope) -> Result<(), Error> {
    exec(
        conn,
        "INSERT INTO outbox (event_id, envelope, created_at) VALUES (?, ?, ?)",
        &[
            text(&event.event_id),
            text(event.to_json()),
            text(&event.occurred_at),
        ],
    )?;
    Ok(())
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
    let rows: Vec<(i64, String)> = pending
        .rows()
        .filter_map(|r| Some((r.get::<i64>("seq")?, r.get::<&str>("envelope")?.to_string())))
        .collect();
    if rows.is_empty() {
        return Ok(0);
    }
    let redis = Redis::open(redis_address)?;
    for (seq, envelope) in &rows {
        redis.execute(
            "XADD",
            &[
                RedisParameter::Binary(STREAM.as_bytes().to_vec()),
                RedisParameter::Binary(b"MAXLEN".to_vec()),
                RedisParameter::Binary(b"~".to_vec()),
                RedisParameter::Int64(STREAM_MAX_LEN),
                RedisParameter::Binary(b"*".to_vec()),
                RedisParameter::Binary(b"e".to_vec()),
                RedisParameter::Binary(envelope.as_bytes().to_vec()),
            ],
        )?;
        exec(
            conn,
            "UPDATE outbox SET relayed_at = ? WHERE seq = ?",
            &[text(cinema_http::now_rfc3339()), int(*seq)],
        )?;
    }
    redis.publish(DOORBELL, b"wake".as_ref())?;
    Ok(rows.len())
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
