"""The attribution engines and their loader.

lora-influence-v1, span-match-v1 and blend-v1, and the counterfactual-validated
lora-influence-v2, span-gain-v1 and blend-v2 (docs/attribution.md, bench/attribution_truth.py).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from aichain.gpu_worker.attribution.errors import AttributionError, FeaturesError
from aichain.gpu_worker.attribution.evidence import (
    EVIDENCE_VERSION,
    compute_canonical_json,
    compute_evidence_sha256,
    write_evidence,
)
from aichain.gpu_worker.attribution.features import (
    Features,
    compute_lora_weights_sha256,
    load_features,
)
from aichain.gpu_worker.attribution.influence_math import (
    compute_exact_preconditioners,
    compute_influence_scores,
    compute_relative_influence,
    compute_self_influence,
)
from aichain.gpu_worker.attribution.ppm import compute_ppm_weights, compute_top_k
from aichain.gpu_worker.attribution.suffix_array import (
    DEFAULT_MAX_OCCURRENCES,
    SpanHit,
    SuffixIndex,
)
from aichain.gpu_worker.attribution.types import Attribution, WeightedRecord

LORA_INFLUENCE = "lora-influence-v1"
"""Engine name: DataInf-style influence restricted to the LoRA parameters."""
SPAN_MATCH = "span-match-v1"
"""Engine name: verbatim span tracing with a suffix array."""
BLEND = "blend-v1"
"""Engine name: a weighted geometric mean of the span and influence distributions."""
LORA_INFLUENCE_V2 = "lora-influence-v2"
"""Engine name: influence with the exact projected curvature, normalised per record (RelatIF)."""
SPAN_GAIN = "span-gain-v1"
"""Engine name: verbatim spans weighted by what the adapter added to each byte's likelihood."""
BLEND_V2 = "blend-v2"
"""Engine name: span-gain and influence-v2 mixed per answer by how much of the gain spans cover."""
ENGINES = (LORA_INFLUENCE, SPAN_MATCH, BLEND, LORA_INFLUENCE_V2, SPAN_GAIN, BLEND_V2)
"""Every engine name load_engine accepts."""
DEFAULT_MIN_SPAN = 8
"""Shortest verbatim span (bytes) span-match-v1 counts as evidence."""
EVIDENCE_SPAN_RECORDS = 16
"""span-match-v1 evidence lists at most this many (the lowest) record indices per span."""
DEFAULT_BLEND_ALPHA = 0.0
"""Exponent of the influence distribution in blend-v1's geometric mean (span: 1 - alpha).

Chosen by bench/attribution_alpha_dev.py on development datanets (seeds 3-5, alone and with 4
twins; never the benchmark's seed 0): mean record AUC fell monotonically from alpha 0 to 0.5.
At 0, blend-v1 ranks by span-match-v1 whenever the output has span evidence and falls back to
the influence softmax when it has none.
"""


DEFAULT_BLEND_V2_GAMMA = 0.0
"""blend-v2 gives the span-gain distribution weight coverage ** gamma. Chosen on the dev seeds
(bench/attribution_truth.py --dev) from 0, 0.5, 1 and 2: every gamma > 0 (influence mixed in)
lowered the mean LOCO rho, so at 0 span-gain decides whenever it has evidence."""


class Engine(Protocol):
    """What every attribution engine offers."""

    name: str
    features: Features

    def score(self, prompt: str, output: str) -> tuple[np.ndarray, dict[str, Any]]:
        """A score per training record (manifest order) and engine-specific evidence."""
        ...

    def attribute(
        self, prompt: str, output: str, top_k: int = 10, evidence_dir: Path | None = None
    ) -> Attribution:
        """Top-K records with ppm weights, the evidence bytes and their sha256."""
        ...


def compute_normalised(scores: np.ndarray) -> np.ndarray:
    """Positive parts of scores divided by their sum (all zeros if none is positive)."""
    positive = np.maximum(np.asarray(scores, dtype=np.float64), 0.0)
    total = float(positive.sum())
    return positive / total if total > 0 else positive


