"""Development sweep of blend-v1's alpha on demo datanets other than the benchmark's seed 0.

For each development seed (default 3 and 4), alone and with `--twins` twin contributors, the
script builds the planted setting exactly as bench/attribution_quality.py does (same pre-trained
base, adapter recipe, features and held-out queries; only the datanet seed differs), answers
every query greedily and computes lora-influence-v1 and span-match-v1 scores of the answer once.
Alpha changes only the blend, so each alpha's blend-v1 scores are recomputed from those two
vectors in-process. Metrics are the benchmark's (contributor AUC, record AUC, top-1) on the
generated answers ("gen"); the bare expected values ("ref") are reported alongside.

The chosen alpha has the best mean record AUC over the development runs ("gen"), ties broken by
mean contributor AUC, then mean top-1, then the larger alpha (so influence keeps a say).
Each run's raw scores are cached under --cache-dir, so an interrupted sweep resumes.

    .venv/bin/python bench/attribution_alpha_dev.py [--seeds 3,4] [--alphas 0,0.1,...]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from attribution_quality import (  # noqa: E402
    TfIdf,
    add_recipe_arguments,
    build_planted,
    compute_query_metrics,
    compute_summary,
    pretrained_base,
)

from aichain.gpu_worker.attribution.engines import (  # noqa: E402
    DEFAULT_BLEND_ALPHA,
    compute_blend_scores,
)
from aichain.gpu_worker.attribution.generate import generate_greedy  # noqa: E402
from aichain.gpu_worker.tiny_model import build_tiny_tokenizer  # noqa: E402

RANK_DECIMALS = 9
"""Means are compared rounded to this many decimals, so summation noise is no tie-breaker."""


def compute_run_scores(
    args: argparse.Namespace, base_state: dict, tokenizer: Any, seed: int, twins: int
) -> dict[str, Any]:
    """Per query and output mode: the influence, span and TF-IDF score vectors (JSON-ready)."""
    with tempfile.TemporaryDirectory() as tmp:
        setup = build_planted(args, base_state, tokenizer, Path(tmp), twins=twins, seed=seed)
        model, influence, span = setup["model"], setup["influence"], setup["span"]
        tfidf = TfIdf([r.text for r in setup["records"]])
        items = []
        for q in setup["queries"]:
            answer = generate_greedy(model, tokenizer, q["prompt"], args.max_new_tokens)
            for mode, output in (("gen", answer), ("ref", " " + q["expected_completion"] + ".")):
                if not output.strip():
                    continue
                items.append(
                    {
                        "mode": mode,
                        "expected": q["expected_contributor"],
                        "influence": influence.score(q["prompt"], output)[0].tolist(),
                        "span": span.score(q["prompt"], output)[0].tolist(),
                        "tfidf": tfidf.scores(output).tolist(),
                    }
                )
    return {
        "seed": seed,
        "twins": twins,
        "loss": setup["loss"],
        "records": len(setup["records"]),
        "queries": len(setup["queries"]),
        "contributor": setup["contributor"].tolist(),
        "items": items,
    }


def compute_run_table(run: dict[str, Any], alphas: list[float]) -> dict[str, dict[str, float]]:
    """Metrics per "mode/method" of one run: blend at every alpha, and the single engines."""
    contributor = np.array(run["contributor"])
    rows: dict[str, list[tuple[float, float, float]]] = {}
    for item in run["items"]:
        infl, spans = np.array(item["influence"]), np.array(item["span"])
        scores = {
            "lora-influence-v1": infl,
            "span-match-v1": spans,
            "baseline-tfidf": np.array(item["tfidf"]),
        }
        for alpha in alphas:
            scores[f"blend-v1@{alpha:g}"] = compute_blend_scores(infl, spans, alpha)
        for method, s in scores.items():
            rows.setdefault(f"{item['mode']}/{method}", []).append(
                compute_query_metrics(s, contributor, item["expected"])
            )
    return {key: compute_summary(vals) for key, vals in rows.items()}


def compute_choice(tables: list[dict[str, dict[str, float]]], alphas: list[float]) -> float:
    """The alpha with the best mean "gen" record AUC, then contributor AUC, then top-1, then the
    larger alpha."""

    def key(alpha: float) -> tuple[float, float, float, float]:
        rows = [t[f"gen/blend-v1@{alpha:g}"] for t in tables]
        means = [
            round(float(np.mean([r[m] for r in rows])), RANK_DECIMALS)
            for m in ("record_auc", "contributor_auc", "top1")
        ]
        return (*means, alpha)

    return max(alphas, key=key)


def main() -> None:
    """Runs the sweep and prints one table per output mode and the chosen alpha."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_recipe_arguments(parser)
    parser.add_argument("--seeds", default="3,4", help="development datanet seeds (not 0)")
    parser.add_argument("--alphas", default="0,0.1,0.2,0.3,0.4,0.5")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    alphas = sorted(float(a) for a in args.alphas.split(","))
    if 0 in seeds:
        parser.error("seed 0 is the benchmark's datanet; develop on other seeds")
    torch.set_num_threads(args.threads)
    tokenizer = build_tiny_tokenizer()
    base_state = {
        k: v.clone()
        for k, v in pretrained_base(args.cache_dir, args.pretrain_steps).state_dict().items()
    }
    runs = []
    for seed in seeds:
        for twins in sorted({0, args.twins}):
            cached = args.cache_dir / (
                f"alpha-dev-seed{seed}-twins{twins}-c{args.contributors}-"
                f"r{args.records_per_contributor}-q{args.queries_per_contributor}-"
                f"s{args.lora_steps}-p{args.pretrain_steps}.json"
            )
            if cached.is_file():
                run = json.loads(cached.read_text())
            else:
                started = time.monotonic()
                run = compute_run_scores(args, base_state, tokenizer, seed, twins)
                run["seconds"] = round(time.monotonic() - started, 1)
                cached.write_text(json.dumps(run) + "\n")
            print(f"run seed {seed}, {twins} twins: {run['seconds']}s, loss {run['loss']:.3f}")
            runs.append(run)
    tables = [compute_run_table(run, alphas) for run in runs]
    chosen = compute_choice(tables, alphas)
    labels = [f"s{run['seed']}" + (f"+{run['twins']}t" if run["twins"] else "") for run in runs]
    for mode in ("gen", "ref"):
        print(f"\n{mode}: contributor AUC / record AUC / top-1")
        print(f"{'method':22} " + " ".join(f"{label:>19}" for label in labels) + "  mean")
        for method in tables[0]:
            if not method.startswith(mode + "/"):
                continue
            rows = [t[method] for t in tables]
            cells = [
                f"{r['contributor_auc']:.3f}/{r['record_auc']:.3f}/{r['top1']:.3f}" for r in rows
            ]
            mean = "/".join(
                f"{np.mean([r[m] for r in rows]):.3f}"
                for m in ("contributor_auc", "record_auc", "top1")
            )
            print(
                f"{method[len(mode) + 1 :]:22} " + " ".join(f"{c:>19}" for c in cells) + f"  {mean}"
            )
    print(f"\nchosen alpha: {chosen:g} (current DEFAULT_BLEND_ALPHA = {DEFAULT_BLEND_ALPHA:g})")
    if args.json_out:
        report = {
            "seeds": seeds,
            "twins": args.twins,
            "alphas": alphas,
            "chosen_alpha": chosen,
            "runs": [
                {"seed": r["seed"], "twins": r["twins"], "loss": r["loss"], "table": t}
                for r, t in zip(runs, tables, strict=True)
            ],
        }
        args.json_out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
