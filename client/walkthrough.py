"""The walkthrough `make run` plays on a local chain: the product's whole loop, step by step.

Every step runs the real `aichain` CLI against the running chain and prints the command it
ran, as a person would type it with `AICHAIN_HOME` set, so each one can be repeated by hand.
Nothing here talks to the chain any other way: the walkthrough proves the CLI a user has.

The story: accounts for three data contributors, a curator, a model builder, a user and a
worker operator; a datanet; records contributed (one rejected, its bond burned); version 1
published; an adapter trained on it and registered; inference answered by the worker, each
answer shown with the records that shaped it and what their contributors earned;
contributors claiming; a governance proposal changing the fee split, and the next inference
paying by it; a false attribution challenged and slashed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
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
PRICE = 2_000_000
"""uaic per request the builder asks for the adapter (2 AIC: half goes to the data)."""
LIAR_BOND = 10_000_000
CHALLENGE_BOND = 1_000_000
PROMPTS = ("Q: what is the season of rogibu? A:", "Fact: the rival of wera is")
"""What the user asks: questions about the demo world the records describe."""
RECORD_BOND = 2_000_000
"""Bond per contributed record (uaic): returned on acceptance, burned on rejection (the demo
chain's genesis burns all of it; the chain's default is half)."""


def format_ppm(ppm: int) -> str:
    """A weight in ppm as a percentage a person reads: one decimal, two below 0.1%, and
    "<0.01%" for a share that small but not zero."""
    if ppm >= 1_000 or ppm == 0:
        return f"{ppm / 10_000:.1f}%"
    if ppm >= 100:
        return f"{ppm / 10_000:.2f}%"
    return "<0.01%"


def split_answer(text: str) -> tuple[str, str]:
    """(the answer's first sentence, what the model wrote after it): the demo's texts state
    several facts in a row, so a small model goes on to the next one after answering."""
    for index, char in enumerate(text):
        if char in ".!?" and (index + 1 == len(text) or text[index + 1] == " "):
            return text[: index + 1], text[index + 1 :].strip()
    return text, ""


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

    def aichain(
        self, *args: str, json_out: bool = True, show: bool = True, stream: bool = False
    ) -> Any:
        """Runs `aichain ARGS` against the chain; prints the command; returns its JSON output.

        Raises WalkthroughError with the command's own error when it fails."""
        if show:
            self.env.echo(f"   $ aichain {shlex.join(args)}")
        argv = [self.env.aichain, *args]
        if json_out:
            argv += ["--output", "json"]
        environ = {**os.environ, "AICHAIN_HOME": str(self.env.home)}
        stderr = None if stream else subprocess.PIPE
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=stderr, text=True,
                              env=environ, timeout=1800)  # fmt: skip
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
        junk = self.env.work / "junk.txt"
        junk.write_text("buy cheap watches!!! click here\n")
        for name in CONTRIBUTORS:
            folder = self.env.work / "texts" / name
            folder.mkdir(parents=True, exist_ok=True)
            for path in by_contributor[name]:
                (folder / f"{path.name}.txt").write_bytes(path.read_bytes())
            paths = sorted(str(path) for path in folder.glob("*.txt"))
            gas = 200_000 * len(paths)
            flags = ("--gas", str(gas), "--fees", f"{gas // 40}{DENOM}", "-y")
            self.env.echo(f"   $ aichain tx datanet contribute {name} {datanet_id} "
                          f"{shlex.quote(str(folder))}/*.txt {shlex.join(flags)}"
                          f"   # one tx, {len(paths)} records")  # fmt: skip
            self.tx("datanet", "contribute", name, str(datanet_id), *paths, gas=gas,
                    show=False)  # fmt: skip
        self.tx("datanet", "contribute", "carol", str(datanet_id), str(junk))
        listed = self.aichain("query", "datanet", "records", str(datanet_id))["records"]
        junk_hash = hashlib.sha256(junk.read_bytes()).hexdigest()
        junk_id = next(int(r["id"]) for r in listed if r["content_hash"] == junk_hash)
        pending = sorted(int(r["id"]) for r in listed if r["content_hash"] != junk_hash)
        self.say(f"{len(listed)} records pending review (record {junk_id} is the junk)")

        self.step(
            "Curation",
            "The curator accepts the real records and rejects the junk, whose bond is burned "
            "(this chain's datanet params burn all of a rejected record's bond).",
        )
        before = self.balance("carol")
        self.tx("datanet", "review", "curator", str(datanet_id), str(junk_id), "reject",
                "--reason", "spam, not a fact about the world")  # fmt: skip
        returned = self.balance("carol") - before
        self.say(f"record {junk_id} rejected: carol got {returned:,} of its {RECORD_BOND:,} "
                 f"{DENOM} bond back, {RECORD_BOND - returned:,} burned")  # fmt: skip
        accepted = pending
        ids = ",".join(str(r) for r in accepted)
        self.tx("datanet", "review", "curator", str(datanet_id), ids, "accept",
                gas=150_000 * len(accepted))  # fmt: skip
        self.say(f"{len(accepted)} records accepted: their bonds went back to the contributors")

        self.step("Version 1", "The curator publishes version 1: a Merkle root over its records.")
        self.tx("datanet", "publish-version", "curator", str(datanet_id),
                "--append", ",".join(str(r) for r in accepted),
                "--changelog", "first release", gas=2_000_000)  # fmt: skip
        version = self.aichain("query", "datanet", "version", str(datanet_id), "1")
        root = _find(version, "root") or _find(version, "version_root")
        self.say(f"version 1 of datanet {datanet_id}: {len(accepted)} records, root {root}")
        return datanet_id, accepted

    def name_of(self, address: str) -> str:
        """The walkthrough's name of an address (or the address)."""
        return next((n for n, a in self.addresses.items() if a == address), address)

    def model(self, datanet_id: int) -> int:
        """The builder trains an adapter on version 1 and registers it; returns its model id."""
        self.step(
            "A model",
            "The model builder trains a LoRA adapter on version 1 with the Model Factory (every "
            "record's hash and the version root checked first), puts it in the content store "
            "and registers it, with its provenance and a price per request.",
        )
        out = self.aichain("worker", "train", f"datanet:{datanet_id}@1",
                           "--out", str(self.env.work / "adapter"), "--register",
                           "--owner", "builder", "--price", str(PRICE), "--device", "cpu",
                           stream=True)  # fmt: skip
        model_id = int(out["model_id"])
        self.say(f"adapter registered as model {model_id} (base model {out['base_model_id']}), "
                 f"trained {out['steps']} steps to loss {out['final_loss']}, provenance "
                 f"datanet {datanet_id} version 1")  # fmt: skip
        return model_id

    def worker(self, model_id: int, grpc: str, port: int, worker_home: Path) -> str:
        """The operator starts a worker daemon serving the model; returns its endpoint."""
        self.step(
            "A worker",
            "The operator bonds a worker that serves the adapter: it follows the chain, answers "
            "the requests assigned to it, signs results with its hot key, and sits on "
            "challenge committees.",
        )
        out = self.aichain("worker", "start", "--operator", "worker", "--worker-key",
                           "worker-hot", "--model", str(model_id), "--grpc", grpc,
                           "--port", str(port), "--worker-home", str(worker_home),
                           "--device", "cpu", "--detach")  # fmt: skip
        url = str(out.get("url", f"http://127.0.0.1:{port}"))
        self.say(f"worker serving model {model_id} at {url}/v1 (OpenAI-compatible)")
        return url

    def ask(self, model_id: int, prompt: str) -> dict[str, Any]:
        """The user asks; prints the answer, its records and who was paid."""
        out: dict[str, Any] = self.aichain("infer", str(model_id), prompt, "--from", "user",
                                           "--settled")  # fmt: skip
        fact, rest = split_answer(" ".join(str(out.get("text") or "").split()))
        self.say(f"answer: {fact!r}" + (f" (then it ran on: {rest!r})" if rest else ""))
        by_person: dict[str, list[int]] = {}
        weighted = [r for r in out.get("records", []) if int(r["weight_ppm"]) > 0]
        for record in weighted:
            person = by_person.setdefault(self.name_of(record["contributor"]), [0, 0])
            person[0] += int(record["weight_ppm"])
            person[1] += int(record.get("paid") or 0)
        shares = ", ".join(f"{n} {format_ppm(w)} ({paid:,} {DENOM})" for n, (w, paid) in
                           sorted(by_person.items(), key=lambda kv: -kv[1][0]))  # fmt: skip
        self.say(f"shaped by {len(weighted)} records: {shares}")
        paid: dict[str, int] = {}
        for payout in out.get("payouts", []):
            if payout["role"] == "data":
                continue
            who = self.name_of(payout.get("recipient", "")) or payout["role"]
            key = f"{payout['role']} ({who})" if payout.get("recipient") else payout["role"]
            paid[key] = paid.get(key, 0) + int(payout["amount"])
        data = sum(int(p["amount"]) for p in out.get("payouts", []) if p["role"] == "data")
        self.say(
            f"fee {int(out.get('fee') or 0):,} {DENOM}: data contributors {data:,}, "
            + ", ".join(f"{k} {v:,}" for k, v in paid.items())
        )
        return out

    def check_split(self, answer: dict[str, Any], params: dict[str, Any]) -> None:
        """Says how an answer's fee was split and raises unless its data and worker payouts are
        what the chain's own split rule (modules/attribution/types.py `compute_split`, the
        rule of docs/settlement.md) gives for its fee and records under params."""
        from google.protobuf import json_format

        from aichain.attribution.v1 import attribution_pb2
        from aichain.modules.attribution.types import Params, compute_split

        fee = int(answer.get("fee") or 0)
        rules = Params.from_proto(
            json_format.ParseDict(params, attribution_pb2.Params(), ignore_unknown_fields=True)
        )
        weights = [((int(r["datanet_id"]), int(r["version"]), int(r["record_id"])),
                    int(r["weight_ppm"])) for r in answer.get("records", [])]  # fmt: skip
        split = compute_split(fee, rules, weights)
        paid = {role: sum(int(p["amount"]) for p in answer.get("payouts", [])
                          if p["role"] == role) for role in ("data", "worker")}  # fmt: skip
        for role, expected in (("data", split.data), ("worker", split.worker)):
            if paid[role] != expected:
                raise WalkthroughError(
                    f"the answer paid {role} {paid[role]:,} {DENOM} of a {fee:,} fee; the split "
                    f"in force ({role}_bps {params[f'{role}_bps']}) gives {expected:,}"
                )
        self.say(f"paid by the new split: data {paid['data']:,} of the {fee:,} {DENOM} fee "
                 f"({rules.data_bps / 100:.0f}%), worker {paid['worker']:,} "
                 f"({rules.worker_bps / 100:.0f}%)")  # fmt: skip

    def inference(self, model_id: int) -> list[dict[str, Any]]:
        self.step(
            "Inference",
            "The user asks the model on chain. The fee is escrowed, the chain assigns the "
            "worker, the worker answers with the records that shaped the answer (weights in "
            "ppm), and when the challenge window closes the fee is split: worker, model owner "
            "(and its lineage), the contributors of those records, the community pool.",
        )
        return [self.ask(model_id, prompt) for prompt in PROMPTS]

    def claims(self, datanet_id: int) -> None:
        self.step(
            "Earnings and claims",
            "Payouts accrue in accumulators (settling an answer costs the same for 3 "
            "contributors or 100,000); each person claims when they like.",
        )
        claimed_any = False
        for index, name in enumerate(CONTRIBUTORS):
            owed = self.aichain("query", "datanet", "earnings", str(datanet_id),
                                self.addresses[name], show=index == 0)  # fmt: skip
            if int(owed.get("total") or 0) == 0:
                self.say(f"{name} has nothing to claim yet: none of their records shaped these "
                         "answers")  # fmt: skip
                continue
            before = self.balance(name)
            self.tx("datanet", "claim", name, str(datanet_id), show=not claimed_any)
            claimed_any = True
            gained = self.balance(name) - before + 20_000
            self.say(f"{name} claimed {gained:,} {DENOM} from datanet {datanet_id}")
        before = self.balance("worker")
        self.tx("attribution", "claim", "worker")
        self.say(f"the worker claimed {self.balance('worker') - before + 20_000:,} {DENOM}")

    def fee_split(self, demo: Any, model_id: int) -> None:
        from aichain.app.authority import default_authority

        self.step(
            "Governance",
            "The community votes to give data contributors a bigger share: a proposal to "
            "change the attribution module's fee split, voted by the validators.",
        )
        params = self.aichain("query", "attribution", "params", show=False)["params"]
        old = {k: int(params[k]) for k in ("worker_bps", "data_bps")}
        params = {**params, "worker_bps": old["worker_bps"] - 1_000,
                  "data_bps": old["data_bps"] + 1_000}  # fmt: skip
        proposal = self.env.work / "fee-split.json"
        proposal.write_text(json.dumps({
            "messages": [{"@type": "/aichain.attribution.v1.MsgUpdateParams",
                          "authority": default_authority(), "params": params}],
            "title": "More for the data", "summary": "data_bps +10 points, worker_bps -10",
            "metadata": "", "deposit": f"10000000{DENOM}"}, indent=2))  # fmt: skip
        self.say(f"(the proposal: {proposal})")
        self.tx("gov", "submit-proposal", "user", str(proposal), gas=400_000)
        proposals = self.aichain("query", "gov", "proposals", show=False)["proposals"]
        proposal_id = max(int(p["id"]) for p in proposals)
        for index, node in enumerate(demo.net.nodes):
            home = () if index == 0 else ("--home", node.home)
            self.tx("gov", "vote", f"val{index}", str(proposal_id), "yes", *home,
                    show=index < 2)  # fmt: skip
        if len(demo.net.nodes) > 2:
            self.say(f"(and val2..val{len(demo.net.nodes) - 1}, each from its node's home)")
        self.say("waiting for the voting period to end...")

        def decided() -> bool:
            p = self.aichain("query", "gov", "proposal", str(proposal_id), show=False)
            return str(_find(p, "status")) not in ("PROPOSAL_STATUS_VOTING_PERIOD",
                                                  "PROPOSAL_STATUS_DEPOSIT_PERIOD")  # fmt: skip

        wait_until(decided, 120, f"proposal {proposal_id} to be decided", poll=2)
        status = _find(self.aichain("query", "gov", "proposal", str(proposal_id)), "status")
        self.say(f"proposal {proposal_id}: {status}")
        if status != "PROPOSAL_STATUS_PASSED":
            raise WalkthroughError(f"the fee-split proposal did not pass: {status}")
        now = self.aichain("query", "attribution", "params")["params"]
        self.say(f"data share {old['data_bps'] / 100:.0f}% -> {int(now['data_bps']) / 100:.0f}%, "
                 f"worker share {old['worker_bps'] / 100:.0f}% -> "
                 f"{int(now['worker_bps']) / 100:.0f}%; the next answer pays by it:")  # fmt: skip
        self.check_split(self.ask(model_id, PROMPTS[0]), now)

    def false_attribution(self, model_id: int, honest: dict[str, Any], chain_id: str) -> None:
        self.step(
            "A false attribution",
            "A second worker joins and lies: it answers a request but credits records of a "
            "contributor who had nothing to do with the answer. Bob challenges it with a bond; "
            "a committee of other workers serving the model re-runs the inference and votes by "
            "commit-reveal; the liar's bond is slashed and the challenger paid.",
        )
        for name in ("liar", "liar-hot"):
            if name not in self.addresses:
                self.addresses[name] = self.aichain("keys", "add", name, show=name == "liar")[
                    "address"
                ]
        self.tx("bank", "send", self.env.funder, self.addresses["liar"], f"{FUNDING}{DENOM}",
                show=False)  # fmt: skip
        self.tx("modelreg", "register-worker", "liar", "--hot-key", "liar-hot", "--model",
                str(model_id), "--endpoint", "http://127.0.0.1:9/", "--bond",
                str(LIAR_BOND))  # fmt: skip
        model = self.aichain("query", "modelreg", "model", str(model_id), show=False)
        base = self.aichain("query", "modelreg", "model", str(model["base_model_id"]), show=False)
        liar = self.addresses["liar"]
        request = None
        for attempt in range(12):
            self.tx("attribution", "request", "user", str(model_id), "--input",
                    PROMPTS[1], "--max-fee", str(PRICE), show=attempt == 0)  # fmt: skip
            listed = self.aichain("query", "attribution", "inferences", "--requester",
                                  self.addresses["user"], show=False)["inferences"]  # fmt: skip
            newest = max(listed, key=lambda i: int(i["request"]["id"]))["request"]
            if newest.get("assigned_worker") == liar:
                request = newest
                break
            self.say(f"request {newest['id']} went to the honest worker (the chain picks by "
                     "bond from the last block hash); asking again")  # fmt: skip
        if request is None:
            raise WalkthroughError("no request was assigned to the second worker in 12 tries")
        self.say(f"request {request['id']} is assigned to the liar")
        honest_entries = honest["records"]
        victims = [r for r in self._records_of("carol")
                   if r not in {e["record_id"] for e in honest_entries}]  # fmt: skip
        entries = [{"datanet_id": str(e["datanet_id"]), "version": str(e["version"]),
                    "record_id": str(victims[i % len(victims)]),
                    "weight_ppm": e["weight_ppm"]}
                   for i, e in enumerate(honest_entries[: len(victims)])]  # fmt: skip
        total = sum(int(e["weight_ppm"]) for e in entries)
        entries[0]["weight_ppm"] = int(entries[0]["weight_ppm"]) + 1_000_000 - total
        text = "a made-up answer"
        result = {
            "chain_id": chain_id, "request_id": str(request["id"]), "worker": liar,
            "model_id": str(model_id), "adapter_weights_hash": model["weights_hash"],
            "base_weights_hash": base["weights_hash"],
            "output_hash": hashlib.sha256(text.encode()).hexdigest(),
            "output_inline": base64.b64encode(text.encode()).decode(),
            "completion_tokens": "4", "method": "blend-v1",
            "evidence_hash": hashlib.sha256(b"no evidence").hexdigest(), "attributions": entries,
        }  # fmt: skip
        path = self.env.work / "false-result.json"
        path.write_text(json.dumps(result, indent=2))
        self.say(f"(the forged result, every record carol's: {path})")
        self.tx("attribution", "submit", "liar", str(path), "--hot-key", "liar-hot")
        inference_id = str(request["id"])
        bond_before = self._worker_bond(liar)
        bob_before = self.balance("bob")
        self.tx("attribution", "challenge", "bob", inference_id, "--bond", str(CHALLENGE_BOND),
                "--reason", "these records are not what shaped it")  # fmt: skip
        disputes = self.aichain("query", "attribution", "disputes", show=False)["disputes"]
        dispute_id = max(int(d["id"]) for d in disputes)
        self.say(f"dispute {dispute_id} opened; the committee re-runs the inference...")

        def resolved() -> bool:
            d = self.aichain("query", "attribution", "dispute", str(dispute_id), show=False)
            return str(_find(d, "status")) not in ("DISPUTE_STATUS_COMMIT",
                                                  "DISPUTE_STATUS_REVEAL")  # fmt: skip

        wait_until(resolved, 240, f"dispute {dispute_id} to be resolved", poll=2)
        found = self.aichain("query", "attribution", "dispute", str(dispute_id))
        dispute = found.get("dispute", found)
        votes = ", ".join(f"{self.name_of(v['member'])}: "
                          f"{'agrees' if v.get('agrees') else 'disagrees'}"
                          for v in dispute.get("committee", []))  # fmt: skip
        self.say(f"dispute {dispute_id}: {dispute['status']} (committee: {votes})")
        if dispute["status"] != "DISPUTE_STATUS_UPHELD":
            raise WalkthroughError(f"the challenge was not upheld: {dispute['status']}")
        request_after = self.aichain("query", "attribution", "inference", inference_id,
                                     show=False)  # fmt: skip
        status = _find(request_after, "status")
        self.say(f"liar's bond {bond_before:,} -> {self._worker_bond(liar):,} {DENOM} "
                 f"(slashed {int(dispute.get('slashed') or 0):,}, burned "
                 f"{int(dispute.get('burned') or 0):,}); bob got "
                 f"his bond back and a reward of {self.balance('bob') - bob_before + 20_000:,} "
                 f"{DENOM}; request {inference_id}: {status}")  # fmt: skip

    def _records_of(self, name: str) -> list[int]:
        listed = self.aichain("query", "datanet", "records", "1", show=False)["records"]
        return [int(r["id"]) for r in listed if r["contributor"] == self.addresses[name]
                and r["status"] == "RECORD_STATUS_ACCEPTED"]  # fmt: skip

    def _worker_bond(self, operator: str) -> int:
        out = self.aichain("query", "modelreg", "worker", operator, show=False)
        return int(_find(out, "bond") or 0)


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


