"""The authenticated tree: a 16-way Jellyfish-style Merkle tree over sha256(key).

A key's leaf sits at the shortest nibble prefix of sha256(key) that no other key shares; an
internal node exists at a path exactly when two or more keys share that path. So the shape
depends only on the set of keys (a restored snapshot rebuilds the same root). A block's writes
are applied in one pass, sorted by key hash: only the nodes on changed paths are read,
rehashed and rewritten, so a block costs O(changed keys x log16(keys)).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from aichain.app.store.errors import StoreCorruptError
from aichain.app.store.hashing import (
    EMPTY_HASH,
    compute_key_hash,
    compute_leaf_hash,
    compute_node_hash,
    compute_node_heap,
    update_node_heap,
)
from aichain.app.store.kv import KVStore
from aichain.app.store.nodes import (
    Entry,
    compute_nibbles,
    decode_internal,
    decode_leaf,
    encode_internal,
    encode_leaf,
    node_key,
)

DEFAULT_NODE_CACHE_BYTES = 256 << 20
"""Default bound of the in-memory node cache (`StoreOptions.node_cache_bytes`)."""

TOP_DEPTH = 3
"""Internal nodes at paths up to this many nibbles (at most 4,369 live) are cached decoded;
deeper ones are cached as their encoded bytes (about 3x smaller) and decoded on use."""

_DEPTH_AT = len(b"\x00n") + 8
"""Offset of the path-length byte in a node key."""

_ENTRY_OVERHEAD = 160
"""Approximate bytes of one cache entry besides its value: the key object, the dict slot and
the LRU link."""

_DECODED_CHILD = 240
"""Approximate bytes of one decoded child entry (a tuple, its int and one or two hashes)."""

_HEAP_BYTES = 1400
"""Approximate bytes of a decoded node's binary hash heap (a 32-slot list, 15 new hashes)."""


class _Node(list):
    """A decoded node's children written by this process, carrying `heap`: its binary Merkle
    tree (hashing.compute_node_heap), so rewriting the node rehashes only the changed paths."""

    __slots__ = ("heap",)


def _decoded_cost(children: list[Entry | None]) -> int:
    cost = _ENTRY_OVERHEAD + 200 + _DECODED_CHILD * (16 - children.count(None))
    return cost + _HEAP_BYTES if children.__class__ is _Node else cost


Item = tuple[bytes, bytes, bytes | None, bytes]
"""One write: (64 key-hash nibbles, key, value or None for a deletion, sha256(key))."""


class NodeReader:
    """Reads nodes from the backend through an LRU cache of internal nodes bounded in bytes.

    Nodes are immutable (addressed by version and path), so a cached node is never wrong;
    commit evicts the nodes a block replaced, so at steady state the cache holds the live
    tree's internal nodes, hottest (nearest the root) last to go. Misses on a block's paths
    are fetched level by level with one batched multi-get per level (`prefetch`).
    """

    def __init__(self, backend: KVStore, max_bytes: int = DEFAULT_NODE_CACHE_BYTES) -> None:
        self.backend = backend
        self.max_bytes = max_bytes
        self.used_bytes = 0
        self._lru: OrderedDict[bytes, tuple[list[Entry | None] | bytes, int]] = OrderedDict()
        self.hits = self.misses = 0
        self.cold = True
        """Whether the next block should prefetch its paths (the last one missed the cache)."""

    def set_max_bytes(self, max_bytes: int) -> None:
        """Changes the cache bound (evicting at once if it shrank)."""
        self.max_bytes = max_bytes
        self._shrink()

    def internal(self, nkey: bytes) -> list[Entry | None]:
        """The children of the internal node at nkey. Raises StoreCorruptError if missing."""
        hit = self._lru.get(nkey)
        if hit is None:
            self.misses += 1
            data = self.backend.get(nkey)
            if data is None:
                raise StoreCorruptError(f"tree node {nkey.hex()} is missing (pruned or corrupt)")
            children = decode_internal(data)
            self.remember(nkey, children, data)
            return children
        self.hits += 1
        self._lru.move_to_end(nkey)
        value = hit[0]
        if value.__class__ is bytes:
            return decode_internal(value)  # type: ignore[arg-type]
        return value  # type: ignore[return-value]

    def leaf(self, nkey: bytes) -> tuple[bytes, bytes]:
        """(key, value) of the leaf at nkey. Raises StoreCorruptError if missing."""
        data = self.backend.get(nkey)
        if data is None:
            raise StoreCorruptError(f"tree leaf {nkey.hex()} is missing (pruned or corrupt)")
        return decode_leaf(data)

    def remember(
        self, nkey: bytes, children: list[Entry | None], data: bytes | None = None
    ) -> None:
        """Caches an internal node (decoded near the root, else encoded)."""
        if self.max_bytes <= 0:
            return
        if nkey[_DEPTH_AT] <= TOP_DEPTH:
            value: list[Entry | None] | bytes = children
            cost = _decoded_cost(children)
        else:
            value = encode_internal(children) if data is None else data
            cost = _ENTRY_OVERHEAD + len(value)
        lru = self._lru
        old = lru.pop(nkey, None)
        if old is not None:
            self.used_bytes -= old[1]
        lru[nkey] = (value, cost)
        self.used_bytes += cost
        if self.used_bytes > self.max_bytes:
            self._shrink()

    def remember_new(
        self, decoded: Mapping[bytes, list[Entry | None]], encoded: Mapping[bytes, bytes]
    ) -> None:
        """Caches the internal nodes a block just wrote (keys never cached before)."""
        if self.max_bytes <= 0:
            return
        lru = self._lru
        used = self.used_bytes
        for nkey, children in decoded.items():
            if nkey in lru:  # keeps the byte count exact should a height be written twice
                continue
            if nkey[_DEPTH_AT] <= TOP_DEPTH:
                cost = _decoded_cost(children)
                lru[nkey] = (children, cost)
            else:
                data = encoded[nkey]
                cost = _ENTRY_OVERHEAD + len(data)
                lru[nkey] = (data, cost)
            used += cost
        self.used_bytes = used
        if used > self.max_bytes:
            self._shrink()

    def _shrink(self) -> None:
        lru = self._lru
        while self.used_bytes > self.max_bytes and lru:
            self.used_bytes -= lru.popitem(last=False)[1][1]

    def evict(self, nkeys: Iterable[bytes]) -> None:
        """Drops nodes (replaced or pruned ones) from the cache."""
        pop = self._lru.pop
        freed = 0
        for nkey in nkeys:
            old = pop(nkey, None)
            if old is not None:
                freed += old[1]
        self.used_bytes -= freed

    def prefetch(self, root: Entry | None, items: list[Item]) -> None:
        """Loads every uncached internal node on the items' paths, one multi-get per level."""
        if root is None or root[2] is not None or not items:
            return
        getter = getattr(self.backend, "get_many", None)
        if getter is None:
            return
        lru = self._lru
        level = [(root, b"", items)]
        depth = 0
        while level:
            missing = [nkey for nkey in (node_key(e[0], p) for e, p, _ in level) if nkey not in lru]
            if missing:
                self.misses += len(missing)
                for nkey, data in zip(missing, getter(missing), strict=True):
                    if data is None:
                        raise StoreCorruptError(
                            f"tree node {nkey.hex()} is missing (pruned or corrupt)"
                        )
                    self.remember(nkey, decode_internal(data), data)
            nxt = []
            for entry, path, its in level:
                children = self.internal(node_key(entry[0], path))
                i, n = 0, len(its)
                while i < n:
                    slot = its[i][0][depth]
                    j = i + 1
                    while j < n and its[j][0][depth] == slot:
                        j += 1
                    child = children[slot]
                    if child is not None and child[2] is None:
                        nxt.append((child, path + bytes((slot,)), its[i:j]))
                    i = j
            level = nxt
            depth += 1

    def forget(self) -> None:
        """Drops the cache (after a reload or a snapshot restore)."""
        self._lru.clear()
        self.used_bytes = 0
        self.cold = True


