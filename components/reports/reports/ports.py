"""What the core needs from the platform, implemented by app.py on Spin (wasi:keyvalue, Spin's
outbound Redis) and by in-memory fakes in the unit tests."""

from __future__ import annotations

from typing import Callable, Optional, Protocol, Union


class StoreError(Exception):
    """The key-value store failed; worth retrying later."""


class RedisError(Exception):
    """Redis unreachable or it refused a command; worth retrying later."""


class Store(Protocol):
    def get_many(self, keys: list[str]) -> dict[str, Optional[bytes]]: ...

    def update(self, key: str, change: Callable[[Optional[bytes]], Optional[bytes]]) -> None:
        """Sets `key` to `change(current)` with compare-and-swap, calling `change` again on a
        conflict; `change` returning None leaves the key as it is."""

    def set_many(self, items: list[tuple[str, bytes]]) -> None: ...

    def delete_many(self, keys: list[str]) -> None: ...

    def list_keys(self, cursor: Optional[str]) -> tuple[list[str], Optional[str]]: ...

    def increment(self, key: str, delta: int) -> int: ...


Arg = Union[str, int]


class Redis(Protocol):
    def eval(self, script: str, keys: list[str], args: list[Arg]) -> Optional[str]:
        """EVAL; the reply's text (a bulk string or status), None for anything else."""

    def command(self, name: str, args: list[Arg]) -> list[object]: ...

    def publish(self, channel: str, payload: bytes) -> None: ...