def _worker_args(demo: Any, summary: dict[str, Any]) -> tuple[str, int, Path]:
    from aichain.node.demo import app_address

    grpc = app_address(demo.home, "grpc")
    port = int(summary.get("worker_port", 0))
    return grpc, port, demo.root / "worker"


def play(demo: Any, workers: list[Path], worker_port: int = 0) -> dict[str, str]:
    """Plays the walkthrough on a started demo network (node/demo.py) unless it has played;
    returns the banner's extra lines (the worker's endpoint)."""
    from aichain.node.demo import read_done, record_done, record_started

    done = read_done(demo)
    if done is not None:
        print("==> the walkthrough has played on this network already (FRESH=1 starts over)")
        return resume(demo, workers)
    work = demo.root / "walkthrough"
    work.mkdir(exist_ok=True)
    env = Env(home=demo.home, chain_id=demo.net.chain_id, work=work, funder="faucet")
    print(f"==> the walkthrough: every command below runs with AICHAIN_HOME={demo.home}")
    record_started(demo)
    started = time.monotonic()
    walk = Walkthrough(env)
    walk.accounts()
    records = demo_records(walk)
    datanet_id, _ = walk.datanet(records)
    model_id = walk.model(datanet_id)
    grpc, _, worker_home = _worker_args(demo, {})
    workers.append(worker_home)
    url = walk.worker(model_id, grpc, worker_port, worker_home)
    answers = walk.inference(model_id)
    walk.claims(datanet_id)
    walk.fee_split(demo, model_id)
    walk.false_attribution(model_id, answers[0], demo.net.chain_id)
    summary = {"addresses": walk.addresses, "model_id": model_id, "datanet_id": datanet_id,
               "worker_url": url, "worker_port": int(url.rsplit(":", 1)[-1].split("/")[0]),
               "seconds": round(time.monotonic() - started)}  # fmt: skip
    record_done(demo, summary)
    walk.step("Done", f"The walkthrough took {summary['seconds']} s. Everything keeps running: "
              "try the commands above, or open the explorer.")  # fmt: skip
    return {"Worker (OpenAI API)": f"{url}/v1"}


def resume(demo: Any, workers: list[Path]) -> dict[str, str]:
    """Starts again the worker a previous run's walkthrough set up; the banner's extra lines."""
    from aichain.node.demo import read_done

    summary = read_done(demo)
    if not summary or "model_id" not in summary:
        return {}
    grpc, port, worker_home = _worker_args(demo, summary)
    env = Env(home=demo.home, chain_id=demo.net.chain_id, work=demo.root / "walkthrough",
              echo=lambda line: None)  # fmt: skip
    workers.append(worker_home)
    out = Walkthrough(env).aichain("worker", "start", "--operator", "worker", "--worker-key",
                                   "worker-hot", "--model", str(summary["model_id"]),
                                   "--grpc", grpc, "--port", str(port), "--worker-home",
                                   str(worker_home), "--device", "cpu",
                                   "--detach")  # fmt: skip
    return {"Worker (OpenAI API)": f"{out.get('url', summary.get('worker_url'))}/v1"}
