"""Versions and pruning: past heights stay readable until pruned; pruned and future heights
give InvalidHeightError; pruning removes every node only old versions used; retain_height."""

from __future__ import annotations

import pytest

from aichain.app.errors import InvalidHeightError
from aichain.app.store import MemStore
from aichain.app.store.errors import PruningConfigError
from aichain.app.store.nodes import NODE_PREFIX, ROOT_PREFIX, STALE_PREFIX
from aichain.app.store.options import (
    StoreOptions,
    compute_retain_height,
    parse_store_options,
)
from aichain.app.store.root import RootStore


def _run(root: RootStore, heights: range, keys: int = 50) -> None:
    for h in heights:
        branch = root.branch()
        for i in range(keys):
            branch.set(b"m/" + str(i).encode(), str(h * 1000 + i).encode())
        branch.set(b"m/h" + str(h).encode(), b"x")
        root.commit(h, root.compute_next_app_hash(h, branch), branch)


def test_parse_options_and_strategies() -> None:
    assert parse_store_options("nothing").keep_recent == 0
    assert parse_store_options("default").keep_recent == 362_880
    assert parse_store_options("everything").keep_recent == 2
    assert parse_store_options("custom", keep_recent=5, interval=3).interval == 3
    with pytest.raises(PruningConfigError, match="unknown"):
        parse_store_options("sometimes")
    with pytest.raises(PruningConfigError, match="keep-recent"):
        parse_store_options("custom", keep_recent=1, interval=1)
    with pytest.raises(PruningConfigError, match="interval"):
        parse_store_options("custom", keep_recent=3, interval=0)


def test_nothing_keeps_every_version() -> None:
    root = RootStore(MemStore())
    _run(root, range(1, 11))
    for h in range(1, 11):
        assert root.get_at(b"m/3", h) == str(h * 1000 + 3).encode()
    with pytest.raises(InvalidHeightError, match="not committed yet"):
        root.get_at(b"m/3", 11)


def test_custom_pruning_deletes_old_versions_and_their_nodes() -> None:
    store = MemStore()
    root = RootStore(store, parse_store_options("custom", keep_recent=3, interval=5))
    _run(root, range(1, 21))
    assert root.earliest == 18  # pruned at 20: keep 18, 19, 20
    with pytest.raises(InvalidHeightError, match="pruned"):
        root.get_at(b"m/3", 17)
    for h in (18, 19, 20):
        assert root.get_at(b"m/3", h) == str(h * 1000 + 3).encode()
        value, proof = root.prove(b"m/3", h)
        assert value is not None and proof.exist is not None
        assert dict(root.iter_at(h))[b"m/h1"] == b"x"
    assert not any(True for _ in store.iterate(STALE_PREFIX + (17).to_bytes(8, "big")))
    roots = [k for k, _ in store.iterate(ROOT_PREFIX)]
    assert len(roots) == 3
    # what is left is exactly the nodes reachable from the kept versions
    nodes = {k for k, _ in store.iterate(NODE_PREFIX)}
    reachable = _reachable(root, [18, 19, 20])
    assert nodes == reachable


def _reachable(root: RootStore, heights: list[int]) -> set[bytes]:
    from aichain.app.store.nodes import node_key

    seen: set[bytes] = set()

    def walk(entry, path: bytes) -> None:
        nkey = node_key(entry[0], path)
        seen.add(nkey)
        if entry[2] is None:
            for slot, child in enumerate(root.reader.internal(nkey)):
                if child is not None:
                    walk(child, path + bytes((slot,)))

    for h in heights:
        walk(root.root_at(h), b"")
    return seen


def test_pruning_survives_reopen() -> None:
    store = MemStore()
    options = parse_store_options("everything")
    root = RootStore(store, options)
    _run(root, range(1, 12))
    again = RootStore(store, options)
    assert (again.last_height, again.earliest) == (11, 9)
    _run(again, range(12, 21))
    assert again.earliest == 19


def test_retain_height_follows_the_settings() -> None:
    assert compute_retain_height(100, StoreOptions(), 1) == 0
    opts = StoreOptions(min_retain_blocks=10)
    assert compute_retain_height(100, opts, 1) == 1  # pruning=nothing: keep every block
    assert compute_retain_height(100, opts, 95) == 90
    snap = StoreOptions(min_retain_blocks=10, snapshot_interval=20, snapshot_keep_recent=2)
    assert compute_retain_height(100, snap, 95) == 60
