"""Attribution quality: planted-contributor AUC / top-1 against two baselines, and LDS.

Setting (CPU, tiny byte-level GPT-2 built in code, no downloads):
1. A base model briefly pre-trained (full weights, `gpu_worker.pretrain.pretrain_tiny_base`)
   on a *different* demo datanet (seed 1: same eight themes and styles, other facts), so it
   writes the demo language; cached on disk as a checkpoint directory (`--base-model PATH`).
2. The demo datanet (seed 0, >= 8 contributors of distinct kinds) trains one LoRA adapter on
   all records; `compute_training_features` writes the attribution features. A second setting
   ("shared", `--twins 4`, 0 to skip) adds twin contributors: each copies one of the first
   contributors' theme, vocabulary and sentence style but states its own facts, so only the
   facts tell a contributor from its twin (a fresh adapter is trained on that datanet).
3. Each held-out planted query (a prompt asking one contributor's fact in its style) is
   answered greedily; the answer ("gen") and, separately, the bare expected value ("ref") are
   attributed by every method. Metrics per query, averaged:
     contributor AUC  - scores summed per contributor (positive parts, normalised), AUC of
                        the planted contributor against the others;
     record AUC       - AUC of the planted contributor's records against all other records;
     top-1            - the top-scoring record belongs to the planted contributor.
   Methods: lora-influence-v1, span-match-v1, blend-v1, and two baselines computed here:
   TracIn-style plain dot product of the same projected LoRA gradients, and TF-IDF cosine
   between the output's words and each record's words. For comparison, the previous span rule
   (maximal spans only) and the previous blend rule (arithmetic mix) are scored too.
4. LDS: retrain the adapter on >= 50 random half-subsets of a small datanet (same recipe,
   short), measure each query's answer loss, and report the mean over queries of the
   Spearman correlation between -loss and the sum of the full model's scores over the subset.

The adapter is trained by `gpu_worker.pretrain.train_steps` (the pre-training loop), not the
Model Factory, so that the 50 LDS retrains stay cheap; the e2e test in
`tests/ml/test_worker_e2e.py` checks the same recipe through the factory and HTTP serving.

    .venv/bin/python bench/attribution_quality.py [--quick] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import torch

from aichain.gpu_worker.attribution.engines import (
    BlendEngine,
    LoraInfluenceEngine,
    SpanMatchEngine,
    compute_blend_scores,
)
from aichain.gpu_worker.attribution.features import compute_training_features, load_features
from aichain.gpu_worker.attribution.generate import generate_greedy
from aichain.gpu_worker.attribution.influence_math import compute_dot_scores
from aichain.gpu_worker.attribution.lora_grads import compute_example_losses
from aichain.gpu_worker.attribution.sequences import (
    compute_batch,
    compute_query_sequence,
)
from aichain.gpu_worker.datanet import DirectoryDatanet
from aichain.gpu_worker.demo_datanet import load_queries, make_demo_datanet
from aichain.gpu_worker.pretrain import pretrain_tiny_base, train_steps
from aichain.gpu_worker.tiny_model import (
    BYTE_TOKENIZER_MARKER,
    build_tiny_model,
    build_tiny_tokenizer,
    load_base_model,
)

TARGETS = ["c_attn", "c_proj", "c_fc"]
"""LoRA target modules of the tiny GPT-2 (the factory's defaults)."""


train = train_steps
"""The adapters' (and LDS retrains') training loop: gpu_worker.pretrain.train_steps."""


def pretrained_base(cache: Path, steps: int) -> Any:
    """The tiny model pre-trained on the seed-1 demo datanet (a checkpoint cached in cache/)."""
    path = cache / f"tiny-pretrained-{steps}"
    if not (path / BYTE_TOKENIZER_MARKER).is_file():
        with tempfile.TemporaryDirectory() as tmp:
            make_demo_datanet(Path(tmp), contributors=8, records_per_contributor=32, seed=1)
            records = DirectoryDatanet(Path(tmp)).load_records()
        started = time.monotonic()
        pretrain_tiny_base(records, path, steps=steps, seed=1)
        print(f"pre-trained base: {steps} steps, {time.monotonic() - started:.0f}s")
    return load_base_model(str(path), "cpu")[0]


def with_lora(base_state: dict[str, torch.Tensor], seed: int) -> Any:
    """A fresh peft LoRA model (rank 8) on a copy of the pre-trained base."""
    from peft import LoraConfig, get_peft_model

    base = build_tiny_model(seed=0)
    base.load_state_dict(base_state)
    torch.manual_seed(seed)
    config = LoraConfig(
        r=8, lora_alpha=16, target_modules=TARGETS, fan_in_fan_out=True, lora_dropout=0.0
    )
    return get_peft_model(base, config)


def compute_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """P(positive score > negative score), ties counting one half."""
    pos, neg = scores[positive], scores[~positive]
    if len(pos) == 0 or len(neg) == 0:
        return math.nan
    greater = (pos[:, None] > neg[None, :]).mean()
    equal = (pos[:, None] == neg[None, :]).mean()
    return float(greater + 0.5 * equal)


def compute_spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties)."""

    def ranks(x: np.ndarray) -> np.ndarray:
        order = np.argsort(x, kind="stable")
        r = np.empty(len(x))
        r[order] = np.arange(len(x))
        for value in np.unique(x):
            same = x == value
            r[same] = r[same].mean()
        return r

    ra, rb = ranks(a), ranks(b)
    if ra.std() == 0 or rb.std() == 0:
        return math.nan
    return float(np.corrcoef(ra, rb)[0, 1])


WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
"""Words for the TF-IDF baseline (lower-cased; hyphenated values stay one word)."""


class TfIdf:
    """TF-IDF cosine between a text and every record (the lexical-overlap baseline)."""

    def __init__(self, texts: list[str]) -> None:
        """Fits document frequencies on the records."""
        docs = [Counter(WORD.findall(t.lower())) for t in texts]
        df = Counter(w for d in docs for w in d)
        self.vocab = {w: i for i, w in enumerate(sorted(df))}
        self.idf = np.array([math.log((1 + len(docs)) / (1 + df[w])) + 1 for w in self.vocab])
        self.matrix = np.stack([self._vector(d) for d in docs])

    def _vector(self, counts: Counter) -> np.ndarray:
        """Unit-length tf-idf vector of word counts."""
        v = np.zeros(len(self.vocab))
        for w, c in counts.items():
            if w in self.vocab:
                v[self.vocab[w]] = c * self.idf[self.vocab[w]]
        norm = np.linalg.norm(v)
        return v / norm if norm > 0 else v

    def scores(self, text: str) -> np.ndarray:
        """Cosine similarity of text with each record."""
        return self.matrix @ self._vector(Counter(WORD.findall(text.lower())))


def previous_span_scores(span: SpanMatchEngine, output: str) -> np.ndarray:
    """The span rule before the dense one, kept for comparison: each maximal span of at least
    min_span bytes adds length^2 / (records holding it) to each of them."""
    scores = np.zeros(len(span.features.records))
    for s in span.index.maximal_spans(output.encode("utf-8"), span.min_span):
        scores[list(s.records)] += float(s.length) ** 2 / len(s.records)
    return scores


PREVIOUS_BLEND_ALPHA = 0.5
"""The previous blend rule's weight on influence, fixed so its figures stay comparable when
blend-v1's DEFAULT_BLEND_ALPHA changes."""


