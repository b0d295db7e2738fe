//! Draining a consumer group: the Redis-triggered side of every consuming context.

use cinema_events::{Envelope, PayloadSet};
use spin_sdk::redis::{Connection as Redis, RedisParameter, RedisResult};

use crate::{DEAD_LETTERS, DOORBELL_PENDING, Error, STREAM, bin};

/// Clears the doorbell's pending flag `KEYS[2]` (every event appended from now on rings again,
/// see `outbox::relay`), claims entries another delivery left pending for `ARGV[4]` ms (a
/// crashed or timed-out consumer), then reads new ones, and returns `[[id, json], ...]` as one
/// JSON string.
const FETCH: &str = r#"
local stream = KEYS[1]
local group, consumer, count, idle = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
redis.call('DEL', KEYS[2])
pcall(redis.call, 'XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
local out = {}
local claimed = redis.call('XAUTOCLAIM', stream, group, consumer, idle, '0-0', 'COUNT', count)
for _, entry in ipairs(claimed[2]) do
  if entry and entry[2] then table.insert(out, {entry[1], entry[2][2]}) end
end
if #out < count then
  local fresh = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count - #out, 'STREAMS', stream, '>')
  if fresh then
    for _, entry in ipairs(fresh[1][2]) do
      if entry[2] then table.insert(out, {entry[1], entry[2][2]}) end
    end
  end
end
if #out == 0 then return '[]' end
return cjson.encode(out)
"#;

/// One context's consumer group.
pub struct Consumer<'a> {
    pub redis_address: &'a str,
    /// The consumer group: one per context (`theater`, `mypage`…); replicas share it.
    pub group: &'a str,
    /// Entries left unacknowledged this long are taken over by the next drain.
    pub reclaim_idle_ms: u64,
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

impl<'a> Consumer<'a> {
    pub fn new(redis_address: &'a str, group: &'a str) -> Self {
        Self {
            redis_address,
            group,
            reclaim_idle_ms: 30_000,
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
        let redis = Redis::open(self.redis_address)?;
        let mut report = DrainReport::default();
        for round in 0..self.max_batches {
            let entries = self.fetch(&redis)?;
            if entries.is_empty() {
                break;
            }
            if round + 1 == self.max_batches && entries.len() == self.batch as usize {
                // Stopping with more to read: ring again so the rest is not left waiting for
                // the next event or the operator's relay.
                redis.publish(crate::DOORBELL, b"wake".as_ref())?;
            }
            // Entries whose acknowledgement does not depend on `before_ack`: other contexts'
            // types and dead letters.
            let mut settled = Vec::new();
            let mut handled = Vec::new();
            let mut any_failed = false;
            for (id, json) in entries {
                match Envelope::from_json_in::<P>(&json) {
                    Ok(None) => {
                        report.handled += 1;
                        settled.push(id);
                    }
                    Ok(Some(event)) => match handle(&event) {
                        Ok(()) => handled.push(id),
                        Err(e) => {
                            report.failed += 1;
                            any_failed = true;
                            cinema_http::log(
                                context,
                                cinema_http::Level::Warn,
                                &format!("event {} will be retried: {e}", event.event_id),
                                &[
                                    ("correlation_id", &event.correlation_id),
                                    ("event_type", &event.type_),
                                ],
                            );
                        }
                    },
                    Err(e) => {
                        self.dead_letter(&redis, &id, &json, &e.to_string())?;
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

    fn fetch(&self, redis: &Redis) -> Result<Vec<(String, String)>, Error> {
        let reply = redis.execute(
            "EVAL",
            &[
                bin(FETCH),
                RedisParameter::Int64(2),
                bin(STREAM),
                bin(DOORBELL_PENDING),
                bin(self.group),
                bin(self.group),
                RedisParameter::Int64(i64::from(self.batch)),
                RedisParameter::Int64(self.reclaim_idle_ms as i64),
            ],
        )?;
        let text = match reply.first() {
            Some(RedisResult::Binary(b)) => String::from_utf8_lossy(b).into_owned(),
            Some(RedisResult::Status(s)) => s.clone(),
            other => return Err(Error::Redis(format!("unexpected EVAL reply {other:?}"))),
        };
        // cjson encodes an empty Lua table as `{}`.
        if text == "[]" || text == "{}" {
            return Ok(Vec::new());
        }
        serde_json::from_slice::<Vec<(String, String)>>(text.as_bytes())
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

    fn dead_letter(&self, redis: &Redis, id: &str, json: &str, reason: &str) -> Result<(), Error> {
        redis.execute(
            "XADD",
            &[
                bin(DEAD_LETTERS),
                bin("*"),
                bin("id"),
                bin(id),
                bin("group"),
                bin(self.group),
                bin("e"),
                bin(json),
                bin("reason"),
                bin(reason),
            ],
        )?;
        Ok(())
    }
}
