"""One conformance suite for every KVStore implementation and layer."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aichain.app.gas import INFINITE_GAS, GasKVStore, GasMeter
from aichain.app.store import (
    CacheStore,
    MemStore,
    PrefixStore,
    RootStore,
    compute_app_hash,
    prefix_end,
)
from aichain.app.store.rocks import RocksStore


def _make(kind: str, tmp_path):
    if kind == "mem":
        return MemStore()
    if kind == "rocks":
        return RocksStore(tmp_path / "db")
    if kind == "cache":
        base = MemStore()
        base.set(b"zz-parent", b"p")
        base.delete(b"zz-parent")
        return CacheStore(base)
    if kind == "cache-of-cache":
        return CacheStore(CacheStore(MemStore()))
    if kind == "prefix":
        parent = MemStore()
        parent.set(b"other/a", b"x")
        return PrefixStore(parent, b"mod/")
    return GasKVStore(MemStore(), GasMeter(INFINITE_GAS))


@pytest.fixture(params=["mem", "rocks", "cache", "cache-of-cache", "prefix", "gas"])
def store(request, tmp_path):
    s = _make(request.param, tmp_path)
    yield s
    if isinstance(s, RocksStore):
        s.close()


def test_get_set_delete_has(store) -> None:
    assert store.get(b"a") is None and not store.has(b"a")
    store.set(b"a", b"1")
    assert store.get(b"a") == b"1" and store.has(b"a")
    store.set(b"a", b"2")
    assert store.get(b"a") == b"2"
    store.delete(b"a")
    assert store.get(b"a") is None and not store.has(b"a")
    store.delete(b"never-set")  # no-op


def test_iterate_is_ordered_and_prefix_bounded(store) -> None:
    keys = [b"b\x00", b"a", b"b", b"b\xff", b"ba", b"c", b"b\x01\x02"]
    for i, k in enumerate(keys):
        store.set(k, bytes([i]))
    got = [k for k, _ in store.iterate(b"b")]
    assert got == sorted(k for k in keys if k.startswith(b"b"))
    assert [k for k, _ in store.iterate(b"b", reverse=True)] == list(reversed(got))
    assert [k for k, _ in store.iterate()] == sorted(keys)
    store.delete(b"ba")
    assert b"ba" not in [k for k, _ in store.iterate(b"b")]


def test_prefix_end() -> None:
    assert prefix_end(b"ab") == b"ac"
    assert prefix_end(b"a\xff") == b"b"
    assert prefix_end(b"\xff\xff") is None


def test_cache_write_and_discard() -> None:
    base = MemStore()
    base.set(b"k", b"base")
    cache = CacheStore(base)
    cache.set(b"k", b"new")
    cache.set(b"n", b"1")
    cache.delete(b"k")
    assert base.get(b"k") == b"base"
    assert [k for k, _ in cache.iterate()] == [b"n"]
    cache.discard()
    assert cache.get(b"k") == b"base"
    cache.set(b"k", b"v2")
    cache.write()
    assert base.get(b"k") == b"v2"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["set", "del"]),
            st.binary(min_size=1, max_size=3),
            st.binary(max_size=3),
        ),
        max_size=40,
    )
)
def test_cache_over_store_matches_a_dict_model(ops) -> None:
    base = MemStore()
    for i in range(5):
        base.set(bytes([i]), b"base")
    model = {bytes([i]): b"base" for i in range(5)}
    cache = CacheStore(base)
    for op, key, value in ops:
        if op == "set":
            cache.set(key, value)
            model[key] = value
        else:
            cache.delete(key)
            model.pop(key, None)
    assert list(cache.iterate()) == sorted(model.items())
    cache.write()
    assert list(base.iterate()) == sorted(model.items())


def test_gas_store_charges_and_runs_out() -> None:
    meter = GasMeter(5000)
    store = GasKVStore(MemStore(), meter)
    store.set(b"k", b"v")
    assert meter.consumed == 2000 + 30 * 2
    store.get(b"k")
    assert meter.consumed == 2060 + 1000 + 3 * 2
    from aichain.app.errors import OutOfGasError

    with pytest.raises(OutOfGasError):
        store.set(b"big", b"x" * 100)


def test_root_commit_is_atomic_and_reopens(tmp_path) -> None:
    db = RocksStore(tmp_path / "db")
    root = RootStore(db)
    branch = root.branch()
    branch.set(b"bank/x", b"1")
    app_hash = root.compute_next_app_hash(1, branch)
    root.commit(1, app_hash, branch)
    db.close()
    reopened = RootStore(RocksStore(tmp_path / "db"))
    assert reopened.last_height == 1 and reopened.last_app_hash == app_hash
    assert reopened.backend.get(b"bank/x") == b"1"


def test_app_hash_depends_on_every_write_and_its_order_is_canonical() -> None:
    writes = {b"a": b"1", b"b": None, b"c": b"3"}
    shuffled = dict(random.Random(1).sample(list(writes.items()), 3))
    assert compute_app_hash(b"p", 5, writes) == compute_app_hash(b"p", 5, shuffled)
    assert compute_app_hash(b"p", 5, writes) != compute_app_hash(b"p", 6, writes)
    assert compute_app_hash(b"p", 5, writes) != compute_app_hash(b"q", 5, writes)
    assert compute_app_hash(b"p", 5, writes) != compute_app_hash(b"p", 5, {**writes, b"b": b""})
    # length prefixes: moving a byte between key and value changes the hash
    assert compute_app_hash(b"", 1, {b"ab": b"c"}) != compute_app_hash(b"", 1, {b"a": b"bc"})
