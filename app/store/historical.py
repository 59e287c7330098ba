"""A read-only view of the state at a past height, read from the tree's versioned nodes.

`get` walks about log16(keys) nodes. `iterate` has no key-ordered index at past heights (the
tree is ordered by key hash), so it walks every leaf of that version: O(state size). Fine for
small states and occasional historical list queries; prefer single-key queries at past heights.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from aichain.app.store.errors import ReadOnlyStoreError
from aichain.app.store.tree import get_value, iter_leaves

if TYPE_CHECKING:
    from aichain.app.store.root import RootStore


class HistoricalStore:
    """KVStore reads of one kept version; writes raise ReadOnlyStoreError."""

    __slots__ = ("_reader", "_root", "height")

    def __init__(self, root: RootStore, height: int) -> None:
        self._reader = root.reader
        self._root = root.root_at(height)
        self.height = height

    def get(self, key: bytes) -> bytes | None:
        """The value at key in this version."""
        return get_value(self._reader, self._root, key)

    def has(self, key: bytes) -> bool:
        """Whether key holds a value in this version."""
        return self.get(key) is not None

    def set(self, key: bytes, value: bytes) -> None:
        """Refused: past versions are immutable."""
        raise ReadOnlyStoreError(f"the state at height {self.height} is read-only")

    def delete(self, key: bytes) -> None:
        """Refused: past versions are immutable."""
        raise ReadOnlyStoreError(f"the state at height {self.height} is read-only")

    def iterate(self, prefix: bytes = b"", reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
        """(key, value) pairs under prefix in key order (walks every leaf of the version)."""
        pairs = sorted(
            kv for kv in iter_leaves(self._reader, self._root) if kv[0].startswith(prefix)
        )
        if reverse:
            pairs.reverse()
        yield from pairs
