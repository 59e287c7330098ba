"""Checking a record proof on the client: the record's leaf and audit path against the version
root, and that version against the bytes a store proof proved under the app hash (the store
proof itself is checked by client/store_query.py). Pure: the CLI and the worker use it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aichain.datanet.v1 import datanet_pb2
from aichain.modules.datanet.merkle import RecordRef, compute_leaf_hash, verify_audit_path


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a record proof checks out, and what was checked or what failed."""

    ok: bool
    reason: str


def check_record_proof(answer: Any, proven_version: bytes | None) -> Verdict:
    """Checks a QueryRecordProofResponse against the version bytes a store proof proved."""
    if proven_version is None:
        return Verdict(False, "the version is absent from the proven store")
    stored = datanet_pb2.Version.FromString(proven_version)
    served = answer.version
    if (stored.datanet_id, stored.version, stored.root, stored.size) != (
        served.datanet_id,
        served.version,
        served.root,
        served.size,
    ):
        return Verdict(False, "the served version differs from the proven store's")
    e = answer.entry
    leaf = compute_leaf_hash(
        RecordRef(str(e.record_id), e.content_hash, e.contributor, e.media_type)
    )
    if not verify_audit_path(leaf, e.position, stored.size, list(answer.audit_path),
                             bytes.fromhex(stored.root)):  # fmt: skip
        return Verdict(False, f"the audit path does not lead to version root {stored.root}")
    return Verdict(
        True, f"audit path of record {e.record_id} verified against version root {stored.root}"
    )
