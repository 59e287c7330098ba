"""The datanet version root: an RFC 6962-style Merkle root over the ordered record list.

Pure Python and deterministic, shared by the chain (which will store and check version roots)
and the worker (which checks a datanet version before training on it). The layout is written
down in docs/datanet-manifest.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
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
