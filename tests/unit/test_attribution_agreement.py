"""The agreement rule of committee votes: symmetric, exact for exact methods, and it tells
honest noise (a little weight moved) from a false attribution (records swapped)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aichain.modules.attribution.agreement import (
    EXACT_METHODS,
    AgreementError,
    attributions_agree,
    shared_weight_ppm,
)
from aichain.modules.attribution.weights import PPM_TOTAL, compute_ppm_weights


def _attr(scores: dict[int, int]) -> list[tuple[tuple[int, int, int], int]]:
    weights = compute_ppm_weights([(str(r).zfill(6), s) for r, s in sorted(scores.items())])
    return [((1, 1, int(r)), w) for r, w in weights]


_scores = st.dictionaries(st.integers(0, 60), st.integers(0, 1000), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(_scores, _scores, st.integers(0, PPM_TOTAL), st.integers(0, PPM_TOTAL), st.booleans())
def test_rule_is_symmetric(a, b, overlap, tolerance, exact):
    left = attributions_agree(
        _attr(a), _attr(b), min_overlap_ppm=overlap, tolerance_ppm=tolerance, exact=exact
    )
    right = attributions_agree(
        _attr(b), _attr(a), min_overlap_ppm=overlap, tolerance_ppm=tolerance, exact=exact
    )
    assert left == right


@settings(max_examples=100, deadline=None)
@given(_scores)
def test_an_attribution_agrees_with_itself_under_every_setting(a):
    assert attributions_agree(_attr(a), _attr(a), min_overlap_ppm=PPM_TOTAL, tolerance_ppm=0)
    assert attributions_agree(_attr(a), list(reversed(_attr(a))), exact=True)
    assert shared_weight_ppm(_attr(a), _attr(a)) == PPM_TOTAL


def test_float_noise_agrees_and_swapped_records_do_not():
    claim = _attr({1: 500, 2: 300, 3: 150, 4: 50})
    noisy = _attr({1: 505, 2: 296, 3: 149, 4: 50})
    assert attributions_agree(claim, noisy)
    # Near-equal records trading places in a top-K: little weight moves, still agrees.
    near = _attr({1: 500, 2: 300, 3: 150, 4: 49})
    near_swapped = [(k, w) for k, w in near if k[2] != 4] + [((1, 1, 9), 49_000)]
    assert attributions_agree(near, near_swapped)
    # A false attribution: the weight of record 1 claimed for record 9.
    false = [((1, 1, 9), w) if k[2] == 1 else (k, w) for k, w in claim]
    assert not attributions_agree(claim, false)
    # Same records, weights moved beyond the tolerance.
    shifted = _attr({1: 300, 2: 500, 3: 150, 4: 50})
    assert not attributions_agree(claim, shifted)


def test_exact_methods_need_identical_weights():
    assert "span-match-v1" in EXACT_METHODS
    claim = _attr({1: 500, 2: 500})
    off_by_one = [(claim[0][0], claim[0][1] + 1), (claim[1][0], claim[1][1] - 1)]
    assert attributions_agree(claim, off_by_one)
    assert not attributions_agree(claim, off_by_one, exact=True)


def test_shared_weight_counts_only_common_records():
    a = [((1, 1, 1), 600_000), ((1, 1, 2), 400_000)]
    b = [((1, 1, 1), 500_000), ((1, 2, 2), 500_000)]  # record 2 of another version
    assert shared_weight_ppm(a, b) == 500_000
    assert not attributions_agree(a, b, min_overlap_ppm=500_001, tolerance_ppm=PPM_TOTAL)
    assert attributions_agree(a, b, min_overlap_ppm=500_000, tolerance_ppm=100_000)


@pytest.mark.parametrize(
    "bad",
    [
        [((1, 1, 1), 500_000), ((1, 1, 1), 500_000)],
        [((1, 1, 1), -1)],
        [((1, 1, 1), PPM_TOTAL + 1)],
    ],
)
def test_malformed_attributions_are_refused(bad):
    good = [((1, 1, 1), PPM_TOTAL)]
    with pytest.raises(AgreementError):
        attributions_agree(good, bad)
    with pytest.raises(AgreementError):
        attributions_agree(bad, good)
