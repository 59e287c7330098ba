"""Simulation as Cosmos clients send it: gas 0, empty or missing signatures, no fee, no mode
info, no public key (CosmJS, the SDK's own client). The estimate covers the real tx; CheckTx
and FinalizeBlock stay strict."""

from __future__ import annotations

import pytest
from cosmos.crypto.secp256k1 import keys_pb2 as secp_pb2
from cosmos.tx.signing.v1beta1 import signing_pb2
from cosmos.tx.v1beta1 import tx_pb2
from google.protobuf import any_pb2

from aichain.app.coins import Coin
from aichain.app.crypto import account_address
from aichain.app.errors import AppError, InvalidGasLimitError, UnauthorizedError
from aichain.client.txbuilder import pack
from tests.helpers import DENOM, Chain, make_key

ALICE, BOB = make_key(31), make_key(32)
DIRECT = signing_pb2.SIGN_MODE_DIRECT
UNSPECIFIED = signing_pb2.SIGN_MODE_UNSPECIFIED


@pytest.fixture
def chain() -> Chain:
    chain = Chain.start([(ALICE, 10**9), (BOB, 10**9)])
    chain.block([chain.send_tx(ALICE, BOB.address, 1)])  # ALICE's key is now on chain
    return chain


def sim_tx(
    sequence: int,
    *,
    gas: int = 0,
    fee: int = 0,
    mode: int | None = UNSPECIFIED,
    pubkey: bool = True,
    signatures: list[bytes] | None = None,
) -> bytes:
    """A send from ALICE built for simulation the ways client libraries build it."""
    from cosmos.bank.v1beta1 import tx_pb2 as bank_tx

    from aichain.client.txbuilder import coins_proto

    msg = bank_tx.MsgSend(
        from_address=account_address(ALICE.address),
        to_address=account_address(BOB.address),
        amount=coins_proto([Coin(DENOM, 5)]),
    )
    info = tx_pb2.SignerInfo(sequence=sequence)
    if pubkey:
        info.public_key.CopyFrom(
            any_pb2.Any(
                type_url="/cosmos.crypto.secp256k1.PubKey",
                value=secp_pb2.PubKey(key=ALICE.pubkey).SerializeToString(),
            )
        )
    if mode is not None:
        info.mode_info.single.mode = mode
    auth = tx_pb2.AuthInfo(
        signer_infos=[info],
        fee=tx_pb2.Fee(gas_limit=gas, amount=coins_proto([Coin(DENOM, fee)]) if fee else []),
    )
    body = tx_pb2.TxBody(messages=[pack(msg)])
    return tx_pb2.TxRaw(
        body_bytes=body.SerializeToString(),
        auth_info_bytes=auth.SerializeToString(),
        signatures=[b""] if signatures is None else signatures,
    ).SerializeToString()


CLIENT_SHAPES = {
    "cosmjs: gas 0, empty fee, mode unspecified, one empty signature": {},
    "sdk client: direct mode, gas 0, empty signature": {"mode": DIRECT},
    "no mode info at all": {"mode": None},
    "no signatures at all": {"signatures": []},
    "no public key (offline estimate)": {"pubkey": False},
    "a fee and a gas limit given": {"gas": 300_000, "fee": 7_500, "mode": DIRECT},
}


@pytest.mark.parametrize("shape", list(CLIENT_SHAPES.values()), ids=list(CLIENT_SHAPES))
def test_simulate_accepts_the_shapes_clients_send(chain: Chain, shape: dict) -> None:
    sequence = chain.sequences[ALICE.address]
    result = chain.app.simulate(sim_tx(sequence, **shape))
    assert result.gas_info.gas_used > 0
    assert any(e.type == "transfer" for e in result.result.events)


def test_the_estimate_covers_the_signed_tx(chain: Chain) -> None:
    sequence = chain.sequences[ALICE.address]
    same_fee = chain.app.simulate(sim_tx(sequence, fee=10_000)).gas_info.gas_used
    no_fee = chain.app.simulate(sim_tx(sequence)).gas_info.gas_used
    assert no_fee < same_fee  # the fee transfer costs gas too
    signed = chain.send_tx(ALICE, BOB.address, 5, fee=10_000, gas=same_fee)
    result = chain.block([signed]).tx_results[0]
    assert result.code == 0, result.log
    assert result.gas_used <= same_fee
    # as in the SDK, a fee-less simulation leaves out the fee transfer's gas; CosmJS's "auto"
    # multiplier (1.4) covers it, and `aichain --gas auto` simulates with the fee it pays
    assert result.gas_used <= no_fee * 14 // 10


def test_simulate_changes_no_state(chain: Chain) -> None:
    before = (chain.balance(ALICE.address), chain.account(ALICE.address).sequence)
    chain.app.simulate(sim_tx(chain.sequences[ALICE.address]))
    assert (chain.balance(ALICE.address), chain.account(ALICE.address).sequence) == before


def test_simulate_still_checks_the_sequence(chain: Chain) -> None:
    with pytest.raises(AppError, match="account sequence mismatch"):
        chain.app.simulate(sim_tx(chain.sequences[ALICE.address] + 5))


def test_check_tx_stays_strict_about_what_simulation_tolerates(chain: Chain) -> None:
    sequence = chain.sequences[ALICE.address]
    for raw, code in (
        (sim_tx(sequence, fee=5_000, mode=DIRECT), InvalidGasLimitError.code),
        (sim_tx(sequence, gas=200_000, fee=5_000, mode=DIRECT), UnauthorizedError.code),
        (sim_tx(sequence, gas=200_000, fee=5_000, mode=None), UnauthorizedError.code),
    ):
        result = chain.check(raw)
        assert (result.codespace, result.code) == ("sdk", code), result.log
