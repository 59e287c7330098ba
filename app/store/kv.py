"""The key-value store interface every store layer implements."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol


class KVStore(Protocol):
    """A byte-keyed, byte-valued store with ordered prefix iteration."""

    def get(self, key: bytes) -> bytes | None:
        """The value at key, or None."""

    def set(self, key: bytes, value: bytes) -> None:
        """Writes value at key."""

    def delete(self, key: bytes) -> None:
        """Removes key (no-op if absent)."""

    def has(self, key: bytes) -> bool:
        """Whether key holds a value."""

    def iterate(self, prefix: bytes = b"", reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
        """(key, value) pairs whose key starts with prefix, in byte order (or reversed)."""


def prefix_end(prefix: bytes) -> bytes | None:
    """The smallest key greater than every key with this prefix (None: no upper bound)."""
    data = bytearray(prefix)
    while data:
        if data[-1] != 0xFF:
            data[-1] += 1
            return bytes(data)
        data.pop()
    return None
