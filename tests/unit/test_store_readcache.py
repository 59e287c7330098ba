"""The read cache in front of the committed state: memoised, refreshed by every commit, exact."""

from __future__ import annotations

import random

import pytest

from aichain.app.store import MemStore, RootStore
from aichain.app.store.readcache import ReadCache
from aichain.app.store.rocks import RocksStore


class CountingStore(MemStore):
    """A MemStore that counts its gets."""

    def __init__(self) -> None:
        super().__init__()
        self.gets = 0

    def get(self, key: bytes) -> bytes | None:
        self.gets += 1
        return super().get(key)


def test_reads_are_memoised_absent_keys_too() -> None:
    backend = CountingStore()
    backend.set(b"a", b"1")
    cache = ReadCache(backend)
    assert [cache.get(b"a"), cache.get(b"a"), cache.get(b"nope"), cache.get(b"nope")] == [
        b"1",
        b"1",
        None,
        None,
    ]
    assert backend.gets == 2
    assert (cache.hits, cache.misses) == (2, 2)
    assert cache.has(b"a") and not cache.has(b"nope")


def test_writes_through_the_cache_are_refused_and_change_nothing() -> None:
    backend = MemStore()
    backend.set(b"a", b"1")
    cache = ReadCache(backend)
    with pytest.raises(TypeError, match="RootStore.commit"):
        cache.set(b"a", b"2")
    with pytest.raises(TypeError, match="RootStore.commit"):
        cache.delete(b"a")
    assert cache.get(b"a") == b"1" and backend.get(b"a") == b"1"


def test_refresh_updates_cached_keys_only() -> None:
    backend = MemStore()
    cache = ReadCache(backend)
    backend.set(b"a", b"1")
    assert cache.get(b"a") == b"1" and cache.get(b"b") is None
    backend.set(b"b", b"2")
    backend.delete(b"a")
    backend.set(b"c", b"3")
    cache.refresh({b"a": None, b"b": b"2", b"c": b"3"})
    assert len(cache) == 2  # c was not cached, and refresh does not put it in
    assert cache.get(b"a") is None and cache.get(b"b") == b"2"
    cache.refresh({b"b": b"4", **{bytes([i]): b"" for i in range(10)}})  # more writes than keys
    assert cache.get(b"b") == b"4"


def test_a_full_cache_starts_over() -> None:
    backend = MemStore()
    cache = ReadCache(backend, max_entries=3)
    for key in (b"a", b"b", b"c"):
        cache.get(key)
    assert len(cache) == 3
    cache.get(b"d")
    assert len(cache) == 1 and cache.get(b"d") is None


@pytest.mark.parametrize("kind", ["mem", "rocks"])
def test_branches_read_exactly_the_committed_state_across_blocks(kind: str, tmp_path) -> None:
    """Seeded blocks of sets and deletes over a small key space: after every commit a fresh
    branch reads, through the cache, what the backend holds, for every key."""
    backend = MemStore() if kind == "mem" else RocksStore(tmp_path / "db")
    root = RootStore(backend)
    rng = random.Random(15)
    keys = [f"k{i:02d}".encode() for i in range(40)]
    for height in range(1, 30):
        reader = root.branch()
        for key in rng.sample(keys, 15):  # warm some keys, as CheckTx does
            reader.get(key)
        branch = root.branch()
        for key in rng.sample(keys, 10):
            if rng.random() < 0.3:
                branch.delete(key)
            else:
                branch.set(key, f"{height}:{rng.random()}".encode())
        root.commit(height, root.compute_next_app_hash(height, branch), branch)
        fresh = root.branch()
        assert [fresh.get(k) for k in keys] == [backend.get(k) for k in keys]
    assert root.latest.hits > 0


def test_reload_forgets_everything() -> None:
    backend = MemStore()
    root = RootStore(backend)
    branch = root.branch()
    branch.set(b"a", b"1")
    root.commit(1, root.compute_next_app_hash(1, branch), branch)
    assert root.branch().get(b"a") == b"1"
    backend.set(b"a", b"restored")  # a state-sync restore writes the backend directly
    root.reload()
    assert root.branch().get(b"a") == b"restored"
