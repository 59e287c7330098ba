"""Value types shared by the attribution engines."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class RecordMeta:
    """One training record as the engines know it: id, content hash and contributor."""

    record_id: str
    sha256: str
    contributor: str


@dataclass(frozen=True, slots=True)
class WeightedRecord:
    """One entry of an attribution's top-K: a record, its contributor and its weight in ppm."""

    record_id: str
    contributor: str
    weight_ppm: int


@dataclass(frozen=True, slots=True)
class Attribution:
    """The result of one attribution: top-K weights, the evidence bytes and their sha256.

    `top` is sorted by weight (descending, then record id) and its weights sum to exactly
    1,000,000 ppm; it is empty only when the engine found no evidence at all (span-match-v1
    with no span of the minimum length).
    """

    engine: str
    top: tuple[WeightedRecord, ...]
    evidence: bytes
    evidence_sha256: str
    evidence_path: Path | None = None

    def contributor_weights(self) -> tuple[tuple[str, int], ...]:
        """ppm per contributor (sum over its records in `top`), sorted by contributor."""
        totals: dict[str, int] = {}
        for entry in self.top:
            totals[entry.contributor] = totals.get(entry.contributor, 0) + entry.weight_ppm
        return tuple(sorted(totals.items()))
