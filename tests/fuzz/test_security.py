"""Replay and signature malleability (docs/security.md, threat model): a tx signed for another
chain, a committed tx sent again at a later height, a high-S twin of a valid signature, a
signature by another key, a tx past its timeout height. Each is refused with a registered
error and leaves no trace (the app hash of an empty block)."""

from __future__ import annotations

import pytest
from cosmos.bank.v1beta1 import tx_pb2 as bank_tx
from cosmos.base.v1beta1 import coin_pb2
from cosmos.tx.v1beta1 import tx_pb2
from tendermint.abci import types_pb2 as abci

from aichain.app.crypto import SECP256K1_ORDER, account_address, verify_signature
from aichain.app.tx import sign_doc_bytes
from tests.helpers import CHAIN_ID, make_key

from .chain import ALICE, BOB, effect, sign, start
from .test_fuzz_txs import judge


@pytest.fixture
def chain():
    return start()


def _send(amount: int = 7) -> bank_tx.MsgSend:
    return bank_tx.MsgSend(
        from_address=account_address(ALICE.address),
        to_address=account_address(BOB.address),
        amount=[coin_pb2.Coin(denom="uaic", amount=str(amount))],
    )


def _refused_without_trace(chain, raw: bytes, space: str, code: int) -> str:
    result = judge(chain, raw, ALICE)
    assert (result.codespace, result.code) == (space, code), result.log
    assert not result.events  # refused before anything was charged
    return result.log


@pytest.mark.parametrize("other", ["aichain-1", "aichain-local", "", CHAIN_ID + "x"])
def test_a_tx_signed_for_another_chain_is_refused(chain, other: str) -> None:
    raw = sign(chain, ALICE, [_send()], chain_id=other)
    log = _refused_without_trace(chain, raw, "sdk", 4)
    assert "signature verification failed" in log and "chain-id" in log
    assert judge(chain, sign(chain, ALICE, [_send()]), ALICE).code == 0  # the same, signed here


def test_a_committed_tx_sent_again_later_is_refused(chain) -> None:
    raw = sign(chain, ALICE, [_send()])
    assert chain.run([raw])[0].code == 0
    for _ in range(2):  # the next heights: CheckTx and FinalizeBlock both refuse it
        check = chain.app.check_tx(abci.RequestCheckTx(tx=raw))
        assert (check.codespace, check.code) == ("sdk", 3), check.log
        _refused_without_trace(chain, raw, "sdk", 3)
        chain.block([])


def _with_signature(raw: bytes, signature: bytes) -> bytes:
    tx = tx_pb2.TxRaw.FromString(raw)
    return tx_pb2.TxRaw(
        body_bytes=tx.body_bytes, auth_info_bytes=tx.auth_info_bytes, signatures=[signature]
    ).SerializeToString()


def test_the_high_s_twin_of_a_valid_signature_is_refused(chain) -> None:
    raw = sign(chain, ALICE, [_send()])
    tx = tx_pb2.TxRaw.FromString(raw)
    low = tx.signatures[0]
    r, s = low[:32], int.from_bytes(low[32:], "big")
    assert s <= SECP256K1_ORDER // 2  # we sign low-S
    high = r + (SECP256K1_ORDER - s).to_bytes(32, "big")  # the same signature, malleated
    number = chain.account(ALICE.address).account_number
    doc = sign_doc_bytes(tx.body_bytes, tx.auth_info_bytes, CHAIN_ID, number)
    assert verify_signature(ALICE.pubkey, doc, low)
    assert not verify_signature(ALICE.pubkey, doc, high)
    _refused_without_trace(chain, _with_signature(raw, high), "sdk", 4)
    assert judge(chain, raw, ALICE).code == 0


@pytest.mark.parametrize(
    "signature",
    [b"", b"\x00" * 64, b"\xff" * 64, b"\x01" * 63, b"\x01" * 65, b"\x00" * 32 + b"\x01" * 32],
    ids=["empty", "zero", "ff", "63-bytes", "65-bytes", "r-zero"],
)
def test_malformed_signatures_are_refused(chain, signature: bytes) -> None:
    _refused_without_trace(
        chain, _with_signature(sign(chain, ALICE, [_send()]), signature), "sdk", 4
    )


def test_a_signature_by_another_key_is_refused(chain) -> None:
    mallory = make_key(77)
    raw = sign(chain, ALICE, [_send()])
    tx = tx_pb2.TxRaw.FromString(raw)
    number = chain.account(ALICE.address).account_number
    forged = mallory.sign(sign_doc_bytes(tx.body_bytes, tx.auth_info_bytes, CHAIN_ID, number))
    _refused_without_trace(chain, _with_signature(raw, forged), "sdk", 4)


def test_a_tx_past_its_timeout_height_is_refused(chain) -> None:
    from aichain.client.txbuilder import SignerData, build_tx

    account = chain.account(ALICE.address)
    signer = SignerData(account.account_number, account.sequence)
    late = build_tx([_send()], ALICE, signer, CHAIN_ID, [], 200_000, timeout_height=chain.height)
    log = _refused_without_trace(chain, late, "sdk", 18)
    assert "timeout height" in log
    in_time = build_tx(
        [_send()], ALICE, signer, CHAIN_ID, [], 200_000, timeout_height=chain.height + 5
    )
    assert effect(chain, [in_time]).tx_results[0].code == 0


def test_a_fresh_home_serves_everything_but_p2p_on_loopback_only(tmp_path) -> None:
    """`aichain init` defaults: CometBFT RPC, gRPC, REST and metrics bind 127.0.0.1, pprof is
    off, ABCI is the home's owner-only unix socket; only P2P listens on every interface (peers
    must reach a validator)."""
    import tomllib

    from aichain.node.init import init_home

    home = init_home(tmp_path / "home", "m", "aichain-sec")
    comet = tomllib.loads((home.root / "config" / "config.toml").read_text())
    app = tomllib.loads(home.app_toml.read_text())
    assert comet["rpc"]["laddr"] == "tcp://127.0.0.1:26657"
    assert comet["rpc"]["pprof_laddr"] == ""
    assert comet["p2p"]["laddr"] == "tcp://0.0.0.0:26656"
    assert app["grpc"]["address"].startswith("127.0.0.1:")
    assert app["api"]["address"].startswith("tcp://127.0.0.1:")
    assert app["telemetry"]["address"].startswith("tcp://127.0.0.1:")
    assert app["abci"]["address"] == ""  # the unix socket run/abci.sock
