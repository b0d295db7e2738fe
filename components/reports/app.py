"""The reports context on Spin: thin adapters around the pure core in `reports/`.

One component exports both handlers (world fermyon:spin/spin-all@2.0.0): `IncomingHandler` serves
the private HTTP API (component id `reports`), `InboundRedis` drains the consumer group `reports`
when the doorbell `cinema.events` rings (component id `reports-events`). Its store is the
key-value store `reports` (wasi:keyvalue draft2 with atomics and batch)."""

from __future__ import annotations

import json
import traceback
from datetime import datetime, timedelta, timezone
from typing import Callable, Optional

from spin_sdk import http, variables
from spin_sdk.http import Request, Response
from spin_sdk.wit import exports
from spin_sdk.wit.imports import atomics, batch
from spin_sdk.wit.imports import redis as r
from spin_sdk.wit.imports import redis_types
from spin_sdk.wit.imports import wasi_keyvalue_store as wkv
from spin_sdk.wit.types import Err

from reports import api, projector, venue
from reports.consumer import Consumer, DrainReport, Settings
from reports.logs import log
from reports.ports import Arg, RedisError, StoreError

STORE = "reports"
DEFAULT_REDIS_ADDRESS = "redis://127.0.0.1:6379"
CAS_ATTEMPTS = 100
PRUNE_EVERY_MS = 3_600_000
APPLIED_KEY = "meta:applied"
LAST_EVENT_KEY = "meta:last_event"


def variable(name: str, default: str) -> str:
    try:
        value = variables.get(name)
    except Err:
        return default
    return value if value.strip() else default


