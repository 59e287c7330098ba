"""Slashing through ABCI: downtime jails and slashes, unjail after the jail period, double
signing slashes and tombstones, and slashes reach later unbondings and redelegations."""

from __future__ import annotations

import pytest
from cosmos.slashing.v1beta1 import query_pb2 as slq
from cosmos.staking.v1beta1 import query_pb2 as sq
from google.protobuf import timestamp_pb2
from tendermint.abci import types_pb2 as abci

from aichain.app.coins import Coin
from aichain.app.crypto import account_address, consensus_address, valcons_address, valoper_address
from aichain.modules.slashing.cli import msg_unjail
from aichain.modules.staking.cli import msg_delegate, msg_redelegate, msg_undelegate

from ..helpers import DENOM, make_key
from .staking_chain import StakingChain, validator_keys

AIC = 10**6
V = validator_keys(2)
ALICE = make_key(1)
STATE = {
    "staking": {"params": {"unbonding_time": "600s", "bond_denom": DENOM}},
    "slashing": {
        "params": {
            "signed_blocks_window": "10",
            "min_signed_per_window": "0.5",
            "downtime_jail_duration": "60s",
            "slash_fraction_double_sign": "0.05",
            "slash_fraction_downtime": "0.01",
        }
    },
}


@pytest.fixture
def chain() -> StakingChain:
    return StakingChain.start(
        [(V[0][0], V[0][1], 100 * AIC), (V[1][0], V[1][1], 50 * AIC)],
        [(ALICE, 1000 * AIC)],
        STATE,
    )


def cons(i: int) -> bytes:
    return consensus_address(V[i][1])


def val(i: int) -> str:
    return valoper_address(V[i][0].address)


def validator(chain: StakingChain, i: int):
    return chain.query(
        "/cosmos.staking.v1beta1.Query/Validator",
        sq.QueryValidatorRequest(validator_addr=val(i)),
        sq.QueryValidatorResponse,
    ).validator


def signing_info(chain: StakingChain, i: int):
    return chain.query(
        "/cosmos.slashing.v1beta1.Query/SigningInfo",
        slq.QuerySigningInfoRequest(cons_address=valcons_address(cons(i))),
        slq.QuerySigningInfoResponse,
    ).val_signing_info


def double_sign(chain: StakingChain, i: int, height: int, power: int) -> abci.Misbehavior:
    return abci.Misbehavior(
        type=abci.DUPLICATE_VOTE,
        validator=abci.Validator(address=cons(i), power=power),
        height=height,
        time=timestamp_pb2.Timestamp(seconds=chain.time_s),
        total_voting_power=150,
    )


def _snapshot(chain: StakingChain) -> dict:
    b = chain.app.root.backend
    return dict(b.iterate(b"staking/")) | dict(b.iterate(b"bank/"))


def test_downtime_jails_slashes_and_unjail_waits_for_the_jail_period(chain: StakingChain) -> None:
    chain.absent.add(cons(1))
    jailed_at = None
    for _ in range(20):
        resp = chain.block([])
        if resp.validator_updates:
            jailed_at = chain.height
            break
    assert jailed_at is not None
    assert [(u.pub_key.ed25519, u.power) for u in resp.validator_updates] == [(V[1][1], 0)]
    v = validator(chain, 1)
    assert v.jailed and int(v.tokens) == 50 * AIC - 50 * AIC // 100
    chain.absent.clear()
    key = V[1][0]
    before = _snapshot(chain)
    result = chain.run([chain.tx(key, [msg_unjail(val(1))])])[0]
    assert (result.codespace, result.code) == ("slashing", 4), result.log
    assert _snapshot(chain) == before
    chain.block([], seconds=60)
    result = chain.run([chain.tx(key, [msg_unjail(val(1))])])[0]
    assert result.code == 0, result.log
    assert not validator(chain, 1).jailed
    assert sorted(p for _, p in chain.valset.values()) == [49, 100]
    assert chain.invariants() == []


def test_unjail_of_a_validator_that_is_not_jailed_fails(chain: StakingChain) -> None:
    result = chain.run([chain.tx(V[0][0], [msg_unjail(val(0))])])[0]
    assert (result.codespace, result.code) == ("slashing", 5)


