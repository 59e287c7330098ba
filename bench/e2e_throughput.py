"""End-to-end throughput: committed bank sends per second through a real single-validator node.

The same engine as `aichain bench load` (node/loadtest.py): a fresh node with --accounts funded
senders, pre-signed sends broadcast from --workers threads in a second process, committed tx/s
over the steady window and latency from broadcast to commit. `--compare-kvstore` adds
CometBFT's kvstore app over the ABCI socket and built in, with the same settings.

    .venv/bin/python bench/e2e_throughput.py [--accounts 2000] [--txs-per-account 5]
"""

from __future__ import annotations

import argparse

from aichain.node.loadtest import run_load


def main() -> None:
    """Runs the benchmark and prints its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--txs-per-account", type=int, default=5)
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--timeout-commit", default="1s")
    parser.add_argument("--compare-kvstore", action="store_true")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--localnet", type=int, default=0, help="validators of a localnet")
    args = parser.parse_args()
    run_load(
        args.accounts,
        args.txs_per_account,
        args.workers,
        args.timeout_commit,
        args.compare_kvstore,
        args.rounds,
        localnet=args.localnet,
    )


if __name__ == "__main__":
    main()
