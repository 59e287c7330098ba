"""The tree-node cache: bounded by its configured size, never changes a root or a proof, and
cold starts (batched prefetch from RocksDB) compute the same roots as warm ones."""

from __future__ import annotations

import random
from pathlib import Path

from aichain.app.store import MemStore
from aichain.app.store.ics23 import encode_commitment_proof
from aichain.app.store.options import StoreOptions, parse_store_options
from aichain.app.store.rocks import RocksStore
from aichain.app.store.root import RootStore
from aichain.client.proofs import verify_commitment_proof
from aichain.config.app_config import AppToml, read_app_toml, write_app_toml


def _key(i: int) -> bytes:
    return b"bank/" + str(i).encode()


def _block(rng: random.Random, h: int, n: int) -> dict[bytes, bytes | None]:
    writes: dict[bytes, bytes | None] = {}
    for _ in range(n):
        i = rng.randrange(3000)
        writes[_key(i)] = None if rng.random() < 0.2 else b"%d:%d" % (i, h)
    return writes


def _commit(root: RootStore, h: int, writes: dict[bytes, bytes | None]) -> bytes:
    branch = root.branch()
    for k, v in writes.items():
        if v is None:
            branch.delete(k)
        else:
            branch.set(k, v)
    app_hash = root.compute_next_app_hash(h, branch)
    root.commit(h, app_hash, branch)
    return app_hash


def test_cache_size_never_changes_roots_and_stays_bounded(tmp_path: Path) -> None:
    sizes = [0, 8 << 10, 256 << 10, 256 << 20]
    roots = [
        RootStore(RocksStore(tmp_path / str(s)), StoreOptions(node_cache_bytes=s)) for s in sizes
    ]
    reference = RootStore(MemStore(), StoreOptions(node_cache_bytes=0))
    rng = random.Random(3)
    for h in range(1, 25):
        writes = _block(rng, h, 400 if h < 4 else rng.choice([1, 30, 300]))
        want = _commit(reference, h, writes)
        for root, size in zip(roots, sizes, strict=True):
            assert _commit(root, h, writes) == want
            assert root.reader.used_bytes <= size
    small = roots[1]
    assert small.reader.used_bytes > 0
    # every kept version still proves its keys whatever was evicted
    for h in (5, 24):
        for i in range(0, 3000, 97):
            value, proof = small.prove(_key(i), h)
            assert value == reference.get_at(_key(i), h)
            verify_commitment_proof(
                small.root_hash_at(h), _key(i), value, encode_commitment_proof(proof)
            )


def test_a_cold_reopened_store_prefetches_and_matches(tmp_path: Path) -> None:
    db = RocksStore(tmp_path / "db")
    root = RootStore(db)
    reference = RootStore(MemStore())
    rng = random.Random(5)
    for h in range(1, 6):
        writes = _block(rng, h, 600)
        assert _commit(root, h, writes) == _commit(reference, h, writes)
    reopened = RootStore(db)
    assert reopened.reader.used_bytes == 0 and reopened.reader.cold
    writes = _block(rng, 6, 500)
    assert _commit(reopened, 6, writes) == _commit(reference, 6, writes)
    assert reopened.reader.misses > 0  # read through the batched prefetch
    assert not reopened.reader.cold  # every node on the next paths was cached
    writes = _block(rng, 7, 5)
    assert _commit(reopened, 7, writes) == _commit(reference, 7, writes)


def test_commit_evicts_replaced_nodes_and_pruning_keeps_cache_consistent() -> None:
    root = RootStore(MemStore(), parse_store_options("custom", keep_recent=2, interval=1))
    rng = random.Random(9)
    for h in range(1, 30):
        _commit(root, h, _block(rng, h, 200))
    live = set()

    def walk(entry, path: bytes) -> None:  # noqa: ANN001
        from aichain.app.store.nodes import node_key

        nkey = node_key(entry[0], path)
        live.add(nkey)
        for slot, child in enumerate(root.reader.internal(nkey)):
            if child is not None and child[2] is None:
                walk(child, path + bytes((slot,)))

    walk(root.root, b"")
    assert (
        set(root.reader.cached_keys()) == live
    )  # only the latest tree's internal nodes are cached


def test_resizing_the_cache_through_options_and_app_toml(tmp_path: Path) -> None:
    root = RootStore(MemStore())
    assert root.reader.max_bytes == 256 << 20
    rng = random.Random(1)
    _commit(root, 1, _block(rng, 1, 2000))
    assert root.reader.used_bytes > 4096
    root.options = StoreOptions(node_cache_bytes=4096)
    assert root.reader.used_bytes <= 4096
    path = tmp_path / "app.toml"
    write_app_toml(path, AppToml(node_cache_size=64))
    cfg = read_app_toml(path)
    assert cfg.node_cache_size == 64
    assert cfg.to_store_options().node_cache_bytes == 64 << 20


def test_a_block_rewriting_the_same_values_keeps_its_nodes_cached() -> None:
    root = RootStore(MemStore())
    for h in (1, 2):
        branch = root.branch()
        for i in range(300):
            branch.set(b"bank/" + str(i).encode(), b"same")
        root.commit(h, root.compute_next_app_hash(h, branch), branch)
    before = set(root.reader.cached_keys())
    branch = root.branch()
    branch.set(b"bank/7", b"same")  # one key, its old value: no node changes
    root.commit(3, root.compute_next_app_hash(3, branch), branch)
    assert root.root_hash_at(3) == root.root_hash_at(2)
    assert set(root.reader.cached_keys()) == before
    misses = root.reader.misses
    assert root.get_at(b"bank/7", 2) == b"same"
    assert root.reader.misses == misses


def test_cache_store_scans_stay_right_as_writes_come_between_them() -> None:
    from aichain.app.store.cache import CacheStore
    from aichain.app.store.memory import MemStore

    base = MemStore()
    for key in (b"a/1", b"a/3", b"b/1"):
        base.set(key, b"p")
    branch = CacheStore(base)
    branch.set(b"a/2", b"w")
    assert [k for k, _ in branch.iterate(b"a/")] == [b"a/1", b"a/2", b"a/3"]
    branch.set(b"a/0", b"w")  # a new key after a scan
    branch.delete(b"a/3")
    branch.set(b"a/2", b"w2")  # an overwrite keeps the order
    assert list(branch.iterate(b"a/")) == [(b"a/0", b"w"), (b"a/1", b"p"), (b"a/2", b"w2")]
    assert [k for k, _ in branch.iterate(b"a/", reverse=True)] == [b"a/2", b"a/1", b"a/0"]
    assert [k for k, _ in branch.iterate()] == [b"a/0", b"a/1", b"a/2", b"b/1"]
    branch.write()
    assert [k for k, _ in base.iterate(b"a/")] == [b"a/0", b"a/1", b"a/2"]
    assert list(branch.iterate(b"a/")) == [(b"a/0", b"w"), (b"a/1", b"p"), (b"a/2", b"w2")]
