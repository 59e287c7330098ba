"""Distribution's simulation: a random community tax at genesis; reward and commission
withdrawals, withdraw addresses, community-pool funding and spending, and param changes,
valid and invalid."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from cosmos.base.v1beta1 import coin_pb2
from cosmos.distribution.v1beta1 import tx_pb2

from aichain.app.crypto import account_address, module_address, valoper_address
from aichain.app.dec import ONE, dec_wire, format_dec
from aichain.app.simulation.types import (
    BEYOND_ANY_BALANCE,
    SIM_DENOM,
    GenesisEnv,
    NoOp,
    SimEnv,
    SimTx,
    WeightedOperation,
    params_update,
    random_address,
    random_amount,
    random_fee,
)


def randomized_genesis(genesis: GenesisEnv) -> dict[str, Any]:
    """A community tax of 0..10%; withdraw addresses enabled."""
    zero = format_dec(0)
    return {
        "params": {
            "community_tax": format_dec(genesis.rng.randint(0, 100) * ONE // 1000),
            "base_proposer_reward": zero,
            "bonus_proposer_reward": zero,
            "withdraw_addr_enabled": True,
        }
    }


def simulate_withdraw_rewards(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A delegator withdraws its rewards from one validator (refused from a validator it
    does not delegate to)."""
    staking = env.keeper("staking")
    accounts = env.free_accounts()
    rng.shuffle(accounts)
    for account in accounts[:8]:
        held = [op for op, _ in staking.iter_delegator_delegations(env.ctx, account.address)]
        if not held and rng.randrange(2):
            continue
        validators = [v.operator for v in staking.iter_validators(env.ctx)]
        if held and rng.randrange(8):
            op, valid = rng.choice(held), True
        else:
            strangers = [v for v in validators if v not in held] or [random_address(rng)]
            op, valid = rng.choice(strangers), False
        msg = tx_pb2.MsgWithdrawDelegatorReward(
            delegator_address=account.bech32, validator_address=valoper_address(op)
        )
        return SimTx(account, (msg,), valid=valid)
    return NoOp("no free delegator")


def simulate_withdraw_commission(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """An operator withdraws its commission (valid with a whole coin of it; with less, this
    block's rewards may or may not make one)."""
    staking, dist = env.keeper("staking"), env.keeper("distribution")
    free = {a.address: a for a in env.free_accounts()}
    ops = [v.operator for v in staking.iter_validators(env.ctx) if v.operator in free]
    if not ops:
        return NoOp("no free validator operator")
    op = rng.choice(ops)
    whole = any(v >= ONE for v in dist.get_commission(env.ctx, op).values())
    msg = tx_pb2.MsgWithdrawValidatorCommission(validator_address=valoper_address(op))
    return SimTx(free[op], (msg,), valid=True if whole else None)


def simulate_set_withdraw_address(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A new withdraw address (refused to a module account or when the params disable it)."""
    account = env.pick_account(rng)
    if account is None:
        return NoOp("every account signed in this block")
    blocked = rng.randrange(8) == 0
    if blocked:
        target = module_address("distribution")
    elif rng.randrange(3) == 0:
        target = account.address
    else:
        target = env.any_account(rng).address
    enabled = env.keeper("distribution").get_params(env.ctx).withdraw_addr_enabled
    msg = tx_pb2.MsgSetWithdrawAddress(
        delegator_address=account.bech32, withdraw_address=account_address(target)
    )
    return SimTx(account, (msg,), valid=enabled and not blocked)


def simulate_fund_community_pool(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A deposit into the community pool (refused above the balance)."""
    account = env.pick_account(rng)
    if account is None:
        return NoOp("every account signed in this block")
    balance = env.balance(account.address)
    fee = random_fee(rng, balance)
    over = rng.randrange(8) == 0
    amount = balance + BEYOND_ANY_BALANCE if over else random_amount(rng, min(balance - fee, 10**8))
    if amount < 1:
        return NoOp("depositor holds nothing")
    msg = tx_pb2.MsgFundCommunityPool(
        depositor=account.bech32, amount=[coin_pb2.Coin(denom=SIM_DENOM, amount=str(amount))]
    )
    return SimTx(account, (msg,), valid=not over, fee=fee)


def simulate_community_pool_spend(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """The authority spends part of the pool to an account (refused above the pool)."""
    pool = env.keeper("distribution").get_community_pool(env.ctx).get(SIM_DENOM, 0) // ONE
    over = pool < 1 or rng.randrange(6) == 0
    amount = pool + BEYOND_ANY_BALANCE if over else random_amount(rng, pool)
    recipient = env.any_account(rng).bech32

    def make(authority: str) -> tx_pb2.MsgCommunityPoolSpend:
        return tx_pb2.MsgCommunityPoolSpend(
            authority=authority,
            recipient=recipient,
            amount=[coin_pb2.Coin(denom=SIM_DENOM, amount=str(amount))],
        )

    return params_update(rng, env, make, valid=not over)


def simulate_update_params(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A new community tax and withdraw-address switch; one time in six a tax above 1."""
    bad = rng.randrange(6) == 0
    params = env.keeper("distribution").get_params(env.ctx).to_proto()
    params.community_tax = dec_wire(2 * ONE if bad else rng.randint(0, 100) * ONE // 1000)
    params.withdraw_addr_enabled = rng.randrange(5) != 0

    def make(authority: str) -> tx_pb2.MsgUpdateParams:
        return tx_pb2.MsgUpdateParams(authority=authority, params=params)

    return params_update(rng, env, make, valid=not bad)


def weighted_operations() -> Sequence[WeightedOperation]:
    """Distribution's operations and their default weights."""
    return (
        WeightedOperation("distribution/withdraw-rewards", 30, simulate_withdraw_rewards),
        WeightedOperation("distribution/withdraw-commission", 8, simulate_withdraw_commission),
        WeightedOperation("distribution/set-withdraw-address", 8, simulate_set_withdraw_address),
        WeightedOperation("distribution/fund-community-pool", 8, simulate_fund_community_pool),
        WeightedOperation("distribution/community-pool-spend", 2, simulate_community_pool_spend),
        WeightedOperation("distribution/update-params", 2, simulate_update_params),
    )
