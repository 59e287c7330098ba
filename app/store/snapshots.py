"""State-sync snapshots: every key and value of one version, in chunks, each chunk hashed.

Format 1: the version's leaves in key-hash order, each as u32be(len key) || key || u32be(len
value) || value, cut into chunks of about CHUNK_BYTES. Snapshot.metadata is the concatenation
of the chunks' sha256 hashes and Snapshot.hash is sha256(metadata). A restoring node checks
each chunk against the metadata (a bad chunk is refetched from another sender) and, after the
last one, rebuilds the tree and accepts the snapshot only if its root equals the app hash that
CometBFT's light client verified.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass, field

from aichain.app.store.errors import SnapshotError
from aichain.app.store.nodes import encode_root, root_key
from aichain.app.store.root import APP_HASH_KEY, EARLIEST_KEY, HEIGHT_KEY, RootStore
from aichain.app.store.tree import NodeReader, compute_update

log = logging.getLogger(__name__)

SNAPSHOT_FORMAT = 1
"""The only snapshot format aichain writes and reads."""

CHUNK_BYTES = 1 << 20
"""Target chunk size (CometBFT accepts chunks up to 16 MiB)."""

META_PREFIX = b"\x00p"
"""0x00 'p' || u64be(height) -> snapshot metadata (written after all its chunks)."""

CHUNK_PREFIX = b"\x00c"
"""0x00 'c' || u64be(height) || u32be(index) -> chunk bytes."""

PENDING_PREFIX = b"\x00q"
"""0x00 'q' || u64be(height) -> b'': a snapshot being written (deleted with its metadata's
write); one left by a crash marks chunks to delete."""


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    """What ListSnapshots reports about one snapshot."""

    height: int
    chunks: int
    hash: bytes
    metadata: bytes
    format: int = SNAPSHOT_FORMAT


def _meta_key(height: int) -> bytes:
    return META_PREFIX + height.to_bytes(8, "big")


def _chunk_key(height: int, index: int) -> bytes:
    return CHUNK_PREFIX + height.to_bytes(8, "big") + index.to_bytes(4, "big")


def compute_chunks(pairs, chunk_bytes: int | None = None) -> list[bytes]:  # noqa: ANN001
    """(key, value) pairs cut into chunks of records (CHUNK_BYTES when no size is given)."""
    chunk_bytes = chunk_bytes or CHUNK_BYTES
    chunks: list[bytes] = []
    buf: list[bytes] = []
    size = 0
    for key, value in pairs:
        rec = len(key).to_bytes(4, "big") + key + len(value).to_bytes(4, "big") + value
        buf.append(rec)
        size += len(rec)
        if size >= chunk_bytes:
            chunks.append(b"".join(buf))
            buf, size = [], 0
    if buf or not chunks:
        chunks.append(b"".join(buf))
    return chunks


def decode_chunk(chunk: bytes) -> list[tuple[bytes, bytes]]:
    """The records of a chunk. Raises SnapshotError on malformed bytes."""
    out = []
    i, n = 0, len(chunk)
    while i < n:
        if i + 4 > n:
            raise SnapshotError("snapshot chunk ends inside a key length")
        klen = int.from_bytes(chunk[i : i + 4], "big")
        key = chunk[i + 4 : i + 4 + klen]
        i += 4 + klen
        if i + 4 > n or len(key) != klen:
            raise SnapshotError("snapshot chunk ends inside a key")
        vlen = int.from_bytes(chunk[i : i + 4], "big")
        value = chunk[i + 4 : i + 4 + vlen]
        i += 4 + vlen
        if len(value) != vlen:
            raise SnapshotError("snapshot chunk ends inside a value")
        out.append((key, value))
    return out


def take_snapshot(
    root: RootStore,
    height: int,
    keep_recent: int,
    chunk_bytes: int | None = None,
    reader: NodeReader | None = None,
) -> SnapshotInfo:
    """Writes the snapshot of a kept height and deletes snapshots beyond keep_recent (and the
    chunks of any snapshot a crash left without metadata). A background thread passes its own
    uncached reader."""
    pending = PENDING_PREFIX + height.to_bytes(8, "big")
    root.backend.write_batch({pending: b""})
    chunks = compute_chunks(root.iter_at(height, reader), chunk_bytes)
    metadata = b"".join(hashlib.sha256(c).digest() for c in chunks)
    writes: dict[bytes, bytes | None] = {_chunk_key(height, i): c for i, c in enumerate(chunks)}
    root.backend.write_batch(writes)
    # last, in one batch: a crash before it leaves no listing, only a pending marker
    root.backend.write_batch({_meta_key(height): metadata, pending: None})
    deletes: dict[bytes, bytes | None] = {}
    for old in list_snapshots(root)[keep_recent:]:
        deletes[_meta_key(old.height)] = None
        deletes.update({_chunk_key(old.height, i): None for i in range(old.chunks)})
    for marker, _ in root.backend.iterate(PENDING_PREFIX):  # snapshots a crash cut short
        deletes[marker] = None
        left = CHUNK_PREFIX + marker[len(PENDING_PREFIX) :]
        deletes.update(dict.fromkeys([key for key, _ in root.backend.iterate(left)]))
    if deletes:
        root.backend.write_batch(deletes)
    return SnapshotInfo(height, len(chunks), hashlib.sha256(metadata).digest(), metadata)


class SnapshotTaker:
    """Takes snapshots on a background thread, so Commit never waits for a walk over the
    whole state: the version is pinned (pruning leaves it) until its snapshot is written,
    and the thread reads nodes through its own uncached reader. At most one runs at a time;
    a snapshot falling due while another is still being taken is skipped (logged)."""

    def __init__(self, root: RootStore) -> None:
        self.root = root
        self._thread: threading.Thread | None = None
        self.taken: list[SnapshotInfo] = []
        self.failures: list[str] = []

    def is_busy(self) -> bool:
        """Whether a snapshot is being taken now."""
        return self._thread is not None and self._thread.is_alive()

    def start(self, height: int, keep_recent: int) -> bool:
        """Starts the snapshot of height (just committed); False if one is still running."""
        if self.is_busy():
            log.warning("snapshot at height %d skipped: the previous one is still running", height)
            return False
        self.root.pin_version(height)
        self._thread = threading.Thread(
            target=self._run, args=(height, keep_recent), name=f"snapshot-{height}", daemon=True
        )
        self._thread.start()
        return True

    def _run(self, height: int, keep_recent: int) -> None:
        try:
            reader = NodeReader(self.root.backend, max_bytes=0)
            info = take_snapshot(self.root, height, keep_recent, reader=reader)
            self.taken.append(info)
            log.info("snapshot taken at height %d (%d chunks)", height, info.chunks)
        except Exception as exc:  # noqa: BLE001 - a failed snapshot must not stop the node
            self.failures.append(f"height {height}: {exc}")
            log.error("snapshot at height %d failed: %s", height, exc)
        finally:
            self.root.unpin_version(height)

    def wait(self, timeout: float | None = None) -> bool:
        """Waits for the running snapshot (if any); True once none is running."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.is_busy()