@dataclass(slots=True)
class TreeUpdate:
    """The result of applying one block's writes: new nodes, replaced nodes and the root."""

    version: int
    root: Entry | None
    nodes: dict[bytes, bytes] = field(default_factory=dict)
    stale: list[bytes] = field(default_factory=list)
    decoded: dict[bytes, list[Entry | None]] = field(default_factory=dict)

    @property
    def root_hash(self) -> bytes:
        """The new root hash (the app hash)."""
        return EMPTY_HASH if self.root is None else self.root[1]


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
        old: list[Entry | None] = [None] * 16
        if root is not None:
            old = self.reader.internal(node_key(root[0], b""))
        new = self._apply_children(list(old), b"", items)
        if new == old:
            return root
        if root is not None:
            self.out.stale.append(node_key(root[0], b""))
        if not any(new):
            return None
        return self._put_internal(b"", new, getattr(old, "heap", None))

    def _apply_children(
        self, children: list[Entry | None], path: bytes, items: list[Item]
    ) -> list[Entry | None]:
        """Applies items (all under path) to the children of the node at path."""
        depth = len(path)
        i, n = 0, len(items)
        while i < n:
            slot = items[i][0][depth]
            j = i + 1
            while j < n and items[j][0][depth] == slot:
                j += 1
            children[slot] = self._apply_slot(
                children[slot], path + bytes((slot,)), items[i:j] if i or j < n else items
            )
            i = j
        return children

    def _apply_slot(self, entry: Entry | None, path: bytes, items: list[Item]) -> Entry | None:
        """The new entry for the subtree at path after items."""
        if entry is None:
            return self._build(path, [it for it in items if it[2] is not None])
        nkey = node_key(entry[0], path)
        leaf_kh = entry[2]
        if leaf_kh is not None:
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
        old = self.reader.internal(nkey)
        new = self._apply_children(list(old), path, items)
        if new == old:
            return entry
        self.out.stale.append(nkey)
        live = [s for s in range(16) if new[s] is not None]
        if not live:
            return None
        if len(live) == 1 and new[live[0]][2] is not None:  # type: ignore[index]
            return self._pull_up(new[live[0]], path, live[0])  # type: ignore[arg-type]
        return self._put_internal(path, new, getattr(old, "heap", None))

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
        nkey = self.prefix + bytes((len(path),)) + path
        self.out.nodes[nkey] = encode_leaf(key, value)
        return (self.version, h or compute_leaf_hash(key, value), kh)

    def _put_internal(
        self, path: bytes, children: list[Entry | None], heap: list[bytes] | None = None
    ) -> Entry:
        """Writes an internal node; heap is the replaced node's (only changed paths rehash)."""
        nkey = self.prefix + bytes((len(path),)) + path
        self.out.nodes[nkey] = encode_internal(children)
        slots = [EMPTY_HASH if c is None else c[1] for c in children]
        if len(path) > TOP_DEPTH:  # cached encoded, so no heap to keep
            self.out.decoded[nkey] = children
            return (self.version, compute_node_hash(slots), None)
        node = _Node(children)
        node.heap = compute_node_heap(slots) if heap is None else update_node_heap(heap, slots)
        self.out.decoded[nkey] = node
        return (self.version, node.heap[1], None)


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
