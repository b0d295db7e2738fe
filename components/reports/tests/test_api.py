"""The private HTTP API: roles, query validation and defaults, CSV download, not found, methods,
the routes every consuming context serves, and store failures answered as JSON."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Callable, Optional

import pytest

import wire
from fakes import FakeRedis, FakeStore, FlakyStore
from reports import api, projector
from reports.consumer import Consumer, DrainReport, Settings
from reports.ports import RedisError, Store, StoreError
from reports.venue import zone

# 01:00 on 2026-12-06 in Seoul, still the 5th in UTC.
NOW = datetime(2026, 12, 5, 16, 0, tzinfo=timezone.utc)
ADMIN = {"x-roles": "staff, admin", "x-correlation-id": "req-1"}
METRICS = [{"name": "cinema_reports_events_applied_total", "help": "…", "type": "counter", "labels": {}, "value": 3.0}]


def deps(
    store: Optional[Store] = None,
    *,
    http_drain: bool = False,
    redis: Optional[FakeRedis] = None,
    drain: Callable[[], DrainReport] = lambda: DrainReport(handled=4, failed=1, dead_lettered=2),
    store_factory: Optional[Callable[[], Store]] = None,
) -> api.Deps:
    store = store if store is not None else FakeStore()
    r = redis if redis is not None else FakeRedis()
    return api.Deps(
        store=store_factory or (lambda: store),
        consumer=lambda: Consumer(r, Settings()),
        drain=drain,
        metrics=lambda: METRICS,
        tz=zone("Asia/Seoul"),
        http_drain=http_drain,
        now=NOW,
    )


def call(uri: str, d: Optional[api.Deps] = None, method: str = "GET", headers: Optional[dict[str, str]] = None) -> api.Reply:
    return api.route(method, uri, ADMIN if headers is None else headers, d or deps())


def body(reply: api.Reply) -> Any:
    assert reply.headers["content-type"] == "application/json"
    return json.loads(reply.body)


def a_store() -> FakeStore:
    store = FakeStore()
    ws = [
        wire.scheduled("s-1", starts_at="2026-12-02T10:00:00Z"),
        wire.placed("r-1", "s-1"),
        wire.confirmed("r-1", "s-1"),
    ]
    projector.project(store, [wire.parsed(w) for w in ws], NOW)
    return store


@pytest.mark.parametrize(
    "uri", ["/admin/reports/sales", "/admin/reports/screenings/s-1", "/admin/metrics", "/admin/events/dead-letters"]
)
@pytest.mark.parametrize("headers", [{}, {"x-roles": "staff"}, {"x-roles": "administrator"}])
def test_the_admin_routes_need_the_admin_role(uri: str, headers: dict[str, str]) -> None:
    reply = call(uri, deps(a_store()), headers=headers)
    assert reply.status == 403
    assert body(reply)["error"] == "forbidden"


def test_roles_header_name_is_case_insensitive() -> None:
    assert call("/admin/reports/sales", headers={"X-Roles": "admin"}).status == 200


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("from=2026-13-01", "from"),
        ("from=2026-02-30", "from"),
        ("from=yesterday", "from"),
        ("from=2026-1-5", "from"),
        ("to=20261205", "to"),
        ("from=2026-12-08&to=2026-12-07", "from"),
        ("from=2026-01-01&to=2027-01-02", "to"),  # 367 days
        ("group=week", "group"),
        ("format=xlsx", "format"),
        ("group=day&group=movie", "group"),
        ("from=2026-12-01&from=2026-12-01", "from"),
    ],
)
def test_a_bad_query_is_a_validation_failure_naming_the_parameter(query: str, parameter: str) -> None:
    reply = call(f"/admin/reports/sales?{query}")
    assert reply.status == 422
    b = body(reply)
    assert b["error"] == "validation_failed"
    assert b["message"].startswith(f"{parameter}:")


def test_a_range_of_366_days_is_allowed() -> None:
    b = body(call("/admin/reports/sales?from=2026-01-01&to=2027-01-01"))
    assert (b["from"], b["to"], len(b["rows"])) == ("2026-01-01", "2027-01-01", 366)


def test_without_a_range_the_report_is_the_last_7_days_up_to_today_in_venue_time() -> None:
    b = body(call("/admin/reports/sales"))
    assert (b["from"], b["to"], b["group"], b["timezone"]) == ("2026-11-30", "2026-12-06", "day", "Asia/Seoul")
    assert [r["key"] for r in b["rows"]][-1] == "2026-12-06"
    assert b["as_of"] == "2026-12-05T16:00:00.000Z"


def test_with_only_from_the_report_is_the_week_from_it() -> None:
    b = body(call("/admin/reports/sales?from=2026-12-01"))
    assert (b["from"], b["to"]) == ("2026-12-01", "2026-12-07")


def test_with_only_to_the_report_is_the_week_up_to_it() -> None:
    b = body(call("/admin/reports/sales?to=2026-12-07"))
    assert (b["from"], b["to"]) == ("2026-12-01", "2026-12-07")


def test_the_sales_report_as_json_has_the_figures() -> None:
    b = body(call("/admin/reports/sales?from=2026-12-01&to=2026-12-07&group=screening", deps(a_store())))
    assert [(r["key"], r["tickets_sold"], r["takings"]["amount"]) for r in b["rows"]] == [("s-1", 2, 27000)]
    assert b["totals"]["takings"] == {"amount": 27000, "currency": "KRW"}


def test_the_sales_report_as_csv_is_a_download() -> None:
    reply = call("/admin/reports/sales?from=2026-12-01&to=2026-12-07&format=csv", deps(a_store()))
    assert reply.status == 200
    assert reply.headers["content-type"] == "text/csv; charset=utf-8"
    assert reply.headers["content-disposition"] == 'attachment; filename="sales-day-2026-12-01-2026-12-07.csv"'
    assert reply.body.startswith("\ufeff".encode() + b"key,label,")
    assert reply.body.decode("utf-8").rstrip("\r\n").split("\r\n")[-1].startswith("TOTAL,,1,10,2,0,20.0,27000,0,27000,")


def test_a_screening_report_has_its_figures() -> None:
    b = body(call("/admin/reports/screenings/s-1", deps(a_store())))
    assert (b["screening_id"], b["day"], b["seats_sold"], b["takings"]["amount"]) == ("s-1", "2026-12-02", 2, 27000)


def test_a_screening_never_heard_of_is_not_found() -> None:
    reply = call("/admin/reports/screenings/s-404", deps(a_store()))
    assert reply.status == 404
    assert body(reply)["error"] == "not_found"


@pytest.mark.parametrize("uri", ["/admin/reports/sales", "/admin/reports/screenings/s-1", "/admin/metrics"])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_other_methods_on_the_read_routes_are_not_allowed(uri: str, method: str) -> None:
    reply = call(uri, deps(a_store()), method=method)
    assert reply.status == 405
    assert reply.headers["allow"] == "GET"
    assert body(reply)["error"] == "method_not_allowed"


@pytest.mark.parametrize("uri", ["/", "/admin", "/admin/reports", "/admin/reports/screenings", "/admin/reports/sales/extra"])
def test_an_unknown_route_is_not_found(uri: str) -> None:
    assert call(uri).status == 404


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_the_drain_route_does_not_exist_when_http_drain_is_off(method: str) -> None:
    calls: list[int] = []
    d = deps(http_drain=False, drain=lambda: calls.append(1) or DrainReport())
    reply = call("/admin/events/drain", d, method=method)
    assert reply.status == 404
    assert calls == []


def test_the_drain_route_drains_when_http_drain_is_on() -> None:
    reply = call("/admin/events/drain", deps(http_drain=True), method="POST")
    assert reply.status == 200
    assert body(reply) == {"context": "reports", "handled": 4, "failed": 1, "dead_lettered": 2}
    assert call("/admin/events/drain", deps(http_drain=True), method="POST", headers={}).status == 403
    get = call("/admin/events/drain", deps(http_drain=True), method="GET")
    assert (get.status, get.headers["allow"]) == (405, "POST")


def test_a_drain_with_redis_unreachable_is_503_with_retry_after() -> None:
    def down() -> DrainReport:
        raise RedisError("connection refused")

    reply = call("/admin/events/drain", deps(http_drain=True, drain=down), method="POST")
    assert reply.status == 503
    assert reply.headers["retry-after"] == str(api.EVENTS_RETRY_AFTER_S)
    assert body(reply)["error"] == "events_unavailable"


def test_metrics_are_the_context_and_its_metrics() -> None:
    reply = call("/admin/metrics")
    assert reply.status == 200
    assert body(reply) == {"context": "reports", "metrics": METRICS}


def test_dead_letters_are_listed_and_retried() -> None:
    redis = FakeRedis()
    envelope = wire.placed()
    redis.command(
        "XADD",
        ["cinema:events:dead", "*", "id", "1-1", "group", "reports", "e", wire.text(envelope), "reason", "boom",
         "attempts", "10", "first_failure", "2026-12-05T10:00:00.000Z", "last_failure", "2026-12-05T11:00:00.000Z"],
    )
    letters = body(call("/admin/events/dead-letters", deps(redis=redis)))
    assert [(x["event_id"], x["type"], x["error"], x["attempts"], x["context"]) for x in letters] == [
        (envelope["event_id"], "ReservationPlaced", "boom", 10, "reports")
    ]
    assert call("/admin/events/dead-letters/nope/retry", deps(redis=redis), method="POST").status == 404
    retried = call(f"/admin/events/dead-letters/{envelope['event_id']}/retry", deps(redis=redis), method="POST")
    assert (retried.status, body(retried)["event_id"]) == (200, envelope["event_id"])
    assert [t for _, t in redis.stream] == [wire.text(envelope)]
    assert redis.dead == []
    get = call(f"/admin/events/dead-letters/{envelope['event_id']}/retry", deps(redis=redis))
    assert (get.status, get.headers["allow"]) == (405, "POST")


@pytest.mark.parametrize(
    "uri", ["/admin/reports/sales", "/admin/reports/sales?format=csv", "/admin/reports/screenings/s-1"]
)
def test_a_store_failure_is_a_500_json_error_not_an_exception(uri: str) -> None:
    reply = call(uri, deps(FlakyStore(operations=["get_many"])))
    assert reply.status == 500
    b = body(reply)
    assert b["error"] == "internal"
    assert "down" not in b["message"]  # no driver text reaches clients


def test_a_store_that_cannot_be_opened_is_a_500_json_error() -> None:
    def unopenable() -> Store:
        raise StoreError("open reports: no such store")

    reply = call("/admin/reports/sales", deps(store_factory=unopenable))
    assert (reply.status, body(reply)["error"]) == (500, "internal")
