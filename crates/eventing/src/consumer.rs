//! Draining a consumer group: the Redis-triggered side of every consuming context.

use cinema_events::{Envelope, PayloadSet};
use spin_sdk::redis::{Connection as Redis, RedisParameter};

use crate::dead_letters::{self, Failure, Failures};
use crate::{Error, STREAM, bin};

/// Clears the doorbell's pending flag `KEYS[2]` (every event appended from now on rings again,
/// see `outbox::relay`), claims entries left pending whose back-off has passed (an entry that
/// failed, or whose consumer crashed, after `n` deliveries waits `ARGV[4]` ms × 2^(n-1), at most
/// `ARGV[5]` ms), then reads new ones, and returns `[[id, json, deliveries], ...]` as one JSON
/// string (`deliveries` counts this one).
const FETCH: &str = r#"
local stream = KEYS[1]
local group, consumer, count = ARGV[1], ARGV[2], tonumber(ARGV[3])
local base, cap = tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('DEL', KEYS[2])
pcall(redis.call, 'XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
local out = {}
-- Look further than `count`: entries still backing off must not hide the due ones behind them.
local pending = redis.call('XPENDING', stream, group, 'IDLE', base, '-', '+', count * 4)
for _, p in ipairs(pending) do
  if #out >= count then break end
  local id, idle, n = p[1], tonumber(p[3]), tonumber(p[4])
  if idle >= math.min(base * 2 ^ (n - 1), cap) then
    local claimed = redis.call('XCLAIM', stream, group, consumer, 0, id)
    if claimed[1] and claimed[1][2] then
      table.insert(out, {id, claimed[1][2][2], n + 1})
    else
      -- Trimmed from the stream meanwhile: nothing left to deliver.
      redis.call('XACK', stream, group, id)
    end
  end
end
if #out < count then
  local fresh = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count - #out, 'STREAMS', stream, '>')
  if fresh then
    for _, entry in ipairs(fresh[1][2]) do
      if entry[2] then table.insert(out, {entry[1], entry[2][2], 1}) end
    end
  end
end
if #out == 0 then return '[]' end
return cjson.encode(out)
"#;

/// The Spin variable bounding deliveries of a failing entry (default 10).
pub const MAX_ATTEMPTS_VARIABLE: &str = "event_max_attempts";
/// The Spin variable for the first retry's wait, and how long an unacknowledged entry waits
/// before another consumer takes it over (default 30000 ms).
pub const RETRY_BACKOFF_VARIABLE: &str = "event_retry_backoff_ms";
/// The longest wait between two tries of a failing entry.
pub const MAX_BACKOFF_MS: u64 = 300_000;

/// One context's consumer group.
pub struct Consumer<'a> {
    pub redis_address: &'a str,
    /// The consumer group: one per context (`theater`, `mypage`…); replicas share it.
    pub group: &'a str,
    /// Entries left unacknowledged this long are taken over by the next drain; a failed entry
    /// waits this long times 2^(deliveries-1), at most [`MAX_BACKOFF_MS`], before its next try.
    pub reclaim_idle_ms: u64,
    /// Deliveries before an entry whose handler keeps failing is dead-lettered
    /// (`event_max_attempts`).
    pub max_attempts: u32,
    pub batch: u32,
    /// Upper bound on batches per wake-up, so one invocation cannot run forever.
    pub max_batches: u32,
}

#[derive(Debug, Default, PartialEq)]
pub struct DrainReport {
    pub handled: usize,
    pub failed: usize,
    pub dead_lettered: usize,
}

impl DrainReport {
    /// Logs a drain that left events to retry or dead-lettered some (a clean drain logs nothing).
    pub fn log_trouble(&self, context: &str) {
        if self.failed > 0 || self.dead_lettered > 0 {
            cinema_http::log(
                context,
                cinema_http::Level::Warn,
                &format!(
                    "drained: {} handled, {} to retry, {} dead-lettered",
                    self.handled, self.failed, self.dead_lettered
                ),
                &[],
            );
        }
    }
}

