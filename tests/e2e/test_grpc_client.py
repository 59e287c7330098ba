"""End to end over gRPC, as an existing Cosmos client would do it: a real node, and a client
written only from the Cosmos protos (signing with coincurve, not aichain's tx builder)."""

from __future__ import annotations

import hashlib
import math
import time

import coincurve
import grpc
import pytest
from cosmos.auth.v1beta1 import auth_pb2
from cosmos.auth.v1beta1 import query_pb2 as auth_query
from cosmos.auth.v1beta1 import query_pb2_grpc as auth_grpc
from cosmos.bank.v1beta1 import query_pb2 as bank_query
from cosmos.bank.v1beta1 import query_pb2_grpc as bank_grpc
from cosmos.bank.v1beta1 import tx_pb2 as bank_tx
from cosmos.base.tendermint.v1beta1 import query_pb2 as tm_query
from cosmos.base.tendermint.v1beta1 import query_pb2_grpc as tm_grpc
from cosmos.base.v1beta1 import coin_pb2
from cosmos.crypto.secp256k1 import keys_pb2 as secp_pb2
from cosmos.tx.signing.v1beta1 import signing_pb2
from cosmos.tx.v1beta1 import service_pb2 as tx_service
from cosmos.tx.v1beta1 import service_pb2_grpc as tx_grpc
from cosmos.tx.v1beta1 import tx_pb2
from google.protobuf import any_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from aichain.app.crypto import PrivateKey, account_address

from .conftest import Node

pytestmark = pytest.mark.e2e

DENOM = "uaic"
GAS_PRICE = 0.025  # the e2e node's minimum gas price in uaic; a client would be told it
GAS_ADJUSTMENT = 1.5


def _any(msg) -> any_pb2.Any:  # noqa: ANN001
    return any_pb2.Any(type_url="/" + msg.DESCRIPTOR.full_name, value=msg.SerializeToString())


def _sign_direct(
    secret: bytes, msgs: list, chain_id: str, number: int, sequence: int, gas: int, fee: int
) -> bytes:
    """TxRaw bytes signed with SIGN_MODE_DIRECT, built from the protos alone."""
    key = coincurve.PrivateKey(secret)
    pubkey = secp_pb2.PubKey(key=key.public_key.format(compressed=True))
    body = tx_pb2.TxBody(messages=[_any(m) for m in msgs], memo="grpc e2e").SerializeToString()
    auth_info = tx_pb2.AuthInfo(
        signer_infos=[
            tx_pb2.SignerInfo(
                public_key=_any(pubkey),
                mode_info=tx_pb2.ModeInfo(
                    single=tx_pb2.ModeInfo.Single(mode=signing_pb2.SIGN_MODE_DIRECT)
                ),
                sequence=sequence,
            )
        ],
        fee=tx_pb2.Fee(amount=[coin_pb2.Coin(denom=DENOM, amount=str(fee))], gas_limit=gas),
    ).SerializeToString()
    doc = tx_pb2.SignDoc(
        body_bytes=body, auth_info_bytes=auth_info, chain_id=chain_id, account_number=number
    ).SerializeToString()
    # libsecp256k1 signs low-S; the compact form is r || s (drop the recovery id)
    signature = key.sign_recoverable(doc, hasher=lambda m: hashlib.sha256(m).digest())[:64]
    return tx_pb2.TxRaw(
        body_bytes=body, auth_info_bytes=auth_info, signatures=[signature]
    ).SerializeToString()


@pytest.fixture(scope="module")
def channel(node: Node):  # noqa: ANN201
    """A gRPC channel to the node, once its server answers health checks."""
    with grpc.insecure_channel(node.grpc) as ch:
        grpc.channel_ready_future(ch).result(timeout=30)
        yield ch


def _balance(channel: grpc.Channel, address: str) -> int:
    stub = bank_grpc.QueryStub(channel)
    resp = stub.Balance(bank_query.QueryBalanceRequest(address=address, denom=DENOM))
    return int(resp.balance.amount)


