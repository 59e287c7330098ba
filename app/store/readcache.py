"""A read cache in front of the committed state: the values branches read, kept between txs.

Every CheckTx and every delivered tx branches the committed state and reads the same keys
again: params, the fee collector's account and balance, and in FinalizeBlock each sender's
account and balances that its CheckTx read moments before. Without a cache each of those is a
RocksDB lookup (~16 a bank send). `ReadCache` memoises `get` (absent keys too) and is kept
exact by the root store: a commit refreshes every cached key the block wrote, a reload (state
sync) drops everything. It returns byte for byte what the backend would, so nothing a node
computes depends on whether a value came from the cache; iteration goes to the backend.

Threads: a value is read from RocksDB and cached only by the ABCI thread (CheckTx, FinalizeBlock)
or under the app's lock (Simulate); Commit writes RocksDB and refreshes the cache on the ABCI
thread under that lock, so no reader can cache a value the commit is replacing. Queries from
gRPC threads read the backend directly, not through the cache.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from aichain.app.store.kv import KVStore

MAX_ENTRIES = 200_000
"""Cached keys at most; the cache starts over when full (a bank send reads about 8 keys)."""


class ReadCache:
    """Memoised reads of a store that only the root store's commits change."""

    __slots__ = ("_backend", "_values", "_max", "hits", "misses")

    def __init__(self, backend: KVStore, max_entries: int = MAX_ENTRIES) -> None:
        self._backend = backend
        self._values: dict[bytes, bytes | None] = {}
        self._max = max_entries
        self.hits = 0
        """Reads answered from the cache (a metric)."""
        self.misses = 0
        """Reads that went to the backend (a metric)."""

    def __len__(self) -> int:
        return len(self._values)

    def get(self, key: bytes) -> bytes | None:
        """The committed value of key (None when absent)."""
        values = self._values
        try:
            value = values[key]
        except KeyError:
            self.misses += 1
            value = self._backend.get(key)
            if len(values) >= self._max:
                values.clear()
            values[key] = value
            return value
        self.hits += 1
        return value

    def has(self, key: bytes) -> bool:
        """Whether key holds a committed value."""
        return self.get(key) is not None

    def iterate(self, prefix: bytes = b"", reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
        """The backend's (key, value) pairs under prefix, in order."""
        return self._backend.iterate(prefix, reverse)

    def set(self, key: bytes, value: bytes) -> None:
        """Refused: committed state changes only through the root store's commit."""
        raise TypeError("the committed state is written by RootStore.commit, not through reads")

    def delete(self, key: bytes) -> None:
        """Refused: see set."""
        raise TypeError("the committed state is written by RootStore.commit, not through reads")

    def refresh(self, writes: Mapping[bytes, bytes | None]) -> None:
        """After writes reached the backend: every cached key among them takes its new value
        (None: deleted). Keys not cached stay uncached."""
        values = self._values
        if len(writes) <= len(values):
            for key, value in writes.items():
                if key in values:
                    values[key] = value
        else:
            for key in values.keys() & writes.keys():
                values[key] = writes[key]

    def clear(self) -> None:
        """Forgets every cached value (the backend changed under it)."""
        self._values.clear()