def list_snapshots(root: RootStore) -> list[SnapshotInfo]:
    """The complete snapshots held, newest first."""
    out = []
    for key, metadata in root.backend.iterate(META_PREFIX, reverse=True):
        height = int.from_bytes(key[len(META_PREFIX) :], "big")
        out.append(
            SnapshotInfo(height, len(metadata) // 32, hashlib.sha256(metadata).digest(), metadata)
        )
    return out


def load_chunk(root: RootStore, height: int, fmt: int, index: int) -> bytes:
    """A chunk's bytes (empty when this node does not hold it)."""
    if fmt != SNAPSHOT_FORMAT:
        return b""
    return root.backend.get(_chunk_key(height, index)) or b""


@dataclass(slots=True)
class Restore:
    """A snapshot being applied: what was offered, and the records received so far."""

    height: int
    app_hash: bytes
    chunk_hashes: list[bytes]
    next_index: int = 0
    writes: dict[bytes, bytes | None] = field(default_factory=dict)

    @classmethod
    def offer(
        cls, height: int, fmt: int, chunks: int, snap_hash: bytes, metadata: bytes, app_hash: bytes
    ) -> Restore:
        """Checks an offered snapshot's header. Raises SnapshotError when it cannot be used."""
        if fmt != SNAPSHOT_FORMAT:
            raise SnapshotError(f"snapshot format {fmt} is not {SNAPSHOT_FORMAT}")
        if len(metadata) != 32 * chunks or chunks == 0:
            raise SnapshotError(f"snapshot metadata has {len(metadata)} bytes for {chunks} chunks")
        if hashlib.sha256(metadata).digest() != snap_hash:
            raise SnapshotError("snapshot hash does not match its metadata")
        hashes = [metadata[i : i + 32] for i in range(0, len(metadata), 32)]
        return cls(height, app_hash, hashes)

    def is_chunk_valid(self, index: int, chunk: bytes) -> bool:
        """Whether chunk is the one the metadata promised at index."""
        return 0 <= index < len(self.chunk_hashes) and (
            hashlib.sha256(chunk).digest() == self.chunk_hashes[index]
        )

    def apply(self, index: int, chunk: bytes) -> bool:
        """Takes a verified chunk; True once every chunk has arrived."""
        if index != self.next_index:
            raise SnapshotError(f"chunk {index} arrived, expected chunk {self.next_index}")
        for key, value in decode_chunk(chunk):
            self.writes[key] = value
        self.next_index += 1
        return self.next_index == len(self.chunk_hashes)

    def finish(self, root: RootStore) -> None:
        """Rebuilds the tree; commits it if its root is the app hash. Raises SnapshotError."""
        update = compute_update(root.reader, None, self.height, self.writes)
        if update.root_hash != self.app_hash:
            raise SnapshotError(
                f"restored state hashes to {update.root_hash.hex().upper()}, but the app hash "
                f"at height {self.height} is {self.app_hash.hex().upper()}"
            )
        writes = dict(self.writes)
        writes.update(update.nodes)
        writes[root_key(self.height)] = encode_root(update.root)
        writes[HEIGHT_KEY] = self.height.to_bytes(8, "big")
        writes[APP_HASH_KEY] = self.app_hash
        writes[EARLIEST_KEY] = self.height.to_bytes(8, "big")
        root.backend.write_batch(writes)
        root.reload()
