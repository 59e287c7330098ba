"""The worker daemon end to end on one real node (issue 17).

A datanet published on chain; `aichain worker train datanet:1@1 --register` trains the tiny
adapter, puts it in the content store and registers it; two workers serve it: A through
`aichain worker start --detach` (killed mid-stream with SIGKILL and restarted), B in this
process (so the test can patch it to lie). Requests are answered and settled through the
daemons; A's restart misses nothing and duplicates nothing; B, patched to swap its
attribution, is challenged, A's committee vote disagrees and B is slashed (A is stopped and
restarted between its commit and its reveal); a worker given bytes that differ from the
registry refuses that adapter, and one given an unknown model serves the others; a request
whose input is missing is refused by its worker and refunded at its timeout; `aichain infer`
and the Python client show an answer, its records and what they were paid; prepaid requests
are answered at once and settled in batches, bad receipts refused; `--register` refuses a
restricted datanet before any work.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")

from aichain.app.crypto import PrivateKey, account_address  # noqa: E402
from aichain.client.blobs import GrpcBlobStore, home_store  # noqa: E402
from aichain.client.inference import InferenceClient, encode_input  # noqa: E402
from aichain.client.keyring import Keyring  # noqa: E402
from aichain.gpu_worker.chain_client import ChainClient, TxSender  # noqa: E402

from .conftest import Node, make_node  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.ml]

PARAMS = {
    "assignment_window_blocks": "400",
    "min_timeout_blocks": "3",
    "max_timeout_blocks": "600",
    "challenge_window_blocks": "25",
    "committee_size": 1,
    "commit_window_blocks": "40",
    "reveal_window_blocks": "60",
    "min_challenge_bond": "1000000",
    "slash_bps": 1000,
}
"""Short windows so requests settle and a dispute resolves within the test."""

RECORDS = {
    "alice": [f"the season of {w} is parsec-teva." for w in ("java", "kiln", "loam", "mire")],
    "bob": [f"the colour of {w} is rust-red." for w in ("mars", "opal", "pine", "quay")],
    "carol": [f"the tide of {w} is slow-moon." for w in ("lune", "reef", "sand", "tarn")],
}
"""Contributor -> the records they add (12 in all)."""

BASE = "tiny:0"
"""The randomly initialised tiny base (the pre-trained `tiny` is built once per machine; this
test needs no readable answers, only the same bytes on every worker)."""

PRICE = 1000
"""uaic per request of the registered adapter."""


def wait_for(what: str, fn: Any, timeout: float = 120.0, poll: float = 0.3) -> Any:
    """fn() until truthy; fails with what after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out waiting for {what}")


class World:
    """The node, keys and ids the tests share."""

    def __init__(self, node: Node, root: Path) -> None:
        self.node = node
        self.root = root
        self.chain = ChainClient(node.rpc)
        self.keyring = Keyring(node.home, "test")
        self.keys: dict[str, PrivateKey] = {"faucet": node.faucet}  # type: ignore[dict-item]
        self.model_id = 0
        self.worker_b: Any = None
        self.b_thread: threading.Thread | None = None

    def key(self, name: str) -> PrivateKey:
        if name not in self.keys:
            self.keyring.add_key(name)
            self.keys[name] = self.keyring.private_key(name)
        return self.keys[name]

    def address(self, name: str) -> str:
        return account_address(self.key(name).address)

    def sender(self, name: str) -> TxSender:
        return TxSender(self.chain, self.key(name))

    def worker_a(self, *args: str, check: bool = True) -> Any:
        return self.node.cli(
            "worker",
            *args,
            "--worker-home",
            str(self.root / "worker-a"),
            "--output",
            "json",
            check=check,
        )

    def journal(self, home: Path) -> dict[str, list[tuple[int, str, str]]]:
        """request id, state, reason of every journaled result, by state."""
        with sqlite3.connect(home / "journal.sqlite") as db:
            rows = list(db.execute("SELECT request_id, state, reason FROM results"))
        out: dict[str, list[tuple[int, str, str]]] = {}
        for row in rows:
            out.setdefault(row[1], []).append(row)
        return out


