"""Applies a batch of events to the store: one compare-and-swap per screening document touched
(its events applied in stream order), the day index for new screenings, and the inbox that makes a
second delivery a no-op."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

from . import events as ev
from . import projection as pj
from .ports import Store, StoreError


@dataclass
class BatchOutcome:
    # The events applied now, or found already applied; their inbox entries are written by
    # `record` before the batch is acknowledged.
    applied: list[str] = field(default_factory=list)
    # event id → why it could not be applied (retried later).
    failed: dict[str, str] = field(default_factory=dict)


def project(store: Store, envelopes: list[ev.Envelope], now: datetime) -> BatchOutcome:
    out = BatchOutcome()
    if not envelopes:
        return out
    try:
        seen_raw = store.get_many([pj.inbox_key(e.event_id) for e in envelopes])
    except StoreError as e:
        out.failed = {env.event_id: str(e) for env in envelopes}
        return out
    seen = {k for k, v in seen_raw.items() if v is not None}
    by_screening: dict[str, list[ev.Envelope]] = {}
    by_day: dict[str, list[ev.Envelope]] = {}
    done: set[str] = set()
    for e in envelopes:
        if e.event_id in done:
            continue  # a second copy in this batch: it shares the first one's outcome
        if pj.inbox_key(e.event_id) in seen:
            if e.event_id not in out.applied:
                out.applied.append(e.event_id)
            continue
        done.add(e.event_id)
        sid = pj.target(e)
        if sid is None:
            out.applied.append(e.event_id)  # nothing to attribute it to
            continue
        by_screening.setdefault(sid, []).append(e)
        if isinstance(e.data, ev.ScreeningScheduled):
            by_day.setdefault(pj.utc_date(e.data.starts_at), []).append(e)
    failed: dict[str, str] = {}
    for sid, group in by_screening.items():
        try:
            store.update(pj.screening_key(sid), lambda raw, sid=sid, group=group: pj.apply_all(raw, sid, group, now))
        except StoreError as e:
            failed.update({x.event_id: str(e) for x in group})
    for day, group in by_day.items():
        ids = [x.data.screening_id for x in group]
        try:
            store.update(pj.day_key(day), lambda raw, ids=ids: pj.add_to_index(raw, ids))
        except StoreError as e:
            failed.update({x.event_id: str(e) for x in group})
    for e in envelopes:
        if e.event_id in done and e.event_id not in failed and e.event_id not in out.applied:
            out.applied.append(e.event_id)
    out.failed = failed
    return out


def record(store: Store, event_ids: list[str]) -> None:
    """Writes the inbox entries of applied events (one batch write); raises StoreError."""
    if event_ids:
        store.set_many([(pj.inbox_key(i), b"1") for i in dict.fromkeys(event_ids)])


PRUNE_BATCH = 1000


def uuid_v7_millis(event_id: str) -> Optional[int]:
    """The creation time (Unix ms) in a UUIDv7, as the platform's event ids are."""
    hex_ = event_id.replace("-", "")
    if len(hex_) != 32 or hex_[12] != "7":
        return None
    try:
        return int(hex_[:12], 16)
    except ValueError:
        return None


def prune_inbox(store: Store, cutoff_ms: int) -> int:
    """Deletes up to PRUNE_BATCH inbox entries of events created before `cutoff_ms` (the age is in
    the key: nothing but the key list is read); how many went. Raises StoreError."""
    old: list[str] = []
    cursor: Optional[str] = None
    while len(old) < PRUNE_BATCH:
        keys, next_cursor = store.list_keys(cursor)
        for k in keys:
            if k.startswith("inbox:"):
                ms = uuid_v7_millis(k[len("inbox:"):])
                if ms is not None and ms < cutoff_ms and len(old) < PRUNE_BATCH:
                    old.append(k)
        if next_cursor is None or next_cursor == cursor:
            break
        cursor = next_cursor
    if old:
        store.delete_many(old)
    return len(old)