def test_send_over_grpc_like_a_cosmos_client(node: Node, channel: grpc.Channel) -> None:
    assert node.faucet is not None
    sender = account_address(node.faucet.address)
    recipient = account_address(PrivateKey.generate().address)

    account_any = (
        auth_grpc.QueryStub(channel).Account(auth_query.QueryAccountRequest(address=sender)).account
    )
    assert account_any.type_url == "/cosmos.auth.v1beta1.BaseAccount"
    account = auth_pb2.BaseAccount.FromString(account_any.value)
    before = _balance(channel, sender)

    send = bank_tx.MsgSend(
        from_address=sender,
        to_address=recipient,
        amount=[coin_pb2.Coin(denom=DENOM, amount="4321")],
    )
    service = tx_grpc.ServiceStub(channel)

    def sign(gas: int) -> bytes:
        fee = math.ceil(gas * GAS_PRICE)
        return _sign_direct(
            node.faucet.secret,
            [send],
            node.chain_id,
            account.account_number,
            account.sequence,
            gas,
            fee,
        )

    simulated = service.Simulate(tx_service.SimulateRequest(tx_bytes=sign(200_000)))
    assert simulated.gas_info.gas_used > 0
    gas = math.ceil(simulated.gas_info.gas_used * GAS_ADJUSTMENT)
    raw = sign(gas)

    sent = service.BroadcastTx(
        tx_service.BroadcastTxRequest(tx_bytes=raw, mode=tx_service.BROADCAST_MODE_SYNC)
    ).tx_response
    assert sent.code == 0, sent.raw_log
    assert sent.txhash == hashlib.sha256(raw).hexdigest().upper()

    deadline = time.monotonic() + 30
    while True:
        try:
            got = service.GetTx(tx_service.GetTxRequest(hash=sent.txhash))
            break
        except grpc.RpcError as exc:
            assert exc.code() == grpc.StatusCode.NOT_FOUND, exc.details()
            assert time.monotonic() < deadline, "tx not committed within 30s"
            time.sleep(0.2)
    resp = got.tx_response
    assert resp.code == 0, resp.raw_log
    assert resp.txhash == sent.txhash and resp.height > 0
    assert 0 < resp.gas_used <= resp.gas_wanted == gas
    assert resp.timestamp.endswith("Z")
    assert any(e.type == "transfer" for e in resp.events)
    assert got.tx.body.memo == "grpc e2e"

    assert _balance(channel, recipient) == 4321
    assert _balance(channel, sender) == before - 4321 - math.ceil(gas * GAS_PRICE)
    after = auth_pb2.BaseAccount.FromString(
        auth_grpc.QueryStub(channel)
        .Account(auth_query.QueryAccountRequest(address=sender))
        .account.value
    )
    assert after.sequence == account.sequence + 1

    block = tm_grpc.ServiceStub(channel).GetBlockByHeight(
        tm_query.GetBlockByHeightRequest(height=resp.height)
    )
    assert raw in list(block.block.data.txs)


def test_node_info_and_latest_block(node: Node, channel: grpc.Channel) -> None:
    tm = tm_grpc.ServiceStub(channel)
    info = tm.GetNodeInfo(tm_query.GetNodeInfoRequest())
    assert info.default_node_info.network == node.chain_id
    assert info.default_node_info.version.startswith("0.38")
    assert info.default_node_info.default_node_id
    assert info.application_version.name == "aichain"
    assert tm.GetSyncing(tm_query.GetSyncingRequest()).syncing is False

    latest = tm.GetLatestBlock(tm_query.GetLatestBlockRequest())
    header = latest.block.header
    assert header.chain_id == node.chain_id and header.height >= 2
    assert header.time.seconds > 1_600_000_000
    assert len(header.app_hash) == 32 and len(header.proposer_address) == 20
    assert len(latest.block_id.hash) == 32
    assert header.last_block_id.hash
    assert latest.sdk_block.header.proposer_address.startswith("aicvalcons1")
    assert latest.sdk_block.header.height == header.height

    validators = tm.GetLatestValidatorSet(tm_query.GetLatestValidatorSetRequest()).validators
    assert [v.address for v in validators] == [latest.sdk_block.header.proposer_address]


def test_health_and_errors(node: Node, channel: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    with pytest.raises(grpc.RpcError) as info:
        auth_grpc.QueryStub(channel).Account(
            auth_query.QueryAccountRequest(address=account_address(PrivateKey.generate().address))
        )
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as info:
        tx_grpc.ServiceStub(channel).GetTx(tx_service.GetTxRequest(hash="AB" * 32))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
