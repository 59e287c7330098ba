"""Integer ppm weights from the engines' real-valued scores.

The rounding rule is the chain's (`aichain.modules.attribution.weights`, written down there):
this wrapper checks each score is finite and hands the rule the exact rational value of each
IEEE-754 double, so no float rounding enters the split and chain and worker agree exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from aichain.gpu_worker.attribution.errors import AttributionError
from aichain.modules.attribution.weights import PPM_TOTAL, WeightsError
from aichain.modules.attribution.weights import compute_ppm_weights as compute_exact_ppm_weights

__all__ = ["PPM_TOTAL", "compute_ppm_weights", "compute_top_k"]


def compute_ppm_weights(scores: Sequence[tuple[str, float]]) -> tuple[tuple[str, int], ...]:
    """(record_id, ppm) for each (record_id, score), in input order, summing to 1,000,000.

    Raises AttributionError for a non-finite score, no scores or duplicate ids."""
    exact: list[tuple[str, Fraction]] = []
    for record_id, score in scores:
        value = float(score)
        if not math.isfinite(value):
            raise AttributionError(f"score of record {record_id!r} is not finite: {value!r}")
        exact.append((record_id, Fraction(value)))
    try:
        return compute_exact_ppm_weights(exact)
    except WeightsError as exc:
        raise AttributionError(str(exc)) from None


def compute_top_k(scores: np.ndarray, k: int) -> tuple[int, ...]:
    """Indices of the k highest scores, highest first; ties go to the smaller index."""
    if k <= 0:
        raise AttributionError(f"top_k must be positive, got {k}")
    values = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-values, kind="stable")[:k]
    return tuple(int(i) for i in order)