def test_double_sign_slashes_tombstones_and_reaches_later_unbondings(chain: StakingChain) -> None:
    alice = account_address(ALICE.address)
    chain.run([chain.tx(ALICE, [msg_delegate(alice, val(0), Coin(DENOM, 100 * AIC))])])
    early = chain.tx(ALICE, [msg_undelegate(alice, val(0), Coin(DENOM, 10 * AIC))])
    chain.run([early])
    chain.block([])
    infraction = chain.height + 1
    chain.block([])
    late = chain.tx(ALICE, [msg_undelegate(alice, val(0), Coin(DENOM, 20 * AIC))])
    moved = chain.tx(ALICE, [msg_redelegate(alice, val(0), val(1), Coin(DENOM, 40 * AIC))])
    assert [r.code for r in chain.run([late, moved])] == [0, 0]
    bonded = validator(chain, 0)
    resp = chain.block([], misbehavior=[double_sign(chain, 0, infraction, 200)])
    updates = {u.pub_key.ed25519: u.power for u in resp.validator_updates}
    assert updates == {V[0][1]: 0, V[1][1]: 88}
    info = signing_info(chain, 0)
    assert info.tombstoned
    v = validator(chain, 0)
    assert v.jailed
    # 5% of 200 power: 10 AIC due; 1 AIC from the late unbonding, 2 AIC from the redelegation
    assert int(bonded.tokens) - int(v.tokens) == 10 * AIC - 1 * AIC - 2 * AIC
    ubd = chain.query(
        "/cosmos.staking.v1beta1.Query/UnbondingDelegation",
        sq.QueryUnbondingDelegationRequest(delegator_addr=alice, validator_addr=val(0)),
        sq.QueryUnbondingDelegationResponse,
    ).unbond
    assert [e.balance for e in ubd.entries] == [str(10 * AIC), str(19 * AIC)]
    delegation = chain.query(
        "/cosmos.staking.v1beta1.Query/Delegation",
        sq.QueryDelegationRequest(delegator_addr=alice, validator_addr=val(1)),
        sq.QueryDelegationResponse,
    ).delegation_response
    assert delegation.balance.amount == str(38 * AIC)
    assert chain.invariants() == []
    chain.block([], seconds=10**6)
    result = chain.run([chain.tx(V[0][0], [msg_unjail(val(0))])])[0]
    assert (result.codespace, result.code) == ("slashing", 9)
    chain.block([], misbehavior=[double_sign(chain, 0, infraction, 200)])
    assert int(validator(chain, 0).tokens) == int(v.tokens)
    assert chain.invariants() == []


def test_signing_infos_query(chain: StakingChain) -> None:
    chain.block([])
    infos = chain.query(
        "/cosmos.slashing.v1beta1.Query/SigningInfos",
        slq.QuerySigningInfosRequest(),
        slq.QuerySigningInfosResponse,
    ).info
    assert sorted(i.address for i in infos) == sorted(valcons_address(cons(i)) for i in (0, 1))
    params = chain.query(
        "/cosmos.slashing.v1beta1.Query/Params", slq.QueryParamsRequest(), slq.QueryParamsResponse
    ).params
    assert params.signed_blocks_window == 10


def test_update_params_from_the_authority_only() -> None:
    """MsgUpdateParams signed by the configured authority changes the slashing params; from
    anyone else it is refused as unauthorized; an invalid field is refused naming it."""
    from cosmos.slashing.v1beta1 import tx_pb2

    from aichain.modules.slashing.types import Params

    bob = make_key(2)
    chain = StakingChain.start(
        [(V[0][0], V[0][1], 100 * AIC)],
        [(ALICE, 1000 * AIC), (bob, 1000 * AIC)],
        STATE,
        authority=account_address(ALICE.address),
    )

    def update(key, **changes) -> tx_pb2.MsgUpdateParams:  # noqa: ANN001
        proto = Params(signed_blocks_window=20).to_proto()
        for name, value in changes.items():
            setattr(proto, name, value)
        return tx_pb2.MsgUpdateParams(authority=account_address(key.address), params=proto)

    def window() -> int:
        return chain.query(
            "/cosmos.slashing.v1beta1.Query/Params",
            slq.QueryParamsRequest(),
            slq.QueryParamsResponse,
        ).params.signed_blocks_window

    refused = chain.run(
        [
            chain.tx(bob, [update(bob)]),
            chain.tx(ALICE, [update(ALICE, slash_fraction_downtime=b"2000000000000000000")]),
        ]
    )
    assert [(r.codespace, r.code) for r in refused] == [("sdk", 4), ("slashing", 11)]
    assert "params.slash_fraction_downtime must be within [0, 1]" in refused[1].log
    assert window() == 10
    ok = chain.run([chain.tx(ALICE, [update(ALICE)])])
    assert ok[0].code == 0, ok[0].log
    assert window() == 20
