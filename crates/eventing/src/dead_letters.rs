//! Events no handler could process end here, where an operator sees and replays them: nothing
//! is dropped silently.
//!
//! - A handler that keeps failing ([`crate::consumer`]): its failures are tracked per consumer
//!   group (`cinema:events:failures:{group}`, first and last failure, last error); after
//!   `event_max_attempts` deliveries the entry is parked in [`DEAD_LETTERS`] and acknowledged.
//! - An entry that is not an envelope of the contract is parked at once.
//!
//! Every consuming context's private HTTP API serves its own group's letters ([`serve`]):
//! `GET /admin/events/dead-letters` and `POST /admin/events/dead-letters/{event_id}/retry`,
//! which appends the envelope to the event stream again (every group sees it again; the others'
//! inboxes absorb it) and removes the letter. The gateway fans the list out over the contexts.

use cinema_http::{ApiError, Level, RequestContext, json};
use serde::{Deserialize, Serialize};
use spin_sdk::http::{Method, Response};
use spin_sdk::redis::Connection as Redis;

use crate::{DEAD_LETTERS, Error, STREAM, bin};

/// How long a failure record outlives its last failure (an entry acknowledged some other way
/// leaves none behind for longer).
const FAILURE_TTL_S: i64 = 7 * 24 * 3600;

/// The failures of one entry so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub first_failure: String,
    pub last_failure: String,
    pub error: String,
}

impl Failure {
    pub fn now(error: &str) -> Self {
        let now = cinema_http::now_rfc3339();
        Self {
            first_failure: now.clone(),
            last_failure: now,
            error: error.to_string(),
        }
    }
}

/// Records a failure of entry `ARGV[1]` in hash `KEYS[1]`, keeping the first failure's time.
const RECORD: &str = r#"
local now, err = ARGV[2], ARGV[3]
local first = now
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local ok, decoded = pcall(cjson.decode, old)
  if ok and decoded.first_failure then first = decoded.first_failure end
end
local record = cjson.encode({first_failure = first, last_failure = now, error = err})
redis.call('HSET', KEYS[1], ARGV[1], record)
redis.call('EXPIRE', KEYS[1], ARGV[4])
return record
"#;

/// One consumer group's failure records.
pub struct Failures(String);

impl Failures {
    pub fn of(group: &str) -> Self {
        Self(format!("cinema:events:failures:{group}"))
    }

    /// Notes a failed try of `id`; returns the record with the first failure's time.
    ///
    /// # Errors
    /// Redis unreachable.
    pub fn record(&self, redis: &Redis, id: &str, error: &str) -> Result<Failure, Error> {
        let now = Failure::now(error);
        let reply = redis.execute(
            "EVAL",
            &[
                bin(RECORD),
                spin_sdk::redis::RedisParameter::Int64(1),
                bin(&self.0),
                bin(id),
                bin(&now.last_failure),
                bin(error),
                spin_sdk::redis::RedisParameter::Int64(FAILURE_TTL_S),
            ],
        )?;
        Ok(crate::reply_text(reply.first())
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(now))
    }

    /// The entry succeeded or was parked: its record goes.
    ///
    /// # Errors
    /// Redis unreachable.
    pub fn forget(&self, redis: &Redis, id: &str) -> Result<(), Error> {
        redis.execute("HDEL", &[bin(&self.0), bin(id)])?;
        Ok(())
    }
}

/// Parks an entry in [`DEAD_LETTERS`] (the caller acknowledges it).
///
/// # Errors
/// Redis unreachable.
pub fn park(
    redis: &Redis,
    group: &str,
    id: &str,
    json: &str,
    failure: &Failure,
    attempts: u32,
) -> Result<(), Error> {
    redis.execute(
        "XADD",
        &[
            bin(DEAD_LETTERS),
            bin("*"),
            bin("id"),
            bin(id),
            bin("group"),
            bin(group),
            bin("e"),
            bin(json),
            bin("reason"),
            bin(&failure.error),
            bin("attempts"),
            bin(&attempts.to_string()),
            bin("first_failure"),
            bin(&failure.first_failure),
            bin("last_failure"),
            bin(&failure.last_failure),
        ],
    )?;
    Ok(())
}

/// A parked event, as the operations API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub context: String,
    /// The envelope's `event_id` (the stream entry id when the entry is not an envelope).
    pub event_id: String,
    #[serde(rename = "type")]
    pub type_: Option<String>,
    /// The booking the event is about, when it names one.
    pub reservation_id: Option<String>,
    pub error: String,
    pub attempts: u32,
    pub first_failure: Option<String>,
    pub last_failure: Option<String>,
    /// The entry's id in the event stream, and the letter's in the dead-letter stream.
    pub stream_id: String,
    pub letter_id: String,
}

