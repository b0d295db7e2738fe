"""The reports context's private HTTP API, reached through the gateway (which checks the bearer
token and passes the caller's roles as `x-roles`): the reports (docs/reports.md), and the routes
every consuming context serves — metrics, dead letters, the HTTP drain."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable, Optional
from urllib.parse import parse_qsl, unquote, urlsplit
from zoneinfo import ZoneInfo

from . import csv_export
from . import projection as pj
from . import queries
from .consumer import Consumer, DrainReport
from .logs import log, now_rfc3339
from .ports import RedisError, Store, StoreError

CONTEXT = "reports"
EVENTS_RETRY_AFTER_S = 5


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def reply_json(status: int, value: object, **headers: str) -> Reply:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return Reply(status, body, {"content-type": "application/json", **headers})


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **headers: str):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers

    def reply(self) -> Reply:
        return reply_json(self.status, {"error": self.code, "message": self.message}, **self.headers)


def validation(message: str) -> ApiError:
    return ApiError(422, "validation_failed", message)


def not_found(message: str) -> ApiError:
    return ApiError(404, "not_found", message)


def method_not_allowed(allow: str) -> ApiError:
    return ApiError(405, "method_not_allowed", f"this route accepts {allow}", allow=allow)


def events_unavailable() -> ApiError:
    return ApiError(
        503, "events_unavailable", "the event stream is unreachable; retry shortly", **{"retry-after": str(EVENTS_RETRY_AFTER_S)}
    )


@dataclass
class Deps:
    store: Callable[[], Store]
    consumer: Callable[[], Consumer]
    drain: Callable[[], DrainReport]
    metrics: Callable[[], list[dict]]
    tz: ZoneInfo
    http_drain: bool
    now: datetime


@dataclass
class Caller:
    correlation_id: str
    roles: frozenset[str]

    @classmethod
    def of(cls, headers: dict[str, str]) -> "Caller":
        h = {k.lower(): v for k, v in headers.items()}
        roles = frozenset(r.strip() for r in h.get("x-roles", "").split(",") if r.strip())
        return cls(h.get("x-correlation-id", ""), roles)

    def require_admin(self) -> None:
        if "admin" not in self.roles:
            raise ApiError(403, "forbidden", "the admin role is required")


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(params: dict[str, str], name: str) -> Optional[date]:
    text = params.get(name, "").strip()
    if not text:
        return None
    if not _DATE.match(text):
        raise validation(f"{name}: expected a date YYYY-MM-DD, got {text[:40]!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise validation(f"{name}: {text!r} is not a date") from None


def sales_query(query: str, today: date) -> tuple[queries.SalesQuery, str]:
    """The query of `GET /admin/reports/sales` and its format; raises ApiError (422)."""
    params: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name in params:
            raise validation(f"{name}: given more than once")
        params[name] = value
    first, last = _date(params, "from"), _date(params, "to")
    # A week unless said otherwise: the last 7 days up to today, or the week from `from` / up to `to`.
    if last is None:
        last = today if first is None else first + timedelta(days=6)
    if first is None:
        first = last - timedelta(days=6)
    if first > last:
        raise validation(f"from: {first} is after to ({last})")
    if (last - first).days + 1 > queries.MAX_SPAN_DAYS:
        raise validation(f"to: the range spans {(last - first).days + 1} days; at most {queries.MAX_SPAN_DAYS}")
    group = params.get("group", "").strip() or "day"
    if group not in queries.GROUPS:
        raise validation(f"group: expected one of {', '.join(queries.GROUPS)}, got {group[:40]!r}")
    fmt = params.get("format", "").strip() or "json"
    if fmt not in ("json", "csv"):
        raise validation(f"format: expected json or csv, got {fmt[:40]!r}")
    return queries.SalesQuery(first, last, group), fmt


def _sales(method: str, query: str, deps: Deps) -> Reply:
    if method != "GET":
        raise method_not_allowed("GET")
    q, fmt = sales_query(query, deps.now.astimezone(deps.tz).date())
    screenings = queries.screenings_between(deps.store(), q.first, q.last, deps.tz)
    report = queries.sales(screenings, q, deps.tz, deps.now, now_rfc3339(deps.now))
    if fmt == "csv":
        return Reply(
            200,
            csv_export.render(report),
            {
                "content-type": "text/csv; charset=utf-8",
                "content-disposition": f'attachment; filename="{csv_export.filename(report)}"',
            },
        )
    return reply_json(200, report)


def _screening(method: str, screening_id: str, deps: Deps) -> Reply:
    if method != "GET":
        raise method_not_allowed("GET")
    raw = deps.store().get_many([pj.screening_key(screening_id)]).get(pj.screening_key(screening_id))
    if raw is None:
        raise not_found(f"no screening {screening_id[:80]!r} in the reports")
    detail = queries.screening_detail(pj.Screening.from_json(raw), deps.tz, deps.now, now_rfc3339(deps.now))
    return reply_json(200, detail)


def _dead_letters(method: str, rest: list[str], caller: Caller, deps: Deps) -> Reply:
    if rest == [] and method != "GET":
        raise method_not_allowed("GET")
    if len(rest) == 2 and rest[1] == "retry" and method != "POST":
        raise method_not_allowed("POST")
    if not (rest == [] or (len(rest) == 2 and rest[1] == "retry")):
        raise not_found("no such route")
    try:
        if rest == []:
            return reply_json(200, deps.consumer().letters())
        letters = deps.consumer().letters(retry=rest[0])
    except RedisError as e:
        log("warn", f"dead letters unavailable: {e}", correlation_id=caller.correlation_id)
        raise events_unavailable() from None
    if not letters:
        raise not_found(f"no dead letter for event {rest[0][:80]} in {CONTEXT}")
    log("warn", f"dead letter {rest[0]} replayed by an operator", correlation_id=caller.correlation_id)
    return reply_json(200, letters[0])


def _drain(method: str, caller: Caller, deps: Deps) -> Reply:
    if not deps.http_drain:
        raise not_found("no route for /admin/events/drain (http_drain is off)")
    if method != "POST":
        raise method_not_allowed("POST")
    caller.require_admin()
    try:
        report = deps.drain()
    except RedisError as e:
        log("warn", f"drain failed: {e}", correlation_id=caller.correlation_id)
        raise events_unavailable() from None
    log(
        "info",
        f"drained over HTTP: {report.handled} handled, {report.failed} to retry, {report.dead_lettered} dead-lettered",
        correlation_id=caller.correlation_id,
    )
    return reply_json(
        200, {"context": CONTEXT, "handled": report.handled, "failed": report.failed, "dead_lettered": report.dead_lettered}
    )


def route(method: str, uri: str, headers: dict[str, str], deps: Deps) -> Reply:
    caller = Caller.of(headers)
    url = urlsplit(uri)
    parts = [unquote(p) for p in url.path.split("/") if p]
    try:
        if parts == ["admin", "events", "drain"]:
            return _drain(method, caller, deps)
        if parts == ["admin", "metrics"]:
            if method != "GET":
                raise method_not_allowed("GET")
            caller.require_admin()
            return reply_json(200, {"context": CONTEXT, "metrics": deps.metrics()})
        if parts[:3] == ["admin", "events", "dead-letters"]:
            caller.require_admin()
            return _dead_letters(method, parts[3:], caller, deps)
        if parts == ["admin", "reports", "sales"]:
            caller.require_admin()
            return _sales(method, url.query, deps)
        if len(parts) == 4 and parts[:3] == ["admin", "reports", "screenings"]:
            caller.require_admin()
            return _screening(method, parts[3], deps)
        raise not_found("no such route")
    except ApiError as e:
        return e.reply()
    except StoreError as e:
        log("error", f"internal error: the store failed: {e}", correlation_id=caller.correlation_id)
        return ApiError(500, "internal", "something went wrong on our side; please retry").reply()
