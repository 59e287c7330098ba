"""The authenticated tree: a 16-way Jellyfish-style Merkle tree over sha256(key).

A key's leaf sits at the shortest nibble prefix of sha256(key) that no other key shares; an
internal node exists at a path exactly when two or more keys share that path. So the shape
depends only on the set of keys (a restored snapshot rebuilds the same root). A block's writes
are applied in one pass, sorted by key hash: only the nodes on changed paths are read,
rehashed and rewritten, so a block costs O(changed keys x log16(keys)).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from aichain.app.store.errors import StoreCorruptError
from aichain.app.store.hashing import (
    EMPTY_HASH,
    compute_inner_hashes,
    compute_key_hash,
    compute_leaf_hash,
    compute_sparse_node_hash,
    update_inner_hashes,
    update_inner_path,
)
from aichain.app.store.kv import KVStore
from aichain.app.store.nodes import (
    NODE_PREFIX,
    Entry,
    compute_child_hashes,
    compute_nibbles,
    compute_slot_hashes,
    count_children,
    decode_internal,
    decode_leaf,
    encode_internal,
    encode_leaf,
    node_key,
    read_child,
    read_slot_hash,
    splice_child,
    splice_internal,
)

DEFAULT_NODE_CACHE_BYTES = 256 << 20
"""Default bound of the in-memory node cache (`StoreOptions.node_cache_bytes`)."""

DENSE_CHILDREN = 5
"""A cached node with at least this many children keeps its inner hashes, so rewriting it
rehashes 4 inner nodes per changed child instead of up to 15; sparser nodes (the deep fringe of
a large tree) hash from scratch in a few hashes and keep only their encoding."""

_ENTRY_OVERHEAD = 160
"""Approximate bytes of one cache entry besides its payload: the key object, the tuple and the
dict's slot."""


def _cost(value: tuple[bytes, bytes | None]) -> int:
    """Bytes a cached node is counted as."""
    inner = value[1]
    return _ENTRY_OVERHEAD + len(value[0]) + (len(inner) if inner is not None else 0)


_DEPTH_BYTE = [bytes((d,)) for d in range(65)]
"""The path-length byte of a node key, by depth."""

Item = tuple[bytes, bytes, bytes | None, bytes]
"""One write: (64 key-hash nibbles, key, value or None for a deletion, sha256(key))."""

Packed = tuple[bytes, bytes | None]
"""A node as the cache holds it: its encoding (nodes.encode_internal) and its inner hashes
(hashing.compute_inner_hashes) when known and worth keeping."""


