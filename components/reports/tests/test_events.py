"""The wire contract: every sample envelope the Rust cinema-events crate writes
(contract/events/*.json) parses into the typed payload the reports read, or is recognised and
skipped; anything else is refused with BadEvent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import wire
from reports import events
from reports.events import BadEvent, Money

CONTRACT = Path(__file__).resolve().parents[3] / "contract" / "events"
FIXTURES = sorted(CONTRACT.glob("*.json"))
SKIPPED = {"MovieRegistered", "SeatsAllocated", "SeatsRejected", "SeatsReleased", "PaymentApproved", "PaymentRefunded"}
# The contract's ticket types and the names the reports give them (written out, not imported).
TICKET_NAMES = {"Adult": "adult", "Youth": "youth", "Senior": "senior", "Disabled": "disabled"}


def sample(type_: str) -> dict[str, Any]:
    return json.loads((CONTRACT / f"{type_}.json").read_text(encoding="utf-8"))


def money(m: dict[str, Any]) -> Money:
    return Money(m["amount"], m["currency"])


def test_the_contract_has_a_sample_of_every_event_type_and_no_other() -> None:
    assert FIXTURES, f"no samples in {CONTRACT}"
    assert {p.stem for p in FIXTURES} == set(events.EVENT_TYPES)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_every_sample_of_the_contract_parses_with_its_header(path: Path) -> None:
    raw = path.read_text(encoding="utf-8")
    w = json.loads(raw)
    e = events.parse(raw)
    if w["type"] in SKIPPED:
        assert e is None
        return
    assert e is not None
    assert (e.event_id, e.type, e.version, e.occurred_at, e.correlation_id, e.source) == (
        w["event_id"], w["type"], w["version"], w["occurred_at"], w["correlation_id"], w["source"]
    )
    assert (e.reservation_id, e.reservation_version) == (w["reservation_id"], w["reservation_version"])


def test_a_sample_parsed_from_bytes_is_the_same_envelope() -> None:
    raw = (CONTRACT / "ReservationPlaced.json").read_bytes()
    assert events.parse(raw) == events.parse(raw.decode())


def test_screening_scheduled_capacity_is_the_seats_of_its_layout_rows() -> None:
    w = sample("ScreeningScheduled")
    d = w["data"]
    e = events.parse(json.dumps(w))
    assert e is not None
    assert e.data == events.ScreeningScheduled(
        screening_id=d["screening_id"],
        movie_id=d["movie_id"],
        movie_title=d["movie_title"],
        hall_id=d["hall_id"],
        hall_name=d["hall_name"],
        starts_at=d["starts_at"],
        capacity=sum(row["seats"] for row in d["layout"]["rows"]),
    )
    # The sample's rows are uneven: rows × seats_per_row would overcount.
    assert e.data.capacity != d["rows"] * d["seats_per_row"]


def test_a_screening_without_a_layout_has_rows_times_seats_per_row() -> None:
    w = wire.scheduled()
    del w["data"]["layout"]
    w["data"]["rows"], w["data"]["seats_per_row"] = 3, 7
    assert wire.parsed(w).data.capacity == 21


def test_reservation_placed_maps_ticket_types_and_total() -> None:
    w = sample("ReservationPlaced")
    d = w["data"]
    e = events.parse(json.dumps(w))
    assert e is not None
    assert e.data == events.ReservationPlaced(
        reservation_id=d["reservation_id"],
        screening_id=d["screening_id"],
        seats=tuple(d["seats"]),
        tickets=tuple((TICKET_NAMES[t["ticket_type"]], t["count"]) for t in d["tickets"]),
        total=money(d["total"]),
    )


def test_every_ticket_type_of_the_contract_is_mapped() -> None:
    e = wire.parsed(wire.placed(seats=("A1", "A2", "A3", "A4"), tickets={"Adult": 1, "Youth": 1, "Senior": 1, "Disabled": 1}))
    assert e.data.tickets == (("adult", 1), ("youth", 1), ("senior", 1), ("disabled", 1))


def test_a_placed_booking_without_tickets_is_all_adult() -> None:
    w = wire.placed(seats=("B1", "B2", "B3"))
    del w["data"]["tickets"]
    assert wire.parsed(w).data.tickets == (("adult", 3),)


def test_reservation_confirmed_rejected_and_cancelled_carry_their_totals() -> None:
    c, r, x = (events.parse(json.dumps(sample(t))) for t in ("ReservationConfirmed", "ReservationRejected", "ReservationCancelled"))
    assert c is not None and r is not None and x is not None
    cd, rd, xd = (sample(t)["data"] for t in ("ReservationConfirmed", "ReservationRejected", "ReservationCancelled"))
    assert c.data == events.ReservationConfirmed(cd["reservation_id"], cd["screening_id"], tuple(cd["seats"]), money(cd["total"]))
    assert r.data == events.ReservationRejected(
        rd["reservation_id"], rd["screening_id"], tuple(rd["seats"]), money(rd["total"]), rd["reason"]
    )
    assert x.data == events.ReservationCancelled(
        xd["reservation_id"], xd["screening_id"], tuple(xd["seats"]), money(xd["total"]), xd["was_confirmed"]
    )
    assert x.data.was_confirmed is True


def test_older_booking_events_without_a_total_parse_with_none() -> None:
    assert wire.parsed(wire.confirmed(total=None)).data.total is None
    assert wire.parsed(wire.cancelled(total=None, was_confirmed=False)).data.total is None


def test_seats_held_hold_released_and_reservation_abandoned() -> None:
    h, rel, ab = (sample(t) for t in ("SeatsHeld", "HoldReleased", "ReservationAbandoned"))
    eh, erel, eab = (events.parse(json.dumps(w)) for w in (h, rel, ab))
    assert eh is not None and erel is not None and eab is not None
    hd, rd, ad = h["data"], rel["data"], ab["data"]
    assert eh.data == events.SeatsHeld(hd["hold_id"], hd["screening_id"], tuple(hd["seats"]), hd["expires_at"])
    assert erel.data == events.HoldReleased(rd["hold_id"], rd["screening_id"], tuple(rd["seats"]), rd["reason"])
    assert eab.data == events.ReservationAbandoned(ad["reservation_id"], ad["reason"], None)


def test_an_abandoned_booking_naming_its_screening_keeps_it() -> None:
    assert wire.parsed(wire.abandoned(screening_id="s-9")).data.screening_id == "s-9"


def _without(w: dict[str, Any], *path: str) -> dict[str, Any]:
    target = w
    for p in path[:-1]:
        target = target[p]
    del target[path[-1]]
    return w


def _with(w: dict[str, Any], value: Any, *path: str) -> dict[str, Any]:
    target = w
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = value
    return w


BAD = {
    "unknown type": _with(wire.placed(), "ReservationTeleported", "type"),
    "unknown type of a skipped shape": _with(sample("PaymentApproved"), "PaymentDeclined", "type"),
    "missing data": _without(wire.placed(), "data"),
    "missing data of a skipped type": _without(sample("SeatsAllocated"), "data"),
    "data not an object": _with(wire.placed(), ["A3"], "data"),
    "missing event_id": _without(wire.placed(), "event_id"),
    "missing type": _without(wire.placed(), "type"),
    "version as text": _with(wire.placed(), "1", "version"),
    "version as a boolean": _with(wire.placed(), True, "version"),
    "reservation_version as text": _with(wire.placed(), "2", "reservation_version"),
    "seats as text": _with(wire.placed(), "A3,A4", "data", "seats"),
    "seat label as a number": _with(wire.placed(), ["A3", 4], "data", "seats"),
    "total amount as text": _with(wire.placed(), {"amount": "27000", "currency": "KRW"}, "data", "total"),
    "placed without total": _without(wire.placed(), "data", "total"),
    "placed without customer": _without(wire.placed(), "data", "customer_id"),
    "unknown ticket type": _with(wire.placed(), [{"count": 2, "ticket_type": "Child"}], "data", "tickets"),
    "ticket count as text": _with(wire.placed(), [{"count": "2", "ticket_type": "Adult"}], "data", "tickets"),
    "was_confirmed as text": _with(wire.cancelled(), "yes", "data", "was_confirmed"),
    "layout row seats as a boolean": _with(wire.scheduled(), {"rows": [{"seats": True}]}, "data", "layout"),
    "layout row not an object": _with(wire.scheduled(), {"rows": [6]}, "data", "layout"),
    "screening without starts_at": _without(wire.scheduled(), "data", "starts_at"),
    "hold without expiry": _without(wire.held(), "data", "expires_at"),
    "released hold without screening": _without(wire.released(), "data", "screening_id"),
}


@pytest.mark.parametrize("bad", BAD.values(), ids=BAD.keys())
def test_what_is_not_an_envelope_of_the_contract_is_a_bad_event(bad: dict[str, Any]) -> None:
    with pytest.raises(BadEvent):
        events.parse(json.dumps(bad))


@pytest.mark.parametrize("text", ["", "not json", "{", "[1, 2]", '"ReservationPlaced"', "null", b"\xff\xfe\x00"])
def test_what_is_not_a_json_object_is_a_bad_event(text: str | bytes) -> None:
    with pytest.raises(BadEvent):
        events.parse(text)