def previous_blend_scores(
    infl: np.ndarray, spans: np.ndarray, alpha: float = PREVIOUS_BLEND_ALPHA
) -> np.ndarray:
    """The blend rule before the geometric one, kept for comparison: alpha * normalised
    influence + (1 - alpha) * normalised span scores (influence alone without span evidence)."""
    p_i, p_s = normalised(infl), normalised(spans)
    alpha = alpha if p_s.any() else 1.0
    return alpha * p_i + (1 - alpha) * p_s


def normalised(scores: np.ndarray) -> np.ndarray:
    """Positive parts over their sum (zeros if none)."""
    p = np.maximum(scores, 0.0)
    return p / p.sum() if p.sum() > 0 else p


def build_planted(
    args: argparse.Namespace,
    base_state: dict,
    tokenizer: Any,
    work: Path,
    twins: int = 0,
    seed: int = 0,
) -> dict[str, Any]:
    """Writes the demo datanet of `seed` (plus `twins` twin contributors), trains the adapter on
    all its records and computes the attribution features: what every method scores against."""
    work = work / f"planted-seed-{seed}-twins-{twins}"
    data = work / "datanet"
    make_demo_datanet(
        data,
        contributors=args.contributors,
        records_per_contributor=args.records_per_contributor,
        queries_per_contributor=args.queries_per_contributor,
        twins=twins,
        seed=seed,
    )
    records = DirectoryDatanet(data).load_records()
    model = with_lora(base_state, seed=0)
    started = time.monotonic()
    loss = train(model, tokenizer, [r.text for r in records], args.lora_steps, args.lr, seed=0)
    print(
        f"adapter (seed {seed}, {twins} twins): {len(records)} records, {args.lora_steps} "
        f"steps, loss {loss:.3f}, {time.monotonic() - started:.0f}s"
    )
    compute_training_features(model, tokenizer, records, work / "features")
    features = load_features(work / "features")
    return {
        "records": records,
        "queries": load_queries(data),
        "model": model,
        "features": features,
        "influence": LoraInfluenceEngine(features, model, tokenizer),
        "span": SpanMatchEngine(features),
        "contributor": np.array([r.contributor for r in records]),
        "loss": loss,
    }


