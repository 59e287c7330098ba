"""A view of a parent store under a fixed key prefix (each module's own store)."""

from __future__ import annotations

from collections.abc import Iterator

from aichain.app.store.kv import KVStore


class PrefixStore:
    """Reads and writes parent[prefix + key]; iteration strips the prefix."""

    __slots__ = ("_parent", "_prefix", "_n")

    def __init__(self, parent: KVStore, prefix: bytes) -> None:
        self._parent = parent
        self._prefix = prefix
        self._n = len(prefix)

    def get(self, key: bytes) -> bytes | None:
        """The value at prefix + key."""
        return self._parent.get(self._prefix + key)

    def has(self, key: bytes) -> bool:
        """Whether prefix + key holds a value."""
        return self._parent.has(self._prefix + key)

    def set(self, key: bytes, value: bytes) -> None:
        """Writes prefix + key."""
        self._parent.set(self._prefix + key, value)

    def delete(self, key: bytes) -> None:
        """Deletes prefix + key."""
        self._parent.delete(self._prefix + key)

    def iterate(self, prefix: bytes = b"", reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
        """(key without the store prefix, value) pairs under prefix."""
        n = self._n
        for key, value in self._parent.iterate(self._prefix + prefix, reverse):
            yield key[n:], value
