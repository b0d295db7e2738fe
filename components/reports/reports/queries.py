"""The reports (docs/reports.md): figures computed from the screening documents when asked."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

from . import projection as pj
from .ports import Store
from .venue import venue_date

CURRENCY = "KRW"
MAX_SPAN_DAYS = 366
GROUPS = ("day", "movie", "screening")
STATUSES = ("confirmed", "pending", "cancelled", "rejected", "abandoned")
TICKETS = ("adult", "youth", "senior", "disabled")


@dataclass
class Figures:
    screenings: int = 0
    capacity: int = 0
    tickets_sold: int = 0
    seats_held: int = 0
    takings: int = 0
    refunds: int = 0
    bookings: dict[str, int] = field(default_factory=lambda: {s: 0 for s in STATUSES})
    tickets: dict[str, int] = field(default_factory=lambda: {t: 0 for t in TICKETS})

    def add(self, other: "Figures") -> None:
        self.screenings += other.screenings
        self.capacity += other.capacity
        self.tickets_sold += other.tickets_sold
        self.seats_held += other.seats_held
        self.takings += other.takings
        self.refunds += other.refunds
        for k in STATUSES:
            self.bookings[k] += other.bookings[k]
        for k in TICKETS:
            self.tickets[k] += other.tickets[k]

    def json(self) -> dict:
        return {
            "screenings": self.screenings,
            "capacity": self.capacity,
            "tickets_sold": self.tickets_sold,
            "seats_held": self.seats_held,
            "occupancy_pct": occupancy_pct(self.tickets_sold, self.capacity),
            "takings": money(self.takings),
            "refunds": money(self.refunds),
            "net": money(self.takings - self.refunds),
            "bookings": dict(self.bookings),
        }


def money(amount: int) -> dict:
    return {"amount": amount, "currency": CURRENCY}


def occupancy_pct(sold: int, capacity: int) -> float:
    """sold / capacity × 100, rounded half up to one decimal; 0 when the capacity is unknown."""
    if capacity <= 0:
        return 0.0
    tenths = (sold * 2000 + capacity) // (2 * capacity)
    return tenths / 10


def figures(s: pj.Screening, now: datetime) -> Figures:
    f = Figures(screenings=1, capacity=s.capacity)
    sold: set[str] = set()
    held: set[str] = set()
    for b in s.bookings.values():
        f.bookings[b.status] = f.bookings.get(b.status, 0) + 1
        if b.was_confirmed:
            f.takings += b.total
        if b.status == "cancelled" and b.was_confirmed:
            f.refunds += b.total
        if b.status == "confirmed":
            sold.update(b.seats)
            for k, n in b.tickets.items():
                f.tickets[k] = f.tickets.get(k, 0) + n
        elif b.status == "pending":
            held.update(b.seats)
    for h in s.holds.values():
        if h.released_at is None and h.expires_at is not None and pj.parse_time(h.expires_at) > now:
            held.update(h.seats)
    f.tickets_sold = len(sold)
    f.seats_held = len(held - sold)
    return f


def screening_day(s: pj.Screening, tz: ZoneInfo) -> Optional[date]:
    return venue_date(pj.parse_time(s.starts_at), tz) if s.starts_at else None


def screening_detail(s: pj.Screening, tz: ZoneInfo, now: datetime, as_of: str) -> dict:
    f = figures(s, now)
    day = screening_day(s, tz)
    return {
        "screening_id": s.screening_id,
        "movie_id": s.movie_id,
        "movie_title": s.movie_title,
        "hall_id": s.hall_id,
        "hall_name": s.hall_name,
        "starts_at": s.starts_at,
        "day": day.isoformat() if day else None,
        "capacity": f.capacity,
        "seats_sold": f.tickets_sold,
        "seats_held": f.seats_held,
        "seats_free": max(f.capacity - f.tickets_sold - f.seats_held, 0),
        "occupancy_pct": occupancy_pct(f.tickets_sold, f.capacity),
        "takings": money(f.takings),
        "refunds": money(f.refunds),
        "net": money(f.takings - f.refunds),
        "tickets": dict(f.tickets),
        "bookings": dict(f.bookings),
        "as_of": as_of,
    }


@dataclass(frozen=True)
class SalesQuery:
    first: date
    last: date
    group: str


def screenings_between(store: Store, first: date, last: date, tz: ZoneInfo) -> list[pj.Screening]:
    """The scheduled screenings whose venue day is in [first, last], by showtime. The index is by
    UTC date; a venue day lies within a day of its UTC dates, so one more day each side is read."""
    days = [(first + timedelta(days=i)).isoformat() for i in range(-1, (last - first).days + 2)]
    ids: set[str] = set()
    for raw in store.get_many([pj.day_key(d) for d in days]).values():
        if raw is not None:
            ids.update(json.loads(raw))
    docs = store.get_many([pj.screening_key(i) for i in sorted(ids)])
    out = []
    for raw in docs.values():
        if raw is None:
            continue
        s = pj.Screening.from_json(raw)
        day = screening_day(s, tz)
        if day is not None and first <= day <= last:
            out.append(s)
    out.sort(key=lambda s: (pj.parse_time(s.starts_at), s.screening_id))
    return out


def sales(screenings: list[pj.Screening], q: SalesQuery, tz: ZoneInfo, now: datetime, as_of: str) -> dict:
    rows: list[dict] = []
    totals = Figures()
    per = [(s, figures(s, now)) for s in screenings]
    for _, f in per:
        totals.add(f)
    if q.group == "day":
        by_day: dict[date, Figures] = {}
        for s, f in per:
            by_day.setdefault(screening_day(s, tz), Figures()).add(f)
        for i in range((q.last - q.first).days + 1):
            d = q.first + timedelta(days=i)
            rows.append({"key": d.isoformat(), "label": d.isoformat(), **by_day.get(d, Figures()).json()})
    elif q.group == "movie":
        movies: dict[str, tuple[str, Figures]] = {}
        for s, f in per:
            key = s.movie_id or ""
            title, acc = movies.setdefault(key, (s.movie_title or key, Figures()))
            acc.add(f)
        ordered = sorted(movies.items(), key=lambda kv: (-kv[1][1].takings, kv[1][0], kv[0]))
        rows = [{"key": k, "label": title, **f.json()} for k, (title, f) in ordered]
    else:
        for s, f in per:
            rows.append(
                {
                    "key": s.screening_id,
                    "label": s.movie_title or s.movie_id or s.screening_id,
                    "movie_id": s.movie_id,
                    "hall_name": s.hall_name,
                    "starts_at": s.starts_at,
                    "day": screening_day(s, tz).isoformat(),
                    **f.json(),
                }
            )
    return {
        "from": q.first.isoformat(),
        "to": q.last.isoformat(),
        "group": q.group,
        "timezone": tz.key,
        "as_of": as_of,
        "rows": rows,
        "totals": totals.json(),
    }
