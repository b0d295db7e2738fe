//! The transactional outbox and its relay to Redis.
//!
//! A row goes through three states: pending (`relayed_at` NULL) → relayed (sent with `XADD`;
//! `stream_last` is the stream id of the last entry of its relay batch) → confirmed
//! (`confirmed_at`: every consumer group has read and acknowledged it). Redis acknowledges an
//! `XADD` before its append-only file reaches the disk (`appendfsync everysec`), and a Redis
//! without persistence forgets everything when it restarts, so a relayed row is not done yet:
//! [`republish_lost`], on the operator's relay tick, sends again every relayed row whose batch
//! is no longer in the stream, and confirms those every group has handled. Redis persists in
//! order (the AOF and RDB both hold a prefix of what was acknowledged), so a batch is in the
//! stream exactly when its last entry is.

use cinema_events::{Envelope, PayloadSet};
use spin_sdk::redis::{RedisParameter, RedisResult};
use spin_sdk::sqlite3::Connection;

use crate::sql::{exec, int, text};
use crate::{BELLS, Error, STREAM, bin};

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
    let columns = exec(conn, "SELECT name FROM pragma_table_info('outbox')", &[])?;
    let has = |name: &str| columns.rows().any(|r| r.get::<&str>("name") == Some(name));
    for (column, ddl) in [
        (
            "stream_last",
            "ALTER TABLE outbox ADD COLUMN stream_last TEXT",
        ),
        (
            "confirmed_at",
            "ALTER TABLE outbox ADD COLUMN confirmed_at TEXT",
        ),
    ] {
        if !has(column) {
            exec(conn, ddl, &[])?;
        }
    }
    exec(
        conn,
        "CREATE INDEX IF NOT EXISTS outbox_unconfirmed ON outbox (stream_last)
         WHERE relayed_at IS NOT NULL AND confirmed_at IS NULL",
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

/// The answer of an operator's `POST /admin/events/relay`: rows sent now, rows still waiting,
/// old rows pruned.
#[derive(Debug, serde::Serialize)]
pub struct RelayAnswer {
    pub relayed: usize,
    pub pending: i64,
    pub pruned: usize,
}

/// The operator's relay tick on one publishing context (`POST /admin/events/relay`, once a
/// minute in a cluster): [`relay_all_and_ring`], then [`crate::retention::prune`] with the
/// context's own rules besides the common ones.
///
/// # Errors
/// As [`relay_all_and_ring`]; the database's.
pub fn tick(
    conn: &Connection,
    redis_address: &str,
    retention: &[crate::retention::Rule],
) -> Result<RelayAnswer, Error> {
    let relayed = relay_all_and_ring(conn, redis_address)?;
    let cutoff = crate::retention::cutoff(crate::retention::days());
    let pruned = crate::retention::prune(conn, &cutoff, retention)?;
    Ok(RelayAnswer {
        relayed,
        pending: pending_count(conn)?,
        pruned,
    })
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

/// Appends the envelopes (`ARGV` after the channels) to the stream (`KEYS[1]`) and rings each
/// doorbell (pending flag `KEYS[1 + b]`, channel `ARGV[2 + b]`) unless a ring of it is already
/// pending, all in one round trip. A pending flag (expiring after `ARGV[2]` ms) is cleared by every consumer before it reads (see [`crate::consumer`]): an event appended
/// while the flag is set is read by a drain that has not started yet, so a burst of relays rings
/// once instead of once per relay, without a lost wake-up. A ring that reached no subscriber
/// clears the flag at once; the expiry bounds the wait if a delivered ring is lost (a consumer
/// host crashing before its consumers ran): events relayed meanwhile are read by the next ring.
const RELAY: &str = r#"
local stream = KEYS[1]
local maxlen, ttl = ARGV[1], ARGV[2]
local bells = #KEYS - 1
local last
for i = 3 + bells, #ARGV do
  last = redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 'e', ARGV[i])
end
for b = 1, bells do
  local flag, channel = KEYS[1 + b], ARGV[2 + b]
  if redis.call('SET', flag, '1', 'NX', 'PX', ttl) then
    if redis.call('PUBLISH', channel, 'wake') == 0 then
      -- Nobody subscribed (consumers restarting): no ring is on its way, so do not hold one back.
      redis.call('DEL', flag)
    end
  end
end
return last
"#;

/// For each relayed batch (`ARGV`: the stream id of its last entry): 2 when every consumer group
/// has read and acknowledged it (the row can be confirmed), 1 when it is in the stream but not
/// handled by every group yet, 0 when it is gone (Redis lost it: send it again). A stream that
/// no longer exists has lost everything.
const VERIFY: &str = r#"
local stream = KEYS[1]
local out = {}
local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', stream)
if not ok then
  for i = 1, #ARGV do out[i] = 0 end
  return out
end
local function before_or_at(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or (am == bm and as <= bs)
end
local floors = {}
for _, g in ipairs(groups) do
  local name, last
  for j = 1, #g, 2 do
    if g[j] == 'name' then name = g[j + 1] elseif g[j] == 'last-delivered-id' then last = g[j + 1] end
  end
  local pending = redis.call('XPENDING', stream, name)
  floors[#floors + 1] = { last = last, oldest_pending = (pending[1] > 0) and pending[2] or nil }
end
for i = 1, #ARGV do
  local id = ARGV[i]
  local handled = #floors > 0
  for _, f in ipairs(floors) do
    if not before_or_at(id, f.last) or (f.oldest_pending and before_or_at(f.oldest_pending, id)) then
      handled = false
    end
  end
  if handled then
    out[i] = 2
  elseif #redis.call('XRANGE', stream, id, id) > 0 then
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
"#;

/// Relayed batches checked per [`republish_lost`] call, at each end: the oldest (a total loss is
/// repaired from the start) and the newest (what a crash loses is the last writes, and the
/// oldest may be held up by a consumer group that is down).
const VERIFY_BATCHES: i64 = 100;

/// How long a rung doorbell suppresses further rings when no consumer clears it.
pub const DOORBELL_PENDING_MS: i64 = 1_000;

/// Sends pending outbox rows (oldest first, at most `limit`) to the stream, rings the doorbell
/// and marks them relayed. Returns how many were relayed.
///
/// # Errors
/// Redis unreachable (the rows stay pending) or a database error.
pub fn relay(conn: &Connection, redis_address: &str, limit: i64) -> Result<usize, Error> {
    let pending = cinema_http::timing::time("relay-select", || {
        exec(
            conn,
            "SELECT seq, envelope FROM outbox WHERE relayed_at IS NULL ORDER BY seq LIMIT ?",
            &[int(limit)],
        )
    })?;
    let mut first = None;
    let mut last = 0;
    let mut count = 0;
    let mut args = vec![RedisParameter::Int64(1 + BELLS.len() as i64), bin(STREAM)];
    args.extend(BELLS.iter().map(|b| bin(b.pending)));
    args.extend([
        RedisParameter::Int64(STREAM_MAX_LEN),
        RedisParameter::Int64(DOORBELL_PENDING_MS),
    ]);
    args.extend(BELLS.iter().map(|b| bin(b.channel)));
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
    let redis = crate::redis(redis_address)?;
    let reply = cinema_http::timing::time("relay-eval", || {
        redis.execute("EVAL", &[vec![bin(RELAY)], args].concat())
    })?;
    let stream_last = crate::reply_text(reply.first())
        .ok_or_else(|| Error::Redis(format!("relay answered {:?}", reply.first())))?;
    // Rows are numbered in commit order under SQLite's single writer, so the selected rows are
    // exactly the pending ones in [first, last].
    cinema_http::timing::time("relay-mark", || {
        exec(
            conn,
            "UPDATE outbox SET relayed_at = ?, stream_last = ?
             WHERE relayed_at IS NULL AND seq BETWEEN ? AND ?",
            &[
                text(cinema_http::now_rfc3339()),
                text(stream_last),
                int(first),
                int(last),
            ],
        )
    })?;
    Ok(count)
}

/// What [`republish_lost`] found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    /// Relayed batches every consumer group has handled: their rows are now confirmed.
    pub confirmed: usize,
    /// Relayed batches Redis no longer has: their rows are pending again (the next relay sends
    /// them; consumers' inboxes absorb any copy they had already handled).
    pub lost: usize,
}

/// Checks the relayed, unconfirmed rows against the stream (the oldest and the newest batches):
/// confirms
/// the batches every consumer group has handled, and puts back to pending the batches Redis
/// lost, for [`relay`] to send again.
///
/// # Errors
/// Redis unreachable or a database error (nothing changes).
pub fn republish_lost(conn: &Connection, redis_address: &str) -> Result<Verification, Error> {
    let batches = exec(
        conn,
        "SELECT stream_last FROM (SELECT stream_last FROM outbox
           WHERE relayed_at IS NOT NULL AND confirmed_at IS NULL AND stream_last IS NOT NULL
           GROUP BY stream_last ORDER BY MIN(seq) LIMIT ?)
         UNION
         SELECT stream_last FROM (SELECT stream_last FROM outbox
           WHERE relayed_at IS NOT NULL AND confirmed_at IS NULL AND stream_last IS NOT NULL
           GROUP BY stream_last ORDER BY MIN(seq) DESC LIMIT ?)",
        &[int(VERIFY_BATCHES), int(VERIFY_BATCHES)],
    )?;
    let ids: Vec<String> = batches
        .rows()
        .filter_map(|r| r.get::<&str>("stream_last").map(str::to_string))
        .collect();
    let mut found = Verification::default();
    if ids.is_empty() {
        return Ok(found);
    }
    let mut args = vec![bin(VERIFY), RedisParameter::Int64(1), bin(STREAM)];
    args.extend(ids.iter().map(|id| bin(id)));
    let states = crate::redis(redis_address)?.execute("EVAL", &args)?;
    let now = cinema_http::now_rfc3339();
    crate::sql::transaction(conn, |c| -> Result<(), Error> {
        for (id, state) in ids.iter().zip(&states) {
            match state {
                RedisResult::Int64(2) => {
                    exec(
                        c,
                        "UPDATE outbox SET confirmed_at = ? WHERE stream_last = ? AND confirmed_at IS NULL",
                        &[text(&now), text(id)],
                    )?;
                    found.confirmed += 1;
                }
                RedisResult::Int64(0) => {
                    exec(
                        c,
                        "UPDATE outbox SET relayed_at = NULL, stream_last = NULL
                         WHERE stream_last = ? AND confirmed_at IS NULL",
                        &[text(id)],
                    )?;
                    found.lost += 1;
                }
                _ => {}
            }
        }
        Ok(())
    })?;
    Ok(found)
}

/// Sends again what Redis lost ([`republish_lost`]), relays every pending row and then rings
/// the doorbell even if nothing was pending, so every consumer wakes up and drains what it
/// missed (the operator's `POST /api/admin/events/relay`, once a minute in a cluster).
///
/// # Errors
/// As [`relay`].
pub fn relay_all_and_ring(conn: &Connection, redis_address: &str) -> Result<usize, Error> {
    let verification = republish_lost(conn, redis_address)?;
    if verification.lost > 0 {
        cinema_http::log(
            "eventing",
            cinema_http::Level::Warn,
            &format!(
                "{} relayed event batches were missing from the stream (Redis lost data); sending them again",
                verification.lost
            ),
            &[],
        );
    }
    let mut total = 0;
    loop {
        let n = relay(conn, redis_address, 1000)?;
        total += n;
        if n < 1000 {
            break;
        }
    }
    crate::ring_all(&*crate::redis(redis_address)?)?;
    Ok(total)
}

/// How often a context's consumer checks its relayed rows against the stream on its own
/// ([`verify_now_and_then`]); the operator's relay tick checks every time.
pub const VERIFY_EVERY_MS: i64 = 5_000;

/// On a consumer's wake-up, at most every [`VERIFY_EVERY_MS`] per context (a Redis flag):
/// [`republish_lost`], then relays what it put back to pending. So a Redis that lost data is
/// repaired by the traffic itself, without waiting for the operator's relay. Never fails the
/// caller; problems are logged.
pub fn verify_now_and_then(conn: &Connection, redis_address: &str, context: &str) {
    if !crate::due(
        redis_address,
        &format!("cinema:outbox:verified:{context}"),
        VERIFY_EVERY_MS,
    ) {
        return;
    }
    match republish_lost(conn, redis_address) {
        Ok(found) if found.lost > 0 => {
            cinema_http::log(
                context,
                cinema_http::Level::Warn,
                &format!(
                    "{} relayed event batches were missing from the stream (Redis lost data); sending them again",
                    found.lost
                ),
                &[],
            );
            relay_best_effort(conn, redis_address, context, "");
        }
        Ok(_) => {}
        Err(e) => cinema_http::log(
            context,
            cinema_http::Level::Warn,
            &format!("outbox verification deferred: {e}"),
            &[],
        ),
    }
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
