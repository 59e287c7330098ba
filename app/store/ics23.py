"""ICS23 (cosmos.ics23.v1) proof messages, encoded by hand: the few we produce and read.

Only what aichain proofs use: CommitmentProof with an ExistenceProof or a NonExistenceProof,
LeafOp, InnerOp and the published ProofSpec. Field numbers follow cosmos/ics23 proofs.proto.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aichain.app.store.hashing import EMPTY_HASH, INNER_PREFIX, LEAF_PREFIX, MAX_DEPTH

HASH_SHA256 = 1
"""ics23 HashOp.SHA256."""

LENGTH_NO_PREFIX = 0
"""ics23 LengthOp.NO_PREFIX."""


class ProofDecodeError(ValueError):
    """Proof bytes are not a well-formed ICS23 message."""


@dataclass(frozen=True, slots=True)
class LeafOp:
    """How a leaf hashes: hash(prefix || prehash_key(key) || prehash_value(value))."""

    hash: int = HASH_SHA256
    prehash_key: int = HASH_SHA256
    prehash_value: int = HASH_SHA256
    length: int = LENGTH_NO_PREFIX
    prefix: bytes = LEAF_PREFIX


@dataclass(frozen=True, slots=True)
class InnerOp:
    """One step up: hash(prefix || child || suffix)."""

    hash: int = HASH_SHA256
    prefix: bytes = b""
    suffix: bytes = b""


@dataclass(frozen=True, slots=True)
class ExistenceProof:
    """key -> value, with the leaf op and the inner ops from the leaf up to the root."""

    key: bytes
    value: bytes
    leaf: LeafOp = field(default_factory=LeafOp)
    path: tuple[InnerOp, ...] = ()


@dataclass(frozen=True, slots=True)
class NonExistenceProof:
    """key is absent: its neighbours in key-hash order (either may be None at an edge)."""

    key: bytes
    left: ExistenceProof | None
    right: ExistenceProof | None


@dataclass(frozen=True, slots=True)
class CommitmentProof:
    """Exactly one of exist / nonexist."""

    exist: ExistenceProof | None = None
    nonexist: NonExistenceProof | None = None


# --- wire encoding ----------------------------------------------------------------------


def _varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _bytes_field(num: int, data: bytes) -> bytes:
    return _varint(num << 3 | 2) + _varint(len(data)) + data if data else b""


def _msg_field(num: int, data: bytes) -> bytes:
    return _varint(num << 3 | 2) + _varint(len(data)) + data


def _int_field(num: int, value: int) -> bytes:
    return _varint(num << 3) + _varint(value) if value else b""


def encode_leaf_op(op: LeafOp) -> bytes:
    """LeafOp bytes."""
    return (
        _int_field(1, op.hash)
        + _int_field(2, op.prehash_key)
        + _int_field(3, op.prehash_value)
        + _int_field(4, op.length)
        + _bytes_field(5, op.prefix)
    )


def encode_inner_op(op: InnerOp) -> bytes:
    """InnerOp bytes."""
    return _int_field(1, op.hash) + _bytes_field(2, op.prefix) + _bytes_field(3, op.suffix)


def encode_existence_proof(p: ExistenceProof) -> bytes:
    """ExistenceProof bytes."""
    out = _bytes_field(1, p.key) + _bytes_field(2, p.value) + _msg_field(3, encode_leaf_op(p.leaf))
    return out + b"".join(_msg_field(4, encode_inner_op(op)) for op in p.path)


def encode_commitment_proof(p: CommitmentProof) -> bytes:
    """CommitmentProof bytes (cosmos.ics23.v1.CommitmentProof)."""
    if p.exist is not None:
        return _msg_field(1, encode_existence_proof(p.exist))
    if p.nonexist is None:
        raise ValueError("a commitment proof needs exist or nonexist")
    n = p.nonexist
    body = _bytes_field(1, n.key)
    if n.left is not None:
        body += _msg_field(2, encode_existence_proof(n.left))
    if n.right is not None:
        body += _msg_field(3, encode_existence_proof(n.right))
    return _msg_field(2, body)


def encode_proof_spec() -> bytes:
    """aichain's ProofSpec bytes: ICS23's SmtSpec (leaf 0x00, binary inner 0x01, empty 0*32)."""
    leaf = encode_leaf_op(LeafOp())
    inner = (
        _msg_field(1, _varint(0) + _varint(1))  # child_order [0, 1], packed
        + _int_field(2, 32)
        + _int_field(3, len(INNER_PREFIX))
        + _int_field(4, len(INNER_PREFIX))
        + _bytes_field(5, EMPTY_HASH)
        + _int_field(6, HASH_SHA256)
    )
    return (
        _msg_field(1, leaf)
        + _msg_field(2, inner)
        + _int_field(3, MAX_DEPTH * 4)
        + (_int_field(5, 1))
    )


# --- wire decoding ----------------------------------------------------------------------


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, int or bytes) pairs; raises ProofDecodeError on malformed input."""
    out: list[tuple[int, int | bytes]] = []
    i, n = 0, len(data)
    while i < n:
        tag, i = _read_varint(data, i)
        num, wire = tag >> 3, tag & 7
        if num == 0:
            raise ProofDecodeError("field number 0")
        if wire == 0:
            value, i = _read_varint(data, i)
            out.append((num, value))
        elif wire == 2:
            length, i = _read_varint(data, i)
            if i + length > n:
                raise ProofDecodeError("length-delimited field runs past the end")
            out.append((num, data[i : i + length]))
            i += length
        else:
            raise ProofDecodeError(f"unsupported wire type {wire}")
    return out


