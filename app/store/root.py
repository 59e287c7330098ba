"""The committed root store: module data, the authenticated tree, versions and pruning.

A block runs on a CacheStore branch of the root. `compute_next_app_hash` applies the branch's
writes to the tree (reading only the changed paths) and returns the new root, the app hash;
`commit` writes, in one atomic batch: the writes themselves (the flat latest-value index that
reads use), the tree's new nodes, the stale-node index, the version's root record, the new
height and app hash, and any pruning deletes. `docs/state.md` specifies the layout and hashing.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator, Mapping
from typing import Protocol

from aichain.app.errors import InvalidHeightError
from aichain.app.store.cache import CacheStore
from aichain.app.store.errors import StoreCorruptError
from aichain.app.store.ics23 import CommitmentProof
from aichain.app.store.kv import KVStore
from aichain.app.store.nodes import (
    Entry,
    decode_root,
    decode_stale,
    encode_root,
    encode_stale,
    root_key,
    stale_key,
)
from aichain.app.store.options import StoreOptions
from aichain.app.store.prove import build_proof
from aichain.app.store.readcache import ReadCache
from aichain.app.store.tree import NodeReader, TreeUpdate, compute_update, get_value, iter_leaves

META_PREFIX = b"\x00meta/"
"""Reserved prefix for the store's own bookkeeping; no module key starts with \\x00."""

HEIGHT_KEY = META_PREFIX + b"height"
"""Last committed height, 8 bytes big-endian (not in the tree)."""

APP_HASH_KEY = META_PREFIX + b"app_hash"
"""App hash of the last committed height (not in the tree)."""

BLOCK_TIME_KEY = META_PREFIX + b"block_time"
"""Header time (ns since the epoch, 8 bytes big-endian) of the last committed block (not in the
tree: the clock CheckTx reads after a restart)."""

EARLIEST_KEY = META_PREFIX + b"earliest"
"""Earliest version still kept (pruning moves it up), 8 bytes big-endian (not in the tree)."""

APP_HASH_DOMAIN = b"aichain/apphash/v0"
"""Domain separator of the retired version-0 chained hash (kept for `compute_app_hash`)."""


class BatchStore(KVStore, Protocol):
    """A KVStore that can apply a batch of writes atomically."""

    def write_batch(self, writes: Mapping[bytes, bytes | None]) -> None:
        """Applies all writes (None = delete) atomically."""


def compute_app_hash(prev: bytes, height: int, writes: Mapping[bytes, bytes | None]) -> bytes:
    """The retired version-0 chained digest of a block's writes (not the app hash any more)."""
    h = hashlib.sha256(APP_HASH_DOMAIN)
    h.update(len(prev).to_bytes(1, "big") + prev)
    h.update(height.to_bytes(8, "big"))
    for key in sorted(writes):
        value = writes[key]
        h.update(len(key).to_bytes(4, "big") + key)
        if value is None:
            h.update(b"\x00")
        else:
            h.update(b"\x01" + len(value).to_bytes(4, "big") + value)
    return h.digest()


def _u64(raw: bytes | None) -> int:
    return int.from_bytes(raw, "big") if raw else 0


