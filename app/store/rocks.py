"""The committed state in RocksDB (rocksdict): a block's writes land in one atomic batch."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from rocksdict import BlockBasedOptions, Cache, Options, Rdict, WriteBatch, WriteOptions

from aichain.app.store.kv import prefix_end

BLOCK_CACHE_BYTES = 256 << 20
"""RocksDB block cache: tree nodes are read at random, so keep hot blocks in memory."""


class RocksStore:
    """A KVStore over a RocksDB database; writes go through `write_batch`."""

    def __init__(self, path: Path | str) -> None:
        opts = Options(raw_mode=True)
        opts.create_if_missing(True)
        table = BlockBasedOptions()
        table.set_block_cache(Cache(BLOCK_CACHE_BYTES))
        table.set_bloom_filter(10, False)
        table.set_cache_index_and_filter_blocks(True)
        table.set_pin_l0_filter_and_index_blocks_in_cache(True)
        opts.set_block_based_table_factory(table)
        self._db = Rdict(str(path), opts)
        self._synced = WriteOptions()
        self._synced.sync = True

    def get(self, key: bytes) -> bytes | None:
        """The stored value, or None."""
        return self._db.get(key)

    def get_many(self, keys: list[bytes]) -> list[bytes | None]:
        """The stored values of keys (None where absent), in one batched multi-get."""
        return self._db.get(keys)

    def has(self, key: bytes) -> bool:
        """Whether key holds a value."""
        return self._db.get(key) is not None

    def set(self, key: bytes, value: bytes) -> None:
        """Writes one key directly (not used by block commits)."""
        self._db.put(key, value)

    def delete(self, key: bytes) -> None:
        """Deletes one key directly (not used by block commits)."""
        self._db.delete(key)

    def iterate(self, prefix: bytes = b"", reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
        """(key, value) pairs under prefix in byte order, from a consistent snapshot."""
        it = self._db.iter()
        end = prefix_end(prefix)
        if not reverse:
            it.seek(prefix)
            while it.valid():
                key = it.key()
                if not key.startswith(prefix):
                    break
                yield key, it.value()
                it.next()
        else:
            if end is None:
                it.seek_to_last()
            else:
                it.seek_for_prev(end)
                if it.valid() and it.key() == end:
                    it.prev()
            while it.valid():
                key = it.key()
                if not key.startswith(prefix):
                    break
                yield key, it.value()
                it.prev()

    def write_batch(self, writes: Mapping[bytes, bytes | None]) -> None:
        """Applies all writes (None = delete) in one atomic RocksDB write, synced to disk (the
        write-ahead log is fsynced before it returns), as the Cosmos SDK commits with WriteSync:
        a block Commit answered is on disk, so a power loss or a disk error after it does not
        roll the store back to an older height."""
        batch = WriteBatch(raw_mode=True)
        for key, value in writes.items():
            if value is None:
                batch.delete(key)
            else:
                batch.put(key, value)
        self._db.write(batch, self._synced)

    def flush(self) -> None:
        """Flushes memtables to disk."""
        self._db.flush()

    def settle(self) -> None:
        """Flushes memtables and compacts every level (after a bulk load)."""
        self._db.flush()
        self._db.compact_range(None, None)

    def close(self) -> None:
        """Closes the database."""
        self._db.close()
