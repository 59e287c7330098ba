"""Pure parts of the attribution engines: ppm rule, suffix array, evidence encoding."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aichain.gpu_worker.attribution.engines import (
    compute_blend_scores,
    compute_normalised,
    compute_span_idf,
    compute_span_scores,
    compute_span_weight,
    compute_standardised_softmax,
)
from aichain.gpu_worker.attribution.errors import AttributionError
from aichain.gpu_worker.attribution.evidence import compute_canonical_json
from aichain.gpu_worker.attribution.influence_math import (
    compute_datainf_preconditioners,
    compute_influence_scores,
)
from aichain.gpu_worker.attribution.ppm import PPM_TOTAL, compute_ppm_weights, compute_top_k
from aichain.gpu_worker.attribution.suffix_array import (
    SpanHit,
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
    index = SuffixIndex.build(texts)
    spans = index.maximal_spans(output, min_length=16)
    longest = max(spans, key=lambda s: s.length)
    assert longest.length >= 50 and longest.start <= 5 and 17 in longest.records
    scores = compute_span_scores(index.dense_spans(output, min_length=16), len(texts))
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


TEXTS = st.lists(
    st.binary(max_size=30).map(lambda b: bytes(97 + x % 3 for x in b)), min_size=1, max_size=6
)
"""Small corpora over a 3-letter alphabet, so matches and repeats are frequent."""


def _brute_holders(texts: list[bytes], pattern: bytes) -> list[int]:
    return [i for i, text in enumerate(texts) if pattern in text]


@settings(max_examples=200, deadline=None)
@given(
    TEXTS,
    st.binary(min_size=1, max_size=24).map(lambda b: bytes(97 + x % 3 for x in b)),
    st.integers(min_value=1, max_value=4),
    st.integers(min_value=1, max_value=6),
)
def test_dense_spans_match_brute_force(
    texts: list[bytes], output: bytes, min_length: int, max_occurrences: int
) -> None:
    index = SuffixIndex.build(texts)
    hits = index.dense_spans(output, min_length, max_span=12, max_occurrences=max_occurrences)
    expected = []
    for i in range(len(output) - min_length + 1):
        gram = output[i : i + min_length]
        if gram not in index.corpus:
            continue
        longest = _brute_longest(index.corpus, output[i : i + 12])
        lengths = [min_length] + ([longest] if longest > min_length else [])
        for length in lengths:
            pattern = output[i : i + length]
            count = sum(index.corpus.startswith(pattern, j) for j in range(len(index.corpus)))
            if count <= max_occurrences:
                expected.append((i, length, count, _brute_holders(texts, pattern)))
    got = [(h.start, h.length, h.occurrences, h.records.tolist()) for h in hits]
    assert got == expected


def test_dense_spans_credit_every_holder_of_a_shared_ngram() -> None:
    # "shared-" is in both records; the longest match from 0 is only in record 1.
    index = SuffixIndex.build([b"xx shared-aa", b"yy shared-bbbb"])
    hits = index.dense_spans(b"shared-bbbb", min_length=7)
    first = [(h.length, h.records.tolist()) for h in hits if h.start == 0]
    assert first == [(7, [0, 1]), (11, [1])]
    scores = compute_span_scores(hits, 2)
    assert scores[1] > scores[0] > 0


def test_dense_spans_never_cross_records_and_split_outputs_at_separators() -> None:
    index = SuffixIndex.build([b"hello", b"world"])
    assert max(h.length for h in index.dense_spans(b"helloworld", min_length=3)) == 5
    starts = {h.start for h in index.dense_spans(b"hello\x00world", min_length=3)}
    assert starts == {0, 1, 2, 6, 7, 8}


def test_dense_spans_leave_out_spans_above_max_occurrences() -> None:
    index = SuffixIndex.build([b"abcab", b"abx"])
    assert [h.occurrences for h in index.dense_spans(b"ab", min_length=2)] == [3]
    assert index.dense_spans(b"ab", min_length=2, max_occurrences=2) == []


def test_dense_spans_reject_bad_parameters() -> None:
    index = SuffixIndex.build([b"abc"])
    for kwargs in (
        {"min_length": 0},
        {"min_length": 4, "max_span": 3},
        {"min_length": 1, "max_occurrences": 0},
    ):
        with pytest.raises(ValueError, match="min_length"):
            index.dense_spans(b"abc", **kwargs)


def test_dense_spans_on_an_empty_output_or_corpus() -> None:
    assert SuffixIndex.build([b"abc"]).dense_spans(b"", min_length=1) == []
    assert SuffixIndex.build([b""]).dense_spans(b"abc", min_length=1) == []


def test_span_idf_is_an_integer_log_of_rarity() -> None:
    assert [compute_span_idf(64, h) for h in (1, 2, 8, 33, 64)] == [7, 6, 4, 1, 1]
    assert compute_span_idf(1, 1) == 1
    for holders in (0, 65):
        with pytest.raises(AttributionError, match="held by 1..64"):
            compute_span_idf(64, holders)


def test_span_scores_are_exact_sums_of_integer_weights() -> None:
    hits = [
        SpanHit(0, 8, 3, np.array([0, 2])),
        SpanHit(0, 20, 1, np.array([2])),
        SpanHit(5, 8, 9, np.array([0, 1, 2, 3])),
    ]
    assert [compute_span_weight(h, 4) for h in hits] == [16, 60, 8]
    assert compute_span_scores(hits, 4).tolist() == [24.0, 8.0, 84.0, 8.0]
    assert compute_span_scores([], 3).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(AttributionError, match="outside"):
        compute_span_scores([SpanHit(0, 8, 1, np.array([4]))], 4)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1, max_size=30))
def test_standardised_softmax_is_an_order_preserving_distribution(values: list[float]) -> None:
    scores = np.array(values)
    q = compute_standardised_softmax(scores)
    assert q.sum() == pytest.approx(1.0) and (q > 0).all()
    for i in range(len(values)):
        for j in range(len(values)):
            if values[i] > values[j]:
                assert q[i] >= q[j]
    # Scale-free: a power-of-two factor scales every value, mean and spread exactly.
    np.testing.assert_allclose(compute_standardised_softmax(scores * 1024.0), q, rtol=1e-12)


def test_standardised_softmax_rejects_bad_input() -> None:
    np.testing.assert_allclose(compute_standardised_softmax(np.full(4, 3.0)), [0.25] * 4)
    with pytest.raises(AttributionError, match="zero records"):
        compute_standardised_softmax(np.zeros(0))
    with pytest.raises(AttributionError, match="non-finite"):
        compute_standardised_softmax(np.array([1.0, float("nan")]))


def test_blend_is_a_geometric_mean_of_span_and_influence_distributions() -> None:
    infl = np.array([-2.0, 1.0, 0.5, 3.0])
    span = np.array([0.0, 10.0, 30.0, 0.0])
    q = compute_standardised_softmax(infl)
    p = compute_normalised(span)
    blend = compute_blend_scores(infl, span, 0.5)
    expected = np.sqrt(p * q)
    np.testing.assert_allclose(blend, expected / expected.sum())
    assert blend.sum() == pytest.approx(1.0)
    assert blend[0] == blend[3] == 0.0  # no verbatim evidence: no share while others have some
    np.testing.assert_allclose(compute_blend_scores(infl, span, 0.0), p)
    np.testing.assert_allclose(compute_blend_scores(infl, span, 1.0), q)


def test_blend_without_span_evidence_is_the_influence_distribution() -> None:
    infl = np.array([-1.0, 2.0, 0.0])
    np.testing.assert_allclose(
        compute_blend_scores(infl, np.zeros(3), 0.5), compute_standardised_softmax(infl)
    )


def test_blend_rejects_bad_input() -> None:
    with pytest.raises(AttributionError, match="alpha"):
        compute_blend_scores(np.zeros(2), np.zeros(2), 1.5)
    with pytest.raises(AttributionError, match="one length"):
        compute_blend_scores(np.zeros(2), np.zeros(3), 0.5)
    with pytest.raises(AttributionError, match="non-finite span"):
        compute_blend_scores(np.zeros(2), np.array([1.0, float("inf")]), 0.5)
    with pytest.raises(AttributionError, match="non-finite"):
        compute_blend_scores(np.array([float("nan"), 0.0]), np.ones(2), 0.5)
