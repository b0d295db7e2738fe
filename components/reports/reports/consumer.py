"""The consumer-group drain, exactly as the Rust contexts run it (crates/eventing/src/consumer.rs
and dead_letters.rs): the same stream, doorbell, failure records and dead letters, through the
same EVAL scripts, so operators see one protocol whatever the language of a context."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Optional

from . import events as ev
from .logs import log, now_rfc3339
from .ports import Redis, RedisError, StoreError

STREAM = "cinema:events"
DOORBELL = "cinema.events"
DOORBELL_PENDING = "cinema:events:doorbell"
DEAD_LETTERS = "cinema:events:dead"
MAX_BACKOFF_MS = 300_000
FAILURE_TTL_S = 7 * 24 * 3600

# Clears the doorbell's pending flag, claims entries left pending whose back-off has passed (after
# n deliveries an entry waits ARGV[4] ms × 2^(n-1), at most ARGV[5] ms), then reads new ones;
# returns [[id, json, deliveries], ...] as one JSON string. The script of consumer.rs, unchanged.
FETCH = r"""
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
"""

# Records a failure of entry ARGV[1] in hash KEYS[1], keeping the first failure's time
# (dead_letters.rs RECORD).
RECORD = r"""
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
"""

# Every letter of group ARGV[1] (oldest first); with ARGV[2] set, only the letter of that event,
# after appending it to the event stream again and removing it (dead_letters.rs LETTERS).
LETTERS = r"""
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
"""


@dataclass
class Settings:
    group: str = "reports"
    # The first retry's wait, and how long an unacknowledged entry waits before another consumer
    # takes it over (event_retry_backoff_ms).
    reclaim_idle_ms: int = 30_000
    # Deliveries before an entry whose handler keeps failing is dead-lettered (event_max_attempts).
    max_attempts: int = 10
    batch: int = 100
    # Upper bound on batches per wake-up, so one invocation cannot run forever.
    max_batches: int = 50


@dataclass
class DrainReport:
    handled: int = 0
    failed: int = 0
    dead_lettered: int = 0


@dataclass
class Failure:
    first_failure: str
    last_failure: str
    error: str


def _json_list(text: Optional[str]) -> list:
    if text is None:
        raise RedisError("unexpected EVAL reply")
    if text in ("[]", "{}"):  # cjson encodes an empty Lua table as {}
        return []
    try:
        value = json.loads(text)
    except ValueError as e:
        raise RedisError(f"bad EVAL reply: {e}") from None
    if not isinstance(value, list):
        raise RedisError("bad EVAL reply: not a list")
    return value


class Consumer:
    def __init__(self, redis: Redis, settings: Settings, now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        self.redis = redis
        self.s = settings
        self.now = now
        self.failures_key = f"cinema:events:failures:{settings.group}"

    def fetch(self) -> list[tuple[str, str, int]]:
        reply = self.redis.eval(
            FETCH,
            [STREAM, DOORBELL_PENDING],
            [self.s.group, self.s.group, self.s.batch, self.s.reclaim_idle_ms, MAX_BACKOFF_MS],
        )
        out = []
        for item in _json_list(reply):
            if not (isinstance(item, list) and len(item) == 3):
                raise RedisError("bad EVAL reply: not [id, json, deliveries]")
            out.append((str(item[0]), str(item[1]), int(item[2])))
        return out

    def record_failure(self, entry_id: str, error: str) -> Failure:
        now = now_rfc3339(self.now())
        reply = self.redis.eval(RECORD, [self.failures_key], [entry_id, now, error, FAILURE_TTL_S])
        try:
            return Failure(**json.loads(reply or ""))
        except (ValueError, TypeError):
            return Failure(now, now, error)

    def forget_failure(self, entry_id: str) -> None:
        self.redis.command("HDEL", [self.failures_key, entry_id])

    def park(self, entry_id: str, text: str, failure: Failure, attempts: int) -> None:
        self.redis.command(
            "XADD",
            [
                DEAD_LETTERS, "*",
                "id", entry_id,
                "group", self.s.group,
                "e", text,
                "reason", failure.error,
                "attempts", str(attempts),
                "first_failure", failure.first_failure,
                "last_failure", failure.last_failure,
            ],
        )

    def ack(self, ids: list[str]) -> None:
        if ids:
            self.redis.command("XACK", [STREAM, self.s.group, *ids])

    def drain(
        self,
        handle: Callable[[list[ev.Envelope]], dict[str, Optional[str]]],
        before_ack: Callable[[list[str]], None],
    ) -> DrainReport:
        """Handles every available entry. `handle` gets a batch's envelopes of the types the
        reports read and answers, per event id, None (applied) or why it failed (retried after
        back-off, dead-lettered after max_attempts deliveries); `before_ack` gets the ids of the
        applied events and must keep them (the inbox) before they are acknowledged — if it raises,
        they stay pending and the drain stops. Other types of the contract are acknowledged
        unread; entries that are not envelopes go to the dead letters at once. Raises RedisError."""
        report = DrainReport()
        for round_ in range(self.s.max_batches):
            entries = self.fetch()
            if not entries:
                break
            if round_ + 1 == self.s.max_batches and len(entries) == self.s.batch:
                # Stopping with more to read: ring again so the rest is not left waiting.
                self.redis.publish(DOORBELL, b"wake")
            settled: list[str] = []
            parsed: list[tuple[str, str, int, ev.Envelope]] = []
            for entry_id, text, deliveries in entries:
                try:
                    envelope = ev.parse(text)
                except ev.BadEvent as e:
                    now = now_rfc3339(self.now())
                    self.park(entry_id, text, Failure(now, now, str(e)), deliveries)
                    report.dead_lettered += 1
                    settled.append(entry_id)
                    log("error", f"entry {entry_id} is not an event of the contract, dead-lettered: {e}")
                    continue
                if envelope is None:
                    report.handled += 1
                    settled.append(entry_id)
                else:
                    parsed.append((entry_id, text, deliveries, envelope))
            outcomes = handle([p[3] for p in parsed]) if parsed else {}
            handled_ids: list[str] = []
            applied_events: list[str] = []
            any_failed = False
            for entry_id, text, deliveries, envelope in parsed:
                error = outcomes.get(envelope.event_id)
                fields = {"correlation_id": envelope.correlation_id, "event_type": envelope.type, "event_id": envelope.event_id}
                if envelope.reservation_id:
                    fields["reservation_id"] = envelope.reservation_id
                if error is None:
                    if deliveries > 1:
                        self.forget_failure(entry_id)
                    handled_ids.append(entry_id)
                    applied_events.append(envelope.event_id)
                    continue
                failure = self.record_failure(entry_id, error)
                if deliveries >= self.s.max_attempts:
                    self.park(entry_id, text, failure, deliveries)
                    self.forget_failure(entry_id)
                    report.dead_lettered += 1
                    settled.append(entry_id)
                    log("error", f"event {envelope.event_id} dead-lettered after {deliveries} attempts: {error}", **fields)
                else:
                    report.failed += 1
                    any_failed = True
                    log(
                        "warn",
                        f"event {envelope.event_id} will be retried (attempt {deliveries} of {self.s.max_attempts}): {error}",
                        **fields,
                    )
            try:
                before_ack(applied_events)
                report.handled += len(handled_ids)
                settled.extend(handled_ids)
            except StoreError as e:  # deliver these again later
                report.failed += len(handled_ids)
                any_failed = True
                log("warn", f"{len(handled_ids)} handled events will be retried: {e}")
            self.ack(settled)
            if any_failed:
                break  # retrying now would likely fail the same way
        return report

    def letters(self, retry: str = "") -> list[dict]:
        """The group's dead letters, oldest first; with `retry`, only that event's letter, after
        appending its envelope to the stream again and removing it."""
        reply = self.redis.eval(LETTERS, [DEAD_LETTERS, STREAM], [self.s.group, retry, DOORBELL])
        return _json_list(reply if reply is not None else "[]")
