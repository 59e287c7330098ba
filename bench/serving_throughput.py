"""Serving throughput with 1..1000 LoRA adapters: mixed-adapter batching vs a naive baseline.

Same base model (the built-in tiny GPT-2), same random adapters, same requests (spread evenly
over the adapters in a seeded shuffled order), same run:
- mixed: the ServingService (request queue, LRU adapter tiers, mixed-adapter batches with the
  gather-based batched LoRA backend by default, `--lora-backend peft` for peft's adapter_names),
  with its device slots filled before timing as `aichain worker serve` does at start-up (beyond
  the slots, adapters are swapped into evicted slots from disk, hash-checked);
- naive: one request at a time, loading (and hash-checking) the needed adapter from disk and
  copying it into the model's one adapter slot before each request (no batching, no cache).
Also: adapter load latency (disk read + sha256 + parse), install latency (into the served
model), swap latency (copy weights into an existing slot) and memory per extra adapter.

The naive baseline runs on the same backend as mixed (for a batch of one, the two cost alike).
`--compare-engine` also runs both with the engine's fast paths off (`fast_paths=False`: the
engine before issue 17), so each row has before/after figures from the same run, and
`--repeats N` repeats every measurement (medians and ranges are printed).

    .venv/bin/python bench/serving_throughput.py [--quick] [--device cpu|cuda|auto]
        [--threads N] [--lora-backend batched|peft] [--counts 100] [--repeats 3]
        [--compare-engine]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

from aichain.gpu_worker.adapters import load_adapter
from aichain.gpu_worker.device import resolve_device
from aichain.gpu_worker.serving.cache import AdapterCache, AdapterRegistry
from aichain.gpu_worker.serving.engine import LORA_BACKENDS, MultiAdapterModel
from aichain.gpu_worker.serving.service import GenerationRequest, ServingService
from aichain.gpu_worker.synthetic_adapters import write_random_adapters
from aichain.gpu_worker.tiny_model import load_base_model

PROMPTS = (
    "Fact: the orbit of java is",
    "Q: what is the number of vofy? A:",
    "- gaxome / shape ->",
    "note: wigu has shape",
    "In the metallurgy log, sasace's rival equals",
    "dear reader, gucu keeps rival as",
)
"""Prompts cycled over the requests."""


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def _memory(device: torch.device) -> int:
    if device.type == "cuda":
        torch.cuda.synchronize()
        return torch.cuda.memory_allocated(device)
    return _rss_bytes()


def make_requests(adapter_ids: list[str], count: int, max_tokens: int) -> list[GenerationRequest]:
    """count requests spread evenly over adapter_ids, in a seeded shuffled order."""
    ids = [adapter_ids[i % len(adapter_ids)] for i in range(count)]
    random.Random(0).shuffle(ids)
    return [
        GenerationRequest(a, PROMPTS[i % len(PROMPTS)], max_tokens=max_tokens, attribute=False)
        for i, a in enumerate(ids)
    ]


def run_mixed(  # noqa: ANN201
    adapters,  # noqa: ANN001
    requests,  # noqa: ANN001
    device,  # noqa: ANN001
    max_batch,  # noqa: ANN001
    device_slots,  # noqa: ANN001
    host_slots,  # noqa: ANN001
    backend,  # noqa: ANN001
    fast_paths: bool = True,
) -> dict:
    """Tokens/s of the batching service over requests (all submitted at once)."""
    base, tokenizer = load_base_model("tiny-random", device)
    model = MultiAdapterModel(base, tokenizer, device, lora_backend=backend, fast_paths=fast_paths)
    registry = AdapterRegistry()
    for adapter_id, path, digest in adapters:
        registry.register(adapter_id, path, digest, verify=False)
    cache = AdapterCache(registry, model, device_slots=device_slots, host_slots=host_slots)
    service = ServingService(model, cache, max_batch=max_batch, batch_wait_s=0.002)
    for adapter_id, _, _ in adapters[:device_slots]:  # as `serve` does at start-up
        cache.ensure_on_device([adapter_id])
    service.start()
    try:
        service.generate(GenerationRequest(adapters[0][0], "warm up", max_tokens=2))
        started = time.perf_counter()
        futures = [service.submit(r) for r in requests]
        results = [f.result(timeout=3600) for f in futures]
        elapsed = time.perf_counter() - started
    finally:
        service.stop()
    tokens = sum(r.completion_tokens for r in results)
    stats = cache.stats()
    return {
        "tokens": tokens,
        "seconds": elapsed,
        "tokens_per_s": tokens / elapsed,
        "batches": service.batches - 1,
        "disk_loads": stats.disk_loads,
        "device_evictions": stats.device_evictions,
        "texts": [r.text for r in results],
    }


def run_naive(adapters, requests, device, backend, fast_paths: bool = True) -> dict:  # noqa: ANN001
    """Tokens/s serving one request at a time, loading its adapter from disk first."""
    from aichain.gpu_worker.serving.engine import DecodeRow

    base, tokenizer = load_base_model("tiny-random", device)
    paths = {a: (p, d) for a, p, d in adapters}
    model = MultiAdapterModel(base, tokenizer, device, lora_backend=backend, fast_paths=fast_paths)
    slot = model.install(load_adapter(*paths[adapters[0][0]]))
    head = [tokenizer.bos_token_id]
    tokens, texts = 0, []
    started = time.perf_counter()
    for request in requests:
        model.install(load_adapter(*paths[request.adapter_id]), reuse_slot=slot)
        row = DecodeRow(tuple(head + tokenizer.encode(request.prompt)), slot, request.max_tokens)
        out = model.generate([row])[0]
        tokens += len(out.token_ids)
        texts.append(tokenizer.decode(list(out.token_ids)))
    elapsed = time.perf_counter() - started
    return {"tokens": tokens, "seconds": elapsed, "tokens_per_s": tokens / elapsed, "texts": texts}


def measure_latencies(adapters, device, samples: int, backend: str) -> dict:  # noqa: ANN001
    """Median load / install / swap latency (ms) and memory per extra installed adapter."""
    base, tokenizer = load_base_model("tiny-random", device)
    model = MultiAdapterModel(base, tokenizer, device, lora_backend=backend)
    picked = adapters[:samples]
    loads, installs, swaps, slots = [], [], [], []
    loaded_all = []
    for _, path, digest in picked:
        t = time.perf_counter()
        loaded = load_adapter(path, digest)
        loads.append(time.perf_counter() - t)
        loaded_all.append(loaded)
    model.install(loaded_all[0])  # peft: creates the wrapper and the reserved slot
    before = _memory(device)
    for loaded in loaded_all[1:]:
        t = time.perf_counter()
        slots.append(model.install(loaded))
        installs.append(time.perf_counter() - t)
    after = _memory(device)
    for loaded in loaded_all:
        t = time.perf_counter()
        model.install(loaded, reuse_slot=slots[0])
        if device.type == "cuda":
            torch.cuda.synchronize()
        swaps.append(time.perf_counter() - t)
    extra = max(len(loaded_all) - 1, 1)
    return {
        "load_ms": statistics.median(loads) * 1e3,
        "install_ms": statistics.median(installs) * 1e3 if installs else float("nan"),
        "swap_ms": statistics.median(swaps) * 1e3,
        "adapter_bytes": loaded_all[0].nbytes,
        "memory_per_adapter_bytes": (after - before) / extra,
        "slot_bytes": model.adapter_bytes(slots[0]),
        "memory_measure": "cuda allocated" if device.type == "cuda" else "process RSS",
    }


def _spread(values: list[float], unit: str = "") -> str:
    """median (min-max) of values, e.g. "5.2x (4.9-5.6)"."""
    fmt = ".1f" if unit else ".0f"
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:{fmt}}{unit}"
    return f"{median:{fmt}}{unit} ({min(values):{fmt}}-{max(values):{fmt}})"


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark and prints its figures (and JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1/10/100 adapters, fewer requests")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--requests", type=int, default=None)
    parser.add_argument("--max-tokens", type=int, default=None)
    parser.add_argument("--max-batch", type=int, default=32)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--lora-backend", default="batched", choices=LORA_BACKENDS)
    parser.add_argument("--json", type=Path, default=None, help="Also write figures here.")
    parser.add_argument("--counts", default=None, help="Adapter counts, e.g. 100 or 1,10,100")
    parser.add_argument("--repeats", type=int, default=1, help="Runs of each measurement")
    parser.add_argument(
        "--compare-engine",
        action="store_true",
        help="Also run mixed and naive with the engine's fast paths off (before issue 17)",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    counts = (1, 10, 100) if args.quick else (1, 10, 100, 1000)
    if args.counts:
        counts = tuple(int(c) for c in args.counts.split(","))
    n_requests = args.requests or (96 if args.quick else 256)
    max_tokens = args.max_tokens or (8 if args.quick else 16)
    print(
        f"device={device} threads={args.threads} requests={n_requests} "
        f"max_tokens={max_tokens} max_batch={args.max_batch} rank={args.rank} "
        f"lora_backend={args.lora_backend}"
    )
    figures: dict = {"device": str(device), "lora_backend": args.lora_backend, "rows": []}
    with tempfile.TemporaryDirectory() as tmp:
        base, _ = load_base_model("tiny-random", "cpu")
        t = time.perf_counter()
        all_adapters = write_random_adapters(
            base, Path(tmp), max(counts), rank=args.rank, alpha=2 * args.rank, scale=0.05
        )
        print(f"wrote {len(all_adapters)} random adapters in {time.perf_counter() - t:.1f}s")
        samples = min(33, len(all_adapters))
        lat = measure_latencies(all_adapters, device, samples, args.lora_backend)
        figures["latency"] = lat
        print(
            f"adapter load (read+sha256+parse): {lat['load_ms']:.2f} ms; install into the "
            f"served model: {lat['install_ms']:.2f} ms; swap into a slot: {lat['swap_ms']:.2f} ms"
        )
        print(
            f"adapter size {lat['adapter_bytes'] / 1024:.0f} KiB; memory per extra installed "
            f"adapter ({lat['memory_measure']}): {lat['memory_per_adapter_bytes'] / 1024:.0f} KiB; "
            f"one installed slot holds {lat['slot_bytes'] / 1024:.0f} KiB"
        )
        engines = (True, False) if args.compare_engine else (True,)
        print(
            f"{'adapters':>8} {'engine':>6} {'mixed tok/s':>20} {'naive tok/s':>18} "
            f"{'speedup':>16} {'batches':>8} {'disk loads':>10} {'same text':>9}"
        )
        for count in counts:
            adapters = all_adapters[:count]
            requests = make_requests([a for a, _, _ in adapters], n_requests, max_tokens)
            slots = min(count, 128)
            runs: dict[bool, dict[str, list]] = {
                fast: {"mixed": [], "naive": [], "speedup": []} for fast in engines
            }
            for _ in range(args.repeats):
                for fast in engines:  # interleaved, so load swings hit both engines alike
                    mixed = run_mixed(
                        adapters,
                        requests,
                        device,
                        args.max_batch,
                        slots,
                        256,
                        args.lora_backend,
                        fast_paths=fast,
                    )
                    naive = run_naive(adapters, requests, device, args.lora_backend, fast)
                    same = sum(
                        a == b for a, b in zip(mixed.pop("texts"), naive.pop("texts"), strict=True)
                    )
                    mixed["same_text"] = same
                    runs[fast]["mixed"].append(mixed)
                    runs[fast]["naive"].append(naive)
                    runs[fast]["speedup"].append(mixed["tokens_per_s"] / naive["tokens_per_s"])
            for fast in engines:
                mixed_tps = [m["tokens_per_s"] for m in runs[fast]["mixed"]]
                naive_tps = [n["tokens_per_s"] for n in runs[fast]["naive"]]
                speedups = runs[fast]["speedup"]
                last = runs[fast]["mixed"][-1]
                figures["rows"].append(
                    {
                        "adapters": count,
                        "fast_paths": fast,
                        "mixed": runs[fast]["mixed"],
                        "naive": runs[fast]["naive"],
                        "speedup": statistics.median(speedups),
                        "speedups": speedups,
                    }
                )
                print(
                    f"{count:>8} {'new' if fast else 'old':>6} {_spread(mixed_tps):>20} "
                    f"{_spread(naive_tps):>18} {_spread(speedups, 'x'):>16} "
                    f"{last['batches']:>8} {last['disk_loads']:>10} "
                    f"{min(m['same_text'] for m in runs[fast]['mixed']):>5}/{len(requests)}"
                )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
