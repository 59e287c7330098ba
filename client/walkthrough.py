"""The walkthrough `make run` plays on a local chain: the product's whole loop, step by step.

Every step runs the real `aichain` CLI against the running chain and prints the command it
ran, as a person would type it with `AICHAIN_HOME` set, so each one can be repeated by hand.
Nothing here talks to the chain any other way: the walkthrough proves the CLI a user has.

The story: accounts for three data contributors, a curator, a model builder, a user and a
worker operator; a datanet; records contributed (one rejected, half its bond burned); version 1
published; an adapter trained on it and registered; inference answered by the worker, each
answer shown with the records that shaped it and what their contributors earned;
contributors claiming; a governance proposal changing the fee split, and the next inference
paying by it; a false attribution challenged and slashed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DENOM = "uaic"
FEES = ("--fees", f"20000{DENOM}", "-y")
"""Tx flags of every walkthrough tx (a local chain's fee, no confirmation prompt)."""

CONTRIBUTORS = ("alice", "bob", "carol")
ROLES = ("curator", "builder", "user", "worker", "worker-hot")
FUNDING = 50_000_000_000
"""uaic each walkthrough account gets from the funded `demo` key."""
RECORD_BOND = 2_000_000
"""Bond per contributed record (uaic): returned on acceptance, half burned on rejection."""


class WalkthroughError(RuntimeError):
    """A step whose command failed: the message names the command and its error."""


@dataclass
class Env:
    """Where the walkthrough runs: the node home (keyring, content store) and its chain."""

    home: Path
    chain_id: str
    work: Path
    """A directory for files the walkthrough writes (records, proposals, the adapter)."""
    funder: str = "demo"
    """The funded key that pays the walkthrough's accounts."""
    aichain: str = field(default_factory=lambda: str(Path(sys.executable).parent / "aichain"))
    echo: Callable[[str], None] = print


class Walkthrough:
    """Runs the steps in order; `addresses` fills in as accounts are made."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.addresses: dict[str, str] = {}
        self.step_no = 0

    # --- output ---------------------------------------------------------------------------

    def step(self, title: str, story: str) -> None:
        """Prints a step's heading and what it is about."""
        self.step_no += 1
        self.env.echo("")
        self.env.echo(f"── {self.step_no}. {title} " + "─" * max(0, 66 - len(title)))
        self.env.echo(f"   {story}")

    def say(self, line: str) -> None:
        self.env.echo(f"   {line}")

    # --- running commands -----------------------------------------------------------------

    def aichain(self, *args: str, json_out: bool = True, show: bool = True) -> Any:
        """Runs `aichain ARGS` against the chain; prints the command; returns its JSON output.

        Raises WalkthroughError with the command's own error when it fails."""
        if show:
            self.env.echo(f"   $ aichain {shlex.join(args)}")
        argv = [self.env.aichain, *args]
        if json_out:
            argv += ["--output", "json"]
        environ = {**os.environ, "AICHAIN_HOME": str(self.env.home)}
        proc = subprocess.run(argv, capture_output=True, text=True, env=environ, timeout=600)
        if proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip().splitlines()
            raise WalkthroughError(
                f"`aichain {shlex.join(args)}` failed: {detail[-1] if detail else proc.returncode}"
            )
        if not json_out:
            return proc.stdout
        return json.loads(proc.stdout) if proc.stdout.strip() else {}

    def tx(self, *args: str, gas: int = 0, show: bool = True) -> dict[str, Any]:
        """A tx command with the walkthrough's fee flags (gas: a limit above the default, paid
        at the local chain's minimum gas price); raises unless it was committed OK."""
        flags = FEES if not gas else ("--gas", str(gas), "--fees", f"{gas // 40}{DENOM}", "-y")
        result = self.aichain("tx", *args, *flags, show=show)
        if int(result.get("code", 0)) != 0:
            raise WalkthroughError(
                f"`aichain tx {shlex.join(args)}` was refused: "
                f"{result.get('codespace')}/{result.get('code')} {result.get('raw_log', '')}"
            )
        return result

    def balance(self, name: str) -> int:
        out = self.aichain(
            "query", "bank", "balances", self.addresses[name], "--denom", DENOM, show=False
        )
        return int(out["balance"]["amount"])

    # --- the steps ------------------------------------------------------------------------

    def accounts(self) -> None:
        self.step(
            "Accounts",
            "Three data contributors, a curator, a model builder, a user and a worker "
            "operator (with a hot key that signs its results), funded by the local chain's faucet.",
        )
        for name in (*CONTRIBUTORS, *ROLES):
            existing = subprocess.run(
                [self.env.aichain, "keys", "show", name, "--address", "--home", str(self.env.home)],
                capture_output=True,
                text=True,
            )
            if existing.returncode == 0:
                self.addresses[name] = existing.stdout.strip()
                continue
            made = self.aichain("keys", "add", name, show=name == CONTRIBUTORS[0])
            self.addresses[name] = made["address"]
        self.say(f"(and the same for {', '.join([*CONTRIBUTORS[1:], *ROLES])})")
        first = True
        for name in (*CONTRIBUTORS, *ROLES):
            if not first:
                self.aichain("tx", "bank", "send", self.env.funder, self.addresses[name],
                             f"{FUNDING}{DENOM}", *FEES, show=False)  # fmt: skip
                continue
            self.tx("bank", "send", self.env.funder, self.addresses[name], f"{FUNDING}{DENOM}")
            first = False
        for name in (*CONTRIBUTORS, *ROLES):
            self.say(f"{name:<11} {self.addresses[name]}  {self.balance(name):,} {DENOM}")

    def datanet(self, records: Path) -> tuple[int, list[int]]:
        """Creates the datanet, contributes the records, reviews them; returns (id, accepted)."""
        self.step(
            "A datanet",
            "The curator opens a datanet reviewed by its owner; each contributed record "
            f"escrows a bond of {RECORD_BOND:,} {DENOM}.",
        )
        self.tx("datanet", "create", "curator", "Trivia of the demo world",
                "--license", "CC-BY-4.0", "--bond", str(RECORD_BOND),
                "--description", "Facts about an invented world, by three people")  # fmt: skip
        listed = self.aichain("query", "datanet", "list")
        datanet_id = max(int(d["id"]) for d in listed["datanets"]
                         if d["owner"] == self.addresses["curator"])  # fmt: skip
        self.say(f"datanet {datanet_id} created, owned by the curator")

        self.step(
            "Contributions",
            "Each contributor puts record files in the content store and their sha256 on "
            "chain; one record is junk.",
        )
        manifest = json.loads((records.parent / "manifest.json").read_text())
        authors = sorted({r["contributor"] for r in manifest["records"]})
        by_contributor: dict[str, list[Path]] = {name: [] for name in CONTRIBUTORS}
        for record in manifest["records"]:
            name = CONTRIBUTORS[authors.index(record["contributor"]) % len(CONTRIBUTORS)]
            by_contributor[name].append(records / record["sha256"])
        files = [path for name in CONTRIBUTORS for path in by_contributor[name]]
        junk = self.env.work / "junk.txt"
        junk.write_text("buy cheap watches!!! click here\n")
        for name in CONTRIBUTORS:
            paths = [str(path) for path in by_contributor[name]]
            shown = [*paths[:2], "..."] if len(paths) > 2 else paths
            self.env.echo(f"   $ aichain tx datanet contribute {name} {datanet_id} "
                          f"{' '.join(shown)} (one tx, {len(paths)} records)")  # fmt: skip
            self.tx("datanet", "contribute", name, str(datanet_id), *paths,
                    gas=200_000 * len(paths), show=False)  # fmt: skip
        self.tx("datanet", "contribute", "carol", str(datanet_id), str(junk))
        listed = self.aichain("query", "datanet", "records", str(datanet_id))["records"]
        junk_hash = hashlib.sha256(junk.read_bytes()).hexdigest()
        junk_id = next(int(r["id"]) for r in listed if r["content_hash"] == junk_hash)
        pending = sorted(int(r["id"]) for r in listed if r["content_hash"] != junk_hash)
        self.say(f"{len(listed)} records pending review (record {junk_id} is the junk)")

        self.step(
            "Curation",
            "The curator accepts the real records and rejects the junk: half of that bond is "
            "burned, the rest returned.",
        )
        before = self.balance("carol")
        self.tx("datanet", "review", "curator", str(datanet_id), str(junk_id), "reject",
                "--reason", "spam, not a fact about the world")  # fmt: skip
        returned = self.balance("carol") - before
        self.say(f"record {junk_id} rejected: carol got {returned:,} of its {RECORD_BOND:,} "
                 f"{DENOM} bond back, {RECORD_BOND - returned:,} burned")  # fmt: skip
        accepted = pending
        self.tx("datanet", "review", "curator", str(datanet_id),
                ",".join(str(r) for r in accepted), "accept", gas=150_000 * len(accepted))  # fmt: skip
        self.say(f"{len(accepted)} records accepted: their bonds went back to the contributors")

        self.step("Version 1", "The curator publishes version 1: a Merkle root over its records.")
        self.tx("datanet", "publish-version", "curator", str(datanet_id),
                "--append", ",".join(str(r) for r in accepted),
                "--changelog", "first release", gas=2_000_000)  # fmt: skip
        version = self.aichain("query", "datanet", "version", str(datanet_id), "1")
        root = _find(version, "root") or _find(version, "version_root")
        self.say(f"version 1 of datanet {datanet_id}: {len(accepted)} records, root {root}")
        return datanet_id, accepted


def _find(obj: Any, key: str) -> Any:
    """The first value under key anywhere in a JSON document (None if absent)."""
    if isinstance(obj, dict):
        if key in obj:
            return obj[key]
        for value in obj.values():
            found = _find(value, key)
            if found is not None:
                return found
    elif isinstance(obj, list):
        for value in obj:
            found = _find(value, key)
            if found is not None:
                return found
    return None


def wait_until(check: Callable[[], bool], timeout: float, what: str, poll: float = 0.5) -> None:
    """Polls check until it holds. Raises WalkthroughError naming what did not happen."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise WalkthroughError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(poll)


def demo_records(walk: Walkthrough) -> Path:
    """The contributors' texts: the demo datanet generator's records (facts of an invented
    world, so an answer shows what the model learned from whom)."""
    walk.step(
        "The contributors' texts",
        "Three people each wrote eight short texts about an invented world.",
    )
    out = walk.env.work / "demo-datanet"
    if not (out / "records").is_dir():
        walk.aichain("worker", "make-demo-datanet", str(out), "--contributors",
                     str(len(CONTRIBUTORS)), json_out=False)  # fmt: skip
    sample = sorted((out / "records").iterdir())[0].read_text().strip()
    walk.say(f"e.g. {sample[:110]}...")
    return out / "records"


def play(demo: Any, workers: list[Path]) -> dict[str, str]:
    """Plays the walkthrough on a started demo network (node/demo.py) unless it has played;
    returns the banner's extra lines (the worker's endpoint)."""
    from aichain.node.demo import read_done, record_done

    done = read_done(demo)
    if done is not None:
        print("==> the walkthrough has played on this network already (FRESH=1 starts over)")
        return resume(demo, workers)
    work = demo.root / "walkthrough"
    work.mkdir(exist_ok=True)
    env = Env(home=demo.home, chain_id=demo.net.chain_id, work=work, funder="faucet")
    print(f"==> the walkthrough: every command below runs with AICHAIN_HOME={demo.home}")
    walk = Walkthrough(env)
    walk.accounts()
    records = demo_records(walk)
    walk.datanet(records)
    summary = {"addresses": walk.addresses}
    record_done(demo, summary)
    return {}


def resume(demo: Any, workers: list[Path]) -> dict[str, str]:
    """Starts again the worker a previous run's walkthrough set up; the banner's extra lines."""
    return {}