def compute_standardised_softmax(scores: np.ndarray) -> np.ndarray:
    """softmax of the z-scores of scores: a distribution over all records, order-preserving.

    Unlike compute_normalised it keeps the ranking among negative scores; z-scoring makes it
    independent of the scores' scale (all-equal scores give the uniform distribution).
    """
    values = np.asarray(scores, dtype=np.float64)
    if values.size == 0:
        raise AttributionError("cannot take a softmax over zero records")
    if not np.isfinite(values).all():
        raise AttributionError("cannot take a softmax of non-finite scores")
    scale = float(np.abs(values).max())
    unit = values / scale if scale > 0 else values  # in [-1, 1]: no under- or overflow below
    spread = float(unit.std())
    z = (unit - unit.mean()) / spread if spread > 0 else np.zeros_like(unit)
    weights = np.exp(z - z.max())
    return weights / weights.sum()


def compute_blend_scores(influence: np.ndarray, span: np.ndarray, alpha: float) -> np.ndarray:
    """blend-v1 scores: weighted geometric mean of the span and influence distributions.

    blend(r) ∝ p_span(r)^(1 - alpha) · q_influence(r)^alpha, renormalised to sum to 1, with
    p_span = compute_normalised(span) and q_influence = compute_standardised_softmax(influence).
    A record needs verbatim evidence to score (when the output has any) and influence re-ranks
    the records that have it; with no span evidence at all the result is q_influence alone.
    """
    if not 0.0 <= alpha <= 1.0:
        raise AttributionError(f"blend alpha must be in [0, 1], got {alpha}")
    infl = np.asarray(influence, dtype=np.float64)
    spans = np.asarray(span, dtype=np.float64)
    if infl.shape != spans.shape or infl.ndim != 1:
        raise AttributionError(
            f"influence and span scores must be two vectors of one length, got shapes "
            f"{infl.shape} and {spans.shape}"
        )
    if not np.isfinite(spans).all():
        raise AttributionError("cannot blend non-finite span scores")
    q_infl = compute_standardised_softmax(infl)
    p_span = compute_normalised(spans)
    if not p_span.any():
        return q_infl
    mixed = p_span ** (1.0 - alpha) * q_infl**alpha
    return mixed / mixed.sum()


def compute_adaptive_blend_scores(
    influence: np.ndarray, gain_spans: np.ndarray, coverage: float, gamma: float
) -> tuple[np.ndarray, float]:
    """blend-v2 scores and the weight used: w * p_gain + (1 - w) * q_influence.

    p_gain = compute_normalised(gain_spans), q_influence = compute_standardised_softmax
    (influence), w = coverage ** gamma with coverage the share of the answer's likelihood
    gain that lies in spans found in the records: an answer whose gain the records hold
    verbatim is paid by span evidence, one whose gain they do not hold (a paraphrase, a new
    format) by influence. Without any span evidence the result is q_influence alone (w = 0).
    """
    if not 0.0 <= coverage <= 1.0 or not gamma >= 0:
        raise AttributionError(f"need coverage in [0, 1] and gamma >= 0, got {coverage}, {gamma}")
    q_infl = compute_standardised_softmax(influence)
    p_gain = compute_normalised(gain_spans)
    if p_gain.shape != q_infl.shape:
        raise AttributionError("influence and span scores must have one length")
    if not p_gain.any():
        return q_infl, 0.0
    weight = float(coverage**gamma)
    return weight * p_gain + (1.0 - weight) * q_infl, weight