def _votes(home: Path) -> dict[int, str]:
    """dispute id -> state of every vote journaled in a worker home."""
    with sqlite3.connect(home / "journal.sqlite") as db:
        return dict(db.execute("SELECT dispute_id, state FROM votes"))


def _set_genesis_params(node: Node) -> None:
    from aichain.node.home import Home

    path = Home(node.home).genesis
    genesis = json.loads(path.read_text())
    section = genesis["app_state"].setdefault("attribution", {"params": {}, "state": []})
    section.setdefault("params", {}).update(PARAMS)
    path.write_text(json.dumps(genesis, indent=2))


def _setup_chain(world: World) -> None:
    from cosmos.bank.v1beta1 import tx_pb2 as bank_tx
    from cosmos.base.v1beta1 import coin_pb2

    from aichain.datanet.v1 import datanet_pb2 as dpb
    from aichain.datanet.v1 import tx_pb2 as dtx

    names = [
        "alice",
        "bob",
        "carol",
        "op-a",
        "hot-a",
        "op-b",
        "hot-b",
        "op-c",
        "hot-c",
        "requester",
        "challenger",
    ]
    faucet = world.sender("faucet")
    faucet.send_and_wait(
        [
            bank_tx.MsgSend(
                from_address=world.address("faucet"),
                to_address=world.address(name),
                amount=[coin_pb2.Coin(denom="uaic", amount=str(10**9))],
            )
            for name in names
        ]
    )
    faucet.send_and_wait(
        [
            dtx.MsgCreateDatanet(
                creator=world.address("faucet"),
                name="facts",
                license="CC-BY-4.0",
                modality=dpb.MODALITY_TEXT,
                curation_mode=dpb.CURATION_MODE_OPEN,
                access_policy=dpb.ACCESS_POLICY_PUBLIC,
                bond_per_record="0",
                max_record_size=4096,
            )
        ]
    )
    store = home_store(world.node.home)
    for name, texts in RECORDS.items():
        msgs = []
        for text in texts:
            data = text.encode()
            msgs.append(
                dtx.MsgContribute(
                    contributor=world.address(name),
                    datanet_id=1,
                    content_hash=store.put(data),
                    size=len(data),
                    media_type="text/plain",
                )
            )
        world.sender(name).send_and_wait(msgs)
    n = sum(len(t) for t in RECORDS.values())
    faucet.send_and_wait(
        [
            dtx.MsgPublishVersion(
                publisher=world.address("faucet"),
                datanet_id=1,
                append=list(range(1, n + 1)),
                changelog="v1",
            )
        ]
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A node with the short attribution params, a public datanet v1 of 12 records, and the
    adapter trained on it and registered by `aichain worker train ... --register`."""
    root = tmp_path_factory.mktemp("worker-daemon")
    node = make_node(root)
    _set_genesis_params(node)
    node.start(wait_height=2)
    w = World(node, root)
    try:
        _setup_chain(w)
        trained = node.cli(
            "worker",
            "train",
            "datanet:1@1",
            "--register",
            "--owner",
            "faucet",
            "--name",
            "facts-lora",
            "--price",
            str(PRICE),
            "--out",
            str(root / "adapter"),
            "--max-steps",
            "6",
            "--batch-size",
            "4",
            "--rank",
            "4",
            "--quiet",
            "--device",
            "cpu",
            "--base-model",
            BASE,
            "--blob-grpc",
            node.grpc,
            "--output",
            "json",
        )
        registered = json.loads(trained.stdout)
        w.model_id = int(registered["model_id"])
        yield w
    finally:
        if w.worker_b is not None:
            w.worker_b.stop()
            if w.b_thread is not None:
                w.b_thread.join(timeout=30)
        w.worker_a("stop", check=False)
        node.stop()


def _start_worker_b(world: World) -> None:
    from aichain.gpu_worker.daemon.worker import DaemonConfig, WorkerDaemon

    config = DaemonConfig(
        home=world.root / "worker-b",
        node=world.node.rpc,
        blob_grpc=world.node.grpc,
        operator=world.key("op-b"),
        hot=world.key("hot-b"),
        models=(world.model_id,),
        device="cpu",
        base_model=BASE,
        poll_s=0.5,
    )
    daemon = WorkerDaemon(config, GrpcBlobStore(world.node.grpc))
    daemon.start()
    world.worker_b = daemon
    world.b_thread = threading.Thread(target=daemon.run, name="worker-b", daemon=True)
    world.b_thread.start()


def _start_worker_a(world: World) -> None:
    world.worker_a(
        "start",
        "--detach",
        "--operator",
        "op-a",
        "--worker-key",
        "hot-a",
        "--model",
        str(world.model_id),
        "--grpc",
        world.node.grpc,
        "--device",
        "cpu",
        "--base-model",
        BASE,
        "--poll-s",
        "0.5",
    )


def _request_many(world: World, prompts: list[str], **extra: Any) -> list[tuple[int, str]]:
    """(request id, assigned worker) of one tx of MsgRequestInference (inline inputs unless
    extra names an input_hash)."""
    from aichain.attribution.v1 import tx_pb2

    msgs = [
        tx_pb2.MsgRequestInference(
            requester=world.address("requester"),
            model_id=world.model_id,
            max_fee=str(PRICE),
            **extra,
        )
        for p in prompts
    ]
    for msg, prompt in zip(msgs, prompts, strict=True):
        if not msg.input_hash:
            msg.input_inline = encode_input(prompt, 12)
    done = world.sender("requester").send_and_wait(msgs)
    out = []
    for raw in done.responses:
        resp = tx_pb2.MsgRequestInferenceResponse.FromString(raw)
        out.append((resp.request_id, resp.assigned_worker))
    return out


def _status(world: World, request_id: int) -> int:
    return world.chain.inference(request_id).request.status


def test_workers_answer_settle_and_survive_a_restart(world: World) -> None:
    _start_worker_a(world)
    _start_worker_b(world)
    status = json.loads(world.worker_a("status").stdout)
    assert status["running"] and str(world.model_id) in status["adapters"]
    chain_worker = world.chain.worker(world.address("op-a"))
    assert list(chain_worker.models) == [world.model_id]

    a, b = world.address("op-a"), world.address("op-b")
    # a request whose input blob is not in the content store: refused by its worker (journal,
    # log) while the others are served, and refunded at its timeout
    height = world.chain.latest_height()
    missing = _request_many(world, [""], input_hash="ab" * 32, timeout_height=height + 8)[0]
    missing_home = world.root / ("worker-a" if missing[1] == a else "worker-b")
    wait_for("the missing input refused", lambda: world.journal(missing_home).get("refused"))
    # mid-stream, A is killed (SIGKILL: no graceful flush) while its requests are in flight
    first = _request_many(world, [f"the season of {w} is" for w in ("java", "kiln", "loam")])
    first += _request_many(world, ["the colour of mars is", "the tide of lune is"])
    os.kill(int((world.root / "worker-a" / "worker.pid").read_text()), signal.SIGKILL)
    second = _request_many(world, [f"the tide of {w} is" for w in ("reef", "sand", "tarn")])
    second += _request_many(world, ["the colour of opal is", "the season of mire is"])
    _start_worker_a(world)
    requests = first + second
    assert {w for _, w in requests} <= {a, b}
    wait_for(
        "ten results settled", lambda: all(_status(world, r) == 3 for r, _ in requests), timeout=180
    )
    for request_id, assigned in requests:
        inference = world.chain.inference(request_id)
        assert inference.worker == assigned
        assert sum(e.weight_ppm for e in inference.result.attributions) == 10**6
        assert any(p.role == "data" and int(p.amount) > 0 for p in inference.payouts)
    journal_a = world.journal(world.root / "worker-a")
    mine = sorted(r for r, w in requests if w == a)
    assert sorted(r for r, _, _ in journal_a.get("done", [])) == mine  # once each, none missed
    # the missing input: refused by its worker (journal, log), refunded at its timeout
    wait_for("the missing-input request refunded", lambda: _status(world, missing[0]) == 4)
    refused = world.journal(missing_home).get("refused", [])
    assert [(r, reason) for r, _, reason in refused] == [
        (missing[0], f"input blob {'ab' * 32} is not in the content store")
    ]
    other = world.root / ("worker-b" if missing_home.name == "worker-a" else "worker-a")
    assert "refused" not in world.journal(other)


def test_infer_cli_shows_answer_records_and_payouts(world: World) -> None:
    out = world.node.cli(
        "infer",
        str(world.model_id),
        "the season of java is",
        "--from",
        "requester",
        "--max-tokens",
        "12",
        "--settled",
        "--grpc",
        world.node.grpc,
        "--output",
        "json",
    )
    answer = json.loads(out.stdout)
    assert answer["status"] == "settled" and answer["text"]
    assert sum(r["weight_ppm"] for r in answer["records"]) == 10**6
    contributors = {world.address(n) for n in RECORDS}
    assert {r["contributor"] for r in answer["records"]} <= contributors
    assert sum(int(r["paid"]) for r in answer["records"]) > 0
    client = InferenceClient(world.node.rpc, world.key("requester"))
    python_answer = client.ask(world.model_id, "the tide of lune is", max_tokens=8)
    assert python_answer.status in ("answered", "settled") and python_answer.text is not None
    assert sum(r.weight_ppm for r in python_answer.records) == 10**6
    text = world.node.cli(
        "infer",
        str(world.model_id),
        "the colour of mars is",
        "--from",
        "requester",
        "--max-tokens",
        "8",
    ).stdout
    assert "records that shaped it" in text and "paid" in text


def test_a_lying_worker_is_challenged_and_slashed(world: World) -> None:
    b = world.address("op-b")
    all_ids = list(range(1, sum(len(t) for t in RECORDS.values()) + 1))

    def swap(request: Any, entries: list[Any]) -> list[Any]:
        from aichain.attribution.v1 import attribution_pb2

        used = {e.record_id for e in entries}
        target = next(
            (r for r in all_ids if r not in used),
            min(entries, key=lambda e: e.weight_ppm).record_id,
        )
        return [
            attribution_pb2.AttributionEntry(
                datanet_id=1, version=1, record_id=target, weight_ppm=10**6
            )
        ]

    world.worker_b.compute_claim = swap
    bond_before = int(world.chain.worker(b).bond)
    lied = 0
    for i in range(20):  # equal bonds: each request goes to B with probability 1/2
        request_id, assigned = _request_many(world, [f"the tide of reef is {i}"])[0]
        if assigned == b:
            lied = request_id
            break
    assert lied, "no request was assigned to worker B"
    wait_for("the lie on chain", lambda: _status(world, lied) == 2)
    from aichain.attribution.v1 import tx_pb2

    done = world.sender("challenger").send_and_wait(
        [
            tx_pb2.MsgChallenge(
                challenger=world.address("challenger"),
                inference_id=lied,
                bond="1000000",
                reason="records swapped",
            )
        ]
    )
    dispute_id = tx_pb2.MsgChallengeResponse.FromString(done.responses[0]).dispute_id
    # A (the committee) commits; restarted between its commit and its reveal, it reveals from
    # the salt and vote it journaled before committing
    home_a = world.root / "worker-a"
    wait_for("A's commitment", lambda: _votes(home_a).get(dispute_id), timeout=60)
    world.worker_a("stop")
    assert world.chain.dispute(dispute_id).status in (1, 2)  # not resolved yet
    _start_worker_a(world)
    dispute = wait_for(
        "the dispute resolved",
        lambda: (d := world.chain.dispute(dispute_id)).status in (3, 4, 5) and d,
        timeout=150,
    )
    assert dispute.status == 3, dispute  # UPHELD
    votes = {v.member: v for v in dispute.committee}
    assert votes[world.address("op-a")].revealed and not votes[world.address("op-a")].agrees
    assert int(world.chain.worker(b).bond) < bond_before
    assert _votes(home_a)[dispute_id] == "revealed"
    world.worker_b.compute_claim = lambda request, entries: entries


def test_a_worker_refuses_bytes_that_differ_from_the_registry(world: World) -> None:
    tampered = world.root / "tampered"
    tampered.mkdir()
    for f in (world.root / "adapter").iterdir():
        if f.is_file():
            (tampered / f.name).write_bytes(f.read_bytes())
    weights = tampered / "adapter_model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    out = world.node.cli(
        "worker",
        "start",
        "--operator",
        "op-b",
        "--worker-key",
        "hot-b",
        "--model",
        str(world.model_id),
        "--adapter",
        f"{world.model_id}={tampered}",
        "--grpc",
        world.node.grpc,
        "--device",
        "cpu",
        "--base-model",
        BASE,
        "--worker-home",
        str(world.root / "worker-c"),
        check=False,
    )
    assert out.returncode != 0
    assert "not the registered bytes" in out.stderr
    log = (world.root / "worker-c" / "worker.log").read_text()
    assert f"refusing to serve model {world.model_id}" in log
    # a refused model does not stop the others: C serves the registered adapter (fetched from
    # the content store) and refuses an unknown one, and registers only what it serves
    home_c = world.root / "worker-c2"
    world.node.cli(
        "worker",
        "start",
        "--detach",
        "--operator",
        "op-c",
        "--worker-key",
        "hot-c",
        "--model",
        str(world.model_id),
        "--model",
        "999",
        "--grpc",
        world.node.grpc,
        "--device",
        "cpu",
        "--base-model",
        BASE,
        "--worker-home",
        str(home_c),
    )
    try:
        status = json.loads(
            world.node.cli("worker", "status", "--worker-home", str(home_c), "-o", "json").stdout
        )
        assert list(status["adapters"]) == [str(world.model_id)]
        assert "not in the registry" in status["refused_adapters"]["999"]
        assert list(world.chain.worker(world.address("op-c")).models) == [world.model_id]
        text = world.node.cli("worker", "status", "--worker-home", str(home_c)).stdout
        assert "REFUSED" in text and "queue depth" in text
    finally:
        world.node.cli("worker", "stop", "--worker-home", str(home_c))
    # a worker on another base than the adapter's refuses to start, saying why
    other_base = world.node.cli(
        "worker",
        "start",
        "--operator",
        "op-c",
        "--worker-key",
        "hot-c",
        "--model",
        str(world.model_id),
        "--grpc",
        world.node.grpc,
        "--device",
        "cpu",
        "--base-model",
        "tiny:1",
        "--worker-home",
        str(world.root / "worker-c3"),
        check=False,
    )
    assert other_base.returncode != 0 and "--base-model" in other_base.stderr
    from aichain.modelreg.v1 import tx_pb2 as mtx

    # C leaves (unbonding workers get no new requests)
    world.sender("op-c").send_and_wait([mtx.MsgUnbondWorker(operator=world.address("op-c"))])


def test_train_register_refuses_a_restricted_datanet_before_any_work(world: World) -> None:
    from aichain.datanet.v1 import datanet_pb2 as dpb
    from aichain.datanet.v1 import tx_pb2 as dtx

    done = world.sender("faucet").send_and_wait(
        [
            dtx.MsgCreateDatanet(
                creator=world.address("faucet"),
                name="private",
                license="proprietary",
                modality=dpb.MODALITY_TEXT,
                curation_mode=dpb.CURATION_MODE_OPEN,
                access_policy=dpb.ACCESS_POLICY_RESTRICTED,
                access_price="0",
                bond_per_record="0",
                max_record_size=4096,
            )
        ]
    )
    restricted = dtx.MsgCreateDatanetResponse.FromString(done.responses[0]).id
    out_dir = world.root / "never"
    args = (
        "worker",
        "train",
        f"datanet:{restricted}@1",
        "--register",
        "--out",
        str(out_dir),
        "--device",
        "cpu",
        "--base-model",
        BASE,
        "--quiet",
    )
    refused = world.node.cli(*args, "--owner", "alice", check=False)
    assert refused.returncode != 0 and "restricted" in refused.stderr
    assert "has no access" in refused.stderr and not out_dir.exists()
    no_owner = world.node.cli(*args, check=False)
    assert no_owner.returncode != 0 and "--register needs --owner" in no_owner.stderr


def test_prepaid_requests_are_answered_at_once_and_settled_in_batches(world: World) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from aichain.attribution.v1 import tx_pb2
    from aichain.client.inference import make_receipt, prepaid_completion
    from aichain.gpu_worker.daemon.prepaid import request_body

    requester = world.address("requester")
    world.sender("requester").send_and_wait(
        [tx_pb2.MsgFundPrepaid(requester=requester, model_id=world.model_id, amount=str(5 * PRICE))]
    )
    url = world.worker_b.runtime.server.http.url
    key, chain_id = world.key("requester"), world.chain.chain_id()

    def ask(
        nonce: int, prompt: str = "the season of kiln is", price: int = PRICE, model: int = 0
    ) -> tuple[int, dict]:
        return prepaid_completion(
            url,
            key,
            chain_id,
            model or world.model_id,
            prompt,
            price=price,
            nonce=nonce,
            max_tokens=8,
        )

    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(ask, (101, 102, 103)))
    for status, body in answers:
        assert status == 200, body
        assert body["choices"][0]["text"] and body["settlement"]["status"] == "queued"
        assert sum(r["weight_ppm"] for r in body["attribution"]["records"]) == 10**6
    # refusals a requester can see, and the worker keeps serving
    assert ask(101)[0] == 409  # replayed nonce
    status, body = ask(104, price=PRICE - 1)
    assert status == 402 and body["error"]["code"] == "price_too_low"
    status, body = ask(105, model=999)
    assert status == 404 and body["error"]["code"] == "model_not_found"
    status, body = ask(106, prompt="x" * 5000)
    assert status == 400 and body["error"]["code"] == "context_length_exceeded"
    import urllib.error
    import urllib.request

    receipt, signature = make_receipt(key, chain_id, world.model_id, "hi", 8, PRICE, 107)
    raw = request_body(world.model_id, "hi", 8, receipt[:-3] + b"\xff\xff\xff", signature)
    req = urllib.request.Request(
        url + "/v1/prepaid/completions", data=raw, headers={"Content-Type": "application/json"}
    )
    try:
        urllib.request.urlopen(req, timeout=30)
        raise AssertionError("a malformed receipt was accepted")
    except urllib.error.HTTPError as err:
        assert err.code in (400, 401)
    # settled on chain: the prepaid balance pays exactly the three answered receipts
    wait_for(
        "prepaid settled",
        lambda: world.chain.prepaid_balance(requester, world.model_id) == 2 * PRICE,
    )
    done = {r for r, *_ in world.journal(world.root / "worker-b").get("done", [])}
    assert 0 in done
    assert ask(108)[0] == 200  # still serving
    # what is left (one price, with 108 unsettled) pays for one of three concurrent receipts
    with ThreadPoolExecutor(3) as pool:
        statuses = sorted(s for s, _ in pool.map(ask, (109, 110, 111)))
    assert statuses == [200, 402, 402]


def test_workers_survive_a_node_restart(world: World) -> None:
    log_a = world.root / "worker-a" / "worker.log"
    world.node.stop()
    wait_for("A noticing", lambda: "chain unreachable" in log_a.read_text(), timeout=30)
    world.node.start(wait_height=1)
    requests = _request_many(world, ["the season of loam is", "the colour of pine is"])
    wait_for(
        "answers after the restart",
        lambda: all(_status(world, r) in (2, 3) for r, _ in requests),
        timeout=90,
    )
    text = log_a.read_text()
    assert "chain reachable again" in text or "block subscription lost" in text


def test_no_worker_log_holds_a_key_secret(world: World) -> None:
    """Last in the file: every worker daemon log this module's workers wrote (starts, answers,
    committee votes, restarts, refusals) holds no secret of any key in the node's keyring (the
    operators' and hot keys' secrets in hex, upper-case hex or base64)."""
    import base64

    secrets = {}
    for record in world.keyring.list_keys():
        secret = world.keyring.private_key(record.name).secret
        secrets[f"{record.name} hex"] = secret.hex()
        secrets[f"{record.name} HEX"] = secret.hex().upper()
        secrets[f"{record.name} base64"] = base64.b64encode(secret).decode()
    assert {"hot-a hex", "op-a hex"} <= set(secrets)
    logs = {str(p): p.read_text(errors="replace") for p in world.root.rglob("*.log")}
    assert any(p.endswith("worker-a/worker.log") for p in logs), sorted(logs)
    assert any(world.address("op-a") in text for text in logs.values())  # it logged its work
    leaks = [f"{what} in {where}" for where, text in logs.items()
             for what, secret in secrets.items() if secret in text]  # fmt: skip
    assert not leaks, leaks
