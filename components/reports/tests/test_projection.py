"""The per-screening document: every event type the reports read, applied once, twice, or out of
order, ends in the same figures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import wire
from reports import projection as pj
from reports.queries import Figures, figures

NOW = datetime(2026, 12, 5, 10, 5, tzinfo=timezone.utc)  # holds of wire.held() expire at 10:10


def project(*wires: dict[str, Any], raw: Optional[bytes] = None, now: datetime = NOW) -> bytes:
    return pj.apply_all(raw, "s-1", [wire.parsed(w) for w in wires], now)


def doc(*wires: dict[str, Any], now: datetime = NOW) -> pj.Screening:
    return pj.Screening.from_json(project(*wires, now=now))


def figs(*wires: dict[str, Any], now: datetime = NOW) -> Figures:
    return figures(doc(*wires, now=now), now)


def bookings(**counts: int) -> dict[str, int]:
    return {"confirmed": 0, "pending": 0, "cancelled": 0, "rejected": 0, "abandoned": 0, **counts}


def test_screening_scheduled_sets_the_facts_of_the_screening() -> None:
    s = doc(wire.scheduled(starts_at="2026-12-06T10:00:00Z", movie_id="m-7", title="듄: 파트 2", hall_name="2관", row_seats=(10, 8)))
    assert (s.screening_id, s.movie_id, s.movie_title, s.hall_id, s.hall_name, s.starts_at, s.capacity) == (
        "s-1", "m-7", "듄: 파트 2", "h-1", "2관", "2026-12-06T10:00:00Z", 18
    )
    assert s.scheduled


def test_a_booking_event_before_its_screening_keeps_it_unscheduled_until_scheduled() -> None:
    first = project(wire.placed())
    assert not pj.Screening.from_json(first).scheduled
    s = pj.Screening.from_json(project(wire.scheduled(), raw=first))
    assert s.scheduled and "r-1" in s.bookings


def test_a_document_survives_its_json_round_trip() -> None:
    s = doc(wire.scheduled(), wire.placed(tickets={"Adult": 1, "Youth": 1}), wire.confirmed(), wire.held(seats=("B1",)))
    assert pj.Screening.from_json(s.to_json()) == s


def test_a_placed_booking_is_pending_and_its_seats_held() -> None:
    f = figs(wire.scheduled(), wire.placed(seats=("A1", "A2")))
    assert f.bookings == bookings(pending=1)
    assert (f.seats_held, f.tickets_sold, f.takings, f.refunds) == (2, 0, 0, 0)


def test_a_confirmed_booking_sells_its_seats_and_takes_its_total() -> None:
    f = figs(
        wire.scheduled(),
        wire.placed(seats=("A1", "A2", "A3"), tickets={"Adult": 2, "Youth": 1}, total=42000),
        wire.confirmed(seats=("A1", "A2", "A3"), total=42000),
    )
    assert f.bookings == bookings(confirmed=1)
    assert (f.tickets_sold, f.seats_held, f.takings, f.refunds, f.capacity) == (3, 0, 42000, 0, 10)
    assert f.tickets == {"adult": 2, "youth": 1, "senior": 0, "disabled": 0}


def test_a_confirmation_without_a_total_keeps_the_total_of_the_placed_booking() -> None:
    f = figs(wire.scheduled(), wire.placed(total=30000), wire.confirmed(total=None))
    assert f.takings == 30000


def test_applying_every_event_twice_changes_nothing() -> None:
    history = [
        wire.scheduled(),
        wire.placed("r-1", seats=("A1", "A2"), tickets={"Adult": 1, "Senior": 1}, total=22000),
        wire.confirmed("r-1", seats=("A1", "A2"), total=22000),
        wire.placed("r-2", seats=("B1",), total=15000),
        wire.cancelled("r-2", seats=("B1",), total=15000, was_confirmed=False, version=2),
        wire.placed("r-3", seats=("B2",), total=15000),
        wire.rejected("r-3", seats=("B2",), total=15000),
        wire.held("hold-1", seats=("A5", "A6")),
        wire.released("hold-2", seats=("A4",)),
        wire.held("hold-2", seats=("A4",)),
    ]
    once = project(*history)
    twice = project(*[w for w in history for _ in range(2)])
    again = project(*history, raw=once)
    assert once == twice == again
    f = figures(pj.Screening.from_json(twice), NOW)
    assert f.bookings == bookings(confirmed=1, cancelled=1, rejected=1)
    assert (f.tickets_sold, f.seats_held, f.takings, f.refunds) == (2, 2, 22000, 0)
    assert f.tickets == {"adult": 1, "youth": 0, "senior": 1, "disabled": 0}


def test_a_confirmation_before_its_placement_is_confirmed_with_the_placed_tickets() -> None:
    s = doc(
        wire.scheduled(),
        wire.confirmed(seats=("A1", "A2"), total=27000, version=2),
        wire.placed(seats=("A1", "A2"), tickets={"Adult": 1, "Youth": 1}, total=27000, version=1),
    )
    b = s.bookings["r-1"]
    assert (b.status, b.version, b.seats, b.total) == ("confirmed", 2, ["A1", "A2"], 27000)
    f = figures(s, NOW)
    assert f.bookings == bookings(confirmed=1)
    assert (f.tickets_sold, f.seats_held, f.takings) == (2, 0, 27000)
    assert f.tickets == {"adult": 1, "youth": 1, "senior": 0, "disabled": 0}


def test_a_cancellation_before_its_confirmation_is_cancelled_with_a_refund() -> None:
    f = figs(
        wire.scheduled(),
        wire.placed(version=1),
        wire.cancelled(version=3, was_confirmed=True, total=27000),
        wire.confirmed(version=2, total=27000),
    )
    assert f.bookings == bookings(cancelled=1)
    assert (f.tickets_sold, f.seats_held, f.takings, f.refunds) == (0, 0, 27000, 27000)


def test_of_two_final_states_the_newer_reservation_version_wins_whatever_the_order() -> None:
    newest_last = figs(wire.scheduled(), wire.rejected(version=2), wire.cancelled(version=3, was_confirmed=False))
    newest_first = figs(wire.scheduled(), wire.cancelled(version=3, was_confirmed=False), wire.rejected(version=2))
    assert newest_last.bookings == newest_first.bookings == bookings(cancelled=1)


def test_out_of_order_events_without_versions_never_go_back_in_a_booking_life() -> None:
    f = figs(wire.scheduled(), wire.confirmed(version=None), wire.placed(version=None))
    assert f.bookings == bookings(confirmed=1)
    assert f.tickets_sold == 2


def test_a_cancellation_after_confirmation_refunds_the_total_and_frees_the_seats() -> None:
    f = figs(
        wire.scheduled(),
        wire.placed(seats=("A1", "A2"), total=27000),
        wire.confirmed(seats=("A1", "A2"), total=27000),
        wire.cancelled(seats=("A1", "A2"), total=27000, was_confirmed=True),
    )
    assert f.bookings == bookings(cancelled=1)
    assert (f.takings, f.refunds, f.takings - f.refunds) == (27000, 27000, 0)
    assert (f.tickets_sold, f.seats_held) == (0, 0)
    assert f.tickets == {"adult": 0, "youth": 0, "senior": 0, "disabled": 0}


def test_a_cancellation_before_confirmation_takes_and_refunds_nothing() -> None:
    f = figs(wire.scheduled(), wire.placed(total=27000), wire.cancelled(total=27000, was_confirmed=False, version=2))
    assert f.bookings == bookings(cancelled=1)
    assert (f.takings, f.refunds, f.tickets_sold, f.seats_held) == (0, 0, 0, 0)


def test_a_rejected_booking_is_counted_rejected_and_takes_nothing() -> None:
    f = figs(wire.scheduled(), wire.placed(total=27000), wire.rejected(total=27000, reason="PaymentDeclined"))
    assert f.bookings == bookings(rejected=1)
    assert (f.takings, f.refunds, f.tickets_sold, f.seats_held) == (0, 0, 0, 0)


def test_an_abandoned_booking_is_counted_abandoned_and_holds_no_seats() -> None:
    s = doc(wire.scheduled(), wire.placed(seats=("A1",)))
    pj.apply(s, wire.parsed(wire.abandoned("r-1", screening_id="s-1")))
    f = figures(s, NOW)
    assert f.bookings == bookings(abandoned=1)
    assert (f.seats_held, f.tickets_sold) == (0, 0)


def test_an_abandonment_does_not_undo_a_confirmed_booking() -> None:
    s = doc(wire.scheduled(), wire.placed(), wire.confirmed())
    pj.apply(s, wire.parsed(wire.abandoned("r-1", screening_id="s-1")))
    f = figures(s, NOW)
    assert f.bookings == bookings(confirmed=1)
    assert f.takings == 27000


def test_an_unexpired_hold_counts_as_held_and_an_expired_one_does_not() -> None:
    s = doc(
        wire.scheduled(),
        wire.held("hold-1", seats=("A5", "A6"), expires_at="2026-12-05T10:10:00Z"),
        wire.held("hold-2", seats=("B1",), expires_at="2026-12-05T10:04:59Z"),
    )
    assert figures(s, NOW).seats_held == 2
    assert figures(s, datetime(2026, 12, 5, 10, 10, tzinfo=timezone.utc)).seats_held == 0


def test_a_released_hold_no_longer_counts() -> None:
    f = figs(wire.scheduled(), wire.held("hold-1", seats=("A5", "A6")), wire.released("hold-1", seats=("A5", "A6")))
    assert f.seats_held == 0


def test_a_hold_released_before_it_was_seen_held_does_not_count_its_seats() -> None:
    f = figs(wire.scheduled(), wire.released("hold-1", seats=("A5", "A6")), wire.held("hold-1", seats=("A5", "A6")))
    assert f.seats_held == 0


def test_seats_held_and_sold_are_each_counted_once() -> None:
    f = figs(
        wire.scheduled(),
        # The customer's hold on A1, A2 became booking r-1, not yet released in the stream.
        wire.held("hold-1", seats=("A1", "A2", "A3")),
        wire.placed("r-1", seats=("A1", "A2")),
        wire.confirmed("r-1", seats=("A1", "A2")),
        # A pending booking on a seat that is also on an open hold.
        wire.held("hold-2", seats=("B1",)),
        wire.placed("r-2", seats=("B1", "B2")),
    )
    assert f.tickets_sold == 2  # A1 A2
    assert f.seats_held == 3  # A3 B1 B2: not A1 A2 again, not B1 twice


def test_forget_old_holds_drops_what_can_no_longer_matter() -> None:
    s = doc(
        wire.scheduled(),
        wire.held("open", seats=("A1",), expires_at="2026-12-05T10:10:00Z"),
        wire.held("expired-long-ago", seats=("A2",), expires_at="2026-12-05T08:59:59Z"),
        wire.held("expired-recently", seats=("A3",), expires_at="2026-12-05T09:30:00Z"),
        wire.released("released-long-ago", seats=("A4",), occurred_at="2026-12-04T10:04:59Z"),
        wire.released("released-recently", seats=("A5",), occurred_at="2026-12-04T10:05:01Z"),
    )
    assert set(s.holds) == {"open", "expired-recently", "released-recently"}
    pj.forget_old_holds(s, NOW + timedelta(days=2))
    assert s.holds == {}


def test_a_late_seats_held_after_a_stored_release_does_not_count() -> None:
    kept = doc(wire.scheduled(), wire.released("hold-1", seats=("A1",), occurred_at="2026-12-05T10:00:00Z"))
    late = pj.apply_all(kept.to_json(), "s-1", [wire.parsed(wire.held("hold-1", seats=("A1",)))], NOW)
    assert figures(pj.Screening.from_json(late), NOW).seats_held == 0


def test_the_target_of_an_event_is_the_screening_it_names() -> None:
    assert pj.target(wire.parsed(wire.placed(screening_id="s-4"))) == "s-4"
    assert pj.target(wire.parsed(wire.abandoned())) is None


def test_the_day_index_only_grows() -> None:
    raw = pj.add_to_index(None, ["s-2"])
    assert raw is not None
    raw = pj.add_to_index(raw, ["s-1", "s-2"])
    assert raw == b'["s-1", "s-2"]'
    assert pj.add_to_index(raw, ["s-1"]) is None
