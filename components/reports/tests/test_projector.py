"""Batches of events projected into the store: one document per screening, the day index, the
inbox, and failures kept to the screening whose document could not be written."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

import wire
from fakes import FakeStore, FlakyStore
from reports import projection as pj
from reports import projector
from reports.events import Envelope
from reports.queries import figures

NOW = datetime(2026, 12, 5, 10, 5, tzinfo=timezone.utc)


def batch(*wires: dict[str, Any]) -> list[Envelope]:
    return [wire.parsed(w) for w in wires]


def screening(store: FakeStore, screening_id: str) -> pj.Screening:
    raw = store.data[pj.screening_key(screening_id)]
    return pj.Screening.from_json(raw)


def test_a_batch_writes_one_document_per_screening() -> None:
    store = FakeStore()
    b = batch(
        wire.scheduled("s-1"), wire.placed("r-1", "s-1"), wire.confirmed("r-1", "s-1"),
        wire.scheduled("s-2"), wire.placed("r-2", "s-2", seats=("B1",), total=15000),
    )
    out = projector.project(store, b, NOW)
    assert sorted(out.applied) == sorted(e.event_id for e in b)
    assert out.failed == {}
    assert figures(screening(store, "s-1"), NOW).takings == 27000
    assert figures(screening(store, "s-2"), NOW).bookings["pending"] == 1
    assert store.writes.count(pj.screening_key("s-1")) == 1  # one swap for its three events


def test_a_scheduled_screening_is_indexed_by_the_utc_date_of_its_showtime() -> None:
    store = FakeStore()
    # 16:00 UTC on the 5th is 01:00 on the 6th in Seoul: the index is by UTC date.
    projector.project(store, batch(wire.scheduled("s-1", starts_at="2026-12-05T16:00:00Z")), NOW)
    projector.project(
        store, batch(wire.scheduled("s-2", starts_at="2026-12-05T09:00:00Z"), wire.scheduled("s-3", starts_at="2026-12-06T00:00:00Z")), NOW
    )
    assert store.json("day:2026-12-05") == ["s-1", "s-2"]
    assert store.json("day:2026-12-06") == ["s-3"]


def test_only_screening_scheduled_adds_to_the_day_index() -> None:
    store = FakeStore()
    projector.project(store, batch(wire.placed("r-1", "s-1"), wire.held(screening_id="s-1")), NOW)
    assert [k for k in store.data if k.startswith("day:")] == []


def test_a_redelivered_batch_is_a_no_op_once_recorded_in_the_inbox() -> None:
    store = FakeStore()
    b = batch(wire.scheduled(), wire.placed(), wire.confirmed())
    first = projector.project(store, b, NOW)
    projector.record(store, first.applied)
    assert {k for k in store.data if k.startswith("inbox:")} == {pj.inbox_key(e.event_id) for e in b}
    before, writes = dict(store.data), len(store.writes)

    again = projector.project(store, b, NOW)

    assert sorted(again.applied) == sorted(e.event_id for e in b)
    assert again.failed == {}
    assert len(store.writes) == writes
    assert store.data == before


def test_an_event_twice_in_one_batch_is_applied_once() -> None:
    store = FakeStore()
    e = wire.parsed(wire.placed())
    out = projector.project(store, [e, e], NOW)
    assert out.applied == [e.event_id]
    assert store.writes == [pj.screening_key("s-1")]


def test_a_store_failure_for_one_screening_fails_only_its_events() -> None:
    store = FlakyStore(keys=[pj.screening_key("s-2")])
    ok = batch(wire.scheduled("s-1"), wire.placed("r-1", "s-1"))
    broken = batch(wire.placed("r-2", "s-2"), wire.confirmed("r-2", "s-2"))
    out = projector.project(store, [ok[0], broken[0], ok[1], broken[1]], NOW)
    assert sorted(out.applied) == sorted(e.event_id for e in ok)
    assert set(out.failed) == {e.event_id for e in broken}
    assert all("down" in why for why in out.failed.values())
    assert pj.screening_key("s-1") in store.data
    assert pj.screening_key("s-2") not in store.data


def test_an_event_twice_in_a_batch_whose_screening_fails_is_only_failed() -> None:
    store = FlakyStore(keys=[pj.screening_key("s-1")])
    e = wire.parsed(wire.placed())
    out = projector.project(store, [e, e], NOW)
    assert out.applied == []
    assert set(out.failed) == {e.event_id}


def test_a_failing_day_index_fails_the_scheduling_event_only() -> None:
    store = FlakyStore(keys=["day:2026-12-06"])
    b = batch(wire.scheduled("s-1", starts_at="2026-12-06T10:00:00Z"), wire.placed("r-1", "s-1"))
    out = projector.project(store, b, NOW)
    assert set(out.failed) == {b[0].event_id}
    assert out.applied == [b[1].event_id]


def test_an_unreadable_inbox_fails_the_whole_batch() -> None:
    store = FlakyStore(operations=["get_many"])
    b = batch(wire.scheduled(), wire.placed())
    out = projector.project(store, b, NOW)
    assert out.applied == []
    assert set(out.failed) == {e.event_id for e in b}
    assert store.data == {}


def test_an_event_naming_no_screening_is_applied_without_a_write() -> None:
    store = FakeStore()
    e = wire.parsed(wire.abandoned())
    out = projector.project(store, [e], NOW)
    assert out.applied == [e.event_id]
    assert store.writes == []


def test_an_empty_batch_reads_nothing() -> None:
    store = FlakyStore(operations=["get_many"])
    out = projector.project(store, [], NOW)
    assert (out.applied, out.failed) == ([], {})


def test_record_writes_each_inbox_entry_once() -> None:
    store = FakeStore()
    projector.record(store, ["e-1", "e-2", "e-1"])
    assert store.writes == ["inbox:e-1", "inbox:e-2"]
    projector.record(store, [])
    assert len(store.writes) == 2


CUTOFF_MS = wire.T0_MS


def test_uuid_v7_millis_reads_the_creation_time() -> None:
    assert projector.uuid_v7_millis(wire.uuid7(1_765_000_000_123)) == 1_765_000_000_123
    assert projector.uuid_v7_millis("8f14e45f-ceea-467f-a0e7-5c9a3f1e0b2d") is None  # UUIDv4
    assert projector.uuid_v7_millis("not-a-uuid") is None


def test_prune_inbox_deletes_only_uuidv7_entries_older_than_the_cutoff() -> None:
    store = FakeStore(page_size=2)  # several pages of keys
    old = [pj.inbox_key(wire.uuid7(CUTOFF_MS - d)) for d in (1, 60_000, 86_400_000)]
    young = [pj.inbox_key(wire.uuid7(CUTOFF_MS)), pj.inbox_key(wire.uuid7(CUTOFF_MS + 1))]
    others = [
        pj.inbox_key("8f14e45f-ceea-467f-a0e7-5c9a3f1e0b2d"),  # not a UUIDv7: age unknown
        pj.inbox_key("e-1"),
        pj.screening_key(wire.uuid7(CUTOFF_MS - 1)),
        pj.day_key("2020-01-01"),
    ]
    store.set_many([(k, b"1") for k in old + young + others])

    assert projector.prune_inbox(store, CUTOFF_MS) == len(old)
    assert set(store.data) == set(young + others)


def test_prune_inbox_deletes_at_most_a_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(projector, "PRUNE_BATCH", 2)
    store = FakeStore(page_size=2)
    old = [pj.inbox_key(wire.uuid7(CUTOFF_MS - 1000 * i)) for i in range(1, 6)]
    store.set_many([(k, b"1") for k in old])
    assert projector.prune_inbox(store, CUTOFF_MS) == 2
    assert len(store.data) == 3
    assert projector.prune_inbox(store, CUTOFF_MS) == 2
    assert projector.prune_inbox(store, CUTOFF_MS) == 1
    assert store.data == {}


def test_prune_inbox_with_nothing_old_deletes_nothing() -> None:
    store = FakeStore()
    key = pj.inbox_key(wire.uuid7(CUTOFF_MS + 5))
    store.set_many([(key, b"1")])
    assert projector.prune_inbox(store, CUTOFF_MS) == 0
    assert store.writes == [key]  # the setup's write; nothing deleted