/// Every letter of group `ARGV[1]` (oldest first), each as `{letter_id, fields...}`, plus the
/// envelope's `event_id` and `type` when it parses; with `ARGV[2]` set, only the letter of that
/// event, after appending it to the event stream again and removing it (a retry).
const LETTERS: &str = r#"
local group, retry = ARGV[1], ARGV[2]
local out = {}
for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
  local f = {}
  for i = 1, #entry[2], 2 do f[entry[2][i]] = entry[2][i + 1] end
  if f.group == group then
    local event_id, type_, reservation_id = f.id, nil, nil
    local ok, envelope = pcall(cjson.decode, f.e or '')
    if ok and type(envelope) == 'table' then
      if type(envelope.event_id) == 'string' then event_id = envelope.event_id end
      if type(envelope.type) == 'string' then type_ = envelope.type end
      if type(envelope.reservation_id) == 'string' then reservation_id = envelope.reservation_id end
    end
    local letter = {letter_id = entry[1], stream_id = f.id, event_id = event_id, type = type_,
      reservation_id = reservation_id,
      error = f.reason or '', attempts = tonumber(f.attempts or '1'),
      first_failure = f.first_failure, last_failure = f.last_failure, context = group}
    if retry == '' then
      table.insert(out, letter)
    elseif event_id == retry then
      redis.call('XADD', KEYS[2], '*', 'e', f.e)
      redis.call('XDEL', KEYS[1], entry[1])
      redis.call('PUBLISH', ARGV[3], 'wake')
      table.insert(out, letter)
      break
    end
  end
end
if #out == 0 then return '[]' end
return cjson.encode(out)
"#;

fn letters(redis: &Redis, group: &str, retry: &str) -> Result<Vec<DeadLetter>, Error> {
    let reply = redis.execute(
        "EVAL",
        &[
            bin(LETTERS),
            spin_sdk::redis::RedisParameter::Int64(2),
            bin(DEAD_LETTERS),
            bin(STREAM),
            bin(group),
            bin(retry),
            // The re-added entry is for `group`: its doorbell wakes it.
            bin(crate::bell_of(group).channel),
        ],
    )?;
    let body = crate::reply_text(reply.first()).unwrap_or_default();
    // cjson encodes an empty Lua table as `{}`.
    if body == "[]" || body == "{}" {
        return Ok(Vec::new());
    }
    serde_json::from_str(&body).map_err(|e| Error::Redis(format!("bad dead-letter reply: {e}")))
}

/// Group `group`'s dead letters, oldest first.
///
/// # Errors
/// Redis unreachable.
pub fn list(redis: &Redis, group: &str) -> Result<Vec<DeadLetter>, Error> {
    letters(redis, group, "")
}

/// Appends the envelope of group `group`'s letter for `event_id` to the event stream again,
/// removes the letter and rings the doorbell; the letter, or `None` when there is none.
///
/// # Errors
/// Redis unreachable.
pub fn retry(redis: &Redis, group: &str, event_id: &str) -> Result<Option<DeadLetter>, Error> {
    Ok(letters(redis, group, event_id)?.into_iter().next())
}

/// The routes on every consuming context's private HTTP API.
pub const PATH: &str = "/admin/events/dead-letters";

/// Answers `GET /admin/events/dead-letters` and `POST /admin/events/dead-letters/{event_id}/retry`
/// (`rest` is the path after [`PATH`]) for `context`'s consumer group; admin only.
///
/// # Errors
/// 403 without the admin role, 404 for an unknown letter or path, 405 for another method,
/// 503 `events_unavailable` when Redis is unreachable.
pub fn serve(
    context: &str,
    method: &Method,
    rest: &str,
    ctx: &RequestContext,
) -> Result<Response, ApiError> {
    ctx.require_admin()?;
    let unavailable = |e: Error| {
        cinema_http::log(
            context,
            Level::Warn,
            &format!("dead letters unavailable: {e}"),
            &[("correlation_id", ctx.correlation_id.as_str())],
        );
        ApiError::unavailable(
            "events_unavailable",
            "the event stream is unreachable; retry shortly",
            5,
        )
    };
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    match (segments.as_slice(), method) {
        ([], Method::Get) => {
            let redis = crate::redis(&crate::redis_address()).map_err(|e| unavailable(e.into()))?;
            Ok(json(200, &list(&redis, context).map_err(unavailable)?))
        }
        ([event_id, "retry"], Method::Post) => {
            let redis = crate::redis(&crate::redis_address()).map_err(|e| unavailable(e.into()))?;
            match retry(&redis, context, event_id).map_err(unavailable)? {
                Some(letter) => {
                    cinema_http::log(
                        context,
                        Level::Warn,
                        &format!("dead letter {event_id} replayed by an operator"),
                        &[("correlation_id", ctx.correlation_id.as_str())],
                    );
                    Ok(json(200, &letter))
                }
                None => Err(ApiError::not_found(format!(
                    "no dead letter for event {event_id} in {context}"
                ))),
            }
        }
        ([], _) => Err(ApiError::method_not_allowed("GET")),
        ([_, "retry"], _) => Err(ApiError::method_not_allowed("POST")),
        _ => Err(ApiError::not_found("no such route")),
    }
}