def _read_varint(data: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        if i >= len(data) or shift > 63:
            raise ProofDecodeError("truncated varint")
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7


def _as_bytes(v: int | bytes) -> bytes:
    if not isinstance(v, bytes):
        raise ProofDecodeError("expected bytes, got a varint")
    return v


def _as_int(v: int | bytes) -> int:
    if isinstance(v, bytes):
        raise ProofDecodeError("expected a varint, got bytes")
    return v


def decode_leaf_op(data: bytes) -> LeafOp:
    """LeafOp from bytes."""
    vals: dict[int, int | bytes] = dict(_fields(data))
    return LeafOp(
        _as_int(vals.get(1, 0)),
        _as_int(vals.get(2, 0)),
        _as_int(vals.get(3, 0)),
        _as_int(vals.get(4, 0)),
        _as_bytes(vals.get(5, b"")),
    )


def decode_inner_op(data: bytes) -> InnerOp:
    """InnerOp from bytes."""
    vals: dict[int, int | bytes] = dict(_fields(data))
    return InnerOp(
        _as_int(vals.get(1, 0)), _as_bytes(vals.get(2, b"")), _as_bytes(vals.get(3, b""))
    )


def decode_existence_proof(data: bytes) -> ExistenceProof:
    """ExistenceProof from bytes."""
    key = value = b""
    leaf: LeafOp | None = None
    path: list[InnerOp] = []
    for num, v in _fields(data):
        if num == 1:
            key = _as_bytes(v)
        elif num == 2:
            value = _as_bytes(v)
        elif num == 3:
            leaf = decode_leaf_op(_as_bytes(v))
        elif num == 4:
            path.append(decode_inner_op(_as_bytes(v)))
    if leaf is None:
        raise ProofDecodeError("existence proof without a leaf op")
    return ExistenceProof(key, value, leaf, tuple(path))


def decode_commitment_proof(data: bytes) -> CommitmentProof:
    """CommitmentProof from bytes (exist or nonexist only)."""
    fields = _fields(data)
    if len(fields) != 1:
        raise ProofDecodeError("a commitment proof must hold exactly one proof")
    num, v = fields[0]
    if num == 1:
        return CommitmentProof(exist=decode_existence_proof(_as_bytes(v)))
    if num != 2:
        raise ProofDecodeError(f"unsupported commitment proof kind (field {num})")
    key = b""
    left = right = None
    for n, w in _fields(_as_bytes(v)):
        if n == 1:
            key = _as_bytes(w)
        elif n == 2:
            left = decode_existence_proof(_as_bytes(w))
        elif n == 3:
            right = decode_existence_proof(_as_bytes(w))
    return CommitmentProof(nonexist=NonExistenceProof(key, left, right))