class RootStore:
    """Committed state, its versions and the block branch on top of it."""

    def __init__(self, backend: BatchStore, options: StoreOptions | None = None) -> None:
        self.backend = backend
        self.latest = ReadCache(backend)
        """The committed state branches read through (memoised reads, refreshed by commit)."""
        self.reader = NodeReader(backend)
        self.options = options or StoreOptions()
        self._staged: tuple[int, int, int, TreeUpdate] | None = None
        self._pins: dict[int, int] = {}
        self._pins_lock = threading.Lock()
        self.reload()

    @property
    def options(self) -> StoreOptions:
        """Pruning, snapshot and cache settings (setting them resizes the node cache)."""
        return self._options

    @options.setter
    def options(self, options: StoreOptions) -> None:
        self._options = options
        if self.reader.max_bytes != options.node_cache_bytes:
            self.reader.set_max_bytes(options.node_cache_bytes)

    def reload(self) -> None:
        """Reads the committed height, app hash, earliest version and root from the backend."""
        self.last_height = _u64(self.backend.get(HEIGHT_KEY))
        self.last_app_hash = self.backend.get(APP_HASH_KEY) or b""
        self.last_block_time_ns = _u64(self.backend.get(BLOCK_TIME_KEY))
        self.earliest = _u64(self.backend.get(EARLIEST_KEY)) or min(self.last_height, 1)
        self.root: Entry | None = None
        if self.last_height:
            record = self.backend.get(root_key(self.last_height))
            if record is None:
                raise StoreCorruptError(
                    f"no tree root for committed height {self.last_height}; the database is "
                    "from an older aichain (re-sync the node) or corrupt"
                )
            self.root = decode_root(record)
        self.reader.forget()
        self.latest.clear()

    def branch(self) -> CacheStore:
        """A fresh write-back branch over the committed state (reads memoised in `latest`)."""
        return CacheStore(self.latest)

    # --- blocks ---------------------------------------------------------------------

    def compute_next_app_hash(self, height: int, branch: CacheStore) -> bytes:
        """The app hash (tree root) the branch's writes would commit at height."""
        pending = branch.pending()
        update = compute_update(self.reader, self.root, height, pending)
        self._staged = (height, id(branch), len(pending), update)
        return update.root_hash

    def staged_nodes(self) -> dict[bytes, bytes]:
        """The tree nodes the block staged by compute_next_app_hash will write (empty if none
        is staged)."""
        return {} if self._staged is None else self._staged[3].nodes

    def commit(
        self, height: int, app_hash: bytes, branch: CacheStore, block_time_ns: int | None = None
    ) -> None:
        """Writes the branch, its tree nodes, height, app hash, the block's time (when given)
        and pruning in one batch."""
        pending = branch.pending()
        staged = self._staged
        if staged is not None and staged[:3] == (height, id(branch), len(pending)):
            update = staged[3]
        else:
            update = compute_update(self.reader, self.root, height, pending)
        self._staged = None
        if update.root_hash != app_hash:
            raise StoreCorruptError(
                f"commit at height {height}: the branch hashes to "
                f"{update.root_hash.hex().upper()}, not the finalized {app_hash.hex().upper()}"
            )
        writes: dict[bytes, bytes | None] = dict(pending)
        writes.update(update.nodes)
        if update.stale:
            writes[stale_key(height)] = encode_stale(update.stale)
        writes[root_key(height)] = encode_root(update.root)
        writes[HEIGHT_KEY] = height.to_bytes(8, "big")
        writes[APP_HASH_KEY] = app_hash
        if block_time_ns is not None:
            writes[BLOCK_TIME_KEY] = block_time_ns.to_bytes(8, "big")
        earliest = self.earliest or height
        target = self.options.prune_target(height)
        with self._pins_lock:
            if self._pins:  # a version being read in the background (a snapshot) stays
                target = min(target, min(self._pins))
        if target > earliest:
            self._add_pruning(writes, earliest, target)
            earliest = target
        writes[EARLIEST_KEY] = earliest.to_bytes(8, "big")
        self.backend.write_batch(writes)
        self.latest.refresh(writes)
        branch.discard()
        self.last_height = height
        self.last_app_hash = app_hash
        if block_time_ns is not None:
            self.last_block_time_ns = block_time_ns
        self.root = update.root
        self.earliest = earliest
        # the replaced internal nodes left the cache as the update read them (NodeReader.take)
        self.reader.remember_new(update.inner, update.nodes)

    def _add_pruning(self, writes: dict[bytes, bytes | None], earliest: int, target: int) -> None:
        """Deletes versions [earliest, target): their roots and the nodes only they used."""
        for version in range(earliest + 1, target + 1):
            skey = stale_key(version)
            record = self.backend.get(skey)
            if record is None:
                continue
            writes[skey] = None
            pruned = decode_stale(record)
            for nkey in pruned:
                writes[nkey] = None
            self.reader.evict(pruned)
        for version in range(earliest, target):
            writes[root_key(version)] = None

    # --- versions -------------------------------------------------------------------

    def pin_version(self, height: int) -> None:
        """Keeps a version from being pruned until unpin_version (a background reader's)."""
        with self._pins_lock:
            self._pins[height] = self._pins.get(height, 0) + 1

    def unpin_version(self, height: int) -> None:
        """Releases a pin_version; pruning catches up at its next interval."""
        with self._pins_lock:
            left = self._pins.pop(height, 0) - 1
            if left > 0:
                self._pins[height] = left

    def check_version(self, height: int) -> int:
        """height, or the latest for 0. Raises InvalidHeightError (future or pruned)."""
        if height == 0:
            return self.last_height
        if height > self.last_height:
            raise InvalidHeightError(
                f"height {height} is not committed yet; the latest height is {self.last_height}"
            )
        if height < self.earliest:
            raise InvalidHeightError(
                f"height {height} is pruned on this node; the earliest kept height is "
                f"{self.earliest} (query a later height or an archive node with pruning=nothing)"
            )
        return height

    def root_at(self, height: int) -> Entry | None:
        """The tree root entry of a kept version."""
        height = self.check_version(height)
        if height == self.last_height:
            return self.root
        record = self.backend.get(root_key(height))
        if record is None:
            raise InvalidHeightError(f"height {height} is pruned on this node")
        return decode_root(record)

    def root_hash_at(self, height: int) -> bytes:
        """The app hash committed at a kept height."""
        root = self.root_at(height)
        return bytes(32) if root is None else root[1]

    def get_at(self, key: bytes, height: int) -> bytes | None:
        """The value of key at a kept height (latest: the flat index; older: a tree walk)."""
        height = self.check_version(height)
        if height == self.last_height:
            return self.backend.get(key)
        return get_value(self.reader, self.root_at(height), key)

    def prove(self, key: bytes, height: int) -> tuple[bytes | None, CommitmentProof]:
        """(value or None, ICS23 proof) of key at a kept height."""
        return build_proof(self.reader, self.root_at(height), key)

    def iter_at(
        self, height: int, reader: NodeReader | None = None
    ) -> Iterator[tuple[bytes, bytes]]:
        """Every (key, value) committed at height, in key-hash order (snapshots, exports);
        another thread passes its own reader (the shared node cache is not thread-safe)."""
        return iter_leaves(reader or self.reader, self.root_at(height))

    def view_at(self, height: int) -> KVStore:
        """A read-only KVStore of the state at a kept height."""
        height = self.check_version(height)
        if height == self.last_height:
            return self.backend
        from aichain.app.store.historical import HistoricalStore

        return HistoricalStore(self, height)