def compute_span_idf(n_records: int, holders: int) -> int:
    """Rarity weight of a span held by `holders` of n_records records: bit length of N // h.

    An integer stand-in for log2(N / h) + 1 (1 for a span in every record, log2(N) + 1 for a
    span in one record), so span scores stay exact integer arithmetic on any machine.
    """
    if not 1 <= holders <= n_records:
        raise AttributionError(f"a span must be held by 1..{n_records} records, got {holders}")
    return (n_records // holders).bit_length()


def compute_span_weight(hit: SpanHit, n_records: int) -> int:
    """Credit a span gives each record holding it: its length times its rarity weight."""
    return hit.length * compute_span_idf(n_records, len(hit.records))


def compute_span_scores(hits: list[SpanHit], n_records: int) -> np.ndarray:
    """span-match-v1 scores: every hit adds compute_span_weight to each record holding it.

    All weights are integers, so the float64 sums are exact (below 2**53) and independent of
    summation order.
    """
    scores = np.zeros(n_records, dtype=np.float64)
    for hit in hits:
        if len(hit.records) and (hit.records.min() < 0 or hit.records.max() >= n_records):
            raise AttributionError(f"a span names a record outside 0..{n_records - 1}")
        scores[hit.records] += compute_span_weight(hit, n_records)
    return scores


class _BaseEngine:
    """Shared attribute(): top-K, ppm weights and the evidence document."""

    name = ""
    features: Features
    positive_only = False

    def score(self, prompt: str, output: str) -> tuple[np.ndarray, dict[str, Any]]:
        """A score per training record and engine-specific evidence."""
        raise NotImplementedError

    def attribute(
        self, prompt: str, output: str, top_k: int = 10, evidence_dir: Path | None = None
    ) -> Attribution:
        """Top-K records with ppm weights, the evidence bytes and their sha256."""
        if not isinstance(output, str) or not output:
            raise AttributionError("the output to attribute is empty: nothing to attribute")
        if top_k <= 0:
            raise AttributionError(f"top_k must be positive, got {top_k}")
        scores, details = self.score(prompt, output)
        if not np.isfinite(scores).all():
            raise AttributionError(f"{self.name} produced non-finite scores")
        top = compute_top_k(scores, top_k)
        if self.positive_only:
            top = tuple(i for i in top if scores[i] > 0)
        records = self.features.records
        entries: list[WeightedRecord] = []
        if top:
            weights = compute_ppm_weights([(records[i].record_id, float(scores[i])) for i in top])
            entries = sorted(
                (
                    WeightedRecord(rid, records[i].contributor, ppm)
                    for i, (rid, ppm) in zip(top, weights, strict=True)
                ),
                key=lambda e: (-e.weight_ppm, e.record_id),
            )
        document = {
            "version": EVIDENCE_VERSION,
            "engine": self.name,
            "features_sha256": self.features.manifest_sha256,
            "lora_weights_sha256": self.features.params.get("lora_weights_sha256"),
            "prompt_sha256": hashlib.sha256(prompt.encode("utf-8")).hexdigest(),
            "output_sha256": hashlib.sha256(output.encode("utf-8")).hexdigest(),
            "top_k": top_k,
            "scores": [float(x) for x in scores],
            "top": [[e.record_id, e.contributor, e.weight_ppm] for e in entries],
            "details": details,
        }
        evidence = compute_canonical_json(document)
        path = write_evidence(evidence, evidence_dir) if evidence_dir is not None else None
        return Attribution(
            self.name, tuple(entries), evidence, compute_evidence_sha256(evidence), path
        )


class SpanMatchEngine(_BaseEngine):
    """span-match-v1: dense verbatim span evidence from a suffix array, weighted by rarity."""

    name = SPAN_MATCH
    positive_only = True

    def __init__(
        self,
        features: Features,
        min_span: int = DEFAULT_MIN_SPAN,
        max_occurrences: int = DEFAULT_MAX_OCCURRENCES,
    ) -> None:
        """Engine over the suffix array stored in features."""
        if min_span < 1:
            raise AttributionError(f"min_span must be at least 1, got {min_span}")
        if max_occurrences < 1:
            raise AttributionError(f"max_occurrences must be at least 1, got {max_occurrences}")
        self.features = features
        self.min_span = min_span
        self.max_occurrences = max_occurrences
        self.index = SuffixIndex(features.corpus, features.suffix_array, features.starts)

    def score(self, prompt: str, output: str) -> tuple[np.ndarray, dict[str, Any]]:
        """Span scores per record and every span credited (offsets are output UTF-8 bytes)."""
        n_records = len(self.features.records)
        hits = self.index.dense_spans(
            output.encode("utf-8"), self.min_span, max_occurrences=self.max_occurrences
        )
        scores = compute_span_scores(hits, n_records)
        details = {
            "min_span": self.min_span,
            "max_occurrences": self.max_occurrences,
            "spans": [
                [
                    h.start,
                    h.length,
                    h.occurrences,
                    compute_span_weight(h, n_records),
                    len(h.records),
                    [int(r) for r in h.records[:EVIDENCE_SPAN_RECORDS]],
                ]
                for h in hits
            ],
        }
        return scores, details


class LoraInfluenceEngine(_BaseEngine):
    """lora-influence-v1: DataInf closed-form influence over projected LoRA gradients."""

    name = LORA_INFLUENCE

    def __init__(self, features: Features, model: Any, tokenizer: Any) -> None:
        """Engine for a peft model whose adapter weights the features were computed for."""
        from aichain.gpu_worker.attribution.lora_grads import (
            LoraGradientProjector,
            compute_projection_sha256,
        )

        params = features.params
        if compute_lora_weights_sha256(model) != params["lora_weights_sha256"]:
            raise FeaturesError(
                "the model's LoRA weights differ from those the features were computed for: "
                "load the adapter the features belong to"
            )
        self.features = features
        self.model = model
        self.tokenizer = tokenizer
        self.projector = LoraGradientProjector(
            model, int(params["proj_dim"]), int(params["projection_seed"])
        )
        if [m.name for m in self.projector.modules] != list(params["modules"]):
            raise FeaturesError("the model's LoRA modules differ from the features' modules")
        if compute_projection_sha256(self.projector.projections) != params["projection_sha256"]:
            raise FeaturesError(
                "the seeded projection differs from the one the features used "
                "(another numpy version?): recompute the features"
            )

    def query_gradient(self, prompt: str, output: str) -> np.ndarray:
        """Projected LoRA gradient of the output's mean token loss given the prompt."""
        from aichain.gpu_worker.attribution.sequences import (
            compute_batch,
            compute_query_sequence,
        )

        seq = compute_query_sequence(
            self.tokenizer, prompt, output, int(self.features.params["max_length"])
        )
        was_training = self.model.training
        self.model.eval()
        try:
            grad = self.projector.gradients(compute_batch([seq], self.tokenizer.pad_token_id))
        finally:
            self.model.train(was_training)
        return grad[0].numpy()

    def score(self, prompt: str, output: str) -> tuple[np.ndarray, dict[str, Any]]:
        """Influence scores per record and the damping used."""
        query = self.query_gradient(prompt, output)
        scores = compute_influence_scores(
            self.features.lora_grads, query, self.features.lora_precond
        )
        details = {
            "damping": self.features.params["damping"],
            "proj_dim": self.features.params["proj_dim"],
        }
        return scores, details


class BlendEngine(_BaseEngine):
    """blend-v1: weighted geometric mean of the span and (softmaxed) influence distributions."""

    name = BLEND

    def __init__(
        self,
        influence: LoraInfluenceEngine,
        span: SpanMatchEngine,
        alpha: float = DEFAULT_BLEND_ALPHA,
    ) -> None:
        """Blend of two engines over the same features."""
        if not 0.0 <= alpha <= 1.0:
            raise AttributionError(f"blend alpha must be in [0, 1], got {alpha}")
        self.features = influence.features
        self.influence = influence
        self.span = span
        self.alpha = alpha

    def score(self, prompt: str, output: str) -> tuple[np.ndarray, dict[str, Any]]:
        """Blended scores (compute_blend_scores), both engines' details and influence scores."""
        infl, infl_details = self.influence.score(prompt, output)
        span, span_details = self.span.score(prompt, output)
        scores = compute_blend_scores(infl, span, self.alpha)
        details = {
            "alpha": self.alpha,
            "rule": "geometric",
            "span_evidence": bool(np.any(span > 0)),
            "influence": infl_details,
            "span": span_details,
            "influence_scores": [float(x) for x in infl],
            "span_scores": [float(x) for x in span],
        }
        return scores, details


class LoraInfluenceV2Engine(LoraInfluenceEngine):
    """lora-influence-v2: exact damped projected curvature, scores over sqrt(self-influence).

    Same features and query gradient as lora-influence-v1. Per LoRA module the preconditioner
    is the exact inverse (G_l + lambda_l I)^-1 of the projected Gauss-Newton matrix (k x k,
    computed at load) instead of DataInf's average of rank-one inverses, and each record's
    score is divided by the square root of its own self-influence v_i^T P v_i (RelatIF), so
    records with large gradients (poorly fit ones) do not top every query.
    """

    name = LORA_INFLUENCE_V2

    def __init__(self, features: Features, model: Any, tokenizer: Any) -> None:
        """Engine over features; computes the exact preconditioners and self-influences."""
        super().__init__(features, model, tokenizer)
        modules = len(features.params["modules"])
        damping = float(features.params["damping"])
        self.precond = compute_exact_preconditioners(features.lora_grads, modules, damping)
        self.self_influence = compute_self_influence(features.lora_grads, self.precond)

    def score(self, prompt: str, output: str) -> tuple[np.ndarray, dict[str, Any]]:
        """Relative influence scores per record and the method's parameters."""
        query = self.query_gradient(prompt, output)
        raw = compute_influence_scores(self.features.lora_grads, query, self.precond)
        scores = compute_relative_influence(raw, self.self_influence)
        details = {
            "damping": self.features.params["damping"],
            "proj_dim": self.features.params["proj_dim"],
            "preconditioner": "exact",
            "normalisation": "relative",
        }
        return scores, details


class SpanGainEngine(_BaseEngine):
    """span-gain-v1: span-match-v1's hits, each worth the likelihood the adapter added there.

    For every token of prompt and answer, gain = max(0, log p_adapter - log p_base) (the same
    model with the adapter off), spread over the token's bytes. A hit (an n-gram or longest
    match of the prompt or of the answer found in the records) is worth the gain of the bytes
    it covers, split evenly among the records holding it; a record's score is the sum over its
    hits. Template text the base already predicts earns nothing; a fact, a name or a format
    that only fine-tuning taught earns the most. The prompt counts because what the records
    taught the model about the question shapes the answer (chosen on the dev seeds).
    """

    name = SPAN_GAIN
    positive_only = True

    def __init__(
        self, features: Features, model: Any, tokenizer: Any, min_span: int = DEFAULT_MIN_SPAN
    ) -> None:
        """Engine over the features' suffix array and a peft model (adapter on and off)."""
        if compute_lora_weights_sha256(model) != features.params["lora_weights_sha256"]:
            raise FeaturesError(
                "the model's LoRA weights differ from those the features were computed for: "
                "load the adapter the features belong to"
            )
        self.features = features
        self.model = model
        self.tokenizer = tokenizer
        self.span = SpanMatchEngine(features, min_span)

    def score_with_coverage(
        self, prompt: str, output: str
    ) -> tuple[np.ndarray, float, dict[str, Any]]:
        """Scores per record, the share of the gain covered by hits, and the evidence.

        Hits are searched in the prompt and in the output (separately: no hit crosses from one
        to the other); each token's gain is taken where it stands, prompt tokens given the
        prompt before them, output tokens given the prompt and the output before them.
        """
        from aichain.gpu_worker.attribution.token_gain import (
            compute_byte_weights,
            compute_gain_coverage,
            compute_sequence_logprobs,
            compute_weighted_span_scores,
        )

        logprobs = compute_sequence_logprobs(
            self.model, self.tokenizer, prompt, output, int(self.features.params["max_length"])
        )
        n_records = len(self.features.records)
        scores = np.zeros(n_records, dtype=np.float64)
        covered, total = 0.0, 0.0
        details: dict[str, Any] = {
            "min_span": self.span.min_span,
            "max_occurrences": self.span.max_occurrences,
        }
        for part, text in (("prompt", prompt), ("output", output)):
            data = text.encode("utf-8")
            adapted, base, lengths = logprobs[part]
            gain = np.maximum(adapted - base, 0.0)
            weights = compute_byte_weights(gain, lengths, len(data))
            hits = (
                self.span.index.dense_spans(
                    data, self.span.min_span, max_occurrences=self.span.max_occurrences
                )
                if data
                else []
            )
            scores += compute_weighted_span_scores(hits, weights, n_records)
            part_total = float(weights.sum())
            covered += compute_gain_coverage(hits, weights) * part_total
            total += part_total
            prefix = np.concatenate([[0.0], np.cumsum(weights)])
            details[part] = {
                "token_gain": [float(x) for x in gain],
                "spans": [
                    [
                        h.start,
                        h.length,
                        h.occurrences,
                        float(prefix[h.start + h.length] - prefix[h.start]) / len(h.records),
                        len(h.records),
                        [int(r) for r in h.records[:EVIDENCE_SPAN_RECORDS]],
                    ]
                    for h in hits
                ],
            }
        coverage = min(1.0, covered / total) if total > 0 else 0.0
        details["coverage"] = coverage
        return scores, coverage, details

    def score(self, prompt: str, output: str) -> tuple[np.ndarray, dict[str, Any]]:
        """Gain-weighted span scores per record and every hit's credit."""
        scores, _, details = self.score_with_coverage(prompt, output)
        return scores, details


class AdaptiveBlendEngine(_BaseEngine):
    """blend-v2: span-gain-v1 and lora-influence-v2 mixed per answer by the gain's coverage."""

    name = BLEND_V2

    def __init__(
        self,
        influence: LoraInfluenceV2Engine,
        gain: SpanGainEngine,
        gamma: float = DEFAULT_BLEND_V2_GAMMA,
    ) -> None:
        """Blend of two engines over the same features."""
        if not gamma >= 0:
            raise AttributionError(f"blend-v2 gamma must be at least 0, got {gamma}")
        self.features = influence.features
        self.influence = influence
        self.gain = gain
        self.gamma = gamma

    def score(self, prompt: str, output: str) -> tuple[np.ndarray, dict[str, Any]]:
        """Blended scores, the weight chosen for this answer and both engines' evidence."""
        infl, infl_details = self.influence.score(prompt, output)
        gain, coverage, gain_details = self.gain.score_with_coverage(prompt, output)
        scores, weight = compute_adaptive_blend_scores(infl, gain, coverage, self.gamma)
        details = {
            "rule": "coverage-mix",
            "gamma": self.gamma,
            "coverage": coverage,
            "span_weight": weight,
            "influence": infl_details,
            "span_gain": gain_details,
            "influence_scores": [float(x) for x in infl],
            "span_gain_scores": [float(x) for x in gain],
        }
        return scores, details


def load_engine(
    adapter_dir: Path,
    name: str = LORA_INFLUENCE,
    model: Any = None,
    tokenizer: Any = None,
    *,
    base_model: str = "tiny",
    device: str = "cpu",
    min_span: int = DEFAULT_MIN_SPAN,
    alpha: float = DEFAULT_BLEND_ALPHA,
) -> Engine:
    """The named engine over an adapter's features (loads base + adapter if model is None)."""
    if name not in ENGINES:
        raise AttributionError(f"unknown engine {name!r}: expected one of {', '.join(ENGINES)}")
    features = load_features(Path(adapter_dir))
    span = SpanMatchEngine(features, min_span)
    if name == SPAN_MATCH:
        return span
    if model is None:
        model, tokenizer = load_adapter_model(Path(adapter_dir), base_model, device)
    elif tokenizer is None:
        raise AttributionError("a model was given without its tokenizer")
    if name == SPAN_GAIN:
        return SpanGainEngine(features, model, tokenizer, min_span)
    if name in (LORA_INFLUENCE_V2, BLEND_V2):
        influence_v2 = LoraInfluenceV2Engine(features, model, tokenizer)
        if name == LORA_INFLUENCE_V2:
            return influence_v2
        return AdaptiveBlendEngine(
            influence_v2, SpanGainEngine(features, model, tokenizer, min_span)
        )
    influence = LoraInfluenceEngine(features, model, tokenizer)
    if name == LORA_INFLUENCE:
        return influence
    return BlendEngine(influence, span, alpha)


def load_adapter_model(adapter_dir: Path, base_model: str, device: str) -> tuple[Any, Any]:
    """(peft model, tokenizer): the base model with adapter_dir's hash-checked adapter."""
    from peft import get_peft_model, set_peft_model_state_dict

    from aichain.gpu_worker.adapters import load_adapter, read_adapter_hash
    from aichain.gpu_worker.tiny_model import compute_model_hash, load_base_model

    loaded = load_adapter(adapter_dir, read_adapter_hash(adapter_dir))
    base, tokenizer = load_base_model(base_model, device)
    if compute_model_hash(base) != loaded.spec.base_model_sha256:
        raise AttributionError(
            f"adapter {adapter_dir} was trained on another base model than {base_model!r}: "
            "pass the --base-model it was trained on"
        )
    model = get_peft_model(base, loaded.spec.to_peft())
    set_peft_model_state_dict(model, loaded.state)
    model.eval()
    return model, tokenizer
