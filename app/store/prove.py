"""Building ICS23 proofs from the tree: membership, and non-membership by the two neighbours
of the missing key in key-hash order."""

from __future__ import annotations

from aichain.app.store.hashing import (
    EMPTY_HASH,
    INNER_PREFIX,
    compute_binary_levels,
    compute_key_hash,
)
from aichain.app.store.ics23 import (
    CommitmentProof,
    ExistenceProof,
    InnerOp,
    NonExistenceProof,
)
from aichain.app.store.nodes import Entry, compute_nibbles, node_key
from aichain.app.store.tree import NodeReader

Step = tuple[list[Entry | None], int]
"""One node on a path from the root: (its 16 children, the slot the path takes)."""


def compute_inner_ops(stack: list[Step]) -> tuple[InnerOp, ...]:
    """The binary inner ops from the leaf up to the root, four per 16-way node."""
    ops: list[InnerOp] = []
    for children, slot in reversed(stack):
        levels = compute_binary_levels([EMPTY_HASH if c is None else c[1] for c in children])
        for level in range(4):
            idx = slot >> level
            sibling = levels[level][idx ^ 1]
            if idx & 1:
                ops.append(InnerOp(prefix=INNER_PREFIX + sibling))
            else:
                ops.append(InnerOp(prefix=INNER_PREFIX, suffix=sibling))
    return tuple(ops)


def _path_of(stack: list[Step]) -> bytes:
    return bytes(slot for _, slot in stack)


def _descend(
    reader: NodeReader, stack: list[Step], entry: Entry, rightmost: bool
) -> ExistenceProof:
    """Follows entry down to its right-most (or left-most) leaf; its existence proof."""
    stack = list(stack)
    while not entry[2]:
        children = reader.internal(node_key(entry[0], _path_of(stack)))
        slots = [s for s in range(16) if children[s] is not None]
        slot = slots[-1] if rightmost else slots[0]
        stack.append((children, slot))
        entry = children[slot]  # type: ignore[assignment]
    key, value = reader.leaf(node_key(entry[0], _path_of(stack)))
    return ExistenceProof(key, value, path=compute_inner_ops(stack))


def _neighbour(reader: NodeReader, stack: list[Step], left: bool) -> ExistenceProof | None:
    """The nearest leaf left (or right) of the path in stack, or None at the tree's edge."""
    for i in range(len(stack) - 1, -1, -1):
        children, slot = stack[i]
        others = range(slot - 1, -1, -1) if left else range(slot + 1, 16)
        for s in others:
            child = children[s]
            if child is not None:
                return _descend(reader, [*stack[:i], (children, s)], child, rightmost=left)
    return None


def build_proof(
    reader: NodeReader, root: Entry | None, key: bytes
) -> tuple[bytes | None, CommitmentProof]:
    """(value or None, proof of membership or non-membership) of key in the tree at root."""
    nibbles = compute_nibbles(compute_key_hash(key))
    stack: list[Step] = []
    entry = root
    while entry is not None and not entry[2]:
        children = reader.internal(node_key(entry[0], nibbles[: len(stack)]))
        slot = nibbles[len(stack)]
        stack.append((children, slot))
        entry = children[slot]
    if entry is not None:
        leaf_key, value = reader.leaf(node_key(entry[0], nibbles[: len(stack)]))
        if leaf_key == key:
            exist = ExistenceProof(key, value, path=compute_inner_ops(stack))
            return value, CommitmentProof(exist=exist)
        found = ExistenceProof(leaf_key, value, path=compute_inner_ops(stack))
        if compute_key_hash(leaf_key) < compute_key_hash(key):
            left, right = found, _neighbour(reader, stack, left=False)
        else:
            left, right = _neighbour(reader, stack, left=True), found
    elif not stack:
        left = right = None  # empty tree: the root hash alone proves absence
    else:
        left, right = _neighbour(reader, stack, left=True), _neighbour(reader, stack, left=False)
    return None, CommitmentProof(nonexist=NonExistenceProof(key, left, right))
