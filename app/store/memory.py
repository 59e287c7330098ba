"""An in-memory KVStore (tests, and the base of a fresh node before RocksDB is opened)."""

from __future__ import annotations

import bisect
from collections.abc import Iterator


class MemStore:
    """A dict plus a lazily rebuilt sorted key list for ordered iteration."""

    __slots__ = ("_data", "_sorted")

    def __init__(self) -> None:
        self._data: dict[bytes, bytes] = {}
        self._sorted: list[bytes] | None = []

    def get(self, key: bytes) -> bytes | None:
        """The value at key, or None."""
        return self._data.get(key)

    def has(self, key: bytes) -> bool:
        """Whether key holds a value."""
        return key in self._data

    def set(self, key: bytes, value: bytes) -> None:
        """Writes value at key."""
        if key not in self._data:
            self._sorted = None
        self._data[key] = value

    def delete(self, key: bytes) -> None:
        """Removes key (no-op if absent)."""
        if self._data.pop(key, None) is not None:
            self._sorted = None

    def iterate(self, prefix: bytes = b"", reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
        """(key, value) pairs under prefix in byte order; a snapshot of the keys at call time."""
        if self._sorted is None:
            self._sorted = sorted(self._data)
        keys = self._sorted
        lo = bisect.bisect_left(keys, prefix)
        hi = lo
        while hi < len(keys) and keys[hi].startswith(prefix):
            hi += 1
        selected = keys[lo:hi]
        if reverse:
            selected.reverse()
        for key in selected:
            value = self._data.get(key)
            if value is not None:
                yield key, value

    def __len__(self) -> int:
        return len(self._data)

    def write_batch(self, writes: dict[bytes, bytes | None]) -> None:
        """Applies all writes (None = delete) at once."""
        for key, value in writes.items():
            if value is None:
                self.delete(key)
            else:
                self.set(key, value)
