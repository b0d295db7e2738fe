"""The read model: one document per screening holding its facts, every booking's current state and
the open seat holds. Figures are computed from these states when asked (`queries`), never added to
counters, so applying an event twice changes nothing; a booking event older than the version the
booking was last set at is ignored, so events of one booking applied out of order end in the
newest state."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Optional

from . import events as ev

# Released holds are remembered this long (a SeatsHeld delivered after its HoldReleased must not
# count the seats again); an expired hold is dropped this long after its expiry.
RELEASED_HOLD_MEMORY = timedelta(days=1)
EXPIRED_HOLD_MEMORY = timedelta(hours=1)


def screening_key(screening_id: str) -> str:
    return f"screening:{screening_id}"


def day_key(utc_date: str) -> str:
    """The index of the screenings starting on a UTC date (venue dates are computed when asked,
    so a change of `venue_timezone` needs no rebuild)."""
    return f"day:{utc_date}"


def inbox_key(event_id: str) -> str:
    return f"inbox:{event_id}"


@dataclass
class Booking:
    status: str  # pending | confirmed | cancelled | rejected | abandoned
    seats: list[str] = field(default_factory=list)
    tickets: dict[str, int] = field(default_factory=dict)
    total: int = 0
    version: Optional[int] = None
    was_confirmed: bool = False


@dataclass
class Hold:
    seats: list[str]
    expires_at: Optional[str] = None
    released_at: Optional[str] = None


@dataclass
class Screening:
    screening_id: str
    movie_id: Optional[str] = None
    movie_title: Optional[str] = None
    hall_id: Optional[str] = None
    hall_name: Optional[str] = None
    starts_at: Optional[str] = None
    capacity: int = 0
    bookings: dict[str, Booking] = field(default_factory=dict)
    holds: dict[str, Hold] = field(default_factory=dict)

    @property
    def scheduled(self) -> bool:
        return self.starts_at is not None

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> "Screening":
        d = json.loads(raw)
        d["bookings"] = {k: Booking(**v) for k, v in d.get("bookings", {}).items()}
        d["holds"] = {k: Hold(**v) for k, v in d.get("holds", {}).items()}
        return cls(**d)


def parse_time(text: str) -> datetime:
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def utc_date(starts_at: str) -> str:
    return parse_time(starts_at).astimezone(timezone.utc).date().isoformat()


def target(envelope: ev.Envelope) -> Optional[str]:
    """The screening whose document the event changes; None when it names none."""
    return getattr(envelope.data, "screening_id", None)


# How far along its life a booking status is: without versions to compare, a state never goes
# back to an earlier one.
_RANK = {"pending": 0, "abandoned": 1, "confirmed": 1, "rejected": 2, "cancelled": 2}
_STATUS = {
    ev.ReservationPlaced: "pending",
    ev.ReservationConfirmed: "confirmed",
    ev.ReservationRejected: "rejected",
    ev.ReservationCancelled: "cancelled",
}


def _booking_step(s: Screening, e: ev.Envelope) -> None:
    d = e.data
    b = s.bookings.get(d.reservation_id)
    if b is None:
        b = s.bookings[d.reservation_id] = Booking(status="pending")
    if isinstance(d, ev.ReservationAbandoned):
        if b.status == "pending":
            b.status = "abandoned"
        return
    # Facts that hold whatever the order they arrive in.
    if isinstance(d, ev.ReservationPlaced):
        tickets: dict[str, int] = {}
        for name, count in d.tickets:
            tickets[name] = tickets.get(name, 0) + count
        b.tickets = tickets
    if isinstance(d, ev.ReservationConfirmed) or (isinstance(d, ev.ReservationCancelled) and d.was_confirmed):
        b.was_confirmed = True
    # The state: only from an event at least as new as the one it was last set by.
    status = _STATUS[type(d)]
    v, old = e.reservation_version, b.version
    if v is not None and old is not None and v != old:
        newer = v > old
    else:
        newer = _RANK[status] >= _RANK[b.status]
    if newer:
        b.status = status
        b.seats = sorted(d.seats)
        if d.total is not None:
            b.total = d.total.amount
        if v is not None:
            b.version = v


def apply(s: Screening, e: ev.Envelope) -> None:
    """Applies one event to its screening's document (idempotent)."""
    d = e.data
    if isinstance(d, ev.ScreeningScheduled):
        s.movie_id, s.movie_title = d.movie_id, d.movie_title
        s.hall_id, s.hall_name = d.hall_id, d.hall_name
        s.starts_at, s.capacity = d.starts_at, d.capacity
    elif isinstance(d, ev.SeatsHeld):
        hold = s.holds.get(d.hold_id)
        if hold is None:
            s.holds[d.hold_id] = Hold(seats=sorted(d.seats), expires_at=d.expires_at)
        elif hold.released_at is None:
            hold.seats, hold.expires_at = sorted(d.seats), d.expires_at
    elif isinstance(d, ev.HoldReleased):
        hold = s.holds.get(d.hold_id)
        if hold is None:
            s.holds[d.hold_id] = Hold(seats=sorted(d.seats), released_at=e.occurred_at)
        elif hold.released_at is None:
            hold.released_at = e.occurred_at
    else:
        _booking_step(s, e)


def forget_old_holds(s: Screening, now: datetime) -> None:
    """Drops holds that can no longer matter, so a document does not grow with every hold."""
    for hold_id, hold in list(s.holds.items()):
        if hold.released_at is not None:
            if parse_time(hold.released_at) + RELEASED_HOLD_MEMORY < now:
                del s.holds[hold_id]
        elif hold.expires_at is not None and parse_time(hold.expires_at) + EXPIRED_HOLD_MEMORY < now:
            del s.holds[hold_id]


def apply_all(raw: Optional[bytes], screening_id: str, envelopes: list[ev.Envelope], now: datetime) -> bytes:
    """The document `raw` (None when absent) after `envelopes`, in their order."""
    s = Screening.from_json(raw) if raw is not None else Screening(screening_id=screening_id)
    for e in envelopes:
        apply(s, e)
    forget_old_holds(s, now)
    return s.to_json()


def add_to_index(raw: Optional[bytes], screening_ids: list[str]) -> Optional[bytes]:
    """The day index `raw` with `screening_ids` added; None when nothing changes."""
    ids = set(json.loads(raw)) if raw is not None else set()
    if ids.issuperset(screening_ids) and raw is not None:
        return None
    return json.dumps(sorted(ids.union(screening_ids))).encode()
