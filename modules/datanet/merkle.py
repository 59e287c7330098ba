"""The datanet version root: an RFC 6962-style Merkle root over the ordered record list.

Pure Python and deterministic, shared by the chain (which will store and check version roots)
and the worker (which checks a datanet version before training on it). The layout is written
down in docs/datanet-manifest.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

LEAF_PREFIX = b"\x00"
"""Domain separator of a Merkle leaf hash."""

NODE_PREFIX = b"\x01"
"""Domain separator of a Merkle inner-node hash."""


@dataclass(frozen=True, slots=True)
class RecordRef:
    """One manifest entry: what a record is, without its bytes."""

    record_id: str
    sha256: str
    contributor: str
    media_type: str


def compute_record_hash(data: bytes) -> str:
    """sha256 hex of a record's bytes."""
    return hashlib.sha256(data).hexdigest()


def _field(value: str) -> bytes:
    raw = value.encode("utf-8")
    return len(raw).to_bytes(4, "big") + raw


def compute_leaf_hash(ref: RecordRef) -> bytes:
    """Merkle leaf of one record: sha256(0x00 | id | hash32 | contributor | media_type)."""
    body = _field(ref.record_id) + bytes.fromhex(ref.sha256)
    body += _field(ref.contributor) + _field(ref.media_type)
    return hashlib.sha256(LEAF_PREFIX + body).digest()


def _merkle(leaves: Sequence[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(NODE_PREFIX + _merkle(leaves[:split]) + _merkle(leaves[split:])).digest()


def compute_version_root(refs: Sequence[RecordRef]) -> str:
    """RFC 6962-style Merkle root (hex) of the ordered record list; sha256(b"") when empty."""
    if not refs:
        return hashlib.sha256(b"").hexdigest()
    return _merkle([compute_leaf_hash(ref) for ref in refs]).hex()


# --- appending with a frontier, and audit paths (RFC 6962 / RFC 9162) ----------------------
#
# The tree over n leaves is the fold, right to left, of the perfect subtrees given by the
# binary decomposition of n (largest first): MTH(D[0:n]) = node(P_0, node(P_1, ... P_last)).
# Those subtrees' roots are the frontier; appending a leaf merges equal-sized subtrees like a
# binary counter, so appending m leaves to n costs O(m + log n) hashes whatever n is.


def compute_node_hash(left: bytes, right: bytes) -> bytes:
    """Inner node: sha256(0x01 | left | right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def compute_frontier_levels(size: int) -> list[int]:
    """Levels (log2 of leaf counts) of the frontier's perfect subtrees, largest first."""
    return [level for level in range(size.bit_length() - 1, -1, -1) if size >> level & 1]


def compute_frontier_root(frontier: Sequence[bytes]) -> str:
    """The root (hex) of the tree whose frontier is given; sha256(b"") when empty."""
    if not frontier:
        return hashlib.sha256(b"").hexdigest()
    h = frontier[-1]
    for left in reversed(frontier[:-1]):
        h = compute_node_hash(left, h)
    return h.hex()


def compute_append(
    frontier: Sequence[bytes], size: int, leaf: bytes
) -> tuple[list[bytes], list[tuple[int, int, bytes]]]:
    """Appends leaf at position size. Returns the new frontier and the perfect subtrees it
    completed, as (level, index, hash) with level >= 1 (index: position >> level)."""
    stack = list(frontier)
    levels = compute_frontier_levels(size)
    stack.append(leaf)
    levels.append(0)
    completed: list[tuple[int, int, bytes]] = []
    while len(levels) >= 2 and levels[-1] == levels[-2]:
        right, left = stack.pop(), stack.pop()
        level = levels.pop() + 1
        levels[-1] = level
        stack.append(compute_node_hash(left, right))
        completed.append((level, size >> level, stack[-1]))
    return stack, completed


NodeLookup = Callable[[int, int], bytes]
"""(level, index) -> the hash of that perfect subtree (level 0: a leaf)."""


def _largest_power_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def compute_segment_root(start: int, end: int, node: NodeLookup) -> bytes:
    """MTH(D[start:end]) from perfect subtrees (start aligned as in RFC 6962's recursion)."""
    width = end - start
    if width & (width - 1) == 0 and start % width == 0:
        return node(width.bit_length() - 1, start // width)
    k = _largest_power_below(width)
    return compute_node_hash(
        compute_segment_root(start, start + k, node), compute_segment_root(start + k, end, node)
    )


def compute_frontier(size: int, node: NodeLookup) -> list[bytes]:
    """The frontier of the tree over the first size leaves, from stored perfect subtrees."""
    frontier, start = [], 0
    for level in compute_frontier_levels(size):
        frontier.append(node(level, start >> level))
        start += 1 << level
    return frontier


def compute_audit_path(index: int, size: int, node: NodeLookup) -> list[bytes]:
    """RFC 6962 audit path of leaf index in a tree of size leaves, leaf side first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} outside a tree of {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _largest_power_below(end - start)
        if index < start + k:
            path.append(compute_segment_root(start + k, end, node))
            end = start + k
        else:
            path.append(compute_segment_root(start, start + k, node))
            start += k
    path.reverse()
    return path


def verify_audit_path(
    leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> bool:
    """Whether path proves leaf at index in the tree of size leaves with root (RFC 9162
    2.1.3.2)."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = compute_node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = compute_node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root
