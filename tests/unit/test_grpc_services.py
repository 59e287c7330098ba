"""cosmos.tx.v1beta1.Service and cosmos.base.tendermint.v1beta1.Service over a fake CometBFT.

The fake speaks CometBFT v0.38's JSON-RPC shapes over an in-process Chain: broadcast runs
CheckTx, `commit()` makes a block of the mempool, /tx, /block, /header, /status and
/validators answer from what it recorded.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from cosmos.bank.v1beta1 import query_pb2 as bank_query
from cosmos.bank.v1beta1 import tx_pb2 as bank_tx
from cosmos.base.tendermint.v1beta1 import query_pb2 as tm_query
from cosmos.base.tendermint.v1beta1 import query_pb2_grpc as tm_grpc
from cosmos.crypto.ed25519 import keys_pb2 as ed25519_pb2
from cosmos.tx.v1beta1 import service_pb2 as tx_service
from cosmos.tx.v1beta1 import service_pb2_grpc as tx_grpc
from cosmos.tx.v1beta1 import tx_pb2

from aichain.app.crypto import VALCONS_PREFIX, account_address, bech32_encode
from aichain.client.rpc import CometRPC, RPCError
from aichain.node.grpc_server import start_grpc_server

from ..helpers import CHAIN_ID, DENOM, Chain, make_key

ALICE, BOB = make_key(1), make_key(2)
PROPOSER = bytes(range(20))
VALIDATOR_KEY = bytes(range(32))
NODE_ID = "c0ffee" * 6 + "abcd"


def _time(height: int) -> str:
    """The RFC 3339 time CometBFT would print for the Chain helper's block at height."""
    import datetime

    stamp = datetime.datetime.fromtimestamp(1_700_000_000 + height, datetime.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S") + ".123456789Z"


def _block_id(height: int) -> dict[str, Any]:
    """A made-up block id for height (0: the empty id)."""
    if height == 0:
        return {"hash": "", "parts": {"total": 0, "hash": ""}}
    digest = hashlib.sha256(b"block%d" % height).hexdigest().upper()
    return {"hash": digest, "parts": {"total": 1, "hash": digest[::-1]}}


class FakeComet:
    """CometBFT's JSON-RPC over an in-process Chain (one validator, instant blocks)."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self.mempool: list[bytes] = []
        self.txs: dict[str, dict[str, Any]] = {}
        self.blocks: dict[int, dict[str, Any]] = {1: self._block_json(1, [], b"")}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail_with: str | None = None
        self.lock_free_during_broadcast: bool | None = None

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Dispatches one JSON-RPC method as CometBFT would."""
        self.calls.append((method, params))
        if self.fail_with is not None:
            raise RPCError(f"{method}: Internal error {self.fail_with}")
        return getattr(self, "_" + method)(**params)

    def commit(self) -> int:
        """Makes a block of the mempool and records its txs' results; returns its height."""
        txs, self.mempool = self.mempool, []
        resp = self.chain.block(txs)
        height = self.chain.height
        self.blocks[height] = self._block_json(height, txs, resp.app_hash)
        for index, (raw, result) in enumerate(zip(txs, resp.tx_results, strict=True)):
            tx_hash = hashlib.sha256(raw).hexdigest().upper()
            self.txs[tx_hash] = {
                "hash": tx_hash,
                "height": str(height),
                "index": index,
                "tx": base64.b64encode(raw).decode(),
                "tx_result": {
                    "code": result.code,
                    "data": base64.b64encode(result.data).decode(),
                    "log": result.log,
                    "info": "",
                    "gas_wanted": str(result.gas_wanted),
                    "gas_used": str(result.gas_used),
                    "events": [
                        {
                            "type": e.type,
                            "attributes": [
                                {"key": a.key, "value": a.value, "index": a.index}
                                for a in e.attributes
                            ],
                        }
                        for e in result.events
                    ],
                    "codespace": result.codespace,
                },
            }
        return height

    def _block_json(self, height: int, txs: list[bytes], app_hash: bytes) -> dict[str, Any]:
        header = {
            "version": {"block": "11", "app": "1"},
            "chain_id": CHAIN_ID,
            "height": str(height),
            "time": _time(height),
            "last_block_id": _block_id(height - 1),
            "last_commit_hash": "AB" * 32,
            "data_hash": "CD" * 32,
            "validators_hash": "EF" * 32,
            "next_validators_hash": "EF" * 32,
            "consensus_hash": "01" * 32,
            "app_hash": app_hash.hex().upper(),
            "last_results_hash": "",
            "evidence_hash": "",
            "proposer_address": PROPOSER.hex().upper(),
        }
        last_commit = {
            "height": str(height - 1),
            "round": 0,
            "block_id": _block_id(height - 1),
            "signatures": [
                {
                    "block_id_flag": 2,
                    "validator_address": PROPOSER.hex().upper(),
                    "timestamp": _time(height),
                    "signature": base64.b64encode(b"\x07" * 64).decode(),
                }
            ]
            if height > 1
            else [],
        }
        return {
            "block_id": _block_id(height),
            "block": {
                "header": header,
                "data": {"txs": [base64.b64encode(t).decode() for t in txs]},
                "evidence": {"evidence": []},
                "last_commit": last_commit,
            },
        }

    # --- the RPC methods -----------------------------------------------------------------

    def _broadcast_tx_sync(self, tx: str) -> dict[str, Any]:
        seen: list[bool] = []
        probe = threading.Thread(target=lambda: seen.append(self._try_app_lock()))
        probe.start()
        probe.join()
        self.lock_free_during_broadcast = seen[0]
        raw = base64.b64decode(tx)
        res = self.chain.check(raw)
        if res.code == 0:
            self.mempool.append(raw)
        return {
            "code": res.code,
            "data": "",
            "log": res.log,
            "codespace": res.codespace,
            "hash": hashlib.sha256(raw).hexdigest().upper(),
        }

    def _try_app_lock(self) -> bool:
        """Whether another thread can take app.lock now (CometBFT's CheckTx would need it)."""
        if self.chain.app.lock.acquire(timeout=1):
            self.chain.app.lock.release()
            return True
        return False

    def _broadcast_tx_async(self, tx: str) -> dict[str, Any]:
        raw = base64.b64decode(tx)
        self.mempool.append(raw)
        return {"code": 0, "data": "", "log": "", "codespace": "",
                "hash": hashlib.sha256(raw).hexdigest().upper()}

    def _tx(self, hash: str, prove: bool) -> dict[str, Any]:  # noqa: A002
        key = base64.b64decode(hash).hex().upper()
        if key not in self.txs:
            raise RPCError(f"tx: Internal error tx ({key}) not found")
        return self.txs[key]

    def _tx_search(self, query: str, **params: Any) -> dict[str, Any]:
        found = list(self.txs.values())
        if params.get("order_by") == "desc":
            found.reverse()
        return {"txs": found, "total_count": str(len(found))}

    def _block(self, height: str | None = None) -> dict[str, Any]:
        h = int(height) if height else self.chain.height
        if h > self.chain.height:
            raise RPCError(
                f"block: Internal error height {h} must be less than or equal to the current "
                f"blockchain height {self.chain.height}"
            )
        return self.blocks[h]

    def _header(self, height: str) -> dict[str, Any]:
        return {"header": self._block(height)["block"]["header"]}

    def _status(self) -> dict[str, Any]:
        return {
            "node_info": {
                "protocol_version": {"p2p": "8", "block": "11", "app": "1"},
                "id": NODE_ID,
                "listen_addr": "tcp://127.0.0.1:26656",
                "network": CHAIN_ID,
                "version": "0.38.25",
                "channels": "40202122233038606100",
                "moniker": "node0",
                "other": {"tx_index": "on", "rpc_address": "tcp://127.0.0.1:26657"},
            },
            "sync_info": {"latest_block_height": str(self.chain.height), "catching_up": False},
        }

    def _validators(self, page: str, per_page: str, height: str | None = None) -> dict[str, Any]:
        return {
            "block_height": height or str(self.chain.height),
            "validators": [
                {
                    "address": PROPOSER.hex().upper(),
                    "pub_key": {
                        "type": "tendermint/PubKeyEd25519",
                        "value": base64.b64encode(VALIDATOR_KEY).decode(),
                    },
                    "voting_power": "10",
                    "proposer_priority": "0",
                }
            ],
            "count": "1",
            "total": "1",
        }


@dataclass
class Served:
    """A chain, its fake CometBFT, and the gRPC server over both."""

    chain: Chain
    comet: FakeComet
    channel: grpc.Channel

    @property
    def tx(self) -> tx_grpc.ServiceStub:
        """A tx Service stub."""
        return tx_grpc.ServiceStub(self.channel)

    @property
    def tm(self) -> tm_grpc.ServiceStub:
        """A tendermint Service stub."""
        return tm_grpc.ServiceStub(self.channel)


@pytest.fixture
def served() -> Iterator[Served]:
    """ALICE and BOB funded at height 1; gRPC on a free port with the fake CometBFT."""
    chain = Chain.start([(ALICE, 1_000_000), (BOB, 500)])
    comet = FakeComet(chain)
    server = start_grpc_server(chain.app, "127.0.0.1:0", comet, max_workers=4)
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    try:
        yield Served(chain, comet, channel)
    finally:
        channel.close()
        server.stop(None)


@pytest.fixture
def offline() -> Iterator[grpc.Channel]:
    """A gRPC server started without a CometBFT client."""
    chain = Chain.start([(ALICE, 1_000)])
    server = start_grpc_server(chain.app, "127.0.0.1:0", None)
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    try:
        yield channel
    finally:
        channel.close()
        server.stop(None)


SYNC = tx_service.BROADCAST_MODE_SYNC


# --- BroadcastTx / GetTx --------------------------------------------------------------------


def test_broadcast_sync_then_get_tx(served: Served) -> None:
    raw = served.chain.send_tx(ALICE, BOB.address, 1_234, fee=500)
    sent = served.tx.BroadcastTx(tx_service.BroadcastTxRequest(tx_bytes=raw, mode=SYNC))
    txhash = hashlib.sha256(raw).hexdigest().upper()
    assert (sent.tx_response.code, sent.tx_response.txhash) == (0, txhash)
    assert sent.tx_response.height == 0
    assert served.comet.lock_free_during_broadcast is True
    height = served.comet.commit()

    got = served.tx.GetTx(tx_service.GetTxRequest(hash=txhash.lower()))
    resp = got.tx_response
    assert (resp.height, resp.txhash, resp.code, resp.codespace) == (height, txhash, 0, "")
    assert resp.gas_wanted == 200_000 and 0 < resp.gas_used <= resp.gas_wanted
    assert resp.timestamp == _time(height).split(".")[0] + "Z"
    assert resp.tx.type_url == "/cosmos.tx.v1beta1.Tx"
    assert any(e.type == "transfer" for e in resp.events)
    assert resp.data  # TxMsgData, upper hex
    assert resp.data == resp.data.upper()
    msg = got.tx.body.messages[0]
    assert msg.type_url == "/cosmos.bank.v1beta1.MsgSend"
    assert bank_tx.MsgSend.FromString(msg.value).amount[0].amount == "1234"
    assert got.tx.auth_info.fee.gas_limit == 200_000
    assert served.chain.balance(BOB.address) == 500 + 1_234


def test_broadcast_sync_reports_check_tx_failure_as_a_code(served: Served) -> None:
    raw = served.chain.send_tx(ALICE, BOB.address, 1, sequence=7)
    sent = served.tx.BroadcastTx(tx_service.BroadcastTxRequest(tx_bytes=raw, mode=SYNC))
    assert (sent.tx_response.code, sent.tx_response.codespace) == (3, "sdk")
    assert "sequence" in sent.tx_response.raw_log


def test_broadcast_async_uses_broadcast_tx_async(served: Served) -> None:
    raw = served.chain.send_tx(ALICE, BOB.address, 1)
    mode = tx_service.BROADCAST_MODE_ASYNC
    sent = served.tx.BroadcastTx(tx_service.BroadcastTxRequest(tx_bytes=raw, mode=mode))
    assert sent.tx_response.code == 0
    assert sent.tx_response.txhash == hashlib.sha256(raw).hexdigest().upper()
    assert served.comet.calls[-1][0] == "broadcast_tx_async"


@pytest.mark.parametrize(
    "mode", [tx_service.BROADCAST_MODE_BLOCK, tx_service.BROADCAST_MODE_UNSPECIFIED]
)
def test_broadcast_rejects_block_and_unspecified_modes(served: Served, mode: int) -> None:
    raw = served.chain.send_tx(ALICE, BOB.address, 1)
    with pytest.raises(grpc.RpcError) as info:
        served.tx.BroadcastTx(tx_service.BroadcastTxRequest(tx_bytes=raw, mode=mode))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "BROADCAST_MODE_SYNC" in info.value.details()
    assert served.comet.calls == []


def test_broadcast_rejects_empty_tx(served: Served) -> None:
    with pytest.raises(grpc.RpcError) as info:
        served.tx.BroadcastTx(tx_service.BroadcastTxRequest(mode=SYNC))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_broadcast_maps_mempool_cache_error_to_code_19(served: Served) -> None:
    raw = served.chain.send_tx(ALICE, BOB.address, 1)
    served.comet.fail_with = "tx already exists in cache"
    sent = served.tx.BroadcastTx(tx_service.BroadcastTxRequest(tx_bytes=raw, mode=SYNC))
    assert (sent.tx_response.code, sent.tx_response.codespace) == (19, "sdk")
    assert sent.tx_response.txhash == hashlib.sha256(raw).hexdigest().upper()


def test_broadcast_when_cometbft_is_unreachable_is_unavailable(served: Served) -> None:
    chain = Chain.start([(ALICE, 1_000)])
    server = start_grpc_server(chain.app, "127.0.0.1:0", CometRPC("tcp://127.0.0.1:1", 2.0))
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            raw = chain.send_tx(ALICE, BOB.address, 1)
            with pytest.raises(grpc.RpcError) as info:
                tx_grpc.ServiceStub(channel).BroadcastTx(
                    tx_service.BroadcastTxRequest(tx_bytes=raw, mode=SYNC)
                )
    finally:
        server.stop(None)
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "cannot reach" in info.value.details()


def test_get_tx_rejects_unknown_hash_with_not_found(served: Served) -> None:
    with pytest.raises(grpc.RpcError) as info:
        served.tx.GetTx(tx_service.GetTxRequest(hash="AB" * 32))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize("bad", ["", "xyz"])
def test_get_tx_rejects_a_bad_hash(served: Served, bad: str) -> None:
    with pytest.raises(grpc.RpcError) as info:
        served.tx.GetTx(tx_service.GetTxRequest(hash=bad))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_get_txs_event_and_block_with_txs(served: Served) -> None:
    raws = [served.chain.send_tx(ALICE, BOB.address, n) for n in (1, 2)]
    for raw in raws:
        served.tx.BroadcastTx(tx_service.BroadcastTxRequest(tx_bytes=raw, mode=SYNC))
    height = served.comet.commit()
    query = f"message.sender='{account_address(ALICE.address)}'"
    found = served.tx.GetTxsEvent(tx_service.GetTxsEventRequest(query=query))
    assert found.total == 2
    assert [r.height for r in found.tx_responses] == [height, height]
    assert len(found.txs) == 2
    with_txs = served.tx.GetBlockWithTxs(tx_service.GetBlockWithTxsRequest(height=height))
    assert with_txs.block.header.height == height
    assert [tx_pb2.TxRaw.FromString(t).body_bytes for t in with_txs.block.data.txs] == [
        tx_pb2.TxRaw.FromString(r).body_bytes for r in raws
    ]
    assert len(with_txs.txs) == 2 and with_txs.pagination.total == 2


def test_get_txs_event_rejects_empty_query(served: Served) -> None:
    with pytest.raises(grpc.RpcError) as info:
        served.tx.GetTxsEvent(tx_service.GetTxsEventRequest())
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_tx_decode_and_encode_round_trip(served: Served) -> None:
    raw = served.chain.send_tx(ALICE, BOB.address, 5)
    decoded = served.tx.TxDecode(tx_service.TxDecodeRequest(tx_bytes=raw)).tx
    assert decoded.body.messages[0].type_url == "/cosmos.bank.v1beta1.MsgSend"
    assert served.tx.TxEncode(tx_service.TxEncodeRequest(tx=decoded)).tx_bytes == raw


# --- tendermint Service -----------------------------------------------------------------------


def test_get_node_info(served: Served) -> None:
    info = served.tm.GetNodeInfo(tm_query.GetNodeInfoRequest())
    node = info.default_node_info
    assert (node.network, node.moniker, node.version) == (CHAIN_ID, "node0", "0.38.25")
    assert node.default_node_id == NODE_ID
    assert node.protocol_version.block == 11
    assert node.channels == bytes.fromhex("40202122233038606100")
    assert node.other.tx_index == "on"
    assert info.application_version.name == "aichain"
    assert info.application_version.app_name == "aichain"


def test_get_syncing(served: Served) -> None:
    assert served.tm.GetSyncing(tm_query.GetSyncingRequest()).syncing is False


def test_get_latest_block(served: Served) -> None:
    raw = served.chain.send_tx(ALICE, BOB.address, 9)
    served.tx.BroadcastTx(tx_service.BroadcastTxRequest(tx_bytes=raw, mode=SYNC))
    height = served.comet.commit()
    resp = served.tm.GetLatestBlock(tm_query.GetLatestBlockRequest())
    header = resp.block.header
    assert (header.height, header.chain_id) == (height, CHAIN_ID)
    assert header.time.seconds == 1_700_000_000 + height and header.time.nanos == 123456789
    assert header.app_hash == served.chain.app.root.last_app_hash
    assert header.proposer_address == PROPOSER
    assert header.last_block_id.hash == bytes.fromhex(_block_id(height - 1)["hash"])
    assert list(resp.block.data.txs) == [raw]
    assert resp.block_id.hash == bytes.fromhex(_block_id(height)["hash"])
    assert resp.block_id.part_set_header.total == 1
    assert resp.block.last_commit.signatures[0].signature == b"\x07" * 64
    sdk = resp.sdk_block.header
    assert sdk.proposer_address == bech32_encode(VALCONS_PREFIX, PROPOSER)
    assert (sdk.height, sdk.app_hash) == (height, header.app_hash)


def test_get_block_by_height(served: Served) -> None:
    served.comet.commit()
    resp = served.tm.GetBlockByHeight(tm_query.GetBlockByHeightRequest(height=1))
    assert resp.block.header.height == 1
    assert resp.sdk_block.header.chain_id == CHAIN_ID


@pytest.mark.parametrize("height", [0, 99])
def test_get_block_by_height_rejects_out_of_range(served: Served, height: int) -> None:
    with pytest.raises(grpc.RpcError) as info:
        served.tm.GetBlockByHeight(tm_query.GetBlockByHeightRequest(height=height))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_get_latest_validator_set(served: Served) -> None:
    resp = served.tm.GetLatestValidatorSet(tm_query.GetLatestValidatorSetRequest())
    [validator] = resp.validators
    assert validator.address == bech32_encode(VALCONS_PREFIX, PROPOSER)
    assert validator.voting_power == 10
    assert validator.pub_key.type_url == "/cosmos.crypto.ed25519.PubKey"
    assert ed25519_pb2.PubKey.FromString(validator.pub_key.value).key == VALIDATOR_KEY
    assert resp.block_height == served.chain.height


def test_abci_query_runs_on_the_app(served: Served) -> None:
    req = bank_query.QueryBalanceRequest(address=account_address(BOB.address), denom=DENOM)
    resp = served.tm.ABCIQuery(
        tm_query.ABCIQueryRequest(
            path="/cosmos.bank.v1beta1.Query/Balance", data=req.SerializeToString()
        )
    )
    assert resp.code == 0 and resp.height == served.chain.height
    assert bank_query.QueryBalanceResponse.FromString(resp.value).balance.amount == "500"


# --- without CometBFT -----------------------------------------------------------------------


def test_cometbft_methods_without_rpc_are_unavailable(offline: grpc.Channel) -> None:
    tx, tm = tx_grpc.ServiceStub(offline), tm_grpc.ServiceStub(offline)
    calls = [
        lambda: tx.BroadcastTx(tx_service.BroadcastTxRequest(tx_bytes=b"x", mode=SYNC)),
        lambda: tx.GetTx(tx_service.GetTxRequest(hash="AB")),
        lambda: tm.GetNodeInfo(tm_query.GetNodeInfoRequest()),
        lambda: tm.GetSyncing(tm_query.GetSyncingRequest()),
        lambda: tm.GetLatestBlock(tm_query.GetLatestBlockRequest()),
        lambda: tm.GetBlockByHeight(tm_query.GetBlockByHeightRequest(height=1)),
    ]
    for call in calls:
        with pytest.raises(grpc.RpcError) as info:
            call()
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
        assert "no CometBFT RPC client" in info.value.details()
