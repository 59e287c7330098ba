"""Counterfactual ground truth (LOCO, LDS), the v2 engines' pure parts, and the --quick report."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from aichain.gpu_worker.attribution.counterfactual import (  # noqa: E402
    RetrainRecipe,
    compute_answer_logprobs,
    compute_contributor_scores,
    compute_lds,
    compute_loco,
    compute_ranks,
    compute_spearman,
    compute_training_texts,
    train_counterfactual,
)
from aichain.gpu_worker.attribution.engines import compute_adaptive_blend_scores  # noqa: E402
from aichain.gpu_worker.attribution.errors import AttributionError  # noqa: E402
from aichain.gpu_worker.attribution.influence_math import (  # noqa: E402
    compute_exact_preconditioners,
    compute_influence_scores,
    compute_relative_influence,
    compute_self_influence,
)
from aichain.gpu_worker.attribution.suffix_array import SpanHit  # noqa: E402
from aichain.gpu_worker.attribution.token_gain import (  # noqa: E402
    compute_byte_weights,
    compute_gain_coverage,
    compute_weighted_span_scores,
)

pytestmark = pytest.mark.ml

BENCH = Path(__file__).resolve().parents[2] / "bench"
"""Where bench/attribution_truth.py lives."""


@dataclass(frozen=True)
class _Record:
    record_id: str
    contributor: str
    text: str


def _tiny_base_state() -> dict:
    from aichain.gpu_worker.tiny_model import build_tiny_model

    return {k: v.clone() for k, v in build_tiny_model(seed=0).state_dict().items()}


def test_training_texts_are_a_set_ordered_by_hash() -> None:
    records = [
        _Record("a/0", "a", "alpha text"),
        _Record("b/0", "b", "beta text"),
        _Record("c/0", "c", "alpha text"),
    ]
    texts = compute_training_texts(records)
    assert sorted(texts) == ["alpha text", "beta text"]
    assert compute_training_texts(records[::-1]) == texts
    # a's only record is also c's: removing a leaves the training set as it was
    assert compute_training_texts(records, exclude="a") == texts
    assert compute_training_texts(records, exclude="b") == ["alpha text"]
    assert compute_training_texts(records, keep=np.array([False, True, False])) == ["beta text"]
    with pytest.raises(AttributionError, match="keep mask"):
        compute_training_texts(records, keep=np.array([True]))


def test_loco_of_a_duplicated_contributor_is_exactly_zero() -> None:
    from aichain.gpu_worker.tiny_model import build_tiny_tokenizer

    torch.set_num_threads(2)
    own = [f"kavo {i} has color orbit-tisa number {i}." for i in range(3)]
    records = [_Record(f"a/{i}", "a", t) for i, t in enumerate(own)]
    records += [_Record(f"b/{i}", "b", t) for i, t in enumerate(own)]  # b copies a
    records += [_Record(f"c/{i}", "c", f"<zu|{i}|quasar-{i * 7}> seen.") for i in range(3)]
    pairs = [("kavo 1 has color", " orbit-tisa"), ("<zu|2|", "quasar-14>")]
    recipe = RetrainRecipe(steps=4, lr=2e-2, batch_size=4)
    tokenizer = build_tiny_tokenizer()
    result = compute_loco(_tiny_base_state(), tokenizer, records, pairs, recipe, seeds=(0, 1, 2))
    assert result.contributors == ("a", "b", "c")
    assert result.effects.shape == (3, 2, 3)
    # removing a (or b) changes no training text, so no weight and no log-likelihood
    assert np.all(result.effects[:, :, 0] == 0.0)
    assert np.all(result.effects[:, :, 1] == 0.0)
    # removing c does change the model
    assert np.all(result.effects[:, :, 2] != 0.0)
    # the three seeds train three different full models
    assert len({tuple(row) for row in result.full_logprobs.tolist()}) == 3


def test_retraining_is_deterministic() -> None:
    from aichain.gpu_worker.tiny_model import build_tiny_tokenizer

    tokenizer = build_tiny_tokenizer()
    state = _tiny_base_state()
    recipe = RetrainRecipe(steps=3, batch_size=2)
    texts = ["one record here.", "another record there."]
    pairs = [("one", " record here.")]
    a = compute_answer_logprobs(
        train_counterfactual(state, tokenizer, texts, recipe, 5), tokenizer, pairs
    )
    b = compute_answer_logprobs(
        train_counterfactual(state, tokenizer, texts, recipe, 5), tokenizer, pairs
    )
    np.testing.assert_array_equal(a, b)


def test_spearman_and_ranks() -> None:
    np.testing.assert_array_equal(compute_ranks(np.array([3.0, 1.0, 3.0, 2.0])), [2.5, 0, 2.5, 1])
    assert compute_spearman(np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0, 35.0])) == 1.0
    assert compute_spearman(np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])) == -1.0
    assert np.isnan(compute_spearman(np.array([1.0, 1.0]), np.array([1.0, 2.0])))


def test_lds_is_one_for_a_linear_truth_and_zero_for_constant_scores() -> None:
    rng = np.random.default_rng(0)
    masks = rng.random((50, 10)) < 0.5
    weights = rng.normal(size=(2, 10))
    logprobs = masks.astype(float) @ weights.T
    assert compute_lds(masks, logprobs, weights) == pytest.approx(1.0)
    assert compute_lds(masks, logprobs, -weights) == pytest.approx(-1.0)
    assert compute_lds(masks, logprobs, np.zeros((2, 10))) == 0.0


def test_contributor_scores_sum_each_contributors_records() -> None:
    scores = np.array([1.0, 2.0, 4.0, -1.0])
    owners = ["x", "y", "x", "z"]
    np.testing.assert_array_equal(
        compute_contributor_scores(scores, owners, ["x", "y", "z"]), [5.0, 2.0, -1.0]
    )


def test_exact_preconditioner_is_the_damped_inverse_and_relative_scores_divide() -> None:
    rng = np.random.default_rng(1)
    grads = rng.normal(size=(20, 2 * 4)).astype(np.float32)
    precond = compute_exact_preconditioners(grads, modules=2, damping=0.1)
    for layer in range(2):
        v = grads[:, layer * 4 : (layer + 1) * 4].astype(np.float64)
        lam = 0.1 * float((v**2).sum(axis=1).mean())
        np.testing.assert_allclose(
            precond[layer] @ (v.T @ v / 20 + lam * np.eye(4)), np.eye(4), atol=1e-9
        )
    self_infl = compute_self_influence(grads, precond)
    # a record's self-influence is its own score when it is the query
    assert self_infl[3] == pytest.approx(compute_influence_scores(grads, grads[3], precond)[3])
    scores = compute_influence_scores(grads, grads[3], precond)
    np.testing.assert_allclose(
        compute_relative_influence(scores, self_infl), scores / np.sqrt(self_infl)
    )


def test_byte_weights_and_gain_weighted_spans() -> None:
    weights = compute_byte_weights(np.array([2.0, 3.0]), [1, 2], output_bytes=4)
    np.testing.assert_array_equal(weights, [0.0, 2.0, 1.5, 1.5])  # first byte cut off
    hits = [
        SpanHit(1, 2, 1, np.array([0])),  # bytes 1-2: 3.5, one holder
        SpanHit(2, 2, 2, np.array([0, 2])),  # bytes 2-3: 3.0, two holders
    ]
    np.testing.assert_allclose(compute_weighted_span_scores(hits, weights, 3), [5.0, 0.0, 1.5])
    assert compute_gain_coverage(hits, weights) == pytest.approx(5.0 / 5.0)
    assert compute_gain_coverage(hits[1:], weights) == pytest.approx(3.0 / 5.0)
    assert compute_gain_coverage([], np.zeros(3)) == 0.0


def test_adaptive_blend_follows_coverage() -> None:
    infl = np.array([3.0, 0.0, -3.0])
    gain = np.array([0.0, 0.0, 1.0])
    spans_only, w = compute_adaptive_blend_scores(infl, gain, coverage=1.0, gamma=1.0)
    assert w == 1.0 and int(np.argmax(spans_only)) == 2
    infl_only, w = compute_adaptive_blend_scores(infl, gain, coverage=0.0, gamma=1.0)
    assert w == 0.0 and int(np.argmax(infl_only)) == 0
    half, w = compute_adaptive_blend_scores(infl, gain, coverage=0.25, gamma=0.5)
    assert w == 0.5 and half.sum() == pytest.approx(1.0)
    no_span, w = compute_adaptive_blend_scores(infl, np.zeros(3), coverage=1.0, gamma=1.0)
    assert w == 0.0 and int(np.argmax(no_span)) == 0
    # gamma 0 (the default): span-gain decides whenever it has any evidence
    tiny_cover, w = compute_adaptive_blend_scores(infl, gain, coverage=0.01, gamma=0.0)
    assert w == 1.0 and int(np.argmax(tiny_cover)) == 2
    with pytest.raises(AttributionError, match="coverage"):
        compute_adaptive_blend_scores(infl, gain, coverage=1.5, gamma=1.0)


def test_quick_truth_report_scores_every_method_against_loco(tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        import attribution_truth
    finally:
        sys.path.remove(str(BENCH))
    torch.set_num_threads(2)
    report = attribution_truth.main(
        ["--quick", "--settings", "paraphrase,style", "--cache-dir", str(tmp_path)]
    )
    assert report["quick"] and report["loco_seeds"] == 3
    assert set(report["settings"]) == {"paraphrase", "style"}
    for setting, block in report["settings"].items():
        for mode in ("gen", "ref"):
            part = block[mode]
            for name in (
                "lora-influence-v1",
                "span-match-v1",
                "blend-v1",
                "lora-influence-v2",
                "span-gain-v1",
                "blend-v2",
                "baseline TracIn",
                "baseline TF-IDF",
                "baseline BM25",
            ):
                row = part["methods"][name]
                assert -1.0 <= row["rho"] <= 1.0 and 0.0 <= row["top1"] <= 1.0
                assert -1.0 <= row["lds"] <= 1.0
            assert part["methods"]["blend-v2"]["ms"] > 0
            noise = part["noise"]
            assert -1.0 <= noise["seed_to_seed_rho"] <= 1.0
            assert noise["mean_standard_error"] >= 0
        # every planted query's reference answer is scored
        assert block["ref"]["answers"] == 4, setting
    assert any(line.startswith("paraphrase: blend-v2") for line in report["targets"])
    # a second call is served from the cache and gives the same figures
    again = attribution_truth.main(
        ["--quick", "--settings", "paraphrase,style", "--cache-dir", str(tmp_path)]
    )
    assert again["settings"] == report["settings"]


def _bench_module():  # noqa: ANN202
    sys.path.insert(0, str(BENCH))
    try:
        import attribution_truth
    finally:
        sys.path.remove(str(BENCH))
    return attribution_truth


def test_noise_floor_names_the_ceiling_when_only_the_top_contributor_is_signal() -> None:
    bench = _bench_module()
    rng = np.random.default_rng(0)
    effects = rng.normal(0.0, 0.01, size=(3, 1, 8))
    effects[:, 0, 5] = 1.0  # every seed agrees on contributor 5; the rest is noise
    run = {
        "answers": [
            {
                "mode": "gen",
                "expected": "c5",
                "answer": " orbit. note",
                "expected_completion": " orbit",
            }
        ],
        "contributors": [f"c{i}" for i in range(8)],
        "loco_effects": effects.tolist(),
    }
    noise = bench.compute_noise_floor(run, "gen")
    # naming the top alone, the rest tied: corr(indicator, ranks 1..8) = 0.5774
    assert noise["top_only_rho"] == pytest.approx(
        3.5 / (math.sqrt(7 / 64) * math.sqrt(63 / 12) * 8)
    )
    assert noise["loco_top_is_planted"] == 1.0 and noise["answered_right"] == 1.0
    assert noise["top1_stable"] == 1.0
    assert abs(noise["others_seed_to_seed_rho"]) < 0.9  # independent draws, not the same ranking
    run["answers"][0]["answer"] = " comet"
    assert bench.compute_noise_floor(run, "gen")["answered_right"] == 0.0


def test_paraphrase_base_reads_every_fact_but_is_asked_only_half() -> None:
    from aichain.gpu_worker.demo_datanet import build_paraphrase_pretraining_texts

    texts, held_out = build_paraphrase_pretraining_texts(
        facts_per_contributor=8, records_per_contributor=16
    )
    joined = "\n".join(texts)
    assert held_out and len(texts) > 8 * 16
    for prompt, completion in held_out:
        assert prompt not in joined  # never asked ...
        subject = (
            prompt.replace(",", " ")
            .replace("?", " ")
            .split()[1 if prompt.startswith("Regarding") else -2]
        )
        assert subject in joined and completion.strip() in joined  # ... but read
    asked = [t for t in texts if t.startswith(("Regarding ", "Tell me: ", "Quiz -- "))]
    assert len(asked) == len(held_out)
