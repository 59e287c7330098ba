"""Attribution against counterfactual ground truth: LOCO retraining and LDS, four datanet settings.

For each demo datanet setting (disjoint, paraphrase, twins, style; `gpu_worker.demo_datanet`)
and seed:
1. A tiny byte-level base, pre-trained on `build_pretraining_texts` (demo language of another
   seed, plus the paraphrase query templates; never the style setting's formats), cached. The
   paraphrase setting has its own base and recipe (`--paraphrase-*`): a base pre-trained on
   `build_paraphrase_pretraining_texts` (many facts in many phrasings, half of them asked in
   the query templates), without which the adapter answers none of the paraphrased questions.
2. The deployed adapter: a LoRA trained by `RetrainRecipe` on the datanet's distinct texts with
   training seed 0; its attribution features; every planted query answered greedily.
3. Every method scores every answer (record scores, summed per contributor):
   lora-influence-v1, span-match-v1, blend-v1 (the engines), the new lora-influence-v2,
   span-gain-v1 and blend-v2, and the baselines TracIn (plain dot product of the same
   projected gradients), TF-IDF and BM25 (on the answer, and on prompt + answer).
4. Ground truth: LOCO (`gpu_worker.attribution.counterfactual`): each contributor removed and
   the adapter retrained, for >= 3 training seeds; effect = drop of the answer's mean token
   log-likelihood. LDS: >= 50 random halves of the records, one retrain each (half the
   steps, so each kept record is seen as often as in a full retrain).
5. Per method, averaged over answers: Spearman rho between contributor scores and the
   seed-averaged LOCO effects, top-1 agreement with the LOCO argmax, LDS, and latency per
   answer (ms, this machine, the engine's own work on this small datanet). The noise floor
   is the LOCO effects' agreement with themselves across training seeds.

`--dev` runs the development seeds and prints every candidate variant (what the new engines'
settings were chosen on); without it the held-out seeds are run and only the methods are shown.
Each (setting, seed) run is cached under --cache-dir as JSON, so re-running only re-scores.

    .venv/bin/python bench/attribution_truth.py [--quick] [--dev] [--settings a,b] [--json-out F]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from attribution_quality import TfIdf  # noqa: E402

from aichain.gpu_worker.attribution.counterfactual import (  # noqa: E402
    RetrainRecipe,
    compute_contributor_scores,
    compute_lds,
    compute_lds_logprobs,
    compute_lds_masks,
    compute_loco,
    compute_spearman,
    compute_training_texts,
    train_counterfactual,
)
from aichain.gpu_worker.attribution.engines import (  # noqa: E402
    DEFAULT_BLEND_ALPHA,
    DEFAULT_BLEND_V2_GAMMA,
    LoraInfluenceEngine,
    SpanMatchEngine,
    compute_adaptive_blend_scores,
    compute_blend_scores,
    compute_span_idf,
)
from aichain.gpu_worker.attribution.features import (  # noqa: E402
    compute_training_features,
    load_features,
)
from aichain.gpu_worker.attribution.generate import generate_greedy  # noqa: E402
from aichain.gpu_worker.attribution.influence_math import (  # noqa: E402
    compute_dot_scores,
    compute_exact_preconditioners,
    compute_layer_calibrated,
    compute_layer_scores,
    compute_relative_influence,
    compute_self_influence,
)
from aichain.gpu_worker.attribution.token_gain import (  # noqa: E402
    compute_byte_weights,
    compute_gain_coverage,
    compute_sequence_logprobs,
    compute_weighted_span_scores,
)
from aichain.gpu_worker.datanet import DirectoryDatanet  # noqa: E402
from aichain.gpu_worker.demo_datanet import (  # noqa: E402
    DEV_SEEDS,
    HELD_OUT_SEEDS,
    SETTINGS,
    build_paraphrase_pretraining_texts,
    build_pretraining_texts,
    load_queries,
    make_demo_datanet,
)
from aichain.gpu_worker.pretrain import pretrain_tiny_base  # noqa: E402
from aichain.gpu_worker.tiny_model import (  # noqa: E402
    BYTE_TOKENIZER_MARKER,
    build_tiny_tokenizer,
    load_base_model,
)

CACHE_FORMAT = 4
"""Bumped whenever what a cached run holds changes."""
WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
"""Words of the lexical baselines (lower-cased; hyphenated values stay one word)."""


class Bm25:
    """Okapi BM25 (k1 = 1.2, b = 0.75) of a text's words against every record."""

    def __init__(self, texts: list[str], k1: float = 1.2, b: float = 0.75) -> None:
        """Fits document frequencies and lengths on the records."""
        self.docs = [Counter(WORD.findall(t.lower())) for t in texts]
        self.lengths = np.array([sum(d.values()) for d in self.docs], dtype=np.float64)
        self.avg = float(self.lengths.mean()) if len(self.docs) else 1.0
        df = Counter(w for d in self.docs for w in d)
        n = len(self.docs)
        self.idf = {w: math.log(1 + (n - c + 0.5) / (c + 0.5)) for w, c in df.items()}
        self.k1, self.b = k1, b

    def scores(self, text: str) -> np.ndarray:
        """BM25 score of every record for the words of text."""
        out = np.zeros(len(self.docs))
        norm = self.k1 * (1 - self.b + self.b * self.lengths / self.avg)
        for word in set(WORD.findall(text.lower())):
            if word not in self.idf:
                continue
            tf = np.array([d.get(word, 0) for d in self.docs], dtype=np.float64)
            out += self.idf[word] * tf * (self.k1 + 1) / (tf + norm)
        return out


