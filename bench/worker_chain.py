"""The chain path against serving alone: requests per second through a real node and the
worker daemon, and the same prompts over the worker's own HTTP endpoint, in one run.

One single-validator node (200 ms blocks), a datanet of 12 records, the tiny adapter trained
on it and registered (`aichain worker train --register`), one CPU worker daemon (in this
process, random tiny base). Then, for each round:

- serving alone: N completions (max_tokens T, attribution on) POSTed concurrently to the
  worker's `/v1/completions`; requests/s = N / wall time;
- chain path: N `MsgRequestInference` in one tx; wall time from the broadcast to the last
  result stored on chain (status answered); requests/s = N / that.

The chain path's time is split into inference (decoding, from the engine's metrics),
attribution (the engines' time), signing (N result bundles signed again, timed) and the rest
(chain: blocks, queries, broadcast, waiting for the next block). Figures vary with the
machine's load; compare the two paths within one run.

    .venv/bin/python bench/worker_chain.py [--requests 32] [--max-tokens 12] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the e2e test's node and chain set-up are reused
    sys.path.insert(0, str(ROOT))


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read())


def main() -> None:
    """Runs the benchmark and prints its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=32)
    parser.add_argument("--max-tokens", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    from aichain.client.blobs import GrpcBlobStore
    from aichain.gpu_worker.daemon.worker import DaemonConfig, WorkerDaemon
    from aichain.modules.attribution import signing
    from tests.e2e import test_worker_daemon as tw
    from tests.e2e.conftest import make_node

    root = Path(tempfile.mkdtemp(prefix="bench-worker-chain-"))
    node = make_node(root)
    tw._set_genesis_params(node)
    node.start(wait_height=2)
    daemon = None
    try:
        world = tw.World(node, root)
        tw._setup_chain(world)
        trained = node.cli(
            "worker",
            "train",
            "datanet:1@1",
            "--register",
            "--owner",
            "faucet",
            "--price",
            str(tw.PRICE),
            "--out",
            str(root / "adapter"),
            "--max-steps",
            "6",
            "--batch-size",
            "4",
            "--rank",
            "4",
            "--quiet",
            "--device",
            "cpu",
            "--base-model",
            tw.BASE,
            "--blob-grpc",
            node.grpc,
            "--output",
            "json",
        )
        world.model_id = int(json.loads(trained.stdout)["model_id"])
        config = DaemonConfig(
            home=root / "worker",
            node=node.rpc,
            blob_grpc=node.grpc,
            operator=world.key("op-a"),
            hot=world.key("hot-a"),
            models=(world.model_id,),
            device="cpu",
            base_model=tw.BASE,
            poll_s=0.2,
            max_batch=max(16, args.requests),
        )
        daemon = WorkerDaemon(config, GrpcBlobStore(node.grpc))
        daemon.start()
        threading.Thread(target=daemon.run, daemon=True).start()
        url = daemon.runtime.server.http.url + "/v1/completions"
        metrics = daemon.runtime.server.service.metrics
        words = ["java", "kiln", "loam", "mire", "mars", "opal", "pine", "quay"]
        prompts = [f"the season of {words[i % 8]} is {i}" for i in range(args.requests)]
        _post(url, {"model": str(world.model_id), "prompt": "warm up", "max_tokens": 4})
        n = args.requests
        print(f"{n} requests, max_tokens {args.max_tokens}, one CPU worker (machine load varies)")
        for round_no in range(1, args.rounds + 1):
            start = time.perf_counter()
            with ThreadPoolExecutor(n) as pool:
                list(
                    pool.map(
                        lambda p: _post(
                            url,
                            {
                                "model": str(world.model_id),
                                "prompt": p,
                                "max_tokens": args.max_tokens,
                            },
                        ),
                        prompts,
                    )
                )
            http_s = time.perf_counter() - start

            decode0, attr0 = metrics.decode_seconds, metrics.attribution_seconds.total
            start = time.perf_counter()
            ids = [r for r, _ in tw._request_many(world, prompts)]
            sent = time.perf_counter()
            while True:
                done = [world.chain.inference(r) for r in ids]
                if all(i.request.status != 1 for i in done):
                    break
                time.sleep(0.05)
            chain_s = time.perf_counter() - start
            decode = metrics.decode_seconds - decode0
            attribution = metrics.attribution_seconds.total - attr0
            sign_start = time.perf_counter()
            for inference in done:
                signing.make_bundle(config.hot, inference.result)
            signing_s = time.perf_counter() - sign_start
            rest = chain_s - decode - attribution - signing_s
            print(
                f"round {round_no}: serving alone {n / http_s:6.2f} req/s ({http_s:.2f}s); "
                f"chain path {n / chain_s:6.2f} req/s ({chain_s:.2f}s, request tx "
                f"{sent - start:.2f}s); chain/serving time {chain_s / http_s:.2f}x"
            )
            print(
                f"         chain path split: inference {decode:.2f}s "
                f"({100 * decode / chain_s:.0f}%), attribution {attribution:.2f}s "
                f"({100 * attribution / chain_s:.0f}%), signing {signing_s:.3f}s "
                f"({100 * signing_s / chain_s:.1f}%), chain and waiting {rest:.2f}s "
                f"({100 * rest / chain_s:.0f}%)"
            )
    finally:
        if daemon is not None:
            daemon.stop()
        node.stop()


if __name__ == "__main__":
    main()
