"""Attribution latency per inference vs number of training records, CPU, tiny model.

For each size N (default 10^3 and 10^4) the script builds the features an adapter would
have after training on N records: the real path (`compute_training_features`) on a demo
datanet's first records, then the LoRA gradient matrix is grown to N rows (copies of the real
rows plus seeded noise; values do not change the cost of a query) and the span index is built
over the text of N real demo records. It then times `engine.attribute(prompt, output)`
end to end (query backward pass, preconditioning, N-row product, top-K, ppm, canonical JSON
evidence and its sha256) for lora-influence-v1, span-match-v1, blend-v1 and the v2 engines
(lora-influence-v2, span-gain-v1, blend-v2; their load-time curvature is not timed), and
span-gain-v1 with 4-byte hits (`min_span=4`, a candidate, not a default).

    .venv/bin/python bench/attribution_latency.py [--sizes 1000 10000] [--repeats 20]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from aichain.gpu_worker.attribution.engines import (
    AdaptiveBlendEngine,
    BlendEngine,
    LoraInfluenceEngine,
    LoraInfluenceV2Engine,
    SpanGainEngine,
    SpanMatchEngine,
)
from aichain.gpu_worker.attribution.features import (
    Features,
    compute_training_features,
    load_features,
)
from aichain.gpu_worker.attribution.influence_math import compute_datainf_preconditioners
from aichain.gpu_worker.attribution.suffix_array import SuffixIndex
from aichain.gpu_worker.attribution.types import RecordMeta
from aichain.gpu_worker.datanet import DirectoryDatanet
from aichain.gpu_worker.demo_datanet import make_demo_datanet
from aichain.gpu_worker.tiny_model import build_tiny_model, build_tiny_tokenizer


def grown_features(base: Features, texts: list[str], contributors: list[str]) -> Features:
    """base's features grown to len(texts) records (gradient rows tiled plus noise)."""
    n = len(texts)
    rng = np.random.default_rng(0)
    rows = base.lora_grads[np.arange(n) % len(base.lora_grads)]
    grads = (rows + 0.1 * rng.standard_normal(rows.shape) * rows.std()).astype(np.float32)
    modules = base.lora_precond.shape[0]
    precond, _ = compute_datainf_preconditioners(grads, modules, float(base.params["damping"]))
    index = SuffixIndex.build([t.encode() for t in texts])
    records = tuple(RecordMeta(f"r{i:06d}", f"{i:064x}", contributors[i]) for i in range(n))
    return dataclasses.replace(
        base,
        records=records,
        lora_grads=grads,
        lora_precond=precond,
        corpus=index.corpus,
        suffix_array=index.sa,
        starts=index.starts,
    )


def time_calls(engine: Any, prompt: str, output: str, repeats: int) -> dict[str, float]:
    """Median / p90 / min milliseconds of engine.attribute over repeats (after one warm-up)."""
    engine.attribute(prompt, output, top_k=10)
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        engine.attribute(prompt, output, top_k=10)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 2),
        "p90_ms": round(samples[int(0.9 * (len(samples) - 1))], 2),
        "min_ms": round(samples[0], 2),
    }


def main() -> None:
    """Prints attribution latency per engine and size."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from peft import LoraConfig, get_peft_model

    tokenizer = build_tiny_tokenizer()
    torch.manual_seed(0)
    config = LoraConfig(
        r=8,
        lora_alpha=16,
        target_modules=["c_attn", "c_proj", "c_fc"],
        fan_in_fan_out=True,
        lora_dropout=0.0,
    )
    model = get_peft_model(build_tiny_model(seed=0), config)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.normal_(0, 0.02)
    model.eval()
    biggest = max(args.sizes)
    contributors = max(10, biggest // 100)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "datanet"
        make_demo_datanet(
            data,
            contributors=contributors,
            records_per_contributor=-(-biggest // contributors),
            queries_per_contributor=1,
        )
        records = DirectoryDatanet(data).load_records()
        compute_training_features(model, tokenizer, records[:256], Path(tmp) / "features")
        base = load_features(Path(tmp) / "features")
    prompt = "Fact: the color of the planted subject is"
    output = " " + records[7].text[:64]
    print(
        f"tiny model, {len(base.params['modules'])} LoRA modules x proj_dim "
        f"{base.params['proj_dim']} = {base.lora_grads.shape[1]} gradient values per record; "
        f"prompt {len(prompt)} B, output {len(output)} B; {args.threads} threads"
    )
    results: dict[str, Any] = {}
    for n in args.sizes:
        subset = records[:n]
        features = grown_features(base, [r.text for r in subset], [r.contributor for r in subset])
        influence = LoraInfluenceEngine(features, model, tokenizer)
        span = SpanMatchEngine(features)
        influence_v2 = LoraInfluenceV2Engine(features, model, tokenizer)
        gain = SpanGainEngine(features, model, tokenizer)
        engines = {
            "lora-influence-v1": influence,
            "span-match-v1": span,
            "blend-v1": BlendEngine(influence, span),
            "lora-influence-v2": influence_v2,
            "span-gain-v1": gain,
            "blend-v2": AdaptiveBlendEngine(influence_v2, gain),
            # a candidate from the paraphrase rerun (docs/attribution.md), not a default
            "span-gain-v1 (4 B)": SpanGainEngine(features, model, tokenizer, min_span=4),
        }
        results[str(n)] = {"corpus_bytes": len(features.corpus)}
        for name, engine in engines.items():
            figures = time_calls(engine, prompt, output, args.repeats)
            results[str(n)][name] = figures
            print(
                f"N={n:>6}  {name:18}  median {figures['median_ms']:8.2f} ms  "
                f"p90 {figures['p90_ms']:8.2f} ms  min {figures['min_ms']:8.2f} ms"
            )
        started = time.perf_counter()
        for _ in range(args.repeats):
            influence.query_gradient(prompt, output)
        backward = (time.perf_counter() - started) * 1000 / args.repeats
        results[str(n)]["query_backward_ms"] = round(backward, 2)
        print(f"N={n:>6}  (of which the query's forward+backward pass: {backward:.2f} ms)")
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