class NodeReader:
    """Reads nodes from the backend through a cache of internal nodes bounded in bytes.

    Nodes are kept as their encoded bytes (children are read and replaced in place, never
    decoded as a whole) plus, for dense nodes, their inner hashes. Nodes are immutable
    (addressed by version and path), so a cached node is never wrong. The cache is a plain
    dict evicted oldest-inserted first: a block replaces every node on its paths by a new one
    (inserted last) and evicts the replaced ones, so the nodes near the root, rewritten by every
    block, are always the youngest, and nodes no block has touched for longest go first. (An
    LRU list would cost every hit and every eviction several more cache misses at 10^6 keys,
    where the cache is far larger than the CPU's.) Misses on a block's paths are fetched level
    by level with one batched multi-get per level (`prefetch`).
    """

    def __init__(self, backend: KVStore, max_bytes: int = DEFAULT_NODE_CACHE_BYTES) -> None:
        self.backend = backend
        self.max_bytes = max_bytes
        self.used_bytes = 0
        self._nodes: dict[bytes, Packed] = {}
        self.hits = self.misses = 0
        self.cold = True
        """Whether the next block should prefetch its paths (the last one missed the cache)."""

    def set_max_bytes(self, max_bytes: int) -> None:
        """Changes the cache bound (evicting at once if it shrank)."""
        self.max_bytes = max_bytes
        self._shrink()

    def packed(self, nkey: bytes) -> Packed:
        """(encoding, inner hashes or None) of the internal node at nkey. Raises
        StoreCorruptError if it is missing."""
        hit = self._nodes.get(nkey)
        if hit is None:
            data = self._load(nkey)
            self.remember(nkey, data, None)
            return data, None
        self.hits += 1
        return hit

    def take(self, nkey: bytes) -> Packed:
        """packed() for a node a block is about to replace: it leaves the cache now, while its
        memory is still warm from this read, instead of being evicted at commit. (Should the
        block not commit, the node is simply read from the backend next time.)"""
        hit = self._nodes.pop(nkey, None)
        if hit is None:
            return self._load(nkey), None
        self.hits += 1
        self.used_bytes -= _cost(hit)
        return hit

    def _load(self, nkey: bytes) -> bytes:
        """An internal node's encoding from the backend (a cache miss)."""
        self.misses += 1
        data = self.backend.get(nkey)
        if data is None:
            raise StoreCorruptError(f"tree node {nkey.hex()} is missing (pruned or corrupt)")
        if data[:1] != b"\x01":
            raise StoreCorruptError(f"tree node {nkey.hex()} is not an internal node")
        return data

    def internal(self, nkey: bytes) -> list[Entry | None]:
        """The children of the internal node at nkey. Raises StoreCorruptError if missing."""
        return decode_internal(self.packed(nkey)[0])

    def leaf(self, nkey: bytes) -> tuple[bytes, bytes]:
        """(key, value) of the leaf at nkey. Raises StoreCorruptError if missing."""
        data = self.backend.get(nkey)
        if data is None:
            raise StoreCorruptError(f"tree leaf {nkey.hex()} is missing (pruned or corrupt)")
        return decode_leaf(data)

    def remember(self, nkey: bytes, data: bytes, inner: bytes | None) -> None:
        """Caches an internal node."""
        if self.max_bytes <= 0:
            return
        nodes = self._nodes
        old = nodes.pop(nkey, None)
        if old is not None:
            self.used_bytes -= _cost(old)
        value = (data, inner)
        nodes[nkey] = value
        self.used_bytes += _cost(value)
        if self.used_bytes > self.max_bytes:
            self._shrink()

    def remember_new(
        self, inner: Mapping[bytes, bytes | None], encoded: Mapping[bytes, bytes]
    ) -> None:
        """Caches the internal nodes a block just wrote (keys never cached before)."""
        if self.max_bytes <= 0:
            return
        nodes = self._nodes
        used = self.used_bytes
        for nkey, hashes in inner.items():
            if nkey in nodes:  # keeps the byte count exact should a height be written twice
                continue
            data = encoded[nkey]
            nodes[nkey] = (data, hashes)
            used += _ENTRY_OVERHEAD + len(data) + (len(hashes) if hashes is not None else 0)
        self.used_bytes = used
        if used > self.max_bytes:
            self._shrink()

    def _shrink(self) -> None:
        """Evicts the oldest-inserted nodes until the cache is within its bound."""
        over = self.used_bytes - self.max_bytes
        if over <= 0:
            return
        victims = []
        for nkey, value in self._nodes.items():
            if over <= 0:
                break
            victims.append(nkey)
            over -= _cost(value)
        self.evict(victims)

    def evict(self, nkeys: Iterable[bytes]) -> None:
        """Drops nodes (replaced or pruned ones) from the cache."""
        pop = self._nodes.pop
        freed = 0
        for nkey in nkeys:
            old = pop(nkey, None)
            if old is not None:
                freed += _ENTRY_OVERHEAD + len(old[0]) + (len(old[1]) if old[1] is not None else 0)
        self.used_bytes -= freed

    def cached_keys(self) -> list[bytes]:
        """The keys of the cached nodes, oldest first."""
        return list(self._nodes)

    def prefetch(self, root: Entry | None, items: list[Item]) -> None:
        """Loads every uncached internal node on the items' paths, one multi-get per level."""
        if root is None or root[2] is not None or not items:
            return
        getter = getattr(self.backend, "get_many", None)
        if getter is None:
            return
        cached = self._nodes
        level = [(root, b"", items)]
        depth = 0
        while level:
            missing = [
                nkey for nkey in (node_key(e[0], p) for e, p, _ in level) if nkey not in cached
            ]
            if missing:
                self.misses += len(missing)
                for nkey, data in zip(missing, getter(missing), strict=True):
                    if data is None:
                        raise StoreCorruptError(
                            f"tree node {nkey.hex()} is missing (pruned or corrupt)"
                        )
                    self.remember(nkey, data, None)
            nxt = []
            for entry, path, its in level:
                data = self.packed(node_key(entry[0], path))[0]
                for slot, under in compute_groups(its, depth):
                    child = read_child(data, slot)
                    if child is not None and child[2] is None:
                        nxt.append((child, path + bytes((slot,)), under))
            level = nxt
            depth += 1

    def forget(self) -> None:
        """Drops the cache (after a reload or a snapshot restore)."""
        self._nodes.clear()
        self.used_bytes = 0
        self.cold = True


