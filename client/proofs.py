"""The standalone proof verifier: checks a value (or its absence) against an app hash.

Needs no store and no node: only the proof bytes (ICS23 CommitmentProof, as returned in the
`ics23:smt` ProofOp of abci_query with prove=true), the key, the value and the app hash from a
block header. Every failure says which step failed. The rules are those of docs/state.md; on
top of ICS23's own checks, each step's direction must match the bit of sha256(key) at that
depth, so a leaf cannot be moved to another position in the tree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from aichain.app.store.hashing import EMPTY_HASH, INNER_PREFIX, LEAF_PREFIX, MAX_DEPTH
from aichain.app.store.ics23 import (
    HASH_SHA256,
    LENGTH_NO_PREFIX,
    CommitmentProof,
    ExistenceProof,
    InnerOp,
    NonExistenceProof,
    ProofDecodeError,
    decode_commitment_proof,
)

PROOF_OP_TYPE = "ics23:smt"
"""ProofOp.type of aichain's store proofs (the Cosmos SDK's name for SMT commitment proofs)."""

_sha256 = hashlib.sha256


class ProofError(Exception):
    """A proof does not verify; the message names the failing step."""


def _key_bits(key: bytes, n: int) -> list[int]:
    """The first n bits of sha256(key), most significant first."""
    kh = _sha256(key).digest()
    return [(kh[i >> 3] >> (7 - (i & 7))) & 1 for i in range(n)]


def _is_right(op: InnerOp, where: str) -> bool:
    """Whether an inner op takes the right child; checks its shape."""
    if op.hash != HASH_SHA256:
        raise ProofError(f"{where}: hash op {op.hash} is not SHA256")
    if op.prefix == INNER_PREFIX and len(op.suffix) == 32:
        return False
    if len(op.prefix) == 33 and op.prefix[:1] == INNER_PREFIX and not op.suffix:
        return True
    raise ProofError(
        f"{where}: malformed (prefix {len(op.prefix)} bytes, suffix {len(op.suffix)} bytes; "
        "expected 0x01 + 32-byte sibling on exactly one side)"
    )


def compute_existence_root(p: ExistenceProof, label: str = "proof") -> bytes:
    """The root an existence proof commits to, after checking every step's shape."""
    leaf = p.leaf
    if (leaf.hash, leaf.prehash_key, leaf.prehash_value, leaf.length, leaf.prefix) != (
        HASH_SHA256,
        HASH_SHA256,
        HASH_SHA256,
        LENGTH_NO_PREFIX,
        LEAF_PREFIX,
    ):
        raise ProofError(f"{label}: leaf op does not match aichain's proof spec (SmtSpec)")
    if not p.key:
        raise ProofError(f"{label}: empty key")
    depth = len(p.path)
    if depth % 4 or depth > MAX_DEPTH * 4:
        raise ProofError(f"{label}: path of {depth} steps is not a multiple of 4 up to 256")
    bits = _key_bits(p.key, depth)
    h = _sha256(LEAF_PREFIX + _sha256(p.key).digest() + _sha256(p.value).digest()).digest()
    for i, op in enumerate(p.path):
        where = f"{label}: inner op {i} (depth {depth - 1 - i})"
        right = _is_right(op, where)
        if int(right) != bits[depth - 1 - i]:
            raise ProofError(
                f"{where}: goes {'right' if right else 'left'} but bit "
                f"{depth - 1 - i} of sha256(key) says otherwise"
            )
        h = _sha256(op.prefix + h + op.suffix).digest()
    return h


def verify_existence(root: bytes, key: bytes, value: bytes, p: ExistenceProof) -> None:
    """Checks that p proves key -> value under root. Raises ProofError."""
    if p.key != key:
        raise ProofError("membership: the proof is for another key")
    if p.value != value:
        raise ProofError("membership: the value does not match the proven value")
    got = compute_existence_root(p, "membership")
    if got != root:
        raise ProofError(
            f"membership: computed root {got.hex().upper()} != app hash {root.hex().upper()}"
        )


