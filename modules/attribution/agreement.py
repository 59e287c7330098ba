"""When a re-run of an inference agrees with the attribution a worker claimed.

One rule, used by the chain to count committee votes and by a worker to decide its vote
(`docs/attribution.md`, "Verifying on other hardware", explains the numbers):

An attribution is a set of (record key, weight in ppm) with distinct keys and weights summing
to 10^6, a record key being (datanet id, version, record id). Two attributions A and B agree
when

- their shared weight, the sum over records in both of min(A[r], B[r]), is at least
  `min_overlap_ppm` (it equals 10^6 minus the total variation distance between the two
  weight vectors, so 950,000 means "at most 5 % of the weight moved"), and
- every record in both has weights within `tolerance_ppm` of each other,

except for methods whose scores are exact integer arithmetic (`EXACT_METHODS`), where they
agree only when they are identical.

Both conditions are symmetric, so agree(A, B) == agree(B, A): which side is the claim never
matters. Floating-point noise on other hardware only swaps records with nearly equal scores,
which moves little weight; an invented or reordered attribution moves whole records in or out
and far more than the tolerance. Pure integers, no floats.
"""

from __future__ import annotations

from collections.abc import Sequence

from aichain.modules.attribution.weights import PPM_TOTAL

RecordKey = tuple[int, int, int]
"""(datanet id, version, record id)."""

Attribution = Sequence[tuple[RecordKey, int]]
"""(record key, weight in ppm) pairs."""

EXACT_METHODS = frozenset({"span-match-v1"})
"""Methods a verifier reproduces bit for bit: their attributions must match exactly."""

DEFAULT_MIN_OVERLAP_PPM = 950_000
DEFAULT_TOLERANCE_PPM = 50_000


class AgreementError(ValueError):
    """An attribution that is not a valid weight vector (duplicate keys, negative weights)."""


def _as_map(attribution: Attribution, side: str) -> dict[RecordKey, int]:
    weights: dict[RecordKey, int] = {}
    for key, weight in attribution:
        if key in weights:
            raise AgreementError(f"{side} attributes record {key} twice")
        if weight < 0 or weight > PPM_TOTAL:
            raise AgreementError(f"{side} weight {weight} of record {key} is outside 0..10^6")
        weights[key] = weight
    return weights


def shared_weight_ppm(a: Attribution, b: Attribution) -> int:
    """Sum over records in both of the smaller weight (10^6 minus the total variation)."""
    wa, wb = _as_map(a, "first"), _as_map(b, "second")
    return sum(min(weight, wb[key]) for key, weight in sorted(wa.items()) if key in wb)


def attributions_agree(
    claim: Attribution,
    rerun: Attribution,
    *,
    min_overlap_ppm: int = DEFAULT_MIN_OVERLAP_PPM,
    tolerance_ppm: int = DEFAULT_TOLERANCE_PPM,
    exact: bool = False,
) -> bool:
    """Whether `rerun` confirms `claim` by the rule in the module docstring.

    Raises AgreementError for a malformed side (duplicate keys, weights outside 0..10^6)."""
    wc, wr = _as_map(claim, "claim"), _as_map(rerun, "re-run")
    if exact:
        return wc == wr
    shared = sorted(set(wc) & set(wr))
    if any(abs(wc[key] - wr[key]) > tolerance_ppm for key in shared):
        return False
    return sum(min(wc[key], wr[key]) for key in shared) >= min_overlap_ppm