def pretrained_state(cache: Path, steps: int) -> dict[str, torch.Tensor]:
    """State dict of the tiny base pre-trained on build_pretraining_texts (cached on disk)."""
    path = cache / f"truth-base-{steps}"
    if not (path / BYTE_TOKENIZER_MARKER).is_file():
        started = time.monotonic()
        pretrain_tiny_base(build_pretraining_texts(), path, steps=steps, seed=1)
        print(f"pre-trained base: {steps} steps, {time.monotonic() - started:.0f}s", flush=True)
    model = load_base_model(str(path), "cpu")[0]
    return {k: v.clone() for k, v in model.state_dict().items()}


PARAPHRASE_PRETRAIN_LR = 3e-3
"""Learning rate of the paraphrase setting's base (as the cached tiny base's recipe)."""
HELD_OUT_PROBE = 64
"""Held-out questions (facts the base only read) asked to measure the base's extraction."""


def paraphrase_base_state(cache: Path, steps: int) -> tuple[dict[str, torch.Tensor], float]:
    """State dict of the paraphrase setting's base and the share of held-out questions it
    answers (pre-trained on build_paraphrase_pretraining_texts; cached on disk)."""
    path = cache / f"truth-paraphrase-base-{steps}"
    texts, held_out = build_paraphrase_pretraining_texts()
    if not (path / BYTE_TOKENIZER_MARKER).is_file():
        started = time.monotonic()
        pretrain_tiny_base(texts, path, steps=steps, seed=1, lr=PARAPHRASE_PRETRAIN_LR)
        print(
            f"paraphrase base: {len(texts)} texts, {steps} steps, "
            f"{time.monotonic() - started:.0f}s",
            flush=True,
        )
    model = load_base_model(str(path), "cpu")[0]
    probe_path = path / "held_out_probe.json"
    if not probe_path.is_file():
        probe = held_out[:: max(1, len(held_out) // HELD_OUT_PROBE)][:HELD_OUT_PROBE]
        tokenizer = build_tiny_tokenizer()
        right = sum(
            generate_greedy(model, tokenizer, prompt, 8).strip().startswith(completion.strip())
            for prompt, completion in probe
        )
        probe_path.write_text(json.dumps({"right": right, "asked": len(probe)}) + "\n")
    probe = json.loads(probe_path.read_text())
    share = probe["right"] / probe["asked"]
    print(
        f"paraphrase base answers {probe['right']}/{probe['asked']} held-out questions", flush=True
    )
    return {k: v.clone() for k, v in model.state_dict().items()}, share


def _timed(fn, *args):  # noqa: ANN001, ANN002, ANN202
    started = time.perf_counter()
    value = fn(*args)
    return value, (time.perf_counter() - started) * 1000.0


def score_answers(
    model: Any, tokenizer: Any, records: list, features_dir: Path, pairs: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    """Every component score of every answer (JSON-ready) and the time each took (ms)."""
    features = load_features(features_dir)
    influence = LoraInfluenceEngine(features, model, tokenizer)
    span = SpanMatchEngine(features)
    modules = len(features.params["modules"])
    grads = features.lora_grads
    datainf = features.lora_precond
    exact = compute_exact_preconditioners(grads, modules, float(features.params["damping"]))
    self_datainf = compute_self_influence(grads, datainf)
    self_exact = compute_self_influence(grads, exact)
    texts = [r.text for r in records]
    tfidf, bm25 = TfIdf(texts), Bm25(texts)
    items = []
    for prompt, output in pairs:
        query, t_grad = _timed(influence.query_gradient, prompt, output)
        layers, t_infl = _timed(compute_layer_scores, grads, query, datainf)
        layers_exact = compute_layer_scores(grads, query, exact)
        hits, t_span = _timed(span.index.dense_spans, output.encode("utf-8"), span.min_span)
        span_v1, _ = span.score(prompt, output)
        parts, t_lp = _timed(compute_sequence_logprobs, model, tokenizer, prompt, output)
        lora_lp, base_lp, lengths = parts["output"]
        p_lora, p_base, p_lengths = parts["prompt"]
        p_bytes = prompt.encode("utf-8")
        p_gain_w = compute_byte_weights(np.maximum(p_lora - p_base, 0.0), p_lengths, len(p_bytes))
        p_hits = span.index.dense_spans(p_bytes, span.min_span)
        o_bytes = output.encode("utf-8")
        n_bytes = len(o_bytes)
        gain_w = compute_byte_weights(np.maximum(lora_lp - base_lp, 0.0), lengths, n_bytes)
        surprisal_w = compute_byte_weights(-base_lp, lengths, n_bytes)
        started = time.perf_counter()
        gain = compute_weighted_span_scores(hits, gain_w, len(records))
        t_gain = (time.perf_counter() - started) * 1000.0
        shorter = {}  # dev: gain-weighted hits of shorter n-grams (a 4-6 byte name is one)
        for n in (4, 8):  # dev: gain times rarity (span-match-v1's idf, and idf - 1)
            o_hits = span.index.dense_spans(o_bytes, n)
            p_hits_n = span.index.dense_spans(p_bytes, n)
            for floor in (0, 1):
                shorter[f"span-gain-idf{floor}-n{n}"] = (
                    compute_gain_idf_scores(o_hits, gain_w, len(records), floor)
                    + compute_gain_idf_scores(p_hits_n, p_gain_w, len(records), floor)
                ).tolist()
        for n in SHORT_SPANS:
            shorter[f"span-gain-prompt-n{n}"] = (
                compute_weighted_span_scores(
                    span.index.dense_spans(o_bytes, n), gain_w, len(records)
                )
                + compute_weighted_span_scores(
                    span.index.dense_spans(p_bytes, n), p_gain_w, len(records)
                )
            ).tolist()
        items.append(
            {
                "influence-datainf": layers.sum(axis=1).tolist(),
                "influence-datainf-layer-z": compute_layer_calibrated(layers).tolist(),
                "influence-datainf-relative": compute_relative_influence(
                    layers.sum(axis=1), self_datainf
                ).tolist(),
                "influence-exact": layers_exact.sum(axis=1).tolist(),
                "influence-exact-layer-z": compute_layer_calibrated(layers_exact).tolist(),
                "influence-exact-relative": compute_relative_influence(
                    layers_exact.sum(axis=1), self_exact
                ).tolist(),
                "tracin": compute_dot_scores(grads, query).tolist(),
                "span-v1": span_v1.tolist(),
                "span-gain": gain.tolist(),
                "span-surprisal": compute_weighted_span_scores(
                    hits, surprisal_w, len(records)
                ).tolist(),
                "gain-coverage": compute_gain_coverage(hits, gain_w),
                "span-gain-prompt": (
                    gain + compute_weighted_span_scores(p_hits, p_gain_w, len(records))
                ).tolist(),
                "gain-coverage-prompt": compute_gain_coverage(
                    hits + [dataclasses.replace(h, start=h.start + n_bytes) for h in p_hits],
                    np.concatenate([gain_w, p_gain_w]),
                ),
                **shorter,
                "tfidf": tfidf.scores(output).tolist(),
                "tfidf-prompt": tfidf.scores(prompt + " " + output).tolist(),
                "bm25": bm25.scores(output).tolist(),
                "bm25-prompt": bm25.scores(prompt + " " + output).tolist(),
                "ms": {
                    "gradient": t_grad,
                    "influence": t_infl,
                    "span": t_span,
                    "logprobs": t_lp,
                    "gain": t_gain,
                },
            }
        )
    return items


def compute_gain_idf_scores(
    hits: list, byte_weights: np.ndarray, n_records: int, floor: int
) -> np.ndarray:
    """dev: each hit's gain mass times (its span-match-v1 idf - floor), split among holders."""
    return compute_weighted_span_scores(
        hits, byte_weights, n_records, lambda holders: compute_span_idf(n_records, holders) - floor
    )


SHORT_SPANS = (4, 6)
"""n-gram lengths (bytes) of the development variants with shorter span hits."""


def _cached(path: Path, compute):  # noqa: ANN001, ANN202
    """JSON of path, or compute() written there first (so an interrupted run resumes)."""
    if path.is_file():
        return json.loads(path.read_text())
    value = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value))
    tmp.replace(path)
    return value


LDS_CHUNK = 10
"""LDS retrains cached together (a resumed run redoes at most this many)."""


def build_run(
    args: argparse.Namespace,
    base_state: dict,
    tokenizer: Any,
    setting: str,
    seed: int,
    recipe: RetrainRecipe,
) -> dict[str, Any]:
    """Datanet, deployed adapter, answers, component scores, LOCO and LDS of one setting/seed.

    Cached in stages under --cache-dir (answers and scores, each LOCO training seed, each chunk
    of LDS retrains), so an interrupted run resumes where it stopped.
    """
    lds_seeds = args.lds_on_seeds
    subsets = args.lds_subsets if lds_seeds is None or seed in lds_seeds else 0
    key = json.dumps(
        [
            CACHE_FORMAT,
            setting,
            seed,
            dataclasses.asdict(recipe),
            args.contributors,
            args.records_per_contributor,
            args.queries_per_contributor,
            args.max_new_tokens,
            args.pretrain_steps,
        ],
        sort_keys=True,
    )
    stem = f"truth-{setting}-{seed}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "datanet"
        make_demo_datanet(
            data,
            contributors=args.contributors,
            records_per_contributor=args.records_per_contributor,
            queries_per_contributor=args.queries_per_contributor,
            seed=seed,
            setting=setting,
        )
        records = DirectoryDatanet(data).load_records()
        queries = load_queries(data)

        def answer_and_score() -> dict[str, Any]:
            model = train_counterfactual(
                base_state, tokenizer, compute_training_texts(records), recipe, 0
            )
            compute_training_features(model, tokenizer, records, Path(tmp) / "features")
            answers = []
            for q in queries:
                answer = generate_greedy(model, tokenizer, q["prompt"], args.max_new_tokens)
                if answer.strip():
                    answers.append((q, answer, "gen"))
            for q in queries:  # the reference answer: the planted completion itself
                answers.append((q, q["expected_completion"], "ref"))
            pairs = [(q["prompt"], a) for q, a, _ in answers]
            return {
                "answers": [
                    {
                        "prompt": q["prompt"],
                        "answer": a,
                        "expected": q["expected_contributor"],
                        "expected_completion": q["expected_completion"],
                        "mode": mode,
                    }
                    for q, a, mode in answers
                ],
                "items": score_answers(model, tokenizer, records, Path(tmp) / "features", pairs),
            }

        scores_path = args.cache_dir / f"{stem}-scores.json"
        if args.lds_only and not scores_path.is_file():
            raise SystemExit(f"--lds-only: {scores_path} is not there yet; run without it first")
        scored = _cached(scores_path, answer_and_score)
    pairs = [(a["prompt"], a["answer"]) for a in scored["answers"]]
    contributors = sorted({r.contributor for r in records})
    effects, full = [], []
    for loco_seed in range(0 if args.lds_only else args.loco_seeds):

        def loco(s: int = loco_seed) -> dict[str, Any]:
            result = compute_loco(base_state, tokenizer, records, pairs, recipe, [s])
            return {"effects": result.effects[0].tolist(), "full": result.full_logprobs[0].tolist()}

        part = _cached(args.cache_dir / f"{stem}-loco-{loco_seed}.json", loco)
        effects.append(part["effects"])
        full.append(part["full"])
        print(f"  {setting} seed {seed}: LOCO training seed {loco_seed} done", flush=True)
    half_recipe = dataclasses.replace(recipe, steps=args.lds_steps)
    masks = compute_lds_masks(len(records), subsets, 1000)
    logprobs: list[list[float]] = []
    firsts = list(range(0, subsets, LDS_CHUNK))
    if args.lds_only:  # a helper process: start from the last chunk, skip finished ones
        firsts = firsts[::-1]
    for first in firsts:
        rows = masks[first : first + LDS_CHUNK]
        path = args.cache_dir / f"{stem}-lds-{args.lds_steps}-{first}-{len(rows)}.json"
        if args.no_new_lds and not path.is_file():
            masks = masks[:first]
            break

        def chunk(rows: np.ndarray = rows, first: int = first) -> list[list[float]]:
            seeds = [1000 + first + j for j in range(len(rows))]
            return compute_lds_logprobs(
                base_state, tokenizer, records, pairs, half_recipe, rows, seeds
            ).tolist()

        logprobs += _cached(path, chunk)
        print(f"  {setting} seed {seed}: LDS {first + len(rows)}/{subsets}", flush=True)
    run = {
        "setting": setting,
        "seed": seed,
        "records": len(records),
        "record_contributors": [r.contributor for r in records],
        "contributors": contributors,
        "answers": scored["answers"],
        "items": scored["items"],
        "loco_effects": effects,
        "loco_full_logprobs": full,
        "lds_masks": masks.astype(int).tolist(),
        "lds_logprobs": logprobs if logprobs else np.zeros((0, len(pairs))).tolist(),
        "seconds": round(time.monotonic() - started, 1),
    }
    print(
        f"  {setting} seed {seed}: {len(records)} records, {len(pairs)} answers, "
        f"{len(masks)} LDS subsets, {run['seconds']}s",
        flush=True,
    )
    return run


def compute_z(scores: np.ndarray) -> np.ndarray:
    """z-scores (zeros when constant)."""
    spread = float(scores.std())
    return (scores - scores.mean()) / spread if spread > 0 else np.zeros_like(scores)


INFLUENCE_V2 = "influence-exact-relative"
"""The component lora-influence-v2 is (chosen on the development seeds, see docs)."""


def compute_blend_v2(
    influence: np.ndarray, gain: np.ndarray, coverage: float, gamma: float
) -> np.ndarray:
    """blend-v2 record scores (engines.compute_adaptive_blend_scores)."""
    return compute_adaptive_blend_scores(influence, gain, min(1.0, coverage), gamma)[0]


def compute_z_blend(influence: np.ndarray, gain: np.ndarray, w: float) -> np.ndarray:
    """w * z(gain) + (1 - w) * z(influence) (a dev candidate)."""
    return w * compute_z(gain) + (1 - w) * compute_z(influence)


def method_scores(item: dict[str, Any], dev: bool) -> dict[str, np.ndarray]:
    """Every method's record scores for one answer (dev adds the candidate variants)."""
    a = {k: np.asarray(v) for k, v in item.items() if isinstance(v, list)}
    cov = float(item["gain-coverage"])
    cov_p = float(item["gain-coverage-prompt"])
    v2 = a[INFLUENCE_V2]
    out = {
        "lora-influence-v1": a["influence-datainf"],
        "span-match-v1": a["span-v1"],
        "blend-v1": compute_blend_scores(a["influence-datainf"], a["span-v1"], DEFAULT_BLEND_ALPHA),
        "lora-influence-v2": v2,
        "span-gain-v1": a["span-gain-prompt"],
        "blend-v2": compute_blend_v2(v2, a["span-gain-prompt"], cov_p, DEFAULT_BLEND_V2_GAMMA),
        "baseline TracIn": a["tracin"],
        "baseline TF-IDF": a["tfidf"],
        "baseline TF-IDF (+prompt)": a["tfidf-prompt"],
        "baseline BM25": a["bm25"],
        "baseline BM25 (+prompt)": a["bm25-prompt"],
    }
    if dev:
        for name in (
            "influence-datainf-layer-z",
            "influence-datainf-relative",
            "influence-exact",
            "influence-exact-layer-z",
            "influence-exact-relative",
            "span-surprisal",
        ):
            out[f"dev {name}"] = a[name]
        out["dev span-gain output only"] = a["span-gain"]
        for key in sorted(k for k in a if k.startswith("span-gain-idf")):
            out[f"dev {key}"] = a[key]
        for n in SHORT_SPANS:
            key = f"span-gain-prompt-n{n}"
            if key in a:
                out[f"dev {key}"] = a[key]
                out[f"dev blend {key} + span-gain-v1"] = a[key] + a["span-gain-prompt"]
        for gamma in (0.0, 0.5, 1.0, 2.0):
            out[f"dev mix-prompt {INFLUENCE_V2} cov^{gamma}"] = compute_blend_v2(
                a[INFLUENCE_V2], a["span-gain-prompt"], cov_p, gamma
            )
        for infl in ("influence-datainf", INFLUENCE_V2):
            for gamma in (0.5, 1.0, 2.0):
                out[f"dev mix {infl} cov^{gamma}"] = compute_blend_v2(
                    a[infl], a["span-gain"], cov, gamma
                )
            for w in (0.25, 0.5, 0.75):
                out[f"dev mix {infl} w={w}"] = compute_blend_v2(a[infl], a["span-gain"], w, 1.0)
                out[f"dev z-mix {infl} w={w}"] = compute_z_blend(a[infl], a["span-gain"], w)
    return out


METHOD_MS = {
    "lora-influence-v1": ("gradient", "influence"),
    "span-match-v1": ("span",),
    "blend-v1": ("gradient", "influence", "span"),
    "lora-influence-v2": ("gradient", "influence"),
    "span-gain-v1": ("span", "logprobs", "gain"),
    "blend-v2": ("gradient", "influence", "span", "logprobs", "gain"),
    "baseline TracIn": ("gradient", "influence"),
}
"""Which timed components make up each method's latency (baselines not listed: not timed)."""


def evaluate_run(run: dict[str, Any], dev: bool, mode: str) -> dict[str, dict[str, float]]:
    """Per method: mean LOCO rho, top-1 agreement, LDS and ms per answer of one mode (gen:
    the deployed model's answers; ref: the planted completions) on one run."""
    contributors = run["contributors"]
    owners = run["record_contributors"]
    keep = [i for i, a in enumerate(run["answers"]) if a["mode"] == mode]
    truth = np.asarray(run["loco_effects"]).mean(axis=0)[keep]
    masks = np.asarray(run["lds_masks"], dtype=bool)
    logprobs = np.asarray(run["lds_logprobs"])
    logprobs = logprobs[:, keep] if logprobs.size else logprobs
    items = [run["items"][i] for i in keep]
    per_answer = [method_scores(item, dev) for item in items]
    table: dict[str, dict[str, float]] = {}
    for method in per_answer[0] if per_answer else []:
        rhos, top1 = [], []
        for q, scores in enumerate(per_answer):
            agg = compute_contributor_scores(scores[method], owners, contributors)
            rho = compute_spearman(agg, truth[q])
            rhos.append(0.0 if math.isnan(rho) else rho)
            top = agg.max() > agg.min() and int(np.argmax(agg)) == int(np.argmax(truth[q]))
            top1.append(float(top))
        record_scores = np.array([scores[method] for scores in per_answer])
        parts = METHOD_MS.get(method, ())
        ms = [sum(item["ms"][p] for p in parts) for item in items] if parts else []
        table[method] = {
            "rho": float(np.mean(rhos)),
            "top1": float(np.mean(top1)),
            "lds": compute_lds(masks, logprobs, record_scores) if len(masks) else math.nan,
            "ms": float(np.median(ms)) if ms else math.nan,
        }
    return table


def compute_is_answered_right(answer: dict[str, Any]) -> bool:
    """Whether an answer starts with its planted completion (the model knows the fact)."""
    return answer["answer"].strip().startswith(answer["expected_completion"].strip())


def compute_noise_floor(run: dict[str, Any], mode: str) -> dict[str, float]:
    """How far LOCO agrees with itself across training seeds, and how large effects are.

    Also: the seed-to-seed rho among the contributors other than LOCO's top one (is there a
    ranking below the top to find?), and the rho of a method that names LOCO's top contributor
    and ties the rest (the best score when the rest is noise)."""
    keep = [i for i, a in enumerate(run["answers"]) if a["mode"] == mode]
    effects = np.asarray(run["loco_effects"])[:, keep]
    seeds, answers, _ = effects.shape
    pairwise = []
    for q in range(answers):
        for s in range(seeds):
            for t in range(s + 1, seeds):
                rho = compute_spearman(effects[s, q], effects[t, q])
                pairwise.append(0.0 if math.isnan(rho) else rho)
    standard_error = effects.std(axis=0, ddof=1) / math.sqrt(seeds) if seeds > 1 else effects[0]
    mean = effects.mean(axis=0)
    argmax = effects.argmax(axis=2)
    expected = [run["contributors"].index(run["answers"][i]["expected"]) for i in keep]
    right = [compute_is_answered_right(run["answers"][i]) for i in keep]
    others, top_only = [], []
    for q in range(answers):
        top = int(mean[q].argmax())
        rest = [c for c in range(mean.shape[1]) if c != top]
        for s in range(seeds):
            for t in range(s + 1, seeds):
                rho = compute_spearman(effects[s, q, rest], effects[t, q, rest])
                others.append(0.0 if math.isnan(rho) else rho)
        indicator = np.zeros(mean.shape[1])
        indicator[top] = 1.0
        rho = compute_spearman(indicator, mean[q])
        top_only.append(0.0 if math.isnan(rho) else rho)
    return {
        "others_seed_to_seed_rho": float(np.mean(others)) if others else math.nan,
        "top_only_rho": float(np.mean(top_only)) if top_only else math.nan,
        "answered_right": float(np.mean(right)) if right else math.nan,
        "seed_to_seed_rho": float(np.mean(pairwise)) if pairwise else math.nan,
        "top1_stable": float(np.mean([len(set(argmax[:, q])) == 1 for q in range(answers)])),
        "mean_abs_effect": float(np.abs(mean).mean()),
        "mean_standard_error": float(standard_error.mean()),
        "significant_share": float((np.abs(mean) > 2 * standard_error).mean()),
        "loco_top_is_planted": float(np.mean(mean.argmax(axis=1) == np.array(expected))),
    }


def _mean(values: list[float]) -> float:
    """Mean of the values that are not nan (nan when none is)."""
    kept = [v for v in values if not math.isnan(v)]
    return float(np.mean(kept)) if kept else math.nan


def summarise(runs: list[dict[str, Any]], dev: bool) -> dict[str, Any]:
    """Per setting and mode: the method table averaged over its runs (seeds), the noise floor."""
    report: dict[str, Any] = {}
    for setting in dict.fromkeys(r["setting"] for r in runs):
        mine = [r for r in runs if r["setting"] == setting]
        block: dict[str, Any] = {"seeds": [r["seed"] for r in mine]}
        for mode in ("gen", "ref"):
            tables = [evaluate_run(r, dev, mode) for r in mine]
            floors = [compute_noise_floor(r, mode) for r in mine]
            methods = list(tables[0])
            block[mode] = {
                "answers": sum(sum(a["mode"] == mode for a in r["answers"]) for r in mine),
                "methods": {
                    m: {k: _mean([t[m][k] for t in tables]) for k in tables[0][m]} for m in methods
                },
                "noise": {k: float(np.mean([f[k] for f in floors])) for k in floors[0]},
                "examples": [
                    [a["prompt"], a["answer"]] for a in mine[0]["answers"] if a["mode"] == mode
                ][:2],
            }
        report[setting] = block
    return report


def check_targets(report: dict[str, Any]) -> list[str]:
    """The issue's targets, one line each, on the deployed model's answers (gen): blend-v2 >=
    every baseline on rho in every setting, and >= TF-IDF + 0.1 in paraphrase and style."""
    lines = []
    for setting, block in report.items():
        methods = block["gen"]["methods"]
        blend = methods["blend-v2"]["rho"]
        baselines = {m: v["rho"] for m, v in methods.items() if m.startswith("baseline")}
        best = max(baselines, key=lambda m: baselines[m])
        ok = blend >= baselines[best]
        lines.append(
            f"{setting}: blend-v2 rho {blend:.3f} vs best baseline ({best}) "
            f"{baselines[best]:.3f}: {'met' if ok else 'NOT met'}"
        )
        if setting in ("paraphrase", "style"):
            tfidf = max(
                methods["baseline TF-IDF"]["rho"], methods["baseline TF-IDF (+prompt)"]["rho"]
            )
            ok = blend >= tfidf + 0.1
            lines.append(
                f"{setting}: blend-v2 rho {blend:.3f} vs TF-IDF (better variant) + 0.1 = "
                f"{tfidf + 0.1:.3f}: {'met' if ok else 'NOT met'}"
            )
    return lines


def print_report(report: dict[str, Any]) -> None:
    """The table of every setting and mode, its noise floor and the target checks."""
    for setting, block in report.items():
        for mode in ("gen", "ref"):
            part = block[mode]
            noise = part["noise"]
            print(
                f"\n{setting} / {mode} (seeds {block['seeds']}, {part['answers']} answers): "
                f"LOCO seed-to-seed rho {noise['seed_to_seed_rho']:.3f}, top-1 stable "
                f"{noise['top1_stable']:.2f}, mean |effect| {noise['mean_abs_effect']:.4f} vs "
                f"standard error {noise['mean_standard_error']:.4f} "
                f"({noise['significant_share']:.0%} of effects > 2 SE), LOCO top = planted "
                f"{noise['loco_top_is_planted']:.2f}, answered right "
                f"{noise['answered_right']:.2f}; without the top contributor seed-to-seed rho "
                f"{noise['others_seed_to_seed_rho']:.3f}; naming the top alone (rest tied) "
                f"scores rho {noise['top_only_rho']:.3f}"
            )
            for prompt, answer in part["examples"]:
                print(f"  {prompt!r} -> {answer!r}")
            print(f"  {'method':52} {'rho':>7} {'top-1':>6} {'LDS':>7} {'ms':>7}")
            for method, row in part["methods"].items():
                print(
                    f"  {method:52} {row['rho']:7.3f} {row['top1']:6.3f} {row['lds']:7.3f} "
                    f"{row['ms']:7.1f}"
                )
    print()
    for line in check_targets(report):
        print(line)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options (--quick shrinks everything to a smoke run of a few minutes)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny datanets, few steps")
    parser.add_argument("--dev", action="store_true", help="development seeds and variants")
    parser.add_argument("--settings", default=",".join(SETTINGS))
    parser.add_argument("--seeds", default=None, help="override the seeds (comma-separated)")
    parser.add_argument("--contributors", type=int, default=8)
    parser.add_argument("--records-per-contributor", type=int, default=2)
    parser.add_argument("--queries-per-contributor", type=int, default=2)
    parser.add_argument("--steps", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--lr", type=float, default=1.5e-2)
    parser.add_argument("--loco-seeds", type=int, default=3)
    parser.add_argument("--lds-subsets", type=int, default=50)
    parser.add_argument(
        "--lds-steps",
        type=int,
        default=None,
        help="steps of an LDS retrain (default: half of --steps, so a half-set sees each "
        "record as many times as the full set does)",
    )
    parser.add_argument(
        "--lds-on-seeds", default=None, help="run LDS only for these seeds (default: all)"
    )
    parser.add_argument(
        "--lds-only",
        action="store_true",
        help="helper: compute only LDS retrains (last chunk first) into the cache, no report",
    )
    parser.add_argument(
        "--no-new-lds",
        action="store_true",
        help="report with the LDS retrains already cached, training no new ones",
    )
    parser.add_argument("--pretrain-steps", type=int, default=400)
    parser.add_argument(
        "--paraphrase-records-per-contributor",
        type=int,
        default=8,
        help="paraphrase setting: records per contributor (facts = half of it)",
    )
    parser.add_argument("--paraphrase-steps", type=int, default=200)
    parser.add_argument("--paraphrase-lr", type=float, default=1e-2)
    parser.add_argument(
        "--paraphrase-pretrain-steps",
        type=int,
        default=2000,
        help="paraphrase setting: steps of its own base (build_paraphrase_pretraining_texts)",
    )
    parser.add_argument("--max-new-tokens", type=int, default=24)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "aichain-bench-cache"
    )
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.lds_on_seeds is not None:
        args.lds_on_seeds = [int(x) for x in args.lds_on_seeds.split(",") if x]
    if args.quick:
        args.contributors, args.records_per_contributor = 4, 2
        args.queries_per_contributor, args.steps = 1, 8
        args.lds_subsets, args.pretrain_steps, args.max_new_tokens = 6, 30, 12
        args.paraphrase_records_per_contributor, args.paraphrase_steps = 2, 8
        args.paraphrase_pretrain_steps = 30
    if args.lds_steps is None:
        args.lds_steps = max(1, args.steps // 2)
    return args


def paraphrase_args(args: argparse.Namespace) -> argparse.Namespace:
    """The options of the paraphrase setting: its own datanet size, recipe and base."""
    own = argparse.Namespace(**vars(args))
    own.records_per_contributor = args.paraphrase_records_per_contributor
    own.steps, own.lr = args.paraphrase_steps, args.paraphrase_lr
    own.batch_size = args.batch_size
    own.pretrain_steps = args.paraphrase_pretrain_steps
    own.lds_steps = max(1, own.steps // 2)
    return own


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Runs (or loads from the cache) every setting and seed, prints and returns the report."""
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.seeds:
        seeds = [int(s) for s in args.seeds.split(",")]
    else:
        seeds = list(DEV_SEEDS if args.dev else HELD_OUT_SEEDS)
    if args.quick and not args.seeds:
        seeds = seeds[:1]
    settings = [s for s in args.settings.split(",") if s]
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise SystemExit(f"unknown settings {sorted(unknown)}: expected some of {SETTINGS}")
    recipe = RetrainRecipe(steps=args.steps, lr=args.lr, batch_size=args.batch_size)
    tokenizer = build_tiny_tokenizer()
    started = time.monotonic()
    runs = []
    base_probe = None
    for setting in settings:
        if setting == "paraphrase":
            own = paraphrase_args(args)
            base_state, base_probe = paraphrase_base_state(args.cache_dir, own.pretrain_steps)
            own_recipe = RetrainRecipe(steps=own.steps, lr=own.lr, batch_size=own.batch_size)
        else:
            own, own_recipe = args, recipe
            base_state = pretrained_state(args.cache_dir, args.pretrain_steps)
        runs += [build_run(own, base_state, tokenizer, setting, seed, own_recipe) for seed in seeds]
    if args.lds_only:
        return {}
    report = {
        "quick": args.quick,
        "dev": args.dev,
        "seeds": seeds,
        "recipe": {"steps": recipe.steps, "lr": recipe.lr, "batch_size": recipe.batch_size},
        "lds_steps": args.lds_steps,
        "loco_seeds": args.loco_seeds,
        "lds_subsets": args.lds_subsets,
        "settings": summarise(runs, args.dev),
    }
    if "paraphrase" in settings:
        own = paraphrase_args(args)
        report["paraphrase_recipe"] = {
            "steps": own.steps,
            "lr": own.lr,
            "batch_size": own.batch_size,
            "records_per_contributor": own.records_per_contributor,
            "pretrain_steps": own.pretrain_steps,
            "lds_steps": own.lds_steps,
            "base_held_out_answered": base_probe,
        }
    report["targets"] = check_targets(report["settings"])
    report["seconds"] = round(time.monotonic() - started, 1)
    print_report(report["settings"])
    print(f"\ntotal {report['seconds']}s")
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    return report


if __name__ == "__main__":
    main()
