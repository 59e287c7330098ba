"""`make run`'s walkthrough as a test: `aichain demo` on a fresh home plays the whole loop on a
real local network with a real worker daemon (data, curation, a model trained and registered,
inference with attribution and payouts, claims, a fee-split proposal, a false attribution
challenged and slashed), then a second run resumes the same chain without replaying it."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import AICHAIN, free_base_port

pytestmark = pytest.mark.e2e


def demo(home: Path, base_port: int, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AICHAIN, "demo", "--home", str(home), "--base-port", str(base_port),
         "--explorer-port", "0", "--exit-after", *extra],
        capture_output=True, text=True, timeout=1500,
    )  # fmt: skip


def test_the_walkthrough_plays_the_whole_loop_and_a_second_run_resumes(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    base_port = free_base_port(1)
    first = demo(home, base_port)
    out = first.stdout
    assert first.returncode == 0, out[-3000:] + first.stderr[-3000:]
    # every step printed with the command that does it
    for command in ("aichain keys add alice", "aichain tx datanet create curator",
                    "aichain tx datanet contribute alice", "aichain tx datanet review curator",
                    "aichain tx datanet publish-version curator", "aichain worker train datanet:",
                    "aichain worker start --operator worker", "aichain infer ",
                    "aichain tx datanet claim ", "aichain tx gov submit-proposal user",
                    "aichain tx attribution submit liar", "aichain tx attribution challenge bob"):
        assert f"$ {command}" in out, command  # fmt: skip
    assert re.search(r"carol got 1,000,000 of its 2,000,000 uaic bond back, 1,000,000 burned", out)
    answers = re.findall(r"answer: '(.*)'", out)
    assert len(answers) >= 3 and all(a.strip() for a in answers), answers
    assert re.search(r"shaped by \d+ records: (alice|bob|carol) \d", out)
    claimed = [int(x.replace(",", "")) for x in re.findall(r"claimed ([\d,]+) uaic from", out)]
    assert claimed and all(c > 0 for c in claimed), claimed
    assert "PROPOSAL_STATUS_PASSED" in out and "data share 50% -> 60%" in out
    assert "DISPUTE_STATUS_UPHELD" in out
    summary = json.loads((home / "walkthrough.json").read_text())
    assert summary["model_id"] >= 1 and set(summary["addresses"]) >= {"alice", "bob", "carol"}
    # the banner lists every interface, and everything the demo started has stopped
    for name in ("CometBFT RPC", "gRPC", "REST", "App metrics", "Worker (OpenAI API)"):
        assert name in out, name
    assert "stopped node0" in out

    second = demo(home, base_port)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "has played on this network already" in second.stdout
    assert "$ aichain keys add" not in second.stdout
    assert "Worker (OpenAI API)" in second.stdout
