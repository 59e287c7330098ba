"""The atheris (libFuzzer, coverage-guided) tx fuzzer, tests/fuzz/atheris_txs.py, for a bounded
number of inputs: it starts from every seed message signed and as a raw body, mutates them, and
must end with no finding (an escaped exception or a broken oracle ends it with a non-zero exit
and the input written out). Skipped where atheris is not installed (it is a dev dependency on
Linux x86-64, CPython 3.11 to 3.13, the versions it ships wheels for)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("atheris")

HARNESS = Path(__file__).with_name("atheris_txs.py")
RUNS = 300
"""Inputs per CI run (a few seconds); run the harness itself for long runs."""


def test_atheris_finds_nothing_in_a_bounded_run(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    proc = subprocess.run(
        [sys.executable, str(HARNESS), "--seed-corpus", str(corpus), f"-runs={RUNS}", "-seed=1",
         "-max_len=4096", f"-artifact_prefix={tmp_path}/", str(corpus)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    assert f"Done {RUNS} runs" in output, output[-2000:]
    assert not list(tmp_path.glob("crash-*"))
    seeds = sorted(p.name for p in corpus.iterdir() if p.name.startswith("seed-"))
    assert len(seeds) >= 2 * 26  # every seed message, as a tx and as a raw body
