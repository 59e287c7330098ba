"""The inputs fuzzing found bugs with, kept as plain regression tests (the corpus)."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import any_pb2

from aichain.modules.staking.cli import msg_create_validator

from .chain import AIC, ALICE, judge, sign, start
from .test_fuzz_grpc import Served

CONSENSUS_KEY_VALUES = [
    b"\x00",  # found by test_signed_txs_with_one_corrupted_field: DecodeError escaped
    b"\x0a\xff",  # a length past the end
    b"\x0a\x05abc",  # a length past the end of a short key
    b"\x0a\x10" + b"\x01" * 16,  # decodes, but 16 bytes, not 32
]
"""Consensus-key Any values of a MsgCreateValidator that do not make an ed25519 key."""


@pytest.fixture(scope="module")
def chain():
    return start()


@pytest.mark.parametrize("value", CONSENSUS_KEY_VALUES)
def test_create_validator_with_a_consensus_key_that_does_not_decode(chain, value) -> None:
    msg = msg_create_validator(ALICE.address, b"\x07" * 32, "alice", 10 * AIC)
    msg.pubkey.CopyFrom(any_pb2.Any(type_url="/cosmos.crypto.ed25519.PubKey", value=value))
    result = judge(chain, sign(chain, ALICE, [msg]), ALICE)
    assert (result.codespace, result.code) == ("sdk", 8), result.log  # invalid pubkey


@pytest.mark.parametrize(
    "path",
    ["/cosmos.tx.v1beta1.Service/Simulate", "/cosmos.base.tendermint.v1beta1.Service/ABCIQuery"],
)
def test_node_services_answer_undecodable_requests_with_invalid_argument(path: str) -> None:
    """Found by test_services_and_unknown_methods_refuse_garbage: grpc's own deserializer
    answered INTERNAL "Exception deserializing request!"."""
    served = Served()
    try:
        with pytest.raises(grpc.RpcError) as caught:
            served.channel.unary_unary(path)(b"\xff" * 64, timeout=10)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "does not decode" in caught.value.details()
        assert served.healthy()
    finally:
        served.channel.close()
        served.server.stop(None)


def _send_tx(chain) -> bytes:
    from cosmos.bank.v1beta1 import tx_pb2 as bank_tx
    from cosmos.base.v1beta1 import coin_pb2

    from aichain.app.crypto import account_address

    me = account_address(ALICE.address)
    msg = bank_tx.MsgSend(
        from_address=me, to_address=me, amount=[coin_pb2.Coin(denom="uaic", amount="5")]
    )
    return sign(chain, ALICE, [msg])


@pytest.mark.parametrize(
    ("malleate", "code"),
    [
        (lambda raw: raw + b"\x22\x03abc", 2),  # an unknown field appended
        (lambda raw: b"\x0a\x01x" + raw, 2),  # body_bytes twice: the last one wins
        (lambda raw: raw + b"\x1a\x00", 4),  # an empty signature appended: signature count
    ],
    ids=["unknown-field", "repeated-body", "extra-signature"],
)
def test_a_relayed_tx_cannot_be_given_another_hash(chain, malleate, code: int) -> None:
    """Found by the tx fuzzer: the signatures sit outside the signed bytes, so TxRaw with an
    unknown or repeated field decoded to the same tx under another hash (a relayer could make
    a user's tx land under a hash the user never saw). Now refused as sdk/2."""
    raw = _send_tx(chain)
    assert judge(chain, raw, ALICE).code == 0
    twisted = malleate(raw)
    assert twisted != raw
    result = judge(chain, twisted, ALICE)
    assert (result.codespace, result.code) == ("sdk", code), result.log


def test_datanet_pagination_key_of_the_wrong_length_is_invalid_argument() -> None:
    """Found by test_requests_with_one_corrupted_field: a page key that is not 8 bytes reached
    the key decoder and answered INTERNAL."""
    from cosmos.base.query.v1beta1 import pagination_pb2

    served = Served()
    try:
        route = served.chain.app.router.queries["/aichain.datanet.v1.Query/Datanets"]
        request = route.request(pagination=pagination_pb2.PageRequest(key=b"\x00"))
        with pytest.raises(grpc.RpcError) as caught:
            served.channel.unary_unary(route.path)(request.SerializeToString(), timeout=10)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "pagination key" in caught.value.details()
    finally:
        served.channel.close()
        served.server.stop(None)
