"""Pure parts of the attribution engines: ppm rule, suffix array, evidence encoding."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aichain.gpu_worker.attribution.engines import compute_normalised, compute_span_scores
from aichain.gpu_worker.attribution.errors import AttributionError
from aichain.gpu_worker.attribution.evidence import compute_canonical_json
from aichain.gpu_worker.attribution.influence_math import (
    compute_datainf_preconditioners,
    compute_influence_scores,
)
from aichain.gpu_worker.attribution.ppm import PPM_TOTAL, compute_ppm_weights, compute_top_k
from aichain.gpu_worker.attribution.suffix_array import (
    SuffixIndex,
    compute_common_prefix_length,
    compute_suffix_array,
)

SCORES = st.lists(
    st.tuples(
        st.text(min_size=1, max_size=6),
        st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
    ),
    min_size=1,
    max_size=40,
    unique_by=lambda pair: pair[0],
)


@settings(max_examples=300, deadline=None)
@given(SCORES)
def test_ppm_weights_sum_to_exactly_one_million(scores: list[tuple[str, float]]) -> None:
    weights = compute_ppm_weights(scores)
    assert sum(ppm for _, ppm in weights) == PPM_TOTAL
    assert [rid for rid, _ in weights] == [rid for rid, _ in scores]
    assert all(ppm >= 0 for _, ppm in weights)


@settings(max_examples=300, deadline=None)
@given(SCORES)
def test_ppm_weights_within_one_of_exact_share(scores: list[tuple[str, float]]) -> None:
    weights = dict(compute_ppm_weights(scores))
    raw = {rid: Fraction(max(s, 0.0)) for rid, s in scores}
    total = sum(raw.values())
    if total == 0:
        raw = {rid: Fraction(1) for rid in raw}
        total = Fraction(len(raw))
    for rid, w in raw.items():
        assert abs(weights[rid] - w * PPM_TOTAL / total) < 1


@settings(max_examples=200, deadline=None)
@given(SCORES, st.randoms(use_true_random=False))
def test_ppm_weights_ignore_input_order(
    scores: list[tuple[str, float]], rnd: random.Random
) -> None:
    shuffled = list(scores)
    rnd.shuffle(shuffled)
    assert dict(compute_ppm_weights(scores)) == dict(compute_ppm_weights(shuffled))


@settings(max_examples=200, deadline=None)
@given(SCORES)
def test_ppm_weights_are_monotone_in_score(scores: list[tuple[str, float]]) -> None:
    weights = dict(compute_ppm_weights(scores))
    for rid_a, a in scores:
        for rid_b, b in scores:
            if max(a, 0.0) > max(b, 0.0):
                assert weights[rid_a] >= weights[rid_b]


def test_ppm_remainder_ties_go_to_smaller_record_id() -> None:
    assert compute_ppm_weights([("b", 1.0), ("a", 1.0), ("c", 1.0)]) == (
        ("b", 333333),
        ("a", 333334),
        ("c", 333333),
    )


def test_ppm_all_non_positive_scores_split_equally() -> None:
    assert dict(compute_ppm_weights([("x", -1.0), ("y", 0.0)])) == {"x": 500000, "y": 500000}


def test_ppm_weights_reject_bad_input() -> None:
    with pytest.raises(AttributionError, match="zero records"):
        compute_ppm_weights([])
    with pytest.raises(AttributionError, match="not finite"):
        compute_ppm_weights([("a", float("nan"))])
    with pytest.raises(AttributionError, match="duplicate"):
        compute_ppm_weights([("a", 1.0), ("a", 2.0)])


def test_top_k_orders_by_score_then_index() -> None:
    assert compute_top_k(np.array([1.0, 3.0, 3.0, 2.0]), 3) == (1, 2, 3)
    with pytest.raises(AttributionError):
        compute_top_k(np.array([1.0]), 0)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80).map(lambda b: bytes(x % 4 for x in b)))
def test_suffix_array_matches_brute_force(text: bytes) -> None:
    expected = sorted(range(len(text)), key=lambda i: text[i:])
    assert compute_suffix_array(text).tolist() == expected


def test_suffix_array_on_random_strings_of_various_alphabets() -> None:
    rnd = random.Random(7)
    for _ in range(50):
        alphabet = rnd.choice([b"a", b"ab", b"acgt", bytes(range(256))])
        text = bytes(rnd.choice(alphabet) for _ in range(rnd.randint(0, 400)))
        assert compute_suffix_array(text).tolist() == sorted(
            range(len(text)), key=lambda i: text[i:]
        )


def _brute_longest(corpus: bytes, pattern: bytes) -> int:
    best = 0
    for length in range(1, len(pattern) + 1):
        if pattern[:length] in corpus:
            best = length
    return best


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.binary(max_size=30).map(lambda b: bytes(97 + x % 3 for x in b)), min_size=1, max_size=6
    ),
    st.binary(min_size=1, max_size=20).map(lambda b: bytes(97 + x % 3 for x in b)),
)
def test_longest_match_and_count_match_brute_force(texts: list[bytes], pattern: bytes) -> None:
    index = SuffixIndex.build(texts)
    assert index.longest_match(pattern) == _brute_longest(index.corpus, pattern)
    occurrences = sum(1 for i in range(len(index.corpus)) if index.corpus.startswith(pattern, i))
    assert index.count(pattern) == occurrences


def test_common_prefix_length() -> None:
    assert compute_common_prefix_length(b"abcdef", b"abcxyz") == 3
    assert compute_common_prefix_length(b"", b"abc") == 0
    assert compute_common_prefix_length(b"abc", b"abc") == 3


def test_planted_span_found_in_its_record() -> None:
    rnd = random.Random(3)
    texts = [bytes(rnd.choice(b"abcdefgh ") for _ in range(200)) for _ in range(50)]
    planted = texts[17][40:90]
    output = b"xyz: " + planted + b" end"
    spans = SuffixIndex.build(texts).maximal_spans(output, min_length=16)
    longest = max(spans, key=lambda s: s.length)
    assert longest.length >= 50 and longest.start <= 5 and 17 in longest.records
    scores = compute_span_scores(spans, len(texts))
    assert int(np.argmax(scores)) == 17


def test_spans_never_cross_record_boundaries() -> None:
    index = SuffixIndex.build([b"hello", b"world"])
    spans = index.maximal_spans(b"helloworld", min_length=3)
    assert [(s.start, s.length, s.records) for s in spans] == [(0, 5, (0,)), (5, 5, (1,))]
    assert index.maximal_spans(b"hello\x00world", min_length=3)[1].start == 6


def test_datainf_equals_explicit_rank_one_inverse_average() -> None:
    rng = np.random.default_rng(0)
    grads = rng.standard_normal((12, 2 * 5)).astype(np.float32)
    query = rng.standard_normal(10).astype(np.float32)
    precond, lambdas = compute_datainf_preconditioners(grads, modules=2, damping=0.1)
    scores = compute_influence_scores(grads, query, precond)
    expected = np.zeros(12)
    for layer in range(2):
        v = grads[:, layer * 5 : (layer + 1) * 5].astype(np.float64)
        lam = 0.1 * float((v * v).sum(axis=1).mean())
        assert lambdas[layer] == pytest.approx(lam)
        inverse = sum(np.linalg.inv(np.outer(x, x) + lam * np.eye(5)) for x in v) / len(v)
        expected += v @ inverse @ query[layer * 5 : (layer + 1) * 5].astype(np.float64)
    np.testing.assert_allclose(scores, expected, rtol=1e-4)


def test_datainf_rejects_bad_shapes() -> None:
    with pytest.raises(AttributionError):
        compute_datainf_preconditioners(np.zeros((0, 4), np.float32), 2, 0.1)
    with pytest.raises(AttributionError):
        compute_datainf_preconditioners(np.zeros((3, 5), np.float32), 2, 0.1)


def test_normalised_and_canonical_json() -> None:
    np.testing.assert_allclose(compute_normalised(np.array([-1.0, 1.0, 3.0])), [0, 0.25, 0.75])
    assert not compute_normalised(np.array([-1.0, 0.0])).any()
    assert compute_canonical_json({"b": 1, "a": [0.1, "é"]}) == b'{"a":[0.1,"\\u00e9"],"b":1}'
    with pytest.raises(AttributionError, match="non-finite"):
        compute_canonical_json({"x": float("inf")})
