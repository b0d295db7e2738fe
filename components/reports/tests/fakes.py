"""In-memory stand-ins for the core's ports (reports.ports), for the unit tests only: a key-value
store, one that fails on demand, and just enough of Redis for the consumer-group drain."""

from __future__ import annotations

import json
from typing import Callable, Iterable, Optional

from reports import consumer
from reports.ports import Arg, StoreError


class FakeStore:
    """ports.Store over a dict. `update` applies `change` to the current value (the CAS retry
    loop lives in app.py); `list_keys` pages through the sorted keys `page_size` at a time."""

    def __init__(self, page_size: int = 3) -> None:
        self.data: dict[str, bytes] = {}
        self.page_size = page_size
        self.writes: list[str] = []  # every key written or deleted, in order

    def get_many(self, keys: list[str]) -> dict[str, Optional[bytes]]:
        return {k: self.data.get(k) for k in keys}

    def update(self, key: str, change: Callable[[Optional[bytes]], Optional[bytes]]) -> None:
        new = change(self.data.get(key))
        if new is not None:
            self.data[key] = new
            self.writes.append(key)

    def set_many(self, items: list[tuple[str, bytes]]) -> None:
        for key, value in items:
            self.data[key] = value
            self.writes.append(key)

    def delete_many(self, keys: list[str]) -> None:
        for key in keys:
            self.data.pop(key, None)
            self.writes.append(key)

    def list_keys(self, cursor: Optional[str]) -> tuple[list[str], Optional[str]]:
        start = int(cursor) if cursor is not None else 0
        keys = sorted(self.data)
        end = start + self.page_size
        return keys[start:end], (str(end) if end < len(keys) else None)

    def increment(self, key: str, delta: int) -> int:
        value = int(self.data.get(key, b"0")) + delta
        self.data[key] = str(value).encode()
        self.writes.append(key)
        return value

    def json(self, key: str) -> object:
        raw = self.data.get(key)
        return None if raw is None else json.loads(raw)


class FlakyStore(FakeStore):
    """A FakeStore that raises StoreError for an operation in `operations`, or for any call that
    touches a key in `keys`."""

    def __init__(self, keys: Iterable[str] = (), operations: Iterable[str] = (), page_size: int = 3) -> None:
        super().__init__(page_size)
        self.broken_keys = set(keys)
        self.broken_operations = set(operations)

    def _check(self, operation: str, keys: Iterable[str] = ()) -> None:
        if operation in self.broken_operations or self.broken_keys.intersection(keys):
            raise StoreError(f"{operation}: the store is down")

    def get_many(self, keys: list[str]) -> dict[str, Optional[bytes]]:
        self._check("get_many", keys)
        return super().get_many(keys)

    def update(self, key: str, change: Callable[[Optional[bytes]], Optional[bytes]]) -> None:
        self._check("update", [key])
        super().update(key, change)

    def set_many(self, items: list[tuple[str, bytes]]) -> None:
        self._check("set_many", [k for k, _ in items])
        super().set_many(items)

    def delete_many(self, keys: list[str]) -> None:
        self._check("delete_many", keys)
        super().delete_many(keys)

    def list_keys(self, cursor: Optional[str]) -> tuple[list[str], Optional[str]]:
        self._check("list_keys")
        return super().list_keys(cursor)

    def increment(self, key: str, delta: int) -> int:
        self._check("increment", [key])
        return super().increment(key, delta)