def positive(name: str, default: int) -> int:
    try:
        value = int(variable(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def venue_zone():
    name = variable("venue_timezone", venue.DEFAULT_ZONE)
    try:
        return venue.zone(name)
    except venue.UnknownZone as e:
        log("warn", "venue_timezone is not a time zone; days are counted in Asia/Seoul", venue_timezone=name, error=str(e))
        return venue.zone(venue.DEFAULT_ZONE)


class KvStore:
    """The `reports` key-value store (ports.Store)."""

    def __init__(self, label: str = STORE):
        try:
            self.bucket = wkv.open(label)
        except Err as e:
            raise StoreError(f"open {label}: {e.value!r}") from None

    def get_many(self, keys: list[str]) -> dict[str, Optional[bytes]]:
        out: dict[str, Optional[bytes]] = {k: None for k in keys}
        for i in range(0, len(keys), 200):
            try:
                found = batch.get_many(self.bucket, keys[i : i + 200])
            except Err as e:
                raise StoreError(f"get-many: {e.value!r}") from None
            for pair in found:
                if pair is not None:
                    out[pair[0]] = pair[1]
        return out

    def update(self, key: str, change: Callable[[Optional[bytes]], Optional[bytes]]) -> None:
        for _ in range(CAS_ATTEMPTS):
            try:
                cas = atomics.Cas.new(self.bucket, key)
                current = cas.current()
            except Err as e:
                raise StoreError(f"read {key}: {e.value!r}") from None
            new = change(current)
            if new is None:
                return
            try:
                atomics.swap(cas, new)
                return
            except Err as e:
                if not isinstance(e.value, atomics.CasError_CasFailed):
                    raise StoreError(f"swap {key}: {e.value!r}") from None
        raise StoreError(f"swap {key}: still conflicting after {CAS_ATTEMPTS} attempts")

    def set_many(self, items: list[tuple[str, bytes]]) -> None:
        try:
            batch.set_many(self.bucket, items)
        except Err as e:
            raise StoreError(f"set-many: {e.value!r}") from None

    def delete_many(self, keys: list[str]) -> None:
        try:
            batch.delete_many(self.bucket, keys)
        except Err as e:
            raise StoreError(f"delete-many: {e.value!r}") from None

    def list_keys(self, cursor: Optional[str]) -> tuple[list[str], Optional[str]]:
        try:
            page = self.bucket.list_keys(cursor)
        except Err as e:
            raise StoreError(f"list-keys: {e.value!r}") from None
        return list(page.keys), page.cursor

    def increment(self, key: str, delta: int) -> int:
        try:
            return atomics.increment(self.bucket, key, delta)
        except Err as e:
            raise StoreError(f"increment {key}: {e.value!r}") from None

    def get(self, key: str) -> Optional[bytes]:
        try:
            return self.bucket.get(key)
        except Err as e:
            raise StoreError(f"get {key}: {e.value!r}") from None


def _param(a: Arg) -> object:
    if isinstance(a, int):
        return r.RedisParameter_Int64(a)
    return r.RedisParameter_Binary(a.encode())


def _value(result: object) -> object:
    if isinstance(result, (r.RedisResult_Binary,)):
        return result.value.decode("utf-8", "replace")
    if isinstance(result, (r.RedisResult_Status, r.RedisResult_Int64)):
        return result.value
    return None


class SpinRedis:
    """Spin's outbound Redis (ports.Redis)."""

    def __init__(self, address: str):
        try:
            self.conn = r.Connection.open(address)
        except Err as e:
            raise RedisError(f"open: {e.value!r}") from None

    def command(self, name: str, args: list[Arg]) -> list[object]:
        try:
            return [_value(x) for x in self.conn.execute(name, [_param(a) for a in args])]
        except Err as e:
            raise RedisError(f"{name}: {e.value!r}") from None

    def eval(self, script: str, keys: list[str], args: list[Arg]) -> Optional[str]:
        reply = self.command("EVAL", [script, len(keys), *keys, *args])
        first = reply[0] if reply else None
        return first if isinstance(first, str) else None

    def publish(self, channel: str, payload: bytes) -> None:
        try:
            self.conn.publish(channel, payload)
        except Err as e:
            raise RedisError(f"PUBLISH: {e.value!r}") from None


def settings() -> Settings:
    return Settings(
        group="reports",
        reclaim_idle_ms=positive("event_retry_backoff_ms", 30_000),
        max_attempts=positive("event_max_attempts", 10),
    )


def consumer() -> Consumer:
    return Consumer(SpinRedis(variable("redis_address", DEFAULT_REDIS_ADDRESS)), settings())


def due(redis: SpinRedis, key: str, every_ms: int) -> bool:
    """Sets the flag `key` for `every_ms` unless it is set: whether a periodic job is due."""
    try:
        return redis.command("SET", [key, "1", "NX", "PX", every_ms])[:1] not in ([], [None])
    except RedisError:
        return False


def retention_days() -> int:
    try:
        days = int(variable("retention_days", "7"))
    except ValueError:
        return 7
    return days if days >= 0 else 7


def drain() -> DrainReport:
    """Drains the group into the store: what both the doorbell and POST /admin/events/drain run."""
    store = KvStore()
    c = consumer()
    now = datetime.now(timezone.utc)
    newest: list[str] = []

    def handle(envelopes):
        outcome = projector.project(store, envelopes, now)
        newest.extend(e.occurred_at for e in envelopes if e.event_id in set(outcome.applied))
        return {**{i: None for i in outcome.applied}, **outcome.failed}

    def before_ack(event_ids: list[str]) -> None:
        projector.record(store, event_ids)
        if event_ids:
            store.increment(APPLIED_KEY, len(event_ids))
        if newest:
            store.set_many([(LAST_EVENT_KEY, max(newest).encode())])

    report = c.drain(handle, before_ack)
    if report.failed or report.dead_lettered:
        log("warn", f"drained: {report.handled} handled, {report.failed} to retry, {report.dead_lettered} dead-lettered")
    if due(c.redis, "cinema:inbox:pruned:reports", PRUNE_EVERY_MS):
        days = retention_days()
        cutoff = int((now - timedelta(days=days)).timestamp() * 1000)
        try:
            n = projector.prune_inbox(store, cutoff)
            if n:
                log("info", f"pruned {n} inbox entries older than {days} days")
        except StoreError as e:
            log("warn", f"inbox pruning deferred: {e}")
    return report


def metrics() -> list[dict]:
    store = KvStore()
    # Read through the atomics interface (an increment by 0): how a counter is stored is the
    # host's business (Spin's SQLite store keeps 8 bytes, Redis keeps digits).
    applied = store.increment(APPLIED_KEY, 0)
    last = store.get(LAST_EVENT_KEY)
    out = [
        {
            "name": "cinema_reports_events_applied_total",
            "help": "Events the reports projected into their store (duplicates not counted).",
            "type": "counter",
            "labels": {},
            "value": float(applied),
        }
    ]
    if last:
        try:
            at = datetime.fromisoformat(last.decode().replace("Z", "+00:00"))
            out.append(
                {
                    "name": "cinema_reports_last_event_timestamp_seconds",
                    "help": "When the newest event the reports projected happened (Unix time).",
                    "type": "gauge",
                    "labels": {},
                    "value": at.timestamp(),
                }
            )
        except ValueError:
            pass
    return out


class IncomingHandler(http.IncomingHandler):
    def handle_request(self, request: Request) -> Response:
        try:
            deps = api.Deps(
                store=KvStore,
                consumer=consumer,
                drain=drain,
                metrics=metrics,
                tz=venue_zone(),
                http_drain=variable("http_drain", "false").strip().lower() == "true",
                now=datetime.now(timezone.utc),
            )
            reply = api.route(request.method, request.uri, request.headers, deps)
        except Exception as e:  # never a trap: the gateway would only see an empty 500
            log("error", f"internal error: {e!r}", trace=traceback.format_exc())
            reply = api.ApiError(500, "internal", "something went wrong on our side; please retry").reply()
        return Response(reply.status, reply.headers, reply.body)


class InboundRedis(exports.InboundRedis):
    def handle_message(self, message: bytes) -> None:
        try:
            drain()
        except RedisError as e:
            log("warn", f"drain failed, the event stream is unreachable: {e}")
            raise Err(redis_types.Error.ERROR)
        except Exception as e:
            log("error", f"drain failed: {e!r}", trace=traceback.format_exc())
            raise Err(redis_types.Error.ERROR)
