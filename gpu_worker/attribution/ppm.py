"""Integer ppm weights from real-valued scores, with a written-down rounding rule.

The rule (`compute_ppm_weights`), applied to the top-K records of an engine:

1. Each score is clamped at zero (a record that hurt the output gets no share) and taken as
   the exact rational value of its IEEE-754 double, so no float rounding enters the split.
2. If every clamped score is zero, every record gets the same raw weight 1.
3. Record i's exact share is q_i = 10^6 * w_i / sum(w); it first gets floor(q_i).
4. The remainder R = 10^6 - sum(floor(q_i)) (0 <= R < K) goes one ppm each to the R records
   with the largest fractional parts q_i - floor(q_i); ties go to the smaller record id
   (Python string order, i.e. Unicode code point order, which equals UTF-8 byte order).

The result sums to exactly 1,000,000, differs from each exact share by less than 1 ppm and
depends only on the (record id, score) pairs, not on their order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from aichain.gpu_worker.attribution.errors import AttributionError

PPM_TOTAL = 1_000_000
"""Weights of one attribution sum to exactly this many parts per million."""


def compute_ppm_weights(scores: Sequence[tuple[str, float]]) -> tuple[tuple[str, int], ...]:
    """(record_id, ppm) for each (record_id, score), in input order, summing to 1,000,000."""
    if not scores:
        raise AttributionError("cannot split weights over zero records")
    ids = [record_id for record_id, _ in scores]
    if len(set(ids)) != len(ids):
        raise AttributionError("duplicate record ids in the scores to weight")
    raw: list[Fraction] = []
    for record_id, score in scores:
        value = float(score)
        if not math.isfinite(value):
            raise AttributionError(f"score of record {record_id!r} is not finite: {value!r}")
        raw.append(Fraction(value) if value > 0 else Fraction(0))
    total = sum(raw, Fraction(0))
    if total == 0:
        raw = [Fraction(1)] * len(raw)
        total = Fraction(len(raw))
    shares = [w * PPM_TOTAL / total for w in raw]
    floors = [math.floor(s) for s in shares]
    remainder = PPM_TOTAL - sum(floors)
    order = sorted(range(len(ids)), key=lambda i: (-(shares[i] - floors[i]), ids[i]))
    for i in order[:remainder]:
        floors[i] += 1
    return tuple(zip(ids, floors, strict=True))


def compute_top_k(scores: np.ndarray, k: int) -> tuple[int, ...]:
    """Indices of the k highest scores, highest first; ties go to the smaller index."""
    if k <= 0:
        raise AttributionError(f"top_k must be positive, got {k}")
    values = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-values, kind="stable")[:k]
    return tuple(int(i) for i in order)
