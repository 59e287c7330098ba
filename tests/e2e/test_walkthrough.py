"""`make run`'s walkthrough as a test: `aichain demo` on a fresh home plays the whole loop on a
real 4-validator local network (`make run VALIDATORS=4`) with a real worker daemon and the
explorer (data, curation, a model trained and registered, inference with attribution and
payouts, claims, a fee-split proposal voted by the validators and the next answer checked
against the new split, a false attribution challenged and slashed). The explorer serves the
same chain the CLI reads; Ctrl-C (SIGINT to the demo's process group) stops every process the
demo started; a second run resumes the same chain without replaying it."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from .conftest import AICHAIN, free_base_port

pytestmark = pytest.mark.e2e

VALIDATORS = "4"


def demo(home: Path, base_port: int, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AICHAIN, "demo", "--home", str(home), "--base-port", str(base_port),
         "--validators", VALIDATORS, "--explorer-port", "0", "--exit-after", *extra],
        capture_output=True, text=True, timeout=1500,
    )  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def processes_of(home: Path) -> list[int]:
    """Pids of the live processes whose command line names home (what the demo started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            state = (entry / "stat").read_text().split(") ", 1)[1][:1]
        except OSError:
            continue
        if str(home).encode() in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as reply:
        return json.loads(reply.read())


def cli_json(home: Path, *args: str) -> Any:
    out = subprocess.run([AICHAIN, *args, "--home", str(home), "--output", "json"],
                         capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    return json.loads(out.stdout)


def play_until_banner(home: Path, base_port: int, explorer_port: int) -> tuple[Any, str]:
    """Starts `aichain demo` as `make run` does (no --exit-after) and reads its output until
    the banner's last line; returns (the process, what it printed)."""
    proc = subprocess.Popen(
        [AICHAIN, "demo", "--home", str(home), "--base-port", str(base_port),
         "--validators", VALIDATORS, "--explorer-port", str(explorer_port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    lines: list[str] = []
    deadline = time.monotonic() + 1500
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if "Press Ctrl-C to stop everything" in line or time.monotonic() > deadline:
            break
    return proc, "".join(lines)


def test_the_walkthrough_plays_the_whole_loop_and_a_second_run_resumes(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    base_port = free_base_port(int(VALIDATORS))
    proc, out = play_until_banner(home, base_port, free_port())
    try:
        assert "Press Ctrl-C" in out, out[-4000:]
        # every step printed with the command that does it
        for command in (
            "aichain keys add alice",
            "aichain tx datanet create curator",
            "aichain tx datanet contribute alice",
            "aichain tx datanet review curator",
            "aichain tx datanet publish-version curator",
            "aichain worker train datanet:",
            "aichain worker start --operator worker",
            "aichain infer ",
            "aichain tx datanet claim ",
            "aichain tx gov submit-proposal user",
            "aichain tx gov vote val1",
            "aichain tx attribution submit liar",
            "aichain tx attribution challenge bob",
        ):
            assert f"$ {command}" in out, command  # fmt: skip
        # the junk record's whole bond is burned (the demo chain's datanet params)
        assert re.search(r"carol got 0 of its 2,000,000 uaic bond back, 2,000,000 burned", out)
        answers = re.findall(r"answer: '(.*)'", out)
        assert len(answers) >= 3 and all(a.strip() for a in answers), answers
        # each answer names its contributors with their weight and what they were paid
        assert re.search(r"shaped by \d+ records: (alice|bob|carol) [\d.]+% \([\d,]+ uaic\)", out)
        claimed = [int(x.replace(",", "")) for x in re.findall(r"claimed ([\d,]+) uaic from", out)]
        assert claimed and all(c > 0 for c in claimed), claimed
        # the proposal passed with the four validators' votes, and the next answer was paid by
        # the new split (the walkthrough raises unless the payouts equal the new params' shares)
        assert "PROPOSAL_STATUS_PASSED" in out and "data share 50% -> 60%" in out
        assert re.search(r"paid by the new split: data [\d,]+ of the [\d,]+ uaic fee \(60%\)", out)
        assert "DISPUTE_STATUS_UPHELD" in out
        summary = json.loads((home / "walkthrough.json").read_text())
        assert summary["model_id"] >= 1 and set(summary["addresses"]) >= {"alice", "bob", "carol"}
        assert not (home / "walkthrough.started").exists()
        # the banner lists every interface
        for name in (
            "CometBFT RPC",
            "gRPC",
            "REST",
            "App metrics",
            "Worker (OpenAI API)",
            "Explorer",
            "Validators",
        ):
            assert name in out, name  # fmt: skip

        # the explorer make run starts serves this chain: what it shows is what the CLI reads
        explorer = re.search(r"Explorer\s+: (http://127\.0\.0\.1:\d+)", out)
        assert explorer, out[-2000:]
        node0 = home / "node0"
        liar = summary["addresses"]["liar"]
        workers = get_json(explorer.group(1) + "/api/workers")
        upheld = [d for d in workers["disputes"] if d["status"] == "DISPUTE_STATUS_UPHELD"]
        assert len(upheld) == 1, workers["disputes"]
        cli_dispute = cli_json(node0, "query", "attribution", "dispute", str(upheld[0]["id"]))
        assert cli_dispute.get("dispute", cli_dispute)["slashed"] == upheld[0]["slashed"]
        shown = {w["operator"]: w for w in workers["workers"]}
        cli_worker = cli_json(node0, "query", "modelreg", "worker", liar)
        assert shown[liar]["bond"] == cli_worker.get("worker", cli_worker)["bond"]
        proposals = get_json(explorer.group(1) + "/api/proposals")["proposals"]
        assert [p["status"] for p in proposals] == ["PROPOSAL_STATUS_PASSED"]

        # Ctrl-C stops everything the demo started
        started = processes_of(home)
        # the apps, their CometBFTs, the explorer, the worker
        assert len(started) >= 2 * int(VALIDATORS) + 2, started
        os.killpg(proc.pid, signal.SIGINT)
        rest, _ = proc.communicate(timeout=180)
        assert proc.returncode == 0, rest[-3000:]
        assert "stopped node0" in rest
        deadline = time.monotonic() + 30
        while processes_of(home) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert processes_of(home) == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    # a network of another size is refused with the fix, before anything starts
    other = subprocess.run(
        [AICHAIN, "demo", "--home", str(home), "--base-port", str(base_port), "--validators", "1",
         "--exit-after"], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert other.returncode != 0 and "VALIDATORS=4" in other.stderr + other.stdout

    second = demo(home, base_port)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "has played on this network already" in second.stdout
    assert "$ aichain keys add" not in second.stdout
    assert "Worker (OpenAI API)" in second.stdout
