"""`aichain bench load --rate R --duration S` end to end, at a tiny size: a steady stream
through a fresh node, every sender gets txs committed, and the exactly-once check (the one
the fault tests run) passes and is reported."""

from __future__ import annotations

import re
import subprocess

import pytest

from .conftest import AICHAIN

pytestmark = pytest.mark.e2e


def test_bench_load_steady_stream_commits_each_tx_exactly_once() -> None:
    proc = subprocess.run(
        [AICHAIN, "bench", "load", "--rate", "20", "--duration", "3", "--accounts", "4",
         "--workers", "2", "--timeout-commit", "300ms"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    found = re.search(
        r"aichain node: steady 20 sends/s for 3s from 4 senders: (\d+) committed", out
    )
    assert found and int(found[1]) >= 20, out  # 60 paced over 3 s, a loaded machine
    per_sender = re.search(r"committed per sender: min (\d+), max (\d+); each exactly once", out)
    assert per_sender and int(per_sender[1]) > 0, out
    assert "refused by CheckTx" not in out, out  # in order, a window each: nothing refused
