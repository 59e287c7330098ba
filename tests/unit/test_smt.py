"""The authenticated tree: same root as a rebuild from scratch (shape depends only on the key
set), versions readable after later blocks, the hashing spec of docs/state.md, and the cost
of a block bounded by the changed paths."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from aichain.app.store import MemStore
from aichain.app.store.hashing import (
    EMPTY_HASH,
    INNER_HASHES_BYTES,
    compute_binary_levels,
    compute_inner_hashes,
    compute_node_hash,
    compute_sparse_node_hash,
    update_inner_hashes,
    update_inner_path,
)
from aichain.app.store.nodes import NODE_PREFIX
from aichain.app.store.root import RootStore

_ops = st.lists(
    st.lists(
        st.tuples(st.integers(0, 60), st.one_of(st.none(), st.binary(min_size=1, max_size=4))),
        max_size=25,
    ),
    min_size=1,
    max_size=8,
)


def _key(i: int) -> bytes:
    return b"m/" + str(i).encode()


def _commit(root: RootStore, height: int, writes: dict[bytes, bytes | None]) -> bytes:
    branch = root.branch()
    for k, v in writes.items():
        if v is None:
            branch.delete(k)
        else:
            branch.set(k, v)
    app_hash = root.compute_next_app_hash(height, branch)
    root.commit(height, app_hash, branch)
    return app_hash


def _fresh_root(model: dict[bytes, bytes]) -> bytes:
    return _commit(RootStore(MemStore()), 1, dict(model))


@settings(max_examples=60, deadline=None)
@given(_ops)
def test_root_equals_rebuild_and_every_version_stays_readable(blocks) -> None:
    root = RootStore(MemStore())
    model: dict[bytes, bytes] = {}
    history = []
    for height, block in enumerate(blocks, start=1):
        writes = {_key(i): v for i, v in block}
        for k, v in writes.items():
            if v is None:
                model.pop(k, None)
            else:
                model[k] = v
        app_hash = _commit(root, height, writes)
        assert app_hash == _fresh_root(model)
        history.append(dict(model))
    for height, snapshot in enumerate(history, start=1):
        assert dict(root.iter_at(height)) == snapshot
        for i in range(0, 61, 5):
            assert root.get_at(_key(i), height) == snapshot.get(_key(i))


def test_empty_store_and_deleting_everything_give_the_empty_hash() -> None:
    root = RootStore(MemStore())
    assert _commit(root, 1, {}) == EMPTY_HASH
    _commit(root, 2, {b"a/1": b"x", b"a/2": b"y"})
    assert _commit(root, 3, {b"a/1": None, b"a/2": None}) == EMPTY_HASH


def _independent_root(items: dict[bytes, bytes]) -> bytes:
    """docs/state.md's definition, written from the document: recursive over nibble paths."""
    sha = hashlib.sha256

    def leaf(k: bytes, v: bytes) -> bytes:
        return sha(b"\x00" + sha(k).digest() + sha(v).digest()).digest()

    def nib(k: bytes, d: int) -> int:
        h = sha(k).digest()
        return h[d // 2] >> 4 if d % 2 == 0 else h[d // 2] & 15

    def node(keys: list[bytes], d: int, is_root: bool) -> bytes:
        if not keys:
            return bytes(32)
        if len(keys) == 1 and not is_root:
            return leaf(keys[0], items[keys[0]])
        slots = [node([k for k in keys if nib(k, d) == s], d + 1, False) for s in range(16)]
        while len(slots) > 1:
            slots = [
                bytes(32)
                if slots[i] == slots[i + 1] == bytes(32)
                else sha(b"\x01" + slots[i] + slots[i + 1]).digest()
                for i in range(0, len(slots), 2)
            ]
        return slots[0]

    return node(sorted(items), 0, True)


def test_root_matches_an_implementation_written_from_the_spec() -> None:
    for n in (1, 2, 3, 17, 300):
        items = {b"bank/" + str(i).encode(): b"v" + str(i * i).encode() for i in range(n)}
        assert _fresh_root(items) == _independent_root(items)


_slots = st.lists(
    st.one_of(st.just(EMPTY_HASH), st.binary(min_size=32, max_size=32)), min_size=16, max_size=16
)


@settings(max_examples=200, deadline=None)
@given(_slots, _slots, st.sets(st.integers(0, 15), max_size=5))
def test_inner_hashes_updated_on_changed_paths_match_hashing_from_scratch(
    old, new, changed
) -> None:
    slots = [new[s] if s in changed else old[s] for s in range(16)]
    inner = compute_inner_hashes(old)
    needed = {t for s in changed for t in (s, s ^ 1)}
    known = [slots[s] if s in needed or len(changed) > 3 else None for s in range(16)]
    updated = update_inner_hashes(inner, known, sorted(changed))
    assert inner == compute_inner_hashes(old)  # the replaced node's hashes are left alone
    assert updated == compute_inner_hashes(slots)
    assert updated[:32] == compute_node_hash(slots) == compute_binary_levels(slots)[-1][0]
    assert len(updated) == INNER_HASHES_BYTES


def test_small_blocks_reusing_cached_node_hashes_match_the_spec() -> None:
    root = RootStore(MemStore())
    model = {b"bank/" + str(i).encode(): b"v" for i in range(3000)}
    _commit(root, 1, dict(model))
    for height in range(2, 12):  # a few keys per block: most of each dense node is reused
        writes: dict[bytes, bytes | None] = {
            b"bank/" + str(i * height % 3100).encode(): b"w%d" % height for i in range(1, 4)
        }
        writes[b"bank/" + str(height * 7).encode()] = None
        for k, v in writes.items():
            if v is None:
                model.pop(k, None)
            else:
                model[k] = v
        assert _commit(root, height, writes) == _independent_root(model)


def test_a_block_rewrites_only_the_changed_paths() -> None:
    store = MemStore()
    root = RootStore(store)
    _commit(root, 1, {_key(i): b"v" for i in range(5000)})
    before = sum(1 for _ in store.iterate(NODE_PREFIX))
    _commit(root, 2, {_key(7): b"changed"})
    written = sum(1 for _ in store.iterate(NODE_PREFIX)) - before
    assert written <= 6  # the root, about log16(5000) = 3-4 internal nodes, and the leaf


@settings(max_examples=300, deadline=None)
@given(_slots)
def test_a_sparse_node_hashed_from_its_present_children_matches_the_spec(slots) -> None:
    children = [(s, h) for s, h in enumerate(slots) if h != EMPTY_HASH]
    assert compute_sparse_node_hash(children) == compute_node_hash(slots)


@settings(max_examples=200, deadline=None)
@given(_slots, st.integers(0, 15), st.binary(min_size=32, max_size=32))
def test_one_changed_slot_rehashes_its_path_like_hashing_from_scratch(old, slot, h) -> None:
    slots = list(old)
    slots[slot] = h
    updated = update_inner_path(compute_inner_hashes(old), slot, h, slots[slot ^ 1])
    assert updated == compute_inner_hashes(slots)
