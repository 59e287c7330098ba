"""The committed root store: module data plus the last committed height and app hash.

A block runs on a CacheStore branch of the root; FinalizeBlock computes the app hash from the
branch's writes, and Commit writes those writes plus the new height and app hash in one atomic
batch. The app hash (this version) chains the previous hash with a hash of the block's sorted
writes, so it costs O(changed keys) per block; `docs/state.md` specifies it. A later version
replaces it with a Merkle root that supports proofs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Protocol

from aichain.app.store.cache import CacheStore
from aichain.app.store.kv import KVStore

META_PREFIX = b"\x00meta/"
"""Reserved prefix for the store's own bookkeeping; no module key starts with \\x00."""

HEIGHT_KEY = META_PREFIX + b"height"
"""Last committed height, 8 bytes big-endian."""

APP_HASH_KEY = META_PREFIX + b"app_hash"
"""App hash of the last committed height."""

APP_HASH_DOMAIN = b"aichain/apphash/v0"
"""Domain separator of the app hash."""


class BatchStore(KVStore, Protocol):
    """A KVStore that can apply a batch of writes atomically."""

    def write_batch(self, writes: Mapping[bytes, bytes | None]) -> None:
        """Applies all writes (None = delete) atomically."""


def compute_app_hash(prev: bytes, height: int, writes: Mapping[bytes, bytes | None]) -> bytes:
    """sha256(domain || prev || height || each sorted write as len-prefixed key, flag, value)."""
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


class RootStore:
    """Committed state and the block branch on top of it."""

    def __init__(self, backend: BatchStore) -> None:
        self.backend = backend
        raw_height = backend.get(HEIGHT_KEY)
        self.last_height = int.from_bytes(raw_height, "big") if raw_height else 0
        self.last_app_hash = backend.get(APP_HASH_KEY) or b""

    def branch(self) -> CacheStore:
        """A fresh write-back branch over the committed state."""
        return CacheStore(self.backend)

    def compute_next_app_hash(self, height: int, branch: CacheStore) -> bytes:
        """The app hash the branch's writes would commit at height."""
        return compute_app_hash(self.last_app_hash, height, branch.pending())

    def commit(self, height: int, app_hash: bytes, branch: CacheStore) -> None:
        """Writes the branch, the height and the app hash in one atomic batch."""
        writes = dict(branch.pending())
        writes[HEIGHT_KEY] = height.to_bytes(8, "big")
        writes[APP_HASH_KEY] = app_hash
        self.backend.write_batch(writes)
        branch.discard()
        self.last_height = height
        self.last_app_hash = app_hash
