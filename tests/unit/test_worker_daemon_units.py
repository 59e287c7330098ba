"""One layer at a time, the worker daemon's pure and local parts: the input format, result
entries, the journal (states, idempotence, reopening), adapters through a real content store,
the websocket frames against a local socket, and the tx sender's sequence under concurrency
(its RPC faked). The daemon with a real node and real models: tests/e2e/test_worker_daemon.py."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
from pathlib import Path
from typing import Any

import pytest

from aichain.app.crypto import PrivateKey
from aichain.attribution.v1 import attribution_pb2
from aichain.client.blobs import HomeBlobStore
from aichain.client.inference import encode_input, make_receipt
from aichain.gpu_worker.chain_client import ChainClient, ChainError, TxSender
from aichain.gpu_worker.daemon.adapter_store import (
    AdapterFetchError,
    compute_config_document,
    compute_weights_hash,
    fetch_adapter,
    publish_adapter,
)
from aichain.gpu_worker.daemon.follow import WebSocket, websocket_url
from aichain.gpu_worker.daemon.journal import Journal, prepaid_key, request_key
from aichain.gpu_worker.daemon.results import (
    DEFAULT_MAX_TOKENS,
    InputError,
    build_result,
    compute_entries,
    compute_request_hash,
    parse_input,
)
from aichain.modules.attribution import signing

# --- input and results -------------------------------------------------------------------


def test_parse_input_reads_json_and_plain_text() -> None:
    assert parse_input(encode_input("hello", 7)) == parse_input(
        b'{"prompt":"hello","max_tokens":7}'
    )
    parsed = parse_input(encode_input("hello", 7))
    assert (parsed.prompt, parsed.max_tokens) == ("hello", 7)
    plain = parse_input(b"the tide of lune is")
    assert (plain.prompt, plain.max_tokens) == ("the tide of lune is", DEFAULT_MAX_TOKENS)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"{not json", "does not parse"),
        (b'{"max_tokens": 3}', 'string "prompt"'),
        (b'{"prompt": "x", "max_tokens": "3"}', "must be an integer"),
        (b'{"prompt": "x", "max_tokens": 0}', "between 1 and"),
        (b'{"prompt": "x", "max_tokens": true}', "must be an integer"),
    ],
)
def test_parse_input_rejects_bad_inputs(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_input(data)


def _attr(pairs: list[tuple[str, int]]) -> dict[str, Any]:
    return {"records": [{"record_id": r, "weight_ppm": w} for r, w in pairs]}


def test_compute_entries_maps_records_to_the_datanet_version() -> None:
    entries = compute_entries(_attr([("3", 600_000), ("1", 400_000)]), 7, 2, 32)
    assert [(e.datanet_id, e.version, e.record_id, e.weight_ppm) for e in entries] == [
        (7, 2, 3, 600_000),
        (7, 2, 1, 400_000),
    ]


def test_compute_entries_reweighs_the_top_k_with_the_chain_rule() -> None:
    pairs = [(str(i), w) for i, w in enumerate([400_000, 300_000, 200_000, 100_000], start=1)]
    entries = compute_entries(_attr(pairs), 1, 1, 2)
    assert [(e.record_id, e.weight_ppm) for e in entries] == [(1, 571_429), (2, 428_571)]
    assert sum(e.weight_ppm for e in entries) == 10**6


def test_compute_entries_leaves_out_records_of_zero_weight() -> None:
    entries = compute_entries(_attr([("5", 0), ("3", 1_000_000), ("1", 0)]), 1, 1, 32)
    assert [(e.record_id, e.weight_ppm) for e in entries] == [(3, 1_000_000)]


@pytest.mark.parametrize(
    ("attribution", "message"),
    [
        ({"records": []}, "no evidence"),
        (_attr([("1", 999_999)]), "sum to 999999"),
        (_attr([("r-1", 10**6)]), "not a chain record id"),
    ],
)
def test_compute_entries_rejects_unusable_attributions(attribution: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        compute_entries(attribution, 1, 1, 32)


class _Model:
    id = 5
    weights_hash = "aa" * 32


def test_build_result_inlines_small_outputs_and_signs_verifiably() -> None:
    entries = compute_entries(_attr([("1", 10**6)]), 1, 1, 32)
    kwargs: dict[str, Any] = dict(
        chain_id="c",
        request_id=9,
        worker="aic1x",
        model=_Model(),
        base_weights_hash="bb" * 32,
        prompt_tokens=3,
        completion_tokens=4,
        method="blend-v1",
        evidence_hash="cc" * 32,
        entries=entries,
    )
    small = build_result(text="hi", max_inline_output_bytes=4, **kwargs)
    big = build_result(text="hello", max_inline_output_bytes=4, **kwargs)
    assert small.output_inline == b"hi" and big.output_inline == b""
    assert big.output_hash == hashlib.sha256(b"hello").hexdigest()
    hot = PrivateKey(b"\x01" * 32)
    bundle = signing.make_bundle(hot, small)
    assert signing.verify_result(hot.pubkey, bundle.body, bundle.signature)
    assert attribution_pb2.InferenceResult.FromString(bundle.body).request_id == 9


def test_receipt_names_the_hash_the_worker_checks() -> None:
    key = PrivateKey(b"\x02" * 32)
    raw, signature = make_receipt(key, "chain", 3, "prompt", 8, 1000, 42)
    receipt = attribution_pb2.PrepaidReceipt.FromString(raw)
    assert receipt.request_hash == compute_request_hash("prompt", 8)
    assert receipt.request_hash == hashlib.sha256(encode_input("prompt", 8)).hexdigest()
    assert signing.verify_receipt(key.pubkey, raw, signature)
    assert not signing.verify_receipt(key.pubkey, raw + b"\x00", signature)


# --- journal -----------------------------------------------------------------------------


def test_journal_keeps_each_request_once_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    journal = Journal(path)
    assert journal.add_computed(request_key(1), 1, 5, b"bundle-1", "1000")
    assert not journal.add_computed(request_key(1), 1, 5, b"other")  # never twice
    assert not journal.add_refused(request_key(1), 1, 5, "late")
    assert journal.add_refused(request_key(2), 2, 5, "input blob missing")
    journal.mark([request_key(1)], "broadcast", txhash="AB")
    journal.close()

    reopened = Journal(path)
    entry = reopened.get_result(request_key(1))
    assert entry is not None and entry.state == "broadcast" and entry.bundle == b"bundle-1"
    assert entry.txhash == "AB" and entry.fee == "1000"
    assert reopened.counts() == {"computed": 0, "broadcast": 1, "done": 0, "refused": 1}
    reopened.mark([request_key(1)], "done")
    assert reopened.get_result(request_key(1)).txhash == "AB"  # kept when not given
    assert [e.key for e in reopened.results_in("refused")] == [request_key(2)]
    with pytest.raises(ValueError, match="unknown result state"):
        reopened.mark([request_key(1)], "lost")


def test_journal_votes_keep_the_salt_for_a_reveal_after_restart(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    journal = Journal(path)
    reveal = b"reveal-bytes"
    assert journal.add_vote(4, b"s" * 32, b"c" * 32, reveal)
    assert not journal.add_vote(4, b"t" * 32, b"d" * 32, b"x")  # a second salt never replaces
    journal.mark_vote(4, "committed", "TX")
    journal.close()
    vote = Journal(path).get_vote(4)
    assert vote is not None and (vote.salt, vote.commitment, vote.reveal, vote.state) == (
        b"s" * 32,
        b"c" * 32,
        reveal,
        "committed",
    )


def test_journal_events_and_prepaid_keys(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite")
    journal.record("earnings", claimable="5")
    journal.record("refused", request_id=3, reason="x")
    assert [e["kind"] for e in journal.iter_events()] == ["refused", "earnings"]
    assert next(journal.iter_events("earnings"))["claimable"] == "5"
    assert prepaid_key("aic1a", 7) != prepaid_key("aic1a", 8) != request_key(7)


# --- adapters through a real content store -------------------------------------------------


def _adapter_dir(root: Path) -> Path:
    adapter = root / "adapter"
    (adapter / "features").mkdir(parents=True)
    (adapter / "adapter_model.safetensors").write_bytes(b"weights")
    manifest = {
        "base_model": {"sha256": "b" * 64},
        "datanet": {"id": "1", "version": 1},
        "hyperparameters": {"rank": 4},
        "lora": {"rank": 4},
    }
    (adapter / "training_manifest.json").write_text(json.dumps(manifest))
    files = {"lora_grads.npy": b"grads", "span_corpus.bin": b"corpus"}
    for name, data in files.items():
        (adapter / "features" / name).write_bytes(data)
    feats = {"files": {n: hashlib.sha256(d).hexdigest() for n, d in files.items()}}
    (adapter / "features" / "features.json").write_text(json.dumps(feats))
    return adapter


class _Registered:
    def __init__(self, published: Any) -> None:
        self.id = 3
        self.weights_hash = published.weights_hash
        self.manifest_hash = published.manifest_hash
        self.training_config_hash = published.config_hash


def test_published_adapter_is_rebuilt_from_the_registered_hashes(tmp_path: Path) -> None:
    store = HomeBlobStore(tmp_path / "blobs")
    adapter = _adapter_dir(tmp_path)
    published = publish_adapter(adapter, store)
    assert published.weights_hash == hashlib.sha256(b"weights").hexdigest()
    config = json.loads(store.get(published.config_hash))
    assert config["features"] == published.features_hash and config["lora"] == {"rank": 4}
    assert compute_config_document(published.manifest, published.features_hash) == store.get(
        published.config_hash
    )
    target = tmp_path / "worker" / "3"
    fetch_adapter(_Registered(published), store, target)
    for name in (
        "adapter_model.safetensors",
        "training_manifest.json",
        "features/features.json",
        "features/lora_grads.npy",
        "features/span_corpus.bin",
    ):
        assert (target / name).read_bytes() == (adapter / name).read_bytes()
    assert (target / "adapter.sha256").read_text().strip() == published.weights_hash
    # a damaged local copy is fetched again, not served
    (target / "adapter_model.safetensors").write_bytes(b"tampered")
    fetch_adapter(_Registered(published), store, target)
    assert compute_weights_hash(target) == published.weights_hash


def test_fetch_adapter_reports_missing_blobs_and_hostile_names(tmp_path: Path) -> None:
    store = HomeBlobStore(tmp_path / "blobs")
    published = publish_adapter(_adapter_dir(tmp_path), store)
    missing = _Registered(published)
    missing.weights_hash = "0" * 64
    with pytest.raises(AdapterFetchError, match="weights"):
        fetch_adapter(missing, store, tmp_path / "w1")
    evil = {"files": {"../escape": hashlib.sha256(b"x").hexdigest()}}
    evil_hash = store.put(json.dumps(evil).encode())
    config_hash = store.put(compute_config_document(published.manifest, evil_hash))
    hostile = _Registered(published)
    hostile.training_config_hash = config_hash
    with pytest.raises(AdapterFetchError, match="refused"):
        fetch_adapter(hostile, store, tmp_path / "w2")
    with pytest.raises(AdapterFetchError, match="missing"):
        publish_adapter(tmp_path / "nowhere", store)


# --- the websocket client against a local server --------------------------------------------


def _serve_once(server: socket.socket, frames: list[bytes], received: list[bytes]) -> None:
    conn, _ = server.accept()
    with conn:
        request = b""
        while b"\r\n\r\n" not in request:
            request += conn.recv(4096)
        key = [
            line.split(b": ", 1)[1]
            for line in request.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key")
        ][0]
        accept = base64.b64encode(
            hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest()
        )
        conn.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        head = conn.recv(2)
        n = head[1] & 0x7F
        mask = conn.recv(4)
        payload = conn.recv(n)
        received.append(bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        for frame in frames:
            conn.sendall(frame)
        pong = conn.recv(64)
        received.append(pong[:1])


def test_websocket_reads_text_fragments_and_answers_pings() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    big = json.dumps(
        {"result": {"data": {"value": {"block": {"header": {"height": "12"}}}}}, "pad": "x" * 300}
    ).encode()
    frames = [
        bytes([0x89, 2]) + b"hi",  # ping
        bytes([0x01, 3]) + b"par",  # first fragment
        bytes([0x80, 2]) + b"ts",  # continuation, final
        bytes([0x81, 126]) + len(big).to_bytes(2, "big") + big,
    ]
    received: list[bytes] = []
    thread = threading.Thread(target=_serve_once, args=(server, frames, received))
    thread.start()
    ws = WebSocket(f"ws://127.0.0.1:{port}/websocket")
    ws.send_text('{"method":"subscribe"}')
    assert ws.recv_text() == "parts"
    assert (
        json.loads(ws.recv_text())["result"]["data"]["value"]["block"]["header"]["height"] == "12"
    )
    thread.join(timeout=5)
    ws.close()
    server.close()
    assert received[0] == b'{"method":"subscribe"}'
    assert received[1] == bytes([0x8A])  # the pong, masked by the client


def test_websocket_url_from_a_cometbft_address() -> None:
    assert websocket_url("tcp://127.0.0.1:26657") == "ws://127.0.0.1:26657/websocket"


# --- the tx sender's sequence under concurrency (RPC faked) ---------------------------------


class _FakeRPC:
    """Just enough CometBFT RPC: account query, simulate, broadcast (one layer faked)."""

    def __init__(self, on_chain_sequence: int) -> None:
        self.sequence = on_chain_sequence
        self.broadcast: list[int] = []
        self.lock = threading.Lock()

    def status(self) -> dict[str, Any]:
        return {"node_info": {"network": "test-chain"}}

    def abci_query(self, path: str, data: bytes) -> Any:
        from cosmos.auth.v1beta1 import auth_pb2
        from cosmos.auth.v1beta1 import query_pb2 as aq
        from cosmos.base.abci.v1beta1 import abci_pb2
        from cosmos.tx.v1beta1 import service_pb2
        from google.protobuf import any_pb2

        from aichain.client.rpc import QueryResult

        if path.endswith("Account"):
            account = auth_pb2.BaseAccount(account_number=4, sequence=self.sequence)
            value = aq.QueryAccountResponse(
                account=any_pb2.Any(
                    type_url="/cosmos.auth.v1beta1.BaseAccount", value=account.SerializeToString()
                )
            ).SerializeToString()
            return QueryResult(0, "", "", value, 1)
        value = service_pb2.SimulateResponse(
            gas_info=abci_pb2.GasInfo(gas_used=50_000)
        ).SerializeToString()
        return QueryResult(0, "", "", value, 1)

    def broadcast_tx_sync(self, raw: bytes) -> dict[str, Any]:
        from cosmos.tx.v1beta1 import tx_pb2

        info = tx_pb2.AuthInfo.FromString(tx_pb2.TxRaw.FromString(raw).auth_info_bytes)
        sequence = info.signer_infos[0].sequence
        with self.lock:
            if sequence != self.sequence:
                return {
                    "code": 32,
                    "codespace": "sdk",
                    "hash": "00",
                    "log": f"account sequence mismatch, expected {self.sequence}, got {sequence}",
                }
            self.sequence += 1
            self.broadcast.append(sequence)
        return {"code": 0, "hash": hashlib.sha256(raw).hexdigest()}


class _FakeChain(ChainClient):
    def __init__(self, rpc: _FakeRPC) -> None:
        super().__init__("tcp://127.0.0.1:1")
        self._fake = rpc

    @property
    def rpc(self) -> Any:  # every thread shares the fake
        return self._fake


def _sender(rpc: _FakeRPC) -> TxSender:
    return TxSender(_FakeChain(rpc), PrivateKey(b"\x03" * 32))


def test_concurrent_sends_use_consecutive_sequences() -> None:
    from cosmos.bank.v1beta1 import tx_pb2 as bank_tx

    rpc = _FakeRPC(on_chain_sequence=7)
    sender = _sender(rpc)
    msg = bank_tx.MsgSend(from_address=sender.address, to_address=sender.address)
    threads = [threading.Thread(target=sender.send, args=([msg],)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(rpc.broadcast) == list(range(7, 15))


def test_send_recovers_from_a_sequence_used_elsewhere() -> None:
    from cosmos.bank.v1beta1 import tx_pb2 as bank_tx

    rpc = _FakeRPC(on_chain_sequence=3)
    sender = _sender(rpc)
    msg = bank_tx.MsgSend(from_address=sender.address, to_address=sender.address)
    sender.send([msg])
    rpc.sequence += 2  # another client sent two txs from the same account
    sent = sender.send([msg])
    assert sent.sequence == 6 and rpc.broadcast == [3, 6]


def test_unreachable_chain_is_reported_as_such() -> None:
    chain = ChainClient("tcp://127.0.0.1:1", timeout=0.5)
    with pytest.raises(ChainError) as caught:
        chain.latest_height()
    assert caught.value.unreachable and "cannot reach the node" in str(caught.value)


def _offline_daemon(tmp_path: Path, **config: Any) -> Any:
    """A WorkerDaemon whose node and blob service are unreachable ports, serving model 1, with
    its blobs in tmp_path/blobs (config overrides DaemonConfig fields)."""
    from aichain.gpu_worker.daemon.worker import DaemonConfig, WorkerDaemon

    settings: dict[str, Any] = {
        "home": tmp_path / "w",
        "node": "tcp://127.0.0.1:1",
        "blob_grpc": "127.0.0.1:1",
        "operator": PrivateKey(b"\x04" * 32),
        "hot": PrivateKey(b"\x05" * 32),
        "models": (1,),
    }
    return WorkerDaemon(DaemonConfig(**(settings | config)), HomeBlobStore(tmp_path / "blobs"))


# --- the daemon loop with the chain unreachable ---------------------------------------------


def test_daemon_tick_reports_an_unreachable_chain_once_and_keeps_going(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:

    daemon = _offline_daemon(tmp_path)
    daemon.chain.timeout = 0.5
    with caplog.at_level("INFO", logger="aichain.worker"):
        daemon.tick()
        daemon.tick()
    unreachable = [r for r in caplog.records if "chain unreachable" in r.getMessage()]
    assert len(unreachable) == 1 and unreachable[0].levelname == "ERROR"
    status = json.loads((tmp_path / "w" / "status.json").read_text())
    assert status["chain_reachable"] is False and status["pending_results"] == 0
    assert daemon.ticks == 2


def test_orphaned_requests_are_those_past_their_assignment_window(tmp_path: Path) -> None:

    daemon = _offline_daemon(tmp_path)
    me = daemon.operator

    def inference(request_id: int, **fields: Any) -> Any:
        base = dict(
            id=request_id,
            model_id=1,
            status=1,
            assigned_worker="aic1other",
            assignment_end_height=10,
            timeout_height=100,
        )
        return attribution_pb2.Inference(
            request=attribution_pb2.InferenceRequest(**{**base, **fields})
        )

    listed = [
        inference(1),  # orphaned: window over, still pending, not timed out
        inference(2, assignment_end_height=30),  # still the assigned worker's
        inference(3, status=2),  # answered
        inference(4, assigned_worker=me),  # ours: PendingRequests lists it
        inference(5, timeout_height=20),  # past its timeout
    ]
    daemon.served = {1: object()}  # type: ignore[dict-item]
    daemon.height = 25
    daemon.chain.inferences = lambda model_id, limit=100: listed  # type: ignore[method-assign]
    assert [r.id for r in daemon.orphaned_requests()] == [1]


def test_requests_the_worker_cannot_run_are_refused_with_a_reason(tmp_path: Path) -> None:
    from concurrent.futures import Future

    from aichain.client.blobs import BlobError
    from aichain.gpu_worker.daemon.worker import ServedModel

    class _Runtime:
        def submit(self, model_id: int, prompt: str, max_tokens: int) -> Future:
            if len(prompt) > 100:
                raise ValueError("this model's maximum context length is 128 tokens")
            return Future()

    class _DownStore(HomeBlobStore):
        def stream(self, blob_hash: str, chunk_size: int = 1 << 20) -> Any:
            raise BlobError("127.0.0.1:1: failed to connect")

    daemon = _offline_daemon(tmp_path, max_input_bytes=64)
    store = daemon.store
    daemon.runtime = _Runtime()
    daemon.served = {1: ServedModel(object(), 1, 1, tmp_path)}
    daemon.refused_adapters = {2: "the weights hash to x, the registry's hash is y"}
    big = store.put(b"x" * 65)

    def request(request_id: int, **fields: Any) -> Any:
        base = dict(id=request_id, model_id=1, input_inline=encode_input("hi", 4))
        return attribution_pb2.InferenceRequest(**{**base, **fields})

    cases = {
        1: request(1, model_id=2),
        2: request(2, input_inline=b"", input_hash="ab" * 32),
        3: request(3, input_inline=b"", input_hash=big),
        4: request(4, input_inline=encode_input("x" * 101, 4)[:64]),  # cut: not JSON
    }
    for request_id, req in cases.items():
        assert daemon._start_job(request_key(request_id), req) is None
    reasons = {e.request_id: e.reason for e in daemon.journal.results_in("refused")}
    assert "model 2 is not served by this worker (the weights hash" in reasons[1]
    assert reasons[2] == f"input blob {'ab' * 32} is not in the content store"
    assert "over the worker's limit of 64 bytes" in reasons[3]
    assert "does not parse" in reasons[4]
    job = daemon._start_job(request_key(6), request(6))
    assert job is not None and job.parsed.prompt == "hi"
    plain = daemon._start_job(request_key(5), request(5, input_inline=("y" * 60).encode()))
    assert plain is not None and plain.parsed.max_tokens == 32  # plain text: the prompt

    long_prompt = request(7, input_inline=("z" * 101).encode())
    daemon.config.max_input_bytes = 1000
    assert daemon._start_job(request_key(7), long_prompt) is None
    assert "maximum context length" in daemon.journal.get_result(request_key(7)).reason

    daemon.store = _DownStore(tmp_path / "blobs")  # a store outage is not a refusal
    assert daemon._start_job(request_key(8), request(8, input_hash="cd" * 32)) is None
    assert daemon.journal.get_result(request_key(8)) is None


def test_reconcile_squares_the_journal_with_the_chain(tmp_path: Path) -> None:
    from aichain.gpu_worker.chain_client import CommittedTx

    daemon = _offline_daemon(tmp_path)
    journal = daemon.journal
    for request_id in (1, 2, 3, 4):
        journal.add_computed(request_key(request_id), request_id, 1, b"bundle")
    journal.mark([request_key(3)], "broadcast", txhash="AA")  # landed
    journal.mark([request_key(4)], "broadcast", txhash="BB")  # lost with the mempool
    answered = {1}  # someone (this worker before a crash, or another) answered request 1

    def inference(request_id: int) -> Any:
        status = 2 if request_id in answered else 1
        return attribution_pb2.Inference(
            request=attribution_pb2.InferenceRequest(id=request_id, status=status)
        )

    daemon.chain.inference = inference  # type: ignore[method-assign]
    daemon.chain.committed = lambda txhash: (  # type: ignore[method-assign]
        CommittedTx(txhash, 0, "", "", 9, ()) if txhash == "AA" else None
    )
    daemon.reconcile()
    states = {e.request_id: e.state for e in journal.results_in(*("computed", "broadcast", "done"))}
    assert states == {1: "done", 2: "computed", 3: "done", 4: "computed"}
    assert journal.get_result(request_key(4)).bundle == b"bundle"  # resent as it was signed


def test_the_endpoint_takes_the_configured_rate_limit_or_the_default(tmp_path: Path) -> None:
    """`aichain worker start --rate-limit R --burst B` reaches the endpoint's ServerLimits;
    without them the endpoint keeps its own defaults (limits None)."""
    from types import SimpleNamespace

    seen: list[Any] = []

    def build_runtime(specs: Any, store: Any, **options: Any) -> str:
        seen.append(options["limits"])
        return "runtime"

    limited = _offline_daemon(tmp_path, rate_limit=(7, 11))
    limited.params = SimpleNamespace(max_attributions=10)
    assert limited._build_runtime(build_runtime, [], object) == "runtime"
    default = _offline_daemon(tmp_path / "d")
    default.params = SimpleNamespace(max_attributions=10)
    default._build_runtime(build_runtime, [], object)
    assert (seen[0].rate_limit.rate, seen[0].rate_limit.burst) == (7, 11)
    assert seen[1] is None