impl<'a> Consumer<'a> {
    pub fn new(redis_address: &'a str, group: &'a str) -> Self {
        let setting = |name: &str, default: u64| {
            cinema_http::variable_or(name, "")
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|v| *v > 0)
                .unwrap_or(default)
        };
        Self {
            redis_address,
            group,
            reclaim_idle_ms: setting(RETRY_BACKOFF_VARIABLE, 30_000),
            max_attempts: u32::try_from(setting(MAX_ATTEMPTS_VARIABLE, 10)).unwrap_or(10),
            batch: 100,
            max_batches: 50,
        }
    }

    /// Handles every available entry whose type is in `P` (the other types of the contract are
    /// acknowledged unread and count as handled: this context has nothing to do for them).
    /// `handle` returns `Err` only for failures worth retrying (storage unavailable…): the entry
    /// then stays pending and is retried after `reclaim_idle_ms`. Business outcomes (an event
    /// that changes nothing) are `Ok`. Entries that are not envelopes of the contract go to the
    /// dead letters.
    ///
    /// # Errors
    /// Redis unreachable.
    pub fn drain<P: PayloadSet, E: std::fmt::Display>(
        &self,
        context: &str,
        handle: impl FnMut(&Envelope) -> Result<(), E>,
    ) -> Result<DrainReport, Error> {
        self.drain_batched::<P, E>(context, handle, || Ok(()))
    }

    /// [`Consumer::drain`] with `before_ack` run after each batch's events were handled and before
    /// they are acknowledged: the place to write what the handler kept for the whole batch (a
    /// [`crate::inbox::KvInbox`]). If it fails, the batch's handled entries stay pending (they are
    /// delivered again later) and the drain stops.
    ///
    /// # Errors
    /// Redis unreachable.
    pub fn drain_batched<P: PayloadSet, E: std::fmt::Display>(
        &self,
        context: &str,
        mut handle: impl FnMut(&Envelope) -> Result<(), E>,
        mut before_ack: impl FnMut() -> Result<(), E>,
    ) -> Result<DrainReport, Error> {
        let redis = crate::redis(self.redis_address)?;
        let failures = Failures::of(self.group);
        let mut report = DrainReport::default();
        for round in 0..self.max_batches {
            let entries = self.fetch(&redis)?;
            if entries.is_empty() {
                break;
            }
            if round + 1 == self.max_batches && entries.len() == self.batch as usize {
                // Stopping with more to read: ring again so the rest is not left waiting for
                // the next event or the operator's relay.
                redis.publish(crate::bell_of(self.group).channel, b"wake".as_ref())?;
            }
            // Entries whose acknowledgement does not depend on `before_ack`: other contexts'
            // types and dead letters.
            let mut settled = Vec::new();
            let mut handled = Vec::new();
            let mut any_failed = false;
            for (id, json, deliveries) in entries {
                match Envelope::from_json_in::<P>(&json) {
                    Ok(None) => {
                        report.handled += 1;
                        settled.push(id);
                    }
                    Ok(Some(event)) => match handle(&event) {
                        Ok(()) => {
                            if deliveries > 1 {
                                failures.forget(&redis, &id)?;
                            }
                            handled.push(id);
                        }
                        Err(e) => {
                            let failure = failures.record(&redis, &id, &e.to_string())?;
                            let fields = [
                                ("correlation_id", event.correlation_id.as_str()),
                                ("event_type", event.type_.as_str()),
                            ];
                            if deliveries >= self.max_attempts {
                                dead_letters::park(
                                    &redis, self.group, &id, &json, &failure, deliveries,
                                )?;
                                failures.forget(&redis, &id)?;
                                report.dead_lettered += 1;
                                settled.push(id);
                                cinema_http::log(
                                    context,
                                    cinema_http::Level::Error,
                                    &format!(
                                        "event {} dead-lettered after {deliveries} attempts: {e}",
                                        event.event_id
                                    ),
                                    &fields,
                                );
                            } else {
                                report.failed += 1;
                                any_failed = true;
                                cinema_http::log(
                                    context,
                                    cinema_http::Level::Warn,
                                    &format!(
                                        "event {} will be retried (attempt {deliveries} of {}): {e}",
                                        event.event_id, self.max_attempts
                                    ),
                                    &fields,
                                );
                            }
                        }
                    },
                    Err(e) => {
                        let failure = Failure::now(&e.to_string());
                        dead_letters::park(&redis, self.group, &id, &json, &failure, deliveries)?;
                        report.dead_lettered += 1;
                        settled.push(id);
                    }
                }
            }
            match before_ack() {
                Ok(()) => {
                    report.handled += handled.len();
                    settled.append(&mut handled);
                }
                Err(e) => {
                    report.failed += handled.len();
                    any_failed = true;
                    cinema_http::log(
                        context,
                        cinema_http::Level::Warn,
                        &format!("{} handled events will be retried: {e}", handled.len()),
                        &[],
                    );
                }
            }
            self.ack(&redis, &settled)?;
            if any_failed {
                // Retrying now would likely fail the same way; the entry waits for a later wake-up.
                break;
            }
        }
        Ok(report)
    }

    fn fetch(&self, redis: &Redis) -> Result<Vec<(String, String, u32)>, Error> {
        let reply = redis.execute(
            "EVAL",
            &[
                bin(FETCH),
                RedisParameter::Int64(2),
                bin(STREAM),
                bin(crate::bell_of(self.group).pending),
                bin(self.group),
                bin(self.group),
                RedisParameter::Int64(i64::from(self.batch)),
                RedisParameter::Int64(i64::try_from(self.reclaim_idle_ms).unwrap_or(i64::MAX)),
                RedisParameter::Int64(MAX_BACKOFF_MS as i64),
            ],
        )?;
        let text = crate::reply_text(reply.first())
            .ok_or_else(|| Error::Redis(format!("unexpected EVAL reply {:?}", reply.first())))?;
        // cjson encodes an empty Lua table as `{}`.
        if text == "[]" || text == "{}" {
            return Ok(Vec::new());
        }
        serde_json::from_slice::<Vec<(String, String, u32)>>(text.as_bytes())
            .map_err(|e| Error::Redis(format!("bad EVAL reply: {e}")))
    }

    fn ack(&self, redis: &Redis, ids: &[String]) -> Result<(), Error> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut args = vec![bin(STREAM), bin(self.group)];
        args.extend(ids.iter().map(|id| bin(id)));
        redis.execute("XACK", &args)?;
        Ok(())
    }
}