def _rightmost(path: Sequence[InnerOp]) -> bool:
    """Every step goes right, or goes left past an empty right sibling."""
    return all(op.suffix in (b"", EMPTY_HASH) for op in path)


def _leftmost(path: Sequence[InnerOp]) -> bool:
    """Every step goes left, or goes right past an empty left sibling."""
    return all(op.prefix in (INNER_PREFIX, INNER_PREFIX + EMPTY_HASH) for op in path)


def _adjacent(left: Sequence[InnerOp], right: Sequence[InnerOp]) -> bool:
    """ICS23 IsLeftNeighbor for a binary tree: no leaf lies between the two paths."""
    i, j = len(left) - 1, len(right) - 1
    while i >= 0 and j >= 0 and left[i] == right[j]:
        i, j = i - 1, j - 1
    if i < 0 or j < 0:
        return False
    if left[i].prefix != INNER_PREFIX or right[j].suffix:  # left goes left, right goes right
        return False
    return _rightmost(left[:i]) and _leftmost(right[:j])


def verify_nonexistence(root: bytes, key: bytes, p: NonExistenceProof) -> None:
    """Checks that p proves key is absent under root. Raises ProofError."""
    if p.key and p.key != key:
        raise ProofError("non-membership: the proof is for another key")
    kh = _sha256(key).digest()
    if p.left is None and p.right is None:
        if root != EMPTY_HASH:
            raise ProofError("non-membership: no neighbours given but the store is not empty")
        return
    for side, proof in (("left", p.left), ("right", p.right)):
        if proof is None:
            continue
        got = compute_existence_root(proof, f"non-membership {side} neighbour")
        if got != root:
            raise ProofError(
                f"non-membership {side} neighbour: computed root {got.hex().upper()} != app "
                f"hash {root.hex().upper()}"
            )
    if p.left is not None and not _sha256(p.left.key).digest() < kh:
        raise ProofError("non-membership: left neighbour does not sort before the key")
    if p.right is not None and not kh < _sha256(p.right.key).digest():
        raise ProofError("non-membership: right neighbour does not sort after the key")
    if p.left is None and not _leftmost(p.right.path):  # type: ignore[union-attr]
        raise ProofError("non-membership: no left neighbour, but the right one is not left-most")
    if p.right is None and not _rightmost(p.left.path):  # type: ignore[union-attr]
        raise ProofError("non-membership: no right neighbour, but the left one is not right-most")
    if p.left is not None and p.right is not None and not _adjacent(p.left.path, p.right.path):
        raise ProofError("non-membership: the two neighbours are not adjacent in the tree")


def verify_commitment_proof(
    root: bytes, key: bytes, value: bytes | None, proof: bytes | CommitmentProof
) -> None:
    """Checks value (None: absence) of key against root. Raises ProofError."""
    if isinstance(proof, bytes):
        try:
            proof = decode_commitment_proof(proof)
        except ProofDecodeError as exc:
            raise ProofError(
                f"decode: proof bytes are not an ICS23 CommitmentProof ({exc})"
            ) from None
    if value is None:
        if proof.nonexist is None:
            raise ProofError("non-membership: the proof is a membership proof (the key exists)")
        verify_nonexistence(root, key, proof.nonexist)
    else:
        if proof.exist is None:
            raise ProofError("membership: the proof is a non-membership proof (key absent)")
        verify_existence(root, key, value, proof.exist)


def verify_proof_ops(
    app_hash: bytes, key: bytes, value: bytes | None, ops: Sequence[tuple[str, bytes, bytes]]
) -> None:
    """Checks abci_query ProofOps [(type, key, data)] for key/value against app_hash."""
    if len(ops) != 1:
        raise ProofError(f"proof ops: expected one {PROOF_OP_TYPE} op, got {len(ops)}")
    op_type, op_key, data = ops[0]
    if op_type != PROOF_OP_TYPE:
        raise ProofError(f"proof ops: unknown op type {op_type!r} (expected {PROOF_OP_TYPE})")
    if op_key != key:
        raise ProofError("proof ops: the op proves another key")
    verify_commitment_proof(app_hash, key, value, data)


_ = CommitmentProof, ExistenceProof, NonExistenceProof  # re-exported for callers