def compute_query_metrics(
    scores: np.ndarray, contributor: np.ndarray, expected: str
) -> tuple[float, float, float]:
    """(contributor AUC, record AUC, top-1) of one query's record scores."""
    names = sorted(set(contributor))
    per_contributor = normalised(scores)
    agg = np.array([per_contributor[contributor == n].sum() for n in names])
    is_planted = np.array([n == expected for n in names])
    top1 = float(contributor[int(np.argmax(scores))] == expected) if scores.any() else 0.0
    return compute_auc(agg, is_planted), compute_auc(scores, contributor == expected), top1


def compute_summary(rows: list[tuple[float, float, float]]) -> dict[str, float]:
    """Per-query metrics averaged (AUCs ignore undefined values)."""
    return {
        "contributor_auc": float(np.nanmean([r[0] for r in rows])),
        "record_auc": float(np.nanmean([r[1] for r in rows])),
        "top1": float(np.mean([r[2] for r in rows])),
        "queries": len(rows),
    }


def evaluate_planted(
    args: argparse.Namespace, base_state: dict, tokenizer: Any, work: Path, twins: int = 0
) -> dict[str, Any]:
    """Trains the adapter on the demo datanet (plus `twins` twin contributors) and scores every
    method on its planted queries."""
    setup = build_planted(args, base_state, tokenizer, work, twins=twins)
    records, queries, model = setup["records"], setup["queries"], setup["model"]
    features, influence, span = setup["features"], setup["influence"], setup["span"]
    blend = BlendEngine(influence, span)
    tfidf = TfIdf([r.text for r in records])
    contributor = setup["contributor"]
    methods = [
        "lora-influence-v1",
        "span-match-v1",
        "blend-v1",
        "baseline-tracin-dot",
        "baseline-tfidf",
        "previous-span-maximal",
        "previous-blend-arithmetic",
    ]
    rows: dict[str, list[tuple[float, float, float]]] = {}
    examples = []
    for q in queries:
        answer = generate_greedy(model, tokenizer, q["prompt"], args.max_new_tokens)
        if len(examples) < 3:
            examples.append([q["prompt"], answer, q["expected_completion"]])
        for mode, output in (("gen", answer), ("ref", " " + q["expected_completion"] + ".")):
            if not output.strip():
                continue
            infl, _ = influence.score(q["prompt"], output)
            grad = influence.query_gradient(q["prompt"], output)
            spans, _ = span.score(q["prompt"], output)
            scores = {
                "lora-influence-v1": infl,
                "span-match-v1": spans,
                "blend-v1": compute_blend_scores(infl, spans, blend.alpha),
                "baseline-tracin-dot": compute_dot_scores(features.lora_grads, grad),
                "baseline-tfidf": tfidf.scores(output),
                "previous-span-maximal": previous_span_scores(span, output),
            }
            scores["previous-blend-arithmetic"] = previous_blend_scores(
                infl, scores["previous-span-maximal"]
            )
            for method in methods:
                rows.setdefault(f"{mode}/{method}", []).append(
                    compute_query_metrics(scores[method], contributor, q["expected_contributor"])
                )
    return {
        "records": len(records),
        "queries": len(queries),
        "contributors": len(set(contributor)),
        "twins": twins,
        "blend_alpha": blend.alpha,
        "table": {key: compute_summary(vals) for key, vals in rows.items()},
        "examples": examples,
    }


