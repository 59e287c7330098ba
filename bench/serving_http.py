"""The worker endpoint under 64 concurrent streaming clients: aiohttp (now) vs http.server (before).

Same process, same tiny model, same adapters, same ServingService settings, same requests; the
two HTTP fronts take turns, round by round (before, now, before, now, ...), so machine noise
falls on both. Each round opens `--clients` connections at once, each streaming one
/v1/completions (`stream_options.include_usage`, `--max-tokens` tokens, prompts and adapters
cycled). The clients run in a separate process (aiohttp client, one event loop) so they do not
share the server's interpreter lock. Per front:
- tokens/s: a round's completion tokens / its wall time (first request sent to the last
  [DONE]);
- time to first token (TTFT): from sending a request to its first chunk with text, p50 and p99
  over the round's requests;
- batches: decoded batches in the round and the largest one (rows), which says whether the
  clients were batched together.
Each figure is the median over the rounds (the machine may be shared: a round slowed by other
work does not move a median); tok/s also shows the rounds' range.
The before front is bench/serving_http_legacy.py, a verbatim copy of the old http.py.

    .venv/bin/python bench/serving_http.py [--clients 64] [--rounds 5] [--max-tokens 32]
        [--batch-wait-ms 5] [--threads 1] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROMPTS = (
    "Fact: the orbit of java is",
    "Q: what is the number of vofy? A:",
    "- gaxome / shape ->",
    "note: wigu has shape",
)
"""Prompts cycled over a round's clients."""


async def _one(session: Any, url: str, body: dict[str, Any]) -> dict[str, float]:
    """One streaming request: TTFT, duration and completion tokens."""
    started = time.perf_counter()
    first, tokens, done = None, 0, False
    async with session.post(url + "/v1/completions", json=body) as reply:
        if reply.status != 200:
            raise RuntimeError(f"status {reply.status}: {await reply.text()}")
        async for line in reply.content:
            data = line.decode().strip().removeprefix("data: ")
            if not data:
                continue
            if data == "[DONE]":
                done = True
                continue
            chunk = json.loads(data)
            if first is None and any(c.get("text") for c in chunk["choices"]):
                first = time.perf_counter()
            if chunk.get("usage"):
                tokens = chunk["usage"]["completion_tokens"]
    if not done:
        raise RuntimeError("stream ended without [DONE]")
    ended = time.perf_counter()
    return {
        "ttft": (first or ended) - started,
        "seconds": ended - started,
        "tokens": tokens,
        "start": started,
        "end": ended,
    }


async def _round(url: str, adapters: list[str], clients: int, max_tokens: int) -> list[dict]:
    """clients concurrent streams on fresh connections."""
    import aiohttp

    bodies = [
        {
            "model": adapters[i % len(adapters)],
            "prompt": PROMPTS[i % len(PROMPTS)],
            "max_tokens": max_tokens,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        for i in range(clients)
    ]
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        return await asyncio.gather(*(_one(session, url, b) for b in bodies))


def run_client(url: str, adapters: list[str], clients: int, max_tokens: int) -> None:
    """The client process: one round against url, its per-request figures as JSON on stdout."""
    print(json.dumps(asyncio.run(_round(url, adapters, clients, max_tokens))))


def _client_round(url: str, adapters: list[str], clients: int, max_tokens: int) -> list[dict]:
    """Runs one round in a client process."""
    command = [sys.executable, __file__, "--client", url, "--adapters", ",".join(adapters)]
    command += ["--clients", str(clients), "--max-tokens", str(max_tokens)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"client failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def _percentile(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark and prints its figures (and JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--adapters-count", type=int, default=4)
    parser.add_argument("--batch-wait-ms", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--adapters", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.client:
        run_client(args.client, args.adapters.split(","), args.clients, args.max_tokens)
        return 0

    import torch

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from serving_http_legacy import OpenAIServer as LegacyServer

    from aichain.gpu_worker.serving.cache import AdapterCache, AdapterRegistry
    from aichain.gpu_worker.serving.engine import MultiAdapterModel
    from aichain.gpu_worker.serving.http import OpenAIServer
    from aichain.gpu_worker.serving.service import GenerationRequest, ServingService
    from aichain.gpu_worker.serving.warnings_log import install_warning_log
    from aichain.gpu_worker.synthetic_adapters import write_random_adapters
    from aichain.gpu_worker.tiny_model import build_tiny_model, load_base_model

    install_warning_log()
    torch.set_num_threads(args.threads)
    root = Path(tempfile.mkdtemp(prefix="bench-http-"))
    written = write_random_adapters(build_tiny_model(0), root, args.adapters_count, rank=8)
    base, tokenizer = load_base_model("tiny-random", torch.device("cpu"))
    model = MultiAdapterModel(base, tokenizer, torch.device("cpu"))
    registry = AdapterRegistry()
    for adapter_id, path, digest in written:
        registry.register(adapter_id, path, digest)
    adapters = [a for a, _, _ in written]
    fronts = {"http.server (before)": LegacyServer, "aiohttp (now)": OpenAIServer}
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in fronts}
    for round_index in range(args.rounds):
        for name, front in fronts.items():
            cache = AdapterCache(registry, model, device_slots=len(adapters), host_slots=64)
            service = ServingService(
                model, cache, max_batch=args.clients, batch_wait_s=args.batch_wait_ms / 1000
            )
            sizes: list[int] = []
            run_batch = service.run_batch

            def recorded(batch: list, run: Any = run_batch, sizes: list = sizes) -> None:
                sizes.append(len(batch))
                run(batch)

            service.run_batch = recorded  # type: ignore[method-assign]
            server = front(service)
            server.start()
            try:
                service.generate(GenerationRequest(adapters[0], "warm up", max_tokens=2))
                sizes.clear()
                requests = _client_round(server.url, adapters, args.clients, args.max_tokens)
            finally:
                server.close()
            wall = max(r["end"] for r in requests) - min(r["start"] for r in requests)
            tokens = sum(r["tokens"] for r in requests)
            ttft = [r["ttft"] for r in requests]
            rounds[name].append(
                {
                    "tokens_per_s": tokens / wall,
                    "ttft_p50_ms": statistics.median(ttft) * 1e3,
                    "ttft_p99_ms": _percentile(ttft, 0.99) * 1e3,
                    "batches": len(sizes),
                    "largest_batch": max(sizes),
                }
            )
            print(
                f"round {round_index + 1} {name}: {tokens} tokens in {wall:.2f} s, batches {sizes}",
                flush=True,
            )
    summary = {}
    for name, figures in rounds.items():
        summary[name] = {key: statistics.median(f[key] for f in figures) for key in figures[0]}
        per_round = [f["tokens_per_s"] for f in figures]
        summary[name]["tokens_per_s_range"] = (min(per_round), max(per_round))
    print(
        f"\n{args.clients} streaming clients x {args.rounds} rounds, {args.max_tokens} tokens "
        f"each, {len(adapters)} adapters, max_batch {args.clients}, batch wait "
        f"{args.batch_wait_ms:g} ms, torch threads {args.threads}"
    )
    print("medians over the rounds (tok/s: and the rounds' range)")
    print("| front | tok/s | TTFT p50 ms | TTFT p99 ms | batches/round | largest batch |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, s in summary.items():
        low, high = s["tokens_per_s_range"]
        print(
            f"| {name} | {s['tokens_per_s']:,.0f} ({low:,.0f}–{high:,.0f}) | "
            f"{s['ttft_p50_ms']:,.0f} | {s['ttft_p99_ms']:,.0f} | {s['batches']:g} | "
            f"{s['largest_batch']:g} |"
        )
    if args.json:
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
