"""The integration events of the contract (wit/events.wit, contract/events/*.json) in their wire
form, parsed into typed classes. Only the types the reports read are parsed; the other types of the
contract are recognised and skipped; anything else is not an envelope of the contract."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional, Union

# Every type of the contract, as crates/events names them (EVENT_TYPES).
EVENT_TYPES = (
    "MovieRegistered",
    "ScreeningScheduled",
    "SeatsAllocated",
    "SeatsRejected",
    "SeatsReleased",
    "ReservationPlaced",
    "ReservationConfirmed",
    "ReservationRejected",
    "ReservationCancelled",
    "ReservationAbandoned",
    "SeatsHeld",
    "HoldReleased",
    "PaymentApproved",
    "PaymentRefunded",
)

# The contract's ticket types, with the names the reports use.
TICKET_TYPES = {"Adult": "adult", "Youth": "youth", "Senior": "senior", "Disabled": "disabled"}


class BadEvent(ValueError):
    """Not an envelope of the contract, or a payload missing what its type requires."""


@dataclass(frozen=True)
class Money:
    amount: int
    currency: str


@dataclass(frozen=True)
class ScreeningScheduled:
    screening_id: str
    movie_id: str
    movie_title: str
    hall_id: str
    hall_name: str
    starts_at: str
    capacity: int


@dataclass(frozen=True)
class ReservationPlaced:
    reservation_id: str
    screening_id: str
    seats: tuple[str, ...]
    tickets: tuple[tuple[str, int], ...]
    total: Money


@dataclass(frozen=True)
class ReservationConfirmed:
    reservation_id: str
    screening_id: str
    seats: tuple[str, ...]
    # Absent on older events: the total of the booking's ReservationPlaced.
    total: Optional[Money]


@dataclass(frozen=True)
class ReservationRejected:
    reservation_id: str
    screening_id: str
    seats: tuple[str, ...]
    total: Optional[Money]
    reason: str


@dataclass(frozen=True)
class ReservationCancelled:
    reservation_id: str
    screening_id: str
    seats: tuple[str, ...]
    total: Optional[Money]
    was_confirmed: bool


@dataclass(frozen=True)
class ReservationAbandoned:
    reservation_id: str
    reason: str
    # Not in today's contract (a payment attempt that timed out before its booking was placed
    # names no screening); read when a publisher adds it.
    screening_id: Optional[str]


@dataclass(frozen=True)
class SeatsHeld:
    hold_id: str
    screening_id: str
    seats: tuple[str, ...]
    expires_at: str


@dataclass(frozen=True)
class HoldReleased:
    hold_id: str
    screening_id: str
    seats: tuple[str, ...]
    reason: str


Payload = Union[
    ScreeningScheduled,
    ReservationPlaced,
    ReservationConfirmed,
    ReservationRejected,
    ReservationCancelled,
    ReservationAbandoned,
    SeatsHeld,
    HoldReleased,
]


@dataclass(frozen=True)
class Envelope:
    event_id: str
    type: str
    version: int
    occurred_at: str
    correlation_id: str
    source: str
    reservation_id: Optional[str]
    reservation_version: Optional[int]
    data: Payload


def _field(obj: dict[str, Any], name: str, kind: type, optional: bool = False) -> Any:
    value = obj.get(name)
    if value is None and optional:
        return None
    if kind is int and isinstance(value, bool):
        raise BadEvent(f"{name}: expected an integer")
    if not isinstance(value, kind):
        raise BadEvent(f"{name}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def _text(obj: dict[str, Any], name: str) -> str:
    return _field(obj, name, str)


def _seats(obj: dict[str, Any]) -> tuple[str, ...]:
    seats = _field(obj, "seats", list)
    if not all(isinstance(s, str) for s in seats):
        raise BadEvent("seats: expected seat labels")
    return tuple(seats)


def _money(obj: dict[str, Any], name: str, optional: bool = False) -> Optional[Money]:
    m = _field(obj, name, dict, optional)
    return None if m is None else Money(_field(m, "amount", int), _text(m, "currency"))


def _require(obj: dict[str, Any], *fields: tuple[str, type]) -> None:
    """Fields the contract requires that the reports do not use: checked like the Rust parser does,
    so an envelope either language refuses is refused by both."""
    for name, kind in fields:
        _field(obj, name, kind)


def _capacity(d: dict[str, Any]) -> int:
    """The seats of the hall: its layout's rows; older events without a layout: rows × seats_per_row."""
    layout = _field(d, "layout", dict, optional=True)
    if layout is None:
        return _field(d, "rows", int) * _field(d, "seats_per_row", int)
    rows = _field(layout, "rows", list)
    total = 0
    for row in rows:
        if not isinstance(row, dict):
            raise BadEvent("layout.rows: expected objects")
        total += _field(row, "seats", int)
    return total