class FakeRedis:
    """Just enough of Redis for reports.consumer: the event stream with one consumer group, its
    failure records and the dead letters. The scripts are recognised by identity and answered with
    the JSON text the Lua would return. Every back-off is taken as passed: FETCH hands out the
    group's unacknowledged entries again (one delivery more) before new ones."""

    def __init__(self) -> None:
        self.stream: list[tuple[str, str]] = []  # (entry id, envelope text)
        self.deliveries: dict[str, int] = {}  # entries delivered to the group and not acked
        self.acked: list[str] = []
        self.failures: dict[str, str] = {}  # the failure hash: entry id → record (JSON)
        self.dead: list[tuple[str, dict[str, str]]] = []  # (letter id, fields)
        self.published: list[tuple[str, bytes]] = []
        self.fetches = 0
        self._seq = 0

    def add(self, text: str) -> str:
        """XADD to the event stream; the entry id."""
        self._seq += 1
        entry_id = f"1700000000000-{self._seq}"
        self.stream.append((entry_id, text))
        return entry_id

    @property
    def pending(self) -> list[str]:
        return list(self.deliveries)

    def eval(self, script: str, keys: list[str], args: list[Arg]) -> Optional[str]:
        if script is consumer.FETCH:
            return self._fetch(keys, args)
        if script is consumer.RECORD:
            return self._record(keys, args)
        if script is consumer.LETTERS:
            return self._letters(keys, args)
        raise AssertionError(f"unexpected script: {script[:60]!r}")

    def _fetch(self, keys: list[str], args: list[Arg]) -> str:
        assert keys == [consumer.STREAM, consumer.DOORBELL_PENDING]
        count = int(args[2])
        self.fetches += 1
        text_of = dict(self.stream)
        out: list[list[object]] = []
        for entry_id in list(self.deliveries):
            if len(out) < count:
                self.deliveries[entry_id] += 1
                out.append([entry_id, text_of[entry_id], self.deliveries[entry_id]])
        for entry_id, text in self.stream:
            if len(out) >= count:
                break
            if entry_id not in self.deliveries and entry_id not in self.acked:
                self.deliveries[entry_id] = 1
                out.append([entry_id, text, 1])
        return json.dumps(out) if out else "[]"

    def _record(self, keys: list[str], args: list[Arg]) -> str:
        entry_id, now, error = str(args[0]), str(args[1]), str(args[2])
        first = now
        if entry_id in self.failures:
            first = json.loads(self.failures[entry_id]).get("first_failure", now)
        record = json.dumps({"first_failure": first, "last_failure": now, "error": error})
        self.failures[entry_id] = record
        return record

    def _letters(self, keys: list[str], args: list[Arg]) -> str:
        group, retry, channel = str(args[0]), str(args[1]), str(args[2])
        out = []
        for letter_id, f in list(self.dead):
            if f.get("group") != group:
                continue
            try:
                envelope = json.loads(f.get("e", ""))
            except ValueError:
                envelope = None
            envelope = envelope if isinstance(envelope, dict) else {}
            event_id = envelope.get("event_id", f.get("id"))
            letter = {
                "letter_id": letter_id, "stream_id": f.get("id"), "event_id": event_id,
                "type": envelope.get("type"), "reservation_id": envelope.get("reservation_id"),
                "error": f.get("reason", ""), "attempts": int(f.get("attempts", "1")),
                "first_failure": f.get("first_failure"), "last_failure": f.get("last_failure"),
                "context": group,
            }
            if retry == "":
                out.append(letter)
            elif event_id == retry:
                self.add(f["e"])
                self.dead.remove((letter_id, f))
                self.publish(channel, b"wake")
                out.append(letter)
                break
        return json.dumps(out) if out else "[]"

    def command(self, name: str, args: list[Arg]) -> list[object]:
        if name == "XACK":
            stream, _group, *ids = args
            assert stream == consumer.STREAM
            for entry_id in ids:
                self.deliveries.pop(str(entry_id), None)
                self.acked.append(str(entry_id))
            return [len(ids)]
        if name == "HDEL":
            _key, entry_id = args
            return [1 if self.failures.pop(str(entry_id), None) is not None else 0]
        if name == "XADD":
            key, star, *pairs = [str(a) for a in args]
            assert key == consumer.DEAD_LETTERS and star == "*"
            assert len(pairs) % 2 == 0
            letter_id = f"1700000000001-{len(self.dead) + 1}"
            self.dead.append((letter_id, dict(zip(pairs[::2], pairs[1::2]))))
            return [letter_id]
        if name == "SET":
            return ["OK"]
        raise AssertionError(f"unexpected command {name}")

    def publish(self, channel: str, payload: bytes) -> None:
        self.published.append((channel, payload))