def evaluate_lds(
    args: argparse.Namespace, base_state: dict, tokenizer: Any, work: Path
) -> dict[str, Any]:
    """Linear datamodeling score of lora-influence-v1 and the dot baseline on a small set."""
    data = work / "lds-datanet"
    make_demo_datanet(
        data,
        contributors=args.contributors,
        records_per_contributor=4,
        queries_per_contributor=2,
        seed=2,
    )
    records = DirectoryDatanet(data).load_records()
    queries = load_queries(data)
    texts = [r.text for r in records]
    model = with_lora(base_state, seed=0)
    train(model, tokenizer, texts, args.lds_steps, args.lr, seed=0, batch_size=8)
    compute_training_features(model, tokenizer, records, work / "lds-features")
    features = load_features(work / "lds-features")
    influence = LoraInfluenceEngine(features, model, tokenizer)
    targets = [(q["prompt"], generate_greedy(model, tokenizer, q["prompt"], 24)) for q in queries]
    targets = [(p, o) for p, o in targets if o.strip()]
    tau = {"lora-influence-v1": [], "baseline-tracin-dot": []}
    for prompt, output in targets:
        tau["lora-influence-v1"].append(influence.score(prompt, output)[0])
        grad = influence.query_gradient(prompt, output)
        tau["baseline-tracin-dot"].append(compute_dot_scores(features.lora_grads, grad))
    seqs = [compute_query_sequence(tokenizer, p, o, 256) for p, o in targets]
    batch = compute_batch(seqs, tokenizer.pad_token_id)
    rng = np.random.default_rng(args.seed)
    masks, losses = [], []
    started = time.monotonic()
    for j in range(args.lds_subsets):
        mask = np.zeros(len(records), dtype=bool)
        mask[rng.choice(len(records), size=len(records) // 2, replace=False)] = True
        sub = with_lora(base_state, seed=0)
        train(
            sub,
            tokenizer,
            [t for t, m in zip(texts, mask, strict=True) if m],
            args.lds_steps,
            args.lr,
            seed=1000 + j,
            batch_size=8,
        )
        with torch.no_grad():
            logits = sub(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits
            losses.append(compute_example_losses(logits, batch.labels).numpy())
        masks.append(mask)
    print(f"LDS: {args.lds_subsets} retrains in {time.monotonic() - started:.0f}s")
    masks_a, losses_a = np.array(masks), np.array(losses)
    result: dict[str, Any] = {
        "records": len(records),
        "queries": len(targets),
        "subsets": args.lds_subsets,
        "steps_per_retrain": args.lds_steps,
    }
    for name, per_query in tau.items():
        corr = [
            compute_spearman(masks_a.astype(float) @ per_query[q], -losses_a[:, q])
            for q in range(len(targets))
        ]
        result[name] = float(np.nanmean(corr))
    return result


def add_recipe_arguments(parser: argparse.ArgumentParser) -> None:
    """The planted setting's options (datanet size, base, adapter, generation, output), shared
    with bench/attribution_alpha_dev.py so both use one recipe."""
    parser.add_argument("--contributors", type=int, default=8)
    parser.add_argument("--records-per-contributor", type=int, default=8)
    parser.add_argument("--queries-per-contributor", type=int, default=4)
    parser.add_argument(
        "--twins",
        type=int,
        default=4,
        help="twin contributors (shared vocabulary and style, own facts) of the second setting",
    )
    parser.add_argument("--pretrain-steps", type=int, default=400)
    parser.add_argument("--lora-steps", type=int, default=120)
    parser.add_argument("--lr", type=float, default=5e-3)
    parser.add_argument("--max-new-tokens", type=int, default=40)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "aichain-bench-cache"
    )
    parser.add_argument("--json-out", type=Path, default=None)


def main() -> None:
    """Runs the benchmark and prints its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer queries, steps, subsets")
    add_recipe_arguments(parser)
    parser.add_argument("--lds-subsets", type=int, default=50)
    parser.add_argument("--lds-steps", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-lds", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.queries_per_contributor = min(args.queries_per_contributor, 2)
        args.lora_steps, args.lds_subsets, args.lds_steps = 80, 12, 25
    torch.set_num_threads(args.threads)
    tokenizer = build_tiny_tokenizer()
    started = time.monotonic()
    base_state = {
        k: v.clone()
        for k, v in pretrained_base(args.cache_dir, args.pretrain_steps).state_dict().items()
    }
    report: dict[str, Any] = {"quick": args.quick}
    with tempfile.TemporaryDirectory() as tmp:
        report["planted"] = evaluate_planted(args, base_state, tokenizer, Path(tmp))
        if args.twins > 0:
            report["planted_shared"] = evaluate_planted(
                args, base_state, tokenizer, Path(tmp), twins=args.twins
            )
        if not args.no_lds:
            report["lds"] = evaluate_lds(args, base_state, tokenizer, Path(tmp))
    report["seconds"] = round(time.monotonic() - started, 1)
    for planted in (report["planted"], report.get("planted_shared")):
        if planted is None:
            continue
        print(
            f"\nplanted-contributor benchmark: {planted['contributors']} contributors "
            f"({planted['twins']} of them twins), {planted['records']} records, "
            f"{planted['queries']} held-out queries"
        )
        for prompt, answer, expected in planted["examples"]:
            print(f"  {prompt!r} -> {answer!r} (expected {expected!r})")
        print(f"{'output/method':34} {'contrib AUC':>11} {'record AUC':>11} {'top-1':>7}")
        for key, row in planted["table"].items():
            print(
                f"{key:34} {row['contributor_auc']:11.3f} {row['record_auc']:11.3f} "
                f"{row['top1']:7.3f}"
            )
    if "lds" in report:
        lds = report["lds"]
        print(
            f"\nLDS ({lds['subsets']} half-subsets of {lds['records']} records, "
            f"{lds['queries']} queries, {lds['steps_per_retrain']} steps each):"
        )
        for name in ("lora-influence-v1", "baseline-tracin-dot"):
            print(f"  {name:24} Spearman {lds[name]:.3f}")
    print(f"\ntotal {report['seconds']}s")
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
