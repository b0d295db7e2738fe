"""Envelopes as the contract writes them (contract/events/*.json), built as dicts for the tests."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timezone
from typing import Any, Optional

from reports import events
from reports.events import Envelope

T0_MS = int(datetime(2026, 12, 5, 10, 0, tzinfo=timezone.utc).timestamp() * 1000)
_serial = itertools.count(1)


def uuid7(millis: int, serial: Optional[int] = None) -> str:
    """A UUIDv7 created at Unix time `millis` (ms), as the platform's event ids are."""
    n = next(_serial) if serial is None else serial
    hex_ = f"{millis:012x}7{n % 0x1000:03x}8{n:015x}"
    return f"{hex_[:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:20]}-{hex_[20:32]}"


def money(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "KRW"}


def envelope(
    type_: str,
    data: dict[str, Any],
    *,
    event_id: Optional[str] = None,
    reservation_id: Optional[str] = None,
    reservation_version: Optional[int] = None,
    occurred_at: str = "2026-12-05T10:00:00Z",
) -> dict[str, Any]:
    return {
        "causation_id": uuid7(T0_MS),
        "correlation_id": "req-1",
        "data": data,
        "event_id": event_id or uuid7(T0_MS),
        "occurred_at": occurred_at,
        "reservation_id": reservation_id,
        "reservation_version": reservation_version,
        "source": "reservation",
        "type": type_,
        "version": 1,
    }


def scheduled(
    screening_id: str = "s-1",
    *,
    starts_at: str = "2026-12-06T10:00:00Z",
    movie_id: str = "m-1",
    title: str = "기생충",
    hall_name: str = "1관",
    row_seats: tuple[int, ...] = (6, 4),
) -> dict[str, Any]:
    rows = [
        {"aisles_after": [], "kinds": [], "label": chr(ord("A") + i), "seats": n, "space_before": False}
        for i, n in enumerate(row_seats)
    ]
    return envelope(
        "ScreeningScheduled",
        {
            "age_rating": "15",
            "hall_id": "h-1",
            "hall_name": hall_name,
            "layout": {"rows": rows},
            "movie_id": movie_id,
            "movie_title": title,
            "price": money(15000),
            "prices": [{"price": money(15000), "ticket_type": "Adult"}],
            "rows": len(row_seats),
            "runtime_min": 132,
            "screening_id": screening_id,
            "seat_surcharges": [],
            "seats_per_row": max(row_seats),
            "starts_at": starts_at,
        },
    )


def _booking(
    type_: str, reservation_id: str, screening_id: str, seats: list[str], total: Optional[int], version: Optional[int], **extra: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "booking_number": "2612-0457-3921",
        "customer_id": "alice",
        "payment_id": "p-1",
        "reservation_id": reservation_id,
        "screening_id": screening_id,
        "seats": seats,
        **extra,
    }
    if total is not None:
        data["total"] = money(total)
    return envelope(type_, data, reservation_id=reservation_id, reservation_version=version)


def placed(
    reservation_id: str = "r-1",
    screening_id: str = "s-1",
    seats: tuple[str, ...] = ("A3", "A4"),
    *,
    tickets: Optional[dict[str, int]] = None,
    total: int = 27000,
    version: Optional[int] = 1,
) -> dict[str, Any]:
    tickets = tickets if tickets is not None else {"Adult": len(seats)}
    listed = [{"count": n, "ticket_type": t} for t, n in tickets.items()]
    return _booking("ReservationPlaced", reservation_id, screening_id, list(seats), total, version, tickets=listed)


def confirmed(
    reservation_id: str = "r-1", screening_id: str = "s-1", seats: tuple[str, ...] = ("A3", "A4"),
    *, total: Optional[int] = 27000, version: Optional[int] = 2,
) -> dict[str, Any]:
    e = _booking("ReservationConfirmed", reservation_id, screening_id, list(seats), total, version)
    del e["data"]["payment_id"]
    return e


def rejected(
    reservation_id: str = "r-1", screening_id: str = "s-1", seats: tuple[str, ...] = ("A3", "A4"),
    *, total: Optional[int] = 27000, version: Optional[int] = 2, reason: str = "SeatsTaken",
) -> dict[str, Any]:
    return _booking("ReservationRejected", reservation_id, screening_id, list(seats), total, version, reason=reason)


def cancelled(
    reservation_id: str = "r-1", screening_id: str = "s-1", seats: tuple[str, ...] = ("A3", "A4"),
    *, total: Optional[int] = 27000, version: Optional[int] = 3, was_confirmed: bool = True,
) -> dict[str, Any]:
    return _booking(
        "ReservationCancelled", reservation_id, screening_id, list(seats), total, version, was_confirmed=was_confirmed
    )


def abandoned(reservation_id: str = "r-1", screening_id: Optional[str] = None) -> dict[str, Any]:
    data: dict[str, Any] = {"customer_id": "alice", "reason": "payment-timeout", "reservation_id": reservation_id}
    if screening_id is not None:
        data["screening_id"] = screening_id
    return envelope("ReservationAbandoned", data)


def held(
    hold_id: str = "hold-1", screening_id: str = "s-1", seats: tuple[str, ...] = ("A5",),
    *, expires_at: str = "2026-12-05T10:10:00Z",
) -> dict[str, Any]:
    return envelope(
        "SeatsHeld",
        {"customer_id": "alice", "expires_at": expires_at, "hold_id": hold_id, "screening_id": screening_id, "seats": list(seats)},
    )


def released(
    hold_id: str = "hold-1", screening_id: str = "s-1", seats: tuple[str, ...] = ("A5",),
    *, occurred_at: str = "2026-12-05T10:05:00Z",
) -> dict[str, Any]:
    return envelope(
        "HoldReleased",
        {"hold_id": hold_id, "reason": "booked", "screening_id": screening_id, "seats": list(seats)},
        occurred_at=occurred_at,
    )


def movie_registered() -> dict[str, Any]:
    """A type of the contract the reports do not read."""
    return envelope("MovieRegistered", {"movie_id": "m-1", "title": "기생충"})


def text(wire: dict[str, Any]) -> str:
    return json.dumps(wire, ensure_ascii=False)


def parsed(wire: dict[str, Any]) -> Envelope:
    e = events.parse(text(wire))
    assert e is not None, f"{wire['type']} is not read by the reports"
    return e
