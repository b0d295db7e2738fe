"""The sales report and the screening detail: venue days, grouping, ordering, occupancy and totals."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import pytest

import wire
from fakes import FakeStore
from reports import projection as pj
from reports import projector, queries
from reports.queries import SalesQuery
from reports.venue import UnknownZone, zone

SEOUL = zone("Asia/Seoul")
NOW = datetime(2026, 12, 5, 10, 5, tzinfo=timezone.utc)
AS_OF = "2026-12-05T10:05:00.000Z"
ROW_FIELDS = ("screenings", "capacity", "tickets_sold", "seats_held")


def store_with(*wires: dict[str, Any]) -> FakeStore:
    store = FakeStore()
    out = projector.project(store, [wire.parsed(w) for w in wires], NOW)
    assert out.failed == {}
    return store


def report(store: FakeStore, first: str, last: str, group: str = "day") -> dict[str, Any]:
    q = SalesQuery(date.fromisoformat(first), date.fromisoformat(last), group)
    return queries.sales(queries.screenings_between(store, q.first, q.last, SEOUL), q, SEOUL, NOW, AS_OF)


def sold(reservation_id: str, screening_id: str, seats: tuple[str, ...], total: int) -> list[dict[str, Any]]:
    return [
        wire.placed(reservation_id, screening_id, seats, total=total),
        wire.confirmed(reservation_id, screening_id, seats, total=total),
    ]


@pytest.mark.parametrize(
    ("sold_seats", "capacity", "pct"),
    [(1, 8, 12.5), (1, 3, 33.3), (2, 3, 66.7), (1, 16, 6.3), (3, 16, 18.8), (0, 10, 0.0), (10, 10, 100.0), (5, 0, 0.0)],
)
def test_occupancy_is_rounded_half_up_to_one_decimal(sold_seats: int, capacity: int, pct: float) -> None:
    assert queries.occupancy_pct(sold_seats, capacity) == pct


def test_a_screening_late_in_the_utc_day_counts_on_the_next_venue_day() -> None:
    store = store_with(
        wire.scheduled("s-late", starts_at="2026-12-05T16:00:00Z"),  # 2026-12-06 01:00 in Seoul
        wire.scheduled("s-eve", starts_at="2026-12-05T14:59:00Z"),  # 2026-12-05 23:59 in Seoul
        wire.scheduled("s-next", starts_at="2026-12-06T15:00:00Z"),  # 2026-12-07 00:00 in Seoul
    )
    ids = lambda first, last: [s.screening_id for s in queries.screenings_between(store, first, last, SEOUL)]  # noqa: E731
    assert ids(date(2026, 12, 6), date(2026, 12, 6)) == ["s-late"]
    assert ids(date(2026, 12, 5), date(2026, 12, 5)) == ["s-eve"]
    assert ids(date(2026, 12, 7), date(2026, 12, 7)) == ["s-next"]
    assert ids(date(2026, 12, 5), date(2026, 12, 7)) == ["s-eve", "s-late", "s-next"]

    days = {r["key"]: r["screenings"] for r in report(store, "2026-12-05", "2026-12-07")["rows"]}
    assert days == {"2026-12-05": 1, "2026-12-06": 1, "2026-12-07": 1}
    detail = queries.screening_detail(pj.Screening.from_json(store.data["screening:s-late"]), SEOUL, NOW, AS_OF)
    assert detail["day"] == "2026-12-06"


def test_a_screening_known_only_from_bookings_is_not_reported() -> None:
    store = store_with(wire.placed("r-1", "s-unknown"))
    store.set_many([(pj.day_key("2026-12-06"), b'["s-unknown", "s-gone"]')])
    assert queries.screenings_between(store, date(2026, 12, 6), date(2026, 12, 6), SEOUL) == []


def test_sales_by_day_has_every_day_of_the_range_oldest_first_with_zeros() -> None:
    store = store_with(
        wire.scheduled("s-1", starts_at="2026-12-02T10:00:00Z", row_seats=(8,)),
        wire.scheduled("s-2", starts_at="2026-12-02T12:00:00Z", row_seats=(8,)),
        wire.scheduled("s-3", starts_at="2026-12-04T10:00:00Z", row_seats=(10,)),
        *sold("r-1", "s-1", ("A1",), 15000),
        *sold("r-2", "s-3", ("A1", "A2", "A3"), 45000),
        wire.cancelled("r-2", "s-3", ("A1", "A2", "A3"), total=45000, was_confirmed=True),
        wire.placed("r-3", "s-2", ("A4",), total=15000),
    )
    r = report(store, "2026-12-01", "2026-12-05")
    assert [(row["key"], row["label"]) for row in r["rows"]] == [(f"2026-12-0{d}",) * 2 for d in range(1, 6)]
    by_day = {row["key"]: row for row in r["rows"]}
    for empty in ("2026-12-01", "2026-12-03", "2026-12-05"):
        row = by_day[empty]
        assert (row["screenings"], row["capacity"], row["tickets_sold"], row["seats_held"], row["occupancy_pct"]) == (0, 0, 0, 0, 0.0)
        assert row["takings"] == row["refunds"] == row["net"] == {"amount": 0, "currency": "KRW"}
        assert set(row["bookings"].values()) == {0}
    d2 = by_day["2026-12-02"]
    assert (d2["screenings"], d2["capacity"], d2["tickets_sold"], d2["seats_held"], d2["occupancy_pct"]) == (2, 16, 1, 1, 6.3)
    assert (d2["takings"]["amount"], d2["refunds"]["amount"], d2["net"]["amount"]) == (15000, 0, 15000)
    assert d2["bookings"] == {"confirmed": 1, "pending": 1, "cancelled": 0, "rejected": 0, "abandoned": 0}
    d4 = by_day["2026-12-04"]
    assert (d4["tickets_sold"], d4["takings"]["amount"], d4["refunds"]["amount"], d4["net"]["amount"]) == (0, 45000, 45000, 0)
    assert d4["bookings"]["cancelled"] == 1
    assert (r["from"], r["to"], r["group"], r["timezone"], r["as_of"]) == ("2026-12-01", "2026-12-05", "day", "Asia/Seoul", AS_OF)


def test_totals_are_the_sums_of_the_rows() -> None:
    store = store_with(
        wire.scheduled("s-1", starts_at="2026-12-02T10:00:00Z", row_seats=(8,)),
        wire.scheduled("s-2", starts_at="2026-12-03T10:00:00Z", row_seats=(3,)),
        *sold("r-1", "s-1", ("A1",), 15000),
        *sold("r-2", "s-2", ("A1",), 12000),
        wire.placed("r-3", "s-2", ("A2",), total=15000),
        wire.rejected("r-3", "s-2", ("A2",), total=15000),
    )
    for group in queries.GROUPS:
        r = report(store, "2026-12-01", "2026-12-04", group)
        t = r["totals"]
        for name in ROW_FIELDS:
            assert t[name] == sum(row[name] for row in r["rows"]), (group, name)
        for name in ("takings", "refunds", "net"):
            assert t[name]["amount"] == sum(row[name]["amount"] for row in r["rows"]), (group, name)
        for status in queries.STATUSES:
            assert t["bookings"][status] == sum(row["bookings"][status] for row in r["rows"]), (group, status)
        assert t["occupancy_pct"] == queries.occupancy_pct(2, 11) == 18.2
        assert "key" not in t and "label" not in t
    assert report(store, "2026-12-01", "2026-12-04")["totals"]["takings"]["amount"] == 27000


def test_sales_by_movie_is_ordered_by_takings_then_title() -> None:
    store = store_with(
        wire.scheduled("s-1", starts_at="2026-12-02T10:00:00Z", movie_id="m-b", title="나"),
        wire.scheduled("s-2", starts_at="2026-12-02T11:00:00Z", movie_id="m-a", title="가"),
        wire.scheduled("s-3", starts_at="2026-12-02T12:00:00Z", movie_id="m-c", title="다"),
        wire.scheduled("s-4", starts_at="2026-12-03T12:00:00Z", movie_id="m-c", title="다"),
        wire.scheduled("s-5", starts_at="2026-12-03T13:00:00Z", movie_id="m-z", title="Alien"),
        *sold("r-1", "s-1", ("A1",), 20000),
        *sold("r-2", "s-2", ("A1",), 20000),
        *sold("r-3", "s-3", ("A1",), 15000),
        *sold("r-4", "s-4", ("A1",), 15000),
    )
    r = report(store, "2026-12-01", "2026-12-04", "movie")
    assert [(row["key"], row["label"], row["takings"]["amount"]) for row in r["rows"]] == [
        ("m-c", "다", 30000),
        ("m-a", "가", 20000),
        ("m-b", "나", 20000),
        ("m-z", "Alien", 0),
    ]
    m_c = r["rows"][0]
    assert (m_c["screenings"], m_c["tickets_sold"]) == (2, 2)


def test_sales_by_movie_lists_only_movies_with_a_screening_in_the_range() -> None:
    store = store_with(
        wire.scheduled("s-1", starts_at="2026-12-02T10:00:00Z", movie_id="m-1"),
        wire.scheduled("s-2", starts_at="2026-12-20T10:00:00Z", movie_id="m-2"),
    )
    assert [row["key"] for row in report(store, "2026-12-01", "2026-12-07", "movie")["rows"]] == ["m-1"]


def test_sales_by_screening_is_by_showtime_with_its_details() -> None:
    store = store_with(
        wire.scheduled("s-b", starts_at="2026-12-05T16:00:00Z", movie_id="m-2", title="듄: 파트 2", hall_name="2관"),
        wire.scheduled("s-a", starts_at="2026-12-06T09:00:00Z", movie_id="m-1", title="기생충", hall_name="1관"),
        wire.scheduled("s-c", starts_at="2026-12-04T09:00:00Z", movie_id="m-1", title="기생충", hall_name="1관"),
        *sold("r-1", "s-a", ("A1", "A2"), 30000),
    )
    r = report(store, "2026-12-04", "2026-12-06", "screening")
    assert [
        (row["key"], row["label"], row["movie_id"], row["hall_name"], row["starts_at"], row["day"]) for row in r["rows"]
    ] == [
        ("s-c", "기생충", "m-1", "1관", "2026-12-04T09:00:00Z", "2026-12-04"),
        ("s-b", "듄: 파트 2", "m-2", "2관", "2026-12-05T16:00:00Z", "2026-12-06"),
        ("s-a", "기생충", "m-1", "1관", "2026-12-06T09:00:00Z", "2026-12-06"),
    ]
    assert (r["rows"][2]["tickets_sold"], r["rows"][2]["takings"]["amount"], r["rows"][2]["occupancy_pct"]) == (2, 30000, 20.0)


def test_screening_detail_has_the_figures_of_the_screening() -> None:
    store = store_with(
        wire.scheduled("s-1", starts_at="2026-12-06T10:00:00Z", row_seats=(6, 4)),
        wire.placed("r-1", "s-1", ("A1", "A2", "A3"), tickets={"Adult": 2, "Youth": 1}, total=42000),
        wire.confirmed("r-1", "s-1", ("A1", "A2", "A3"), total=42000),
        *sold("r-2", "s-1", ("B1",), 7000),
        wire.cancelled("r-2", "s-1", ("B1",), total=7000, was_confirmed=True),
        wire.placed("r-3", "s-1", ("B2",), total=15000),
        wire.held("hold-1", "s-1", ("A6",)),
    )
    detail = queries.screening_detail(pj.Screening.from_json(store.data["screening:s-1"]), SEOUL, NOW, AS_OF)
    assert detail == {
        "screening_id": "s-1", "movie_id": "m-1", "movie_title": "기생충",
        "hall_id": "h-1", "hall_name": "1관", "starts_at": "2026-12-06T10:00:00Z", "day": "2026-12-06",
        "capacity": 10, "seats_sold": 3, "seats_held": 2, "seats_free": 5, "occupancy_pct": 30.0,
        "takings": {"amount": 49000, "currency": "KRW"},
        "refunds": {"amount": 7000, "currency": "KRW"},
        "net": {"amount": 42000, "currency": "KRW"},
        "tickets": {"adult": 2, "youth": 1, "senior": 0, "disabled": 0},
        "bookings": {"confirmed": 1, "pending": 1, "cancelled": 1, "rejected": 0, "abandoned": 0},
        "as_of": AS_OF,
    }


def test_the_venue_zone_defaults_to_seoul_and_refuses_unknown_names() -> None:
    assert zone("  ").key == "Asia/Seoul"
    with pytest.raises(UnknownZone):
        zone("Mars/Olympus_Mons")
