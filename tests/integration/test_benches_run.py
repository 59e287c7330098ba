"""The chain's benchmarks still run: each in-process benchmark, at its smallest size, exits 0
and prints its figures. (They measure nothing here; a benchmark that broke silently when the
code under it changed -- gov_tally and staking_endblock wrote into the committed state until
the read cache refused it -- is found by `make test`, not by the next person who runs it.)"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"

RUNS = {
    "gov_tally.py": (["--sizes", "100", "--repeats", "1"], r"all vote\s+100\s"),
    "staking_endblock.py": (["--sizes", "100", "--blocks", "2"], r"^\s+100\s"),
    "store_commit.py": (
        ["--sizes", "2000", "--changes", "100", "--rounds", "1", "--cache-mib", "16"],
        r"commit per block",
    ),
    "datanet_publish.py": (["--sizes", "200", "--append", "20"], r"publish \+20 -> gas [\d,]+"),
    "datanet_throughput.py": (["--txs", "100", "--blocks", "1"], r"contributions [\d,]+ tx/s"),
    "inprocess_throughput.py": (["--txs", "100", "--blocks", "1"], r"tx/s"),
    "settlement_throughput.py": (
        ["--requests", "40", "--batch", "20", "--sizes", "100", "--per-size", "5"],
        r"[\d,]+ settled inferences/s",
    ),
}


@pytest.mark.parametrize("script", sorted(RUNS))
def test_the_benchmark_runs_and_prints_its_figures(script: str) -> None:
    args, figure = RUNS[script]
    proc = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert re.search(figure, proc.stdout, re.MULTILINE), proc.stdout[-2000:]