@dataclass(slots=True)
class TreeUpdate:
    """The result of applying one block's writes: new nodes, replaced nodes and the root."""

    version: int
    root: Entry | None
    nodes: dict[bytes, bytes] = field(default_factory=dict)
    stale: list[bytes] = field(default_factory=list)
    inner: dict[bytes, bytes | None] = field(default_factory=dict)
    """The new internal nodes' inner hashes to cache (None: not worth keeping)."""

    @property
    def root_hash(self) -> bytes:
        """The new root hash (the app hash)."""
        return EMPTY_HASH if self.root is None else self.root[1]


def compute_groups(items: list[Item], depth: int) -> list[tuple[int, list[Item]]]:
    """Sorted items split by their nibble at depth: (slot, the items under it), by slot."""
    groups = []
    i, n = 0, len(items)
    while i < n:
        slot = items[i][0][depth]
        j = i + 1
        while j < n and items[j][0][depth] == slot:
            j += 1
        groups.append((slot, items[i:j] if i or j < n else items))
        i = j
    return groups


def compute_items(writes: Mapping[bytes, bytes | None]) -> list[Item]:
    """The writes as tree items sorted by key hash."""
    items = []
    for k, v in writes.items():
        kh = compute_key_hash(k)
        items.append((compute_nibbles(kh), k, v, kh))
    items.sort()
    return items


def compute_update(
    reader: NodeReader, root: Entry | None, version: int, writes: Mapping[bytes, bytes | None]
) -> TreeUpdate:
    """Applies writes (None = delete) to the tree at root; touches only changed paths."""
    update = TreeUpdate(version, root)
    if writes:
        items = compute_items(writes)
        if reader.cold:
            reader.prefetch(root, items)
        misses = reader.misses
        update.root = _Updater(reader, update).apply_root(root, items)
        # prefetch next time only if this block still read nodes one by one
        reader.cold = reader.misses != misses
    return update


