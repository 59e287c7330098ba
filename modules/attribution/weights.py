"""Integer ppm weights from exact non-negative scores, with a written-down rounding rule.

The rule (`compute_ppm_weights`), applied to the top-K records of an attribution:

1. Each score is an exact rational (an int or a Fraction: the worker passes the exact value
   of each IEEE-754 double), clamped at zero: a record that hurt the output gets no share.
2. If every clamped score is zero, every record gets the same raw weight 1.
3. Record i's exact share is q_i = 10^6 * w_i / sum(w); it first gets floor(q_i).
4. The remainder R = 10^6 - sum(floor(q_i)) (0 <= R < K) goes one ppm each to the R records
   with the largest fractional parts q_i - floor(q_i); ties go to the smaller record id
   (Python string order, i.e. Unicode code point order, which equals UTF-8 byte order).

The result sums to exactly 1,000,000, differs from each exact share by less than 1 ppm and
depends only on the (record id, score) pairs, not on their order. Pure Python, no floats.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

PPM_TOTAL = 1_000_000
"""Weights of one attribution sum to exactly this many parts per million."""


class WeightsError(ValueError):
    """Scores that cannot be split into weights (none, or duplicate record ids)."""


def compute_ppm_weights(
    scores: Sequence[tuple[str, int | Fraction]],
) -> tuple[tuple[str, int], ...]:
    """(record_id, ppm) for each (record_id, exact score), in input order, summing to 10^6.

    Raises WeightsError for no scores or duplicate ids."""
    if not scores:
        raise WeightsError("cannot split weights over zero records")
    ids = [record_id for record_id, _ in scores]
    if len(set(ids)) != len(ids):
        raise WeightsError("duplicate record ids in the scores to weight")
    raw = [Fraction(score) if score > 0 else Fraction(0) for _, score in scores]
    total = sum(raw, Fraction(0))
    if total == 0:
        raw = [Fraction(1)] * len(raw)
        total = Fraction(len(raw))
    shares = [w * PPM_TOTAL / total for w in raw]
    floors = [s.numerator // s.denominator for s in shares]
    remainder = PPM_TOTAL - sum(floors)
    order = sorted(range(len(ids)), key=lambda i: (-(shares[i] - floors[i]), ids[i]))
    for i in order[:remainder]:
        floors[i] += 1
    return tuple(zip(ids, floors, strict=True))
