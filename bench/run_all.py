"""Runs every benchmark in turn (`make bench`) and prints their figures.

Benchmarks are not tests: they measure, print, and are copied into docs/benchmarks.md by hand
with the date and machine. Pass --quick for the short variants.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent

RUNS = [
    (
        "inprocess_throughput.py",
        ["--txs", "5000", "--blocks", "3"],
        ["--txs", "2000", "--blocks", "2"],
    ),
    (
        "e2e_throughput.py",
        ["--accounts", "2000", "--txs-per-account", "5"],
        ["--accounts", "500", "--txs-per-account", "4"],
    ),
    ("store_commit.py", [], ["--sizes", "10000,100000", "--changes", "100,1000"]),
    ("staking_endblock.py", [], ["--sizes", "100,10000"]),
    ("serving_throughput.py", [], ["--quick"]),
    ("attribution_latency.py", [], ["--sizes", "1000"]),
    ("attribution_quality.py", [], ["--quick"]),
]
"""(script, full-run arguments, --quick arguments)."""


def main() -> int:
    """Runs the benchmarks; returns non-zero if any failed."""
    quick = "--quick" in sys.argv[1:]
    failed = []
    for script, full, short in RUNS:
        print(f"\n=== {script} {' '.join(short if quick else full)}", flush=True)
        proc = subprocess.run([sys.executable, str(BENCH / script), *(short if quick else full)])
        if proc.returncode != 0:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
