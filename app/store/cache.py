"""A write-back cache over another store: a branch that is written or dropped as a whole.

Used for the per-tx branch (written on success, dropped on error), the deliver branch of a
block and the check-state branch between commits.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Iterator

from aichain.app.store.kv import KVStore, prefix_end

_DELETED = None


class CacheStore:
    """Buffers writes over a parent store; reads fall through to the parent."""

    __slots__ = ("_parent", "_writes", "_sorted")

    def __init__(self, parent: KVStore) -> None:
        self._parent = parent
        self._writes: dict[bytes, bytes | None] = {}
        self._sorted: list[bytes] | None = None
        """The buffered keys in order, kept between scans until a new key is written (a
        block's queries and tallies scan many prefixes over thousands of buffered writes)."""

    def get(self, key: bytes) -> bytes | None:
        """The buffered value, else the parent's."""
        writes = self._writes
        if key in writes:
            return writes[key]
        return self._parent.get(key)

    def has(self, key: bytes) -> bool:
        """Whether key holds a value in this branch."""
        return self.get(key) is not None

    def set(self, key: bytes, value: bytes) -> None:
        """Buffers a write."""
        writes = self._writes
        if self._sorted is not None and key not in writes:
            self._sorted = None
        writes[key] = value

    def delete(self, key: bytes) -> None:
        """Buffers a deletion."""
        writes = self._writes
        if self._sorted is not None and key not in writes:
            self._sorted = None
        writes[key] = _DELETED

    def iterate(self, prefix: bytes = b"", reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
        """Merges buffered writes over the parent's keys, in order."""
        keys = self._sorted
        if keys is None:
            keys = self._sorted = sorted(self._writes)
        lo = bisect_left(keys, prefix)
        end = prefix_end(prefix)
        hi = len(keys) if end is None else bisect_left(keys, end, lo)
        writes = self._writes
        mine = [(k, writes[k]) for k in keys[lo:hi]]
        if reverse:
            mine.reverse()
        if not mine:
            yield from self._parent.iterate(prefix, reverse)
            return
        overridden = {k for k, _ in mine}
        parent = ((k, v) for k, v in self._parent.iterate(prefix, reverse) if k not in overridden)
        merged = heapq.merge(mine, parent, key=lambda kv: kv[0], reverse=reverse)
        for key, value in merged:
            if value is not None:
                yield key, value

    def write(self) -> None:
        """Flushes buffered writes to the parent and empties the buffer."""
        parent = self._parent
        for key, value in self._writes.items():
            if value is None:
                parent.delete(key)
            else:
                parent.set(key, value)
        self._writes = {}
        self._sorted = None

    def discard(self) -> None:
        """Drops all buffered writes."""
        self._writes = {}
        self._sorted = None

    def pending(self) -> dict[bytes, bytes | None]:
        """The buffered writes (None marks a deletion); do not mutate."""
        return self._writes

    def branch(self) -> CacheStore:
        """A new cache on top of this one."""
        return CacheStore(self)