class _Updater:
    """One pass over sorted items; records new and replaced nodes in the TreeUpdate."""

    __slots__ = ("reader", "out", "version", "prefix")

    def __init__(self, reader: NodeReader, out: TreeUpdate) -> None:
        self.reader = reader
        self.out = out
        self.version = out.version
        self.prefix = node_key(out.version, b"")[:-1]  # the new nodes' key prefix

    def apply_root(self, root: Entry | None, items: list[Item]) -> Entry | None:
        """The new root entry; the root is always an internal node at the empty path."""
        if root is None:
            sets = [it for it in items if it[2] is not None]
            if not sets:
                return None
            return self._put_internal(b"", self._apply_children([None] * 16, b"", sets))
        return self._apply_internal(root, b"", items, is_root=True)

    def _apply_children(
        self, children: list[Entry | None], path: bytes, items: list[Item]
    ) -> list[Entry | None]:
        """Applies items (all under path) to a fresh node's children."""
        for slot, under in compute_groups(items, len(path)):
            children[slot] = self._apply_slot(children[slot], path + bytes((slot,)), under)
        return children

    def _apply_internal(
        self, entry: Entry, path: bytes, items: list[Item], is_root: bool = False
    ) -> Entry | None:
        """The new entry of the stored internal node at path after items: only the changed
        children's bytes are replaced and only their paths rehashed."""
        nkey = node_key(entry[0], path)
        data, inner = self.reader.take(nkey)
        depth = len(path)
        changes: list[tuple[int, Entry | None]] = []
        for slot, under in compute_groups(items, depth):
            old = read_child(data, slot)
            new = self._apply_slot(old, path + bytes((slot,)), under)
            if new != old:
                changes.append((slot, new))
        if not changes:  # nothing changed below: the node taken stays live
            self.reader.remember(nkey, data, inner)
            return entry
        self.out.stale.append(nkey)
        new_data = splice_internal(data, changes)
        present = new_data[1] << 8 | new_data[2]
        if not present:
            return None
        if not is_root and present.bit_count() == 1 and new_data[3] | new_data[4]:
            slot = present.bit_length() - 1  # the lone child is a leaf: it moves up here
            return self._pull_up(read_child(new_data, slot), path, slot)  # type: ignore[arg-type]
        return self._put_packed(path, new_data, inner, [s for s, _ in changes])

    def _apply_one(self, entry: Entry, path: bytes, item: Item) -> Entry | None:
        """The new entry of the stored internal node at path after the one write item: walks
        down to the item's leaf (or empty slot), then back up, splicing one child per node."""
        nibbles = item[0]
        take = self.reader.take
        stack = []
        depth = len(path)
        child: Entry | None = entry
        while child is not None and child[2] is None:  # an internal node
            nkey = NODE_PREFIX + child[0].to_bytes(8, "big") + _DEPTH_BYTE[depth] + nibbles[:depth]
            data, inner = take(nkey)
            slot = nibbles[depth]
            stack.append((nkey, data, inner, slot))
            child = read_child(data, slot)
            depth += 1
        new = self._apply_slot(child, nibbles[:depth], [item])
        if new == child:  # nothing changed below: the nodes taken stay live
            for nkey, data, inner, _ in stack:
                self.reader.remember(nkey, data, inner)
            return entry
        stale = self.out.stale
        for nkey, data, inner, slot in reversed(stack):
            depth -= 1
            stale.append(nkey)
            new_data = splice_child(data, slot, new)
            present = new_data[1] << 8 | new_data[2]
            if not present:
                new = None
                continue
            count = present.bit_count()
            if count == 1 and new_data[3] | new_data[4]:
                lone = present.bit_length() - 1  # the lone child is a leaf: it moves up here
                new = self._pull_up(read_child(new_data, lone), nibbles[:depth], lone)  # type: ignore[arg-type]
            elif inner is not None and count >= DENSE_CHILDREN:  # one path of 4 hashes
                nkey = self.prefix + _DEPTH_BYTE[depth] + nibbles[:depth]
                self.out.nodes[nkey] = new_data
                slot_hash = EMPTY_HASH if new is None else new[1]
                sibling = read_slot_hash(new_data, slot ^ 1, EMPTY_HASH)
                inner = update_inner_path(inner, slot, slot_hash, sibling)
                self.out.inner[nkey] = inner
                new = (self.version, inner[:32], None)
            else:
                new = self._put_packed(nibbles[:depth], new_data, inner, [slot])
        return new

    def _apply_slot(self, entry: Entry | None, path: bytes, items: list[Item]) -> Entry | None:
        """The new entry for the subtree at path after items."""
        if entry is None:
            return self._build(path, [it for it in items if it[2] is not None])
        leaf_kh = entry[2]
        if leaf_kh is None:
            if len(items) == 1:
                return self._apply_one(entry, path, items[0])
            return self._apply_internal(entry, path, items)
        nkey = node_key(entry[0], path)
        if len(items) == 1 and items[0][3] == leaf_kh:  # the same key: no need to read it
            _, key, value, kh = items[0]
            if value is None:
                self.out.stale.append(nkey)
                return None
            h = compute_leaf_hash(key, value)
            if h == entry[1]:
                return entry
            self.out.stale.append(nkey)
            return self._put_leaf(path, key, value, kh, h)
        key, value = self.reader.leaf(nkey)
        merged = {key: value}
        for _, k, v, _ in items:
            merged[k] = v
        live = {k: v for k, v in merged.items() if v is not None}
        if len(live) == 1 and live.get(key) == value:
            return entry
        self.out.stale.append(nkey)
        return self._build(path, compute_items(live))

    def _build(self, path: bytes, sets: list[Item]) -> Entry | None:
        """A fresh subtree at path holding sets (no deletions)."""
        if not sets:
            return None
        if len(sets) == 1:
            _, key, value, kh = sets[0]
            return self._put_leaf(path, key, value, kh)  # type: ignore[arg-type]
        return self._put_internal(path, self._apply_children([None] * 16, path, sets))

    def _pull_up(self, child: Entry, path: bytes, slot: int) -> Entry:
        """Moves the only leaf below path up to path (a node never holds a lone leaf)."""
        ckey = node_key(child[0], path + bytes((slot,)))
        data = self.out.nodes.pop(ckey, None)
        if data is None:
            key, value = self.reader.leaf(ckey)
            self.out.stale.append(ckey)
        else:
            key, value = decode_leaf(data)
        return self._put_leaf(path, key, value, child[2], child[1])  # type: ignore[arg-type]

    def _put_leaf(
        self, path: bytes, key: bytes, value: bytes, kh: bytes, h: bytes | None = None
    ) -> Entry:
        nkey = self.prefix + _DEPTH_BYTE[len(path)] + path
        self.out.nodes[nkey] = encode_leaf(key, value)
        return (self.version, h or compute_leaf_hash(key, value), kh)

    def _put_internal(self, path: bytes, children: list[Entry | None]) -> Entry:
        """Writes a fresh internal node."""
        return self._put_packed(path, encode_internal(children), None, [])

    def _put_packed(
        self, path: bytes, data: bytes, inner: bytes | None, changed: list[int]
    ) -> Entry:
        """Writes an encoded internal node; inner is the replaced node's inner hashes (then
        only the changed slots' paths rehash) or None (hash from scratch)."""
        nkey = self.prefix + _DEPTH_BYTE[len(path)] + path
        self.out.nodes[nkey] = data
        if count_children(data) < DENSE_CHILDREN:
            self.out.inner[nkey] = None
            return (self.version, compute_sparse_node_hash(compute_child_hashes(data)), None)
        if inner is None or len(changed) > 3:
            inner = compute_inner_hashes(compute_slot_hashes(data, EMPTY_HASH))
        else:
            slots: list[bytes | None] = [None] * 16
            for s in changed:
                slots[s] = read_slot_hash(data, s, EMPTY_HASH)
                slots[s ^ 1] = read_slot_hash(data, s ^ 1, EMPTY_HASH)
            inner = update_inner_hashes(inner, slots, changed)
        self.out.inner[nkey] = inner
        return (self.version, inner[:32], None)


def get_value(reader: NodeReader, root: Entry | None, key: bytes) -> bytes | None:
    """The value of key in the tree at root (a walk of about log16(keys) nodes)."""
    nibbles = compute_nibbles(compute_key_hash(key))
    entry = root
    depth = 0
    while entry is not None:
        nkey = node_key(entry[0], nibbles[:depth])
        if entry[2]:
            leaf_key, value = reader.leaf(nkey)
            return value if leaf_key == key else None
        entry = reader.internal(nkey)[nibbles[depth]]
        depth += 1
    return None


def iter_leaves(reader: NodeReader, root: Entry | None, path: bytes = b""):  # noqa: ANN201
    """(key, value) of every leaf under root, in key-hash order."""
    if root is None:
        return
    nkey = node_key(root[0], path)
    if root[2]:
        yield reader.leaf(nkey)
        return
    children = reader.internal(nkey)
    for slot in range(16):
        child = children[slot]
        if child is not None:
            yield from iter_leaves(reader, child, path + bytes((slot,)))
