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


INNER_HASHES_BYTES = 15 * 32
"""Size of a node's inner hashes (`compute_inner_hashes`)."""


def compute_inner_hashes(slots: list[bytes]) -> bytes:
    """The 15 inner hashes of a node's binary Merkle tree, packed: heap index i (1-15, parents
    of i at i >> 1, children of the bottom row 8-15 are the slots) at bytes [32(i-1), 32i).
    The first 32 bytes are the node hash."""
    return b"".join(compute_node_heap(slots)[1:16])


def compute_sparse_node_hash(children: list[tuple[int, bytes]]) -> bytes:
    """The node hash (as compute_node_hash) from only its present children, (slot, hash) in
    slot order: hashes just the binary paths above them, a few hashes for a sparse node."""
    if not children:
        return EMPTY_HASH
    sha = _sha256
    left_of_empty = INNER_PREFIX  # a hash with an empty right sibling: prefix + h + empty
    right_of_empty = INNER_PREFIX + EMPTY_HASH  # an empty left sibling: prefix + empty + h
    if len(children) == 2:  # the deep fringe of a large tree: two paths that meet once
        (a, ha), (b, hb) = children
        a += 16
        b += 16
        while a >> 1 != b >> 1:
            ha = sha(right_of_empty + ha if a & 1 else left_of_empty + ha + EMPTY_HASH).digest()
            hb = sha(right_of_empty + hb if b & 1 else left_of_empty + hb + EMPTY_HASH).digest()
            a >>= 1
            b >>= 1
        h = sha(INNER_PREFIX + ha + hb).digest()
        a >>= 1
        while a > 1:
            h = sha(right_of_empty + h if a & 1 else left_of_empty + h + EMPTY_HASH).digest()
            a >>= 1
        return h
    level = [(16 + s, h) for s, h in children]
    for _ in range(4):
        nxt = []
        i, n = 0, len(level)
        while i < n:
            pos, h = level[i]
            if pos & 1:
                nxt.append((pos >> 1, sha(right_of_empty + h).digest()))
                i += 1
            elif i + 1 < n and level[i + 1][0] == pos + 1:
                nxt.append((pos >> 1, sha(INNER_PREFIX + h + level[i + 1][1]).digest()))
                i += 2
            else:
                nxt.append((pos >> 1, sha(left_of_empty + h + EMPTY_HASH).digest()))
                i += 1
        level = nxt
    return level[0][1]


def update_inner_path(inner: bytes, slot: int, slot_hash: bytes, sibling_hash: bytes) -> bytes:
    """update_inner_hashes for one changed slot, given its new hash and its sibling slot's."""
    new = bytearray(inner)
    empty = EMPTY_HASH
    sha = _sha256
    prefix = INNER_PREFIX
    a, b = (sibling_hash, slot_hash) if slot & 1 else (slot_hash, sibling_hash)
    i = (16 + slot) >> 1
    while True:
        h = empty if a == b == empty else sha(prefix + a + b).digest()
        end = 32 * i
        new[end - 32 : end] = h
        if i == 1:
            return bytes(new)
        if i & 1:
            a, b = new[end - 64 : end - 32], h
        else:
            a, b = h, new[end : end + 32]
        i >>= 1


def update_inner_hashes(inner: bytes, slots: list[bytes | None], changed: list[int]) -> bytes:
    """New inner hashes (see compute_inner_hashes) after the slots in changed took the values
    in slots, rehashing only their paths to the node root (4 hashes per changed slot). Only
    the changed slots and their siblings are read from slots (the others may be None)."""
    if len(changed) > 3:  # rehashing much of the tree: the plain pass is cheaper
        return compute_inner_hashes(slots)  # type: ignore[arg-type]
    if len(changed) == 1:  # the common case: one path, four hashes
        s = changed[0]
        return update_inner_path(inner, s, slots[s], slots[s ^ 1])  # type: ignore[arg-type]
    new = bytearray(inner)
    empty = EMPTY_HASH
    sha = _sha256
    prefix = INNER_PREFIX
    dirty = {(16 + s) >> 1 for s in changed}
    for i in dirty:  # the bottom row hashes pairs of slots
        a, b = slots[2 * i - 16], slots[2 * i - 15]
        new[32 * i - 32 : 32 * i] = (
            empty if a == empty and b == empty else sha(prefix + a + b).digest()  # type: ignore[operator]
        )
    for _ in range(3):
        dirty = {i >> 1 for i in dirty}
        for i in dirty:
            a, b = new[64 * i - 32 : 64 * i], new[64 * i : 64 * i + 32]
            new[32 * i - 32 : 32 * i] = (
                empty if a == empty and b == empty else sha(prefix + a + b).digest()
            )
    return bytes(new)


def nibble_at(key_hash: bytes, depth: int) -> int:
    """The nibble of key_hash at depth (0 = the high nibble of the first byte)."""
    byte = key_hash[depth >> 1]
    return byte >> 4 if depth & 1 == 0 else byte & 0x0F
