"""Distribution through ABCI: fees and provisions reach validators by power, commission and
delegator rewards are withdrawn, nothing is paid beyond what accrued."""

from __future__ import annotations

from cosmos.distribution.v1beta1 import query_pb2 as dq

from aichain.app.coins import Coin
from aichain.app.crypto import account_address, valoper_address
from aichain.app.dec import ONE, parse_dec_wire
from aichain.modules.bank.cli import msg_send
from aichain.modules.distribution.cli import (
    msg_set_withdraw_address,
    msg_withdraw_commission,
    msg_withdraw_rewards,
)
from aichain.modules.staking.cli import msg_delegate

from ..helpers import DENOM, make_key
from .staking_chain import StakingChain, validator_keys

AIC = 10**6
V = validator_keys(2)
ALICE, BOB, CAROL = make_key(1), make_key(2), make_key(3)
STATE = {"distribution": {"params": {"community_tax": "0.02", "withdraw_addr_enabled": True}}}


def start(**mint) -> StakingChain:
    state = dict(STATE)
    if mint:
        state["mint"] = {"params": mint}
    return StakingChain.start(
        [(V[0][0], V[0][1], 300 * AIC), (V[1][0], V[1][1], 100 * AIC)],
        [(ALICE, 1000 * AIC), (BOB, 1000 * AIC)],
        state,
    )


def val(i: int) -> str:
    return valoper_address(V[i][0].address)


def rewards(chain: StakingChain, key, i: int) -> int:
    resp = chain.query(
        "/cosmos.distribution.v1beta1.Query/DelegationRewards",
        dq.QueryDelegationRewardsRequest(
            delegator_address=account_address(key.address), validator_address=val(i)
        ),
        dq.QueryDelegationRewardsResponse,
    )
    return sum(parse_dec_wire(c.amount) for c in resp.rewards if c.denom == DENOM)


def commission(chain: StakingChain, i: int) -> int:
    resp = chain.query(
        "/cosmos.distribution.v1beta1.Query/ValidatorCommission",
        dq.QueryValidatorCommissionRequest(validator_address=val(i)),
        dq.QueryValidatorCommissionResponse,
    )
    return sum(parse_dec_wire(c.amount) for c in resp.commission.commission)


def test_fees_split_by_power_with_commission_and_tax() -> None:
    chain = start(inflation_rate="0")
    fee = 10_000
    tx = chain.tx(ALICE, [msg_send(account_address(ALICE.address), account_address(BOB.address),
                                   [Coin(DENOM, 1)])], fee=fee)  # fmt: skip
    assert [r.code for r in chain.run([tx])] == [0]
    chain.block([])
    for_voters = fee * 98 // 100
    assert commission(chain, 0) == for_voters * 3 // 4 * ONE // 10
    assert rewards(chain, V[0][0], 0) == for_voters * 3 // 4 * ONE * 9 // 10
    assert rewards(chain, V[1][0], 1) == for_voters // 4 * ONE * 9 // 10
    pool = chain.query(
        "/cosmos.distribution.v1beta1.Query/CommunityPool",
        dq.QueryCommunityPoolRequest(),
        dq.QueryCommunityPoolResponse,
    ).pool
    assert parse_dec_wire(pool[0].amount) == (fee - for_voters) * ONE
    assert chain.invariants() == []


def test_delegator_rewards_accrue_pro_rata_and_withdraw() -> None:
    chain = start(inflation_rate="0.10", blocks_per_year="1000")
    alice = account_address(ALICE.address)
    chain.run([chain.tx(ALICE, [msg_delegate(alice, val(1), Coin(DENOM, 100 * AIC))])])
    chain.block([])
    chain.block([])
    operator, mine = rewards(chain, V[1][0], 1), rewards(chain, ALICE, 1)
    assert 0 < mine < operator  # the operator also earned the blocks before alice joined
    chain.run([chain.tx(ALICE, [msg_set_withdraw_address(alice, account_address(CAROL.address))])])
    tx = chain.tx(ALICE, [msg_withdraw_rewards(alice, val(1))])
    result = chain.run([tx])[0]
    assert result.code == 0, result.log
    assert chain.balance(CAROL.address) > 0
    result = chain.run([chain.tx(V[0][0], [msg_withdraw_commission(val(0))])])[0]
    assert result.code == 0, result.log
    assert chain.invariants() == []


def test_withdraw_without_delegation_fails() -> None:
    chain = start(inflation_rate="0")
    result = chain.run(
        [chain.tx(BOB, [msg_withdraw_rewards(account_address(BOB.address), val(0))])]
    )
    assert (result[0].codespace, result[0].code) == ("distribution", 13)
