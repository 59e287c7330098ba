"""The hashing rules of the authenticated store (the spec in docs/state.md, section "Hashing").

Keys are placed in the tree by sha256(key), read as 64 nibbles, high nibble first. Leaves hash
as ICS23's SmtSpec leaf; a 16-way node hashes as a binary Merkle tree over its 16 child slots,
where a subtree with no keys hashes to 32 zero bytes.
"""

from __future__ import annotations

import hashlib

_sha256 = hashlib.sha256

EMPTY_HASH = bytes(32)
"""Hash of an empty subtree (and the root of an empty store)."""

LEAF_PREFIX = b"\x00"
"""First byte hashed into a leaf (ICS23 LeafOp.prefix)."""

INNER_PREFIX = b"\x01"
"""First byte hashed into an inner binary node (ICS23 InnerOp.prefix starts with it)."""

RADIX = 16
"""Children per stored node; each stored node spans four binary levels."""

MAX_DEPTH = 64
"""Most nibbles on a path: the 256 bits of sha256(key)."""


def compute_key_hash(key: bytes) -> bytes:
    """sha256(key): where the key lives in the tree."""
    return _sha256(key).digest()


def compute_leaf_hash(key: bytes, value: bytes) -> bytes:
    """sha256(0x00 || sha256(key) || sha256(value))."""
    return _sha256(LEAF_PREFIX + _sha256(key).digest() + _sha256(value).digest()).digest()


def compute_inner_hash(left: bytes, right: bytes) -> bytes:
    """sha256(0x01 || left || right), or EMPTY_HASH when both children are empty."""
    if left == EMPTY_HASH and right == EMPTY_HASH:
        return EMPTY_HASH
    return _sha256(INNER_PREFIX + left + right).digest()


def compute_binary_levels(slots: list[bytes]) -> list[list[bytes]]:
    """The binary Merkle levels over 16 slot hashes: [16 slots, 8, 4, 2, [root]]."""
    levels = [slots]
    level = slots
    while len(level) > 1:
        level = [compute_inner_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
        levels.append(level)
    return levels


def compute_node_hash(slots: list[bytes]) -> bytes:
    """Hash of a 16-way node from its 16 slot hashes (EMPTY_HASH for an empty slot)."""
    return compute_node_heap(slots)[1]


def compute_node_heap(slots: list[bytes]) -> list[bytes]:
    """A node's binary Merkle tree as a heap of 32 hashes: [16:32] are the 16 slot hashes, the
    parents of i are at i >> 1, and [1] is the node hash ([0] is unused)."""
    empty = EMPTY_HASH
    sha = _sha256
    prefix = INNER_PREFIX
    heap = [empty] * 16 + slots
    for i in range(15, 0, -1):
        a = heap[2 * i]
        b = heap[2 * i + 1]
        heap[i] = empty if a == empty and b == empty else sha(prefix + a + b).digest()
    return heap


def update_node_heap(heap: list[bytes], slots: list[bytes]) -> list[bytes]:
    """A new heap (see compute_node_heap) for slots, rehashing only the paths from the slots
    that differ from heap's to the node root; heap itself is left as it was."""
    changed = [s for s in range(16) if slots[s] != heap[16 + s]]
    if len(changed) > 3:  # rehashing much of the tree: the plain pass is cheaper
        return compute_node_heap(slots)
    new = heap.copy()
    for s in changed:
        new[16 + s] = slots[s]
    dirty = {(16 + s) >> 1 for s in changed}
    if not dirty:
        return new
    empty = EMPTY_HASH
    sha = _sha256
    prefix = INNER_PREFIX
    for _ in range(4):
        for i in dirty:
            a = new[2 * i]
            b = new[2 * i + 1]
            new[i] = empty if a == empty and b == empty else sha(prefix + a + b).digest()
        dirty = {i >> 1 for i in dirty}
    return new


def nibble_at(key_hash: bytes, depth: int) -> int:
    """The nibble of key_hash at depth (0 = the high nibble of the first byte)."""
    byte = key_hash[depth >> 1]
    return byte >> 4 if depth & 1 == 0 else byte & 0x0F
