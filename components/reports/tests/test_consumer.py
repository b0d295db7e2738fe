"""The consumer-group drain (port of crates/eventing/src/consumer.rs) against FakeRedis:
acknowledgement, skipped types, dead letters, retries and the doorbell."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

import wire
from fakes import FakeRedis
from reports import consumer as c
from reports.consumer import Consumer, Settings
from reports.events import Envelope
from reports.ports import StoreError

CONTRACT = Path(__file__).resolve().parents[3] / "contract" / "events"
LETTER_FIELDS = ["id", "group", "e", "reason", "attempts", "first_failure", "last_failure"]


class Clock:
    def __init__(self) -> None:
        self.t = datetime(2026, 12, 5, 10, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.t

    def tick(self) -> None:
        self.t += timedelta(minutes=1)


class Handler:
    """A `handle` that applies every event except those it is told to fail, and a `before_ack`
    that keeps the applied ids (or raises StoreError when the store is down)."""

    def __init__(self, fail: Optional[set[str]] = None, store_down: bool = False) -> None:
        self.fail = fail or set()
        self.store_down = store_down
        self.seen: list[Envelope] = []
        self.kept: list[str] = []

    def handle(self, envelopes: list[Envelope]) -> dict[str, Optional[str]]:
        self.seen.extend(envelopes)
        return {e.event_id: ("projection failed" if e.event_id in self.fail else None) for e in envelopes}

    def before_ack(self, event_ids: list[str]) -> None:
        if self.store_down:
            raise StoreError("set-many: the store is down")
        self.kept.extend(event_ids)


def drain(redis: FakeRedis, handler: Handler, clock: Optional[Callable[[], datetime]] = None, **settings: Any) -> c.DrainReport:
    return Consumer(redis, Settings(**settings), now=clock or Clock()).drain(handler.handle, handler.before_ack)


def test_handled_entries_are_acknowledged_after_before_ack() -> None:
    redis = FakeRedis()
    ws = [wire.scheduled(), wire.placed(), wire.confirmed()]
    ids = [redis.add(wire.text(w)) for w in ws]
    h = Handler()
    report = drain(redis, h)
    assert (report.handled, report.failed, report.dead_lettered) == (3, 0, 0)
    assert [e.event_id for e in h.seen] == [w["event_id"] for w in ws]
    assert h.kept == [w["event_id"] for w in ws]
    assert redis.acked == ids
    assert redis.pending == [] and redis.dead == []


def test_other_types_of_the_contract_are_acknowledged_unread() -> None:
    redis = FakeRedis()
    skipped = [p.read_text(encoding="utf-8") for p in sorted(CONTRACT.glob("*.json"))
               if p.stem in {"MovieRegistered", "SeatsAllocated", "SeatsRejected", "SeatsReleased", "PaymentApproved", "PaymentRefunded"}]
    assert len(skipped) == 6
    ids = [redis.add(t) for t in skipped]
    read = wire.placed()
    ids.append(redis.add(wire.text(read)))
    h = Handler()
    report = drain(redis, h)
    assert [e.event_id for e in h.seen] == [read["event_id"]]
    assert h.kept == [read["event_id"]]
    assert report.handled == 7
    assert sorted(redis.acked) == sorted(ids)
    assert redis.pending == []


@pytest.mark.parametrize(
    "text", ["not json", json.dumps({**wire.placed(), "type": "ReservationTeleported"}), json.dumps(wire.placed())[:-5]]
)
def test_what_is_not_an_envelope_is_dead_lettered_at_once_and_acknowledged(text: str) -> None:
    redis = FakeRedis()
    clock = Clock()
    bad = redis.add(text)
    good = redis.add(wire.text(wire.placed()))
    h = Handler()
    report = drain(redis, h, clock)
    assert (report.handled, report.failed, report.dead_lettered) == (1, 0, 1)
    assert len(redis.dead) == 1
    _, fields = redis.dead[0]
    assert list(fields) == LETTER_FIELDS
    assert (fields["id"], fields["group"], fields["e"], fields["attempts"]) == (bad, "reports", text, "1")
    assert fields["reason"]
    assert fields["first_failure"] == fields["last_failure"] == "2026-12-05T10:00:00.000Z"
    assert sorted(redis.acked) == sorted([bad, good])
    assert len(h.seen) == 1


def test_a_failing_event_stays_pending_until_its_last_attempt_then_is_dead_lettered() -> None:
    redis = FakeRedis()
    clock = Clock()
    failing = wire.confirmed()
    entry = redis.add(wire.text(failing))
    h = Handler(fail={failing["event_id"]})

    for attempt in (1, 2):
        report = drain(redis, h, clock, max_attempts=3)
        assert (report.handled, report.failed, report.dead_lettered) == (0, 1, 0), attempt
        assert redis.acked == [] and redis.pending == [entry]
        assert redis.dead == []
        assert json.loads(redis.failures[entry]) == {
            "first_failure": "2026-12-05T10:00:00.000Z",
            "last_failure": f"2026-12-05T10:0{attempt - 1}:00.000Z",
            "error": "projection failed",
        }
        clock.tick()

    report = drain(redis, h, clock, max_attempts=3)
    assert (report.handled, report.failed, report.dead_lettered) == (0, 0, 1)
    assert redis.acked == [entry] and redis.pending == []
    assert entry not in redis.failures
    (_, fields), = redis.dead
    assert list(fields) == LETTER_FIELDS
    assert fields == {
        "id": entry, "group": "reports", "e": wire.text(failing), "reason": "projection failed", "attempts": "3",
        "first_failure": "2026-12-05T10:00:00.000Z", "last_failure": "2026-12-05T10:02:00.000Z",
    }
    assert h.kept == []


def test_a_failure_stops_the_drain_and_the_rest_of_the_batch_is_still_acknowledged() -> None:
    redis = FakeRedis()
    failing, fine = wire.placed("r-1"), wire.placed("r-2")
    f_id, ok_id = redis.add(wire.text(failing)), redis.add(wire.text(fine))
    later = [redis.add(wire.text(wire.placed(f"r-{i}"))) for i in range(3, 6)]
    h = Handler(fail={failing["event_id"]})
    report = drain(redis, h, batch=2)
    assert (report.handled, report.failed) == (1, 1)
    assert redis.acked == [ok_id]
    assert redis.pending == [f_id]
    assert redis.fetches == 1  # the entries after the failing batch wait for the next wake-up
    assert not set(later) & set(redis.acked)


def test_an_entry_that_succeeds_on_a_later_delivery_forgets_its_failure() -> None:
    redis = FakeRedis()
    e = wire.placed()
    entry = redis.add(wire.text(e))
    h = Handler(fail={e["event_id"]})
    drain(redis, h)
    assert entry in redis.failures
    h.fail.clear()
    report = drain(redis, h)
    assert (report.handled, report.failed) == (1, 0)
    assert entry not in redis.failures
    assert redis.acked == [entry]


def test_when_before_ack_fails_the_handled_entries_stay_pending() -> None:
    redis = FakeRedis()
    handled = [redis.add(wire.text(wire.placed(f"r-{i}"))) for i in range(2)]
    skipped = redis.add((CONTRACT / "PaymentApproved.json").read_text(encoding="utf-8"))
    bad = redis.add("not json")
    h = Handler(store_down=True)
    report = drain(redis, h)
    assert (report.handled, report.failed, report.dead_lettered) == (1, 2, 1)
    assert sorted(redis.acked) == sorted([skipped, bad])
    assert redis.pending == handled
    assert redis.fetches == 1


def test_the_doorbell_rings_again_when_the_last_allowed_batch_was_full() -> None:
    redis = FakeRedis()
    for i in range(5):
        redis.add(wire.text(wire.placed(f"r-{i}")))
    report = drain(redis, Handler(), batch=2, max_batches=2)
    assert report.handled == 4
    assert redis.published == [(c.DOORBELL, b"wake")]
    assert redis.fetches == 2
    assert len(redis.acked) == 4


def test_the_doorbell_stays_quiet_when_the_stream_was_drained() -> None:
    redis = FakeRedis()
    for i in range(3):
        redis.add(wire.text(wire.placed(f"r-{i}")))
    report = drain(redis, Handler(), batch=2, max_batches=2)
    assert report.handled == 3
    assert redis.published == []


def test_an_empty_stream_is_one_fetch_and_nothing_else() -> None:
    redis = FakeRedis()
    h = Handler()
    report = drain(redis, h)
    assert (report.handled, report.failed, report.dead_lettered) == (0, 0, 0)
    assert redis.fetches == 1
    assert h.kept == [] and redis.acked == []
