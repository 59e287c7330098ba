"""`aichain bench load --compare-kvstore` end to end, at a tiny size: the three chains start,
every tx commits, and the ratio lines are printed (figures themselves are benchmarks)."""

from __future__ import annotations

import re
import subprocess

import pytest

from .conftest import AICHAIN

pytestmark = pytest.mark.e2e


def test_bench_load_compares_against_both_kvstores() -> None:
    proc = subprocess.run(
        [AICHAIN, "bench", "load", "--accounts", "20", "--txs-per-account", "2",
         "--workers", "4", "--timeout-commit", "300ms", "--compare-kvstore"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    for name in ("kvstore over the ABCI socket", "kvstore built into CometBFT", "aichain node"):
        assert re.search(rf"{name}: 40 of 40 txs committed", out), out
    assert "app check_tx: " in out and "app finalize_block: " in out
    # CPU per committed tx of each process: the app and CometBFT apart over the socket
    assert re.search(r"CPU per committed tx \(us\): app \d[\d,]*, cometbft \d", out), out
    assert re.search(r"CPU per committed tx \(us\): cometbft \d[\d,]*, generator \d", out), out
    assert re.search(r"^ratio_to_kvstore_socket: \d+\.\d\d$", out, re.M), out
    assert out.strip().splitlines()[-1].startswith("ratio_to_kvstore_socket: ")


def test_bench_load_on_a_localnet_of_two_validators() -> None:
    proc = subprocess.run(
        [AICHAIN, "bench", "load", "--localnet", "2", "--accounts", "10",
         "--txs-per-account", "2", "--workers", "2", "--timeout-commit", "300ms"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert re.search(r"aichain localnet of 2 \(txs to node0\): 20 of 20 txs committed", out), out
    assert re.search(r"CPU per committed tx \(us\): app0 \d", out), out
    assert "app check_tx: 20 calls" in out


def test_bench_load_refuses_a_localnet_with_the_single_node_kvstore_comparison() -> None:
    proc = subprocess.run(
        [AICHAIN, "bench", "load", "--localnet", "2", "--compare-kvstore"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "--compare-kvstore compares single nodes" in proc.stderr