def _screening_scheduled(d: dict[str, Any]) -> ScreeningScheduled:
    _require(d, ("runtime_min", int), ("rows", int), ("seats_per_row", int), ("price", dict))
    return ScreeningScheduled(
        screening_id=_text(d, "screening_id"),
        movie_id=_text(d, "movie_id"),
        movie_title=_text(d, "movie_title"),
        hall_id=_text(d, "hall_id"),
        hall_name=_text(d, "hall_name"),
        starts_at=_text(d, "starts_at"),
        capacity=_capacity(d),
    )


def _tickets(d: dict[str, Any]) -> tuple[tuple[str, int], ...]:
    listed = _field(d, "tickets", list, optional=True)
    if listed is None:  # older events: every ticket adult
        return (("adult", len(_seats(d))),)
    out = []
    for t in listed:
        if not isinstance(t, dict):
            raise BadEvent("tickets: expected objects")
        name = TICKET_TYPES.get(_text(t, "ticket_type"))
        if name is None:
            raise BadEvent(f"tickets: unknown ticket type {t.get('ticket_type')!r}")
        out.append((name, _field(t, "count", int)))
    return tuple(out)


def _placed(d: dict[str, Any]) -> ReservationPlaced:
    _require(d, ("customer_id", str), ("payment_id", str))
    return ReservationPlaced(_text(d, "reservation_id"), _text(d, "screening_id"), _seats(d), _tickets(d), _money(d, "total"))


def _confirmed(d: dict[str, Any]) -> ReservationConfirmed:
    _require(d, ("customer_id", str))
    return ReservationConfirmed(_text(d, "reservation_id"), _text(d, "screening_id"), _seats(d), _money(d, "total", True))


def _rejected(d: dict[str, Any]) -> ReservationRejected:
    _require(d, ("customer_id", str), ("payment_id", str))
    return ReservationRejected(
        _text(d, "reservation_id"), _text(d, "screening_id"), _seats(d), _money(d, "total", True), _text(d, "reason")
    )


def _cancelled(d: dict[str, Any]) -> ReservationCancelled:
    _require(d, ("customer_id", str), ("payment_id", str))
    return ReservationCancelled(
        _text(d, "reservation_id"), _text(d, "screening_id"), _seats(d), _money(d, "total", True), _field(d, "was_confirmed", bool)
    )


def _abandoned(d: dict[str, Any]) -> ReservationAbandoned:
    _require(d, ("customer_id", str))
    return ReservationAbandoned(_text(d, "reservation_id"), _text(d, "reason"), _field(d, "screening_id", str, optional=True))


def _held(d: dict[str, Any]) -> SeatsHeld:
    _require(d, ("customer_id", str))
    return SeatsHeld(_text(d, "hold_id"), _text(d, "screening_id"), _seats(d), _text(d, "expires_at"))


def _released(d: dict[str, Any]) -> HoldReleased:
    return HoldReleased(_text(d, "hold_id"), _text(d, "screening_id"), _seats(d), _text(d, "reason"))


_PARSERS = {
    "ScreeningScheduled": _screening_scheduled,
    "ReservationPlaced": _placed,
    "ReservationConfirmed": _confirmed,
    "ReservationRejected": _rejected,
    "ReservationCancelled": _cancelled,
    "ReservationAbandoned": _abandoned,
    "SeatsHeld": _held,
    "HoldReleased": _released,
}

# The types the reports project; the others of the contract are acknowledged unread.
HANDLED = tuple(_PARSERS)


def parse(text: Union[str, bytes]) -> Optional[Envelope]:
    """The envelope in `text`; `None` for a type of the contract the reports do not read.

    Raises BadEvent for anything that is not an envelope of the contract (unknown type, a missing
    header field, a payload without what its type requires)."""
    try:
        wire = json.loads(text)
    except (ValueError, UnicodeDecodeError) as e:
        raise BadEvent(f"not JSON: {e}") from None
    if not isinstance(wire, dict):
        raise BadEvent("not a JSON object")
    type_ = _text(wire, "type")
    header = dict(
        event_id=_text(wire, "event_id"),
        type=type_,
        version=_field(wire, "version", int),
        occurred_at=_text(wire, "occurred_at"),
        correlation_id=_text(wire, "correlation_id"),
        source=_text(wire, "source"),
        reservation_id=_field(wire, "reservation_id", str, optional=True),
        reservation_version=_field(wire, "reservation_version", int, optional=True),
    )
    if "data" not in wire:
        raise BadEvent("data: missing")
    parser = _PARSERS.get(type_)
    if parser is None:
        if type_ in EVENT_TYPES:
            return None
        raise BadEvent(f"unknown event type {type_!r}")
    data = _field(wire, "data", dict)
    return Envelope(data=parser(data), **header)
