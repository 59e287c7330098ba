"""Staking's simulation: random params at genesis; validators created and edited,
delegations, redelegations, undelegations, cancelled unbondings and param changes, valid and
invalid. Each operation locks the validators it changes (`env.locked`), so two operations of
one block never race on a validator's token/share ratio."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from cosmos.base.v1beta1 import coin_pb2
from cosmos.staking.v1beta1 import tx_pb2
from google.protobuf import duration_pb2

from aichain.app.crypto import valoper_address
from aichain.app.dec import ONE, dec_wire, format_dec
from aichain.app.simulation.types import (
    SIM_DENOM,
    SIM_EXTRA_DENOM,
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
from aichain.modules.staking.types import DAY_NS, Validator

SAFE_FRACTION_PERCENT = 85
"""Valid undelegations take at most this share of a delegation's worth, so a slash in the
same block (fractions stay below 15% in the simulation) does not turn them invalid."""

MATURITY_MARGIN_NS = 60 * 10**9
"""An unbonding entry is cancelled only if it matures at least this long after the last
block (blocks are at most 10 s apart)."""


def randomized_genesis(genesis: GenesisEnv) -> dict[str, Any]:
    """Short unbonding (so entries mature during a run), a few validators, few entries."""
    rng = genesis.rng
    return {
        "params": {
            "unbonding_time": f"{rng.randint(30, 600)}s",
            "max_validators": rng.randint(max(1, genesis.validators - 1), genesis.validators + 3),
            "max_entries": rng.randint(2, 7),
            "bond_denom": SIM_DENOM,
            "min_commission_rate": format_dec(0),
        }
    }


def _validators(env: SimEnv) -> list[Validator]:
    """Every validator, in key order."""
    return list(env.keeper("staking").iter_validators(env.ctx))


def _free_validators(env: SimEnv) -> list[Validator]:
    """Validators no operation of this block changes yet."""
    return [v for v in _validators(env) if v.operator not in env.locked]


def _coin(amount: int, denom: str = SIM_DENOM) -> coin_pb2.Coin:
    return coin_pb2.Coin(denom=denom, amount=str(amount))


def _rate(rng: random.Random, low: int, high: int) -> int:
    """A decimal in [low, high] (atomics), on a 1/1000 grid."""
    lo, hi = -(-low * 1000 // ONE), high * 1000 // ONE
    return rng.randint(lo, max(lo, hi)) * ONE // 1000


def simulate_create_validator(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A new validator with the signer's consensus key; refused when the signer already
    operates one, the key is taken, or the rate is above its max."""
    signer = env.pick_account(rng)
    if signer is None:
        return NoOp("every account signed in this block")
    staking = env.keeper("staking")
    params = staking.get_params(env.ctx)
    existing = staking.get_validator(env.ctx, signer.address)
    balance = env.balance(signer.address)
    fee = random_fee(rng, balance)
    amount = random_amount(rng, min(balance - fee, 10**10))
    if amount < 1:
        return NoOp("signer cannot afford a self-delegation")
    rate = _rate(rng, params.min_commission_rate, ONE // 5)
    max_rate = _rate(rng, rate, ONE // 2)
    max_change = _rate(rng, 0, max_rate)
    bad_rate = rng.randrange(8) == 0
    if bad_rate:
        rate, max_rate = ONE // 2, ONE // 4
    pubkey = signer.cons_pubkey
    taken = False
    if rng.randrange(10) == 0:  # someone else's key: taken when a validator uses it
        other = env.any_account(rng)
        pubkey = other.cons_pubkey
        # (not "when that account is a validator": it may have been created with yet another
        # account's key, leaving its own free; the consensus index says who uses a key)
        taken = other.address != signer.address and (
            staking.get_validator_by_cons(env.ctx, _cons(pubkey)) is not None
        )
    cons = _cons(pubkey)
    if existing is None:
        taken = taken or cons in env.locked
        taken = taken or staking.get_validator_by_cons(env.ctx, cons) is not None
    msg = tx_pb2.MsgCreateValidator(
        description={"moniker": f"sim-{signer.bech32[-6:]}"},
        commission={
            "rate": dec_wire(rate),
            "max_rate": dec_wire(max_rate),
            "max_change_rate": dec_wire(max_change),
        },
        min_self_delegation="1",
        delegator_address=signer.bech32,
        validator_address=signer.valoper,
        pubkey=_pubkey_any(pubkey),
        value=_coin(amount),
    )
    env.locked.update((signer.address, cons))
    valid = existing is None and not taken and not bad_rate
    return SimTx(signer, (msg,), valid=valid, fee=fee)


def _cons(pubkey: bytes) -> bytes:
    from aichain.app.crypto import consensus_address

    return consensus_address(pubkey)


def _pubkey_any(pubkey: bytes) -> Any:
    from aichain.modules.staking.types import pubkey_any

    return pubkey_any(pubkey)


def _operator(rng: random.Random, env: SimEnv) -> tuple[Any, Validator] | None:
    """A free (account, validator) whose operator has not signed in this block."""
    by_address = {a.address: a for a in env.free_accounts()}
    candidates = [v for v in _free_validators(env) if v.operator in by_address]
    if not candidates:
        return None
    validator = rng.choice(candidates)
    return by_address[validator.operator], validator


def simulate_edit_validator(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A new moniker, maybe a commission change (refused within 24h of the last, or past
    the max rate) or a higher min self-delegation (refused above the tokens)."""
    picked = _operator(rng, env)
    if picked is None:
        return NoOp("no free validator operator")
    signer, validator = picked
    env.locked.add(validator.operator)
    valid = True
    msg = tx_pb2.MsgEditValidator(
        description={
            "moniker": f"edit-{rng.randrange(10**6)}",
            "identity": "[do-not-modify]",
            "website": "[do-not-modify]",
            "security_contact": "[do-not-modify]",
            "details": "[do-not-modify]",
        },
        validator_address=signer.valoper,
    )
    roll = rng.randrange(4)
    if roll == 0:
        c = validator.commission
        params = env.keeper("staking").get_params(env.ctx)
        rate = _rate(rng, 0, ONE)
        msg.commission_rate = dec_wire(rate)
        valid = (
            env.ctx.time_ns - c.update_time_ns >= DAY_NS
            and rate <= c.max_rate
            and rate - c.rate <= c.max_change_rate
            and rate >= params.min_commission_rate
        )
    elif roll == 1:
        minimum = validator.min_self_delegation + rng.randint(0, 10**6)
        msg.min_self_delegation = str(minimum)
        valid = minimum <= validator.tokens and minimum >= validator.min_self_delegation
    return SimTx(signer, (msg,), valid=valid)


def simulate_delegate(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A delegation of what the delegator can afford to a free validator; refused to a
    jailed or missing validator or in another denom."""
    delegator = env.pick_account(rng)
    if delegator is None:
        return NoOp("every account signed in this block")
    balance = env.balance(delegator.address)
    fee = random_fee(rng, balance)
    amount = random_amount(rng, balance - fee)
    if amount < 1:
        return NoOp("delegator holds nothing")
    kind = rng.randrange(12)
    if kind == 0:
        target = valoper_address(random_address(rng))
        valid = False
    else:
        free = _free_validators(env)
        if not free:
            return NoOp("no free validator")
        validator = rng.choice(free)
        env.locked.add(validator.operator)
        target = valoper_address(validator.operator)
        valid = not validator.jailed and not (validator.tokens == 0 and validator.shares > 0)
    denom = SIM_EXTRA_DENOM if kind == 1 else SIM_DENOM
    msg = tx_pb2.MsgDelegate(
        delegator_address=delegator.bech32, validator_address=target, amount=_coin(amount, denom)
    )
    return SimTx(delegator, (msg,), valid=valid and kind != 1, fee=fee)


def _delegation(rng: random.Random, env: SimEnv) -> tuple[Any, Validator, int] | None:
    """A free delegator with a delegation to a free validator: (account, validator, worth)."""
    staking = env.keeper("staking")
    accounts = env.free_accounts()
    rng.shuffle(accounts)
    for account in accounts[:8]:
        held = [
            (op, shares)
            for op, shares in staking.iter_delegator_delegations(env.ctx, account.address)
            if op not in env.locked
        ]
        if held:
            op, shares = rng.choice(held)
            validator = staking.get_validator(env.ctx, op)
            return account, validator, validator.tokens_from_shares(shares)
    return None


def _entries_of(record: Any) -> int:
    return len(record.entries) if record is not None else 0


def simulate_undelegate(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """Part of a delegation starts unbonding (refused past its worth or max entries)."""
    picked = _delegation(rng, env)
    if picked is None:
        return NoOp("no free delegation")
    delegator, validator, worth = picked
    env.locked.add(validator.operator)
    staking = env.keeper("staking")
    safe = worth * SAFE_FRACTION_PERCENT // 100
    over = rng.randrange(8) == 0
    if over:
        amount = worth + rng.randint(1, 10**6)
    elif safe < 1:
        return NoOp("delegation worth too little")
    else:
        amount = random_amount(rng, safe)
    ubd = staking.get_ubd(env.ctx, delegator.address, validator.operator)
    full = _entries_of(ubd) >= staking.get_params(env.ctx).max_entries
    msg = tx_pb2.MsgUndelegate(
        delegator_address=delegator.bech32,
        validator_address=valoper_address(validator.operator),
        amount=_coin(amount),
    )
    return SimTx(delegator, (msg,), valid=not over and not full and validator.tokens > 0)


def simulate_redelegate(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """Part of a delegation moves to another validator (refused into a jailed one, from a
    validator with maturing incoming redelegations, or past max entries)."""
    picked = _delegation(rng, env)
    if picked is None:
        return NoOp("no free delegation")
    delegator, src, worth = picked
    others = [v for v in _free_validators(env) if v.operator != src.operator]
    if not others:
        return NoOp("no other free validator")
    dst = rng.choice(others)
    env.locked.update((src.operator, dst.operator))
    safe = worth * SAFE_FRACTION_PERCENT // 100
    if safe < 1:
        return NoOp("delegation worth too little")
    amount = random_amount(rng, safe)
    staking = env.keeper("staking")
    params = staking.get_params(env.ctx)
    incoming = any(
        r.dst == src.operator for r in staking.iter_delegator_reds(env.ctx, delegator.address)
    )
    red = staking.get_red(env.ctx, delegator.address, src.operator, dst.operator)
    valid = (
        not dst.jailed
        and not incoming
        and _entries_of(red) < params.max_entries
        and src.tokens > 0
        and not (dst.tokens == 0 and dst.shares > 0)
    )
    msg = tx_pb2.MsgBeginRedelegate(
        delegator_address=delegator.bech32,
        validator_src_address=valoper_address(src.operator),
        validator_dst_address=valoper_address(dst.operator),
        amount=_coin(amount),
    )
    return SimTx(delegator, (msg,), valid=valid)


def simulate_cancel_unbonding(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """Part of an unbonding entry is delegated back (refused at a wrong height)."""
    staking = env.keeper("staking")
    accounts = env.free_accounts()
    rng.shuffle(accounts)
    for account in accounts[:8]:
        ubds = [
            u for u in staking.iter_delegator_ubds(env.ctx, account.address)
            if u.validator not in env.locked
        ]  # fmt: skip
        if not ubds:
            continue
        ubd = rng.choice(ubds)
        validator = staking.get_validator(env.ctx, ubd.validator)
        entries = [
            e for e in ubd.entries if e.completion_time_ns > env.ctx.time_ns + MATURITY_MARGIN_NS
        ]
        if validator is None or not entries:
            continue
        entry = rng.choice(entries)
        env.locked.add(ubd.validator)
        wrong = rng.randrange(8) == 0
        height = entry.creation_height + (10**6 if wrong else 0)
        msg = tx_pb2.MsgCancelUnbondingDelegation(
            delegator_address=account.bech32,
            validator_address=valoper_address(ubd.validator),
            amount=_coin(random_amount(rng, entry.balance)),
            creation_height=height,
        )
        valid = (
            not wrong
            and not validator.jailed
            and entry.balance > 0
            and not (validator.tokens == 0 and validator.shares > 0)
        )
        return SimTx(account, (msg,), valid=valid)
    return NoOp("no cancellable unbonding entry")


def simulate_update_params(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """New unbonding time, max validators, max entries and min commission; one time in six a
    field out of range (refused)."""
    params = env.keeper("staking").get_params(env.ctx).to_proto()
    params.unbonding_time.CopyFrom(duration_pb2.Duration(seconds=rng.randint(30, 600)))
    params.max_validators = rng.randint(1, 8)
    params.max_entries = rng.randint(1, 7)
    params.min_commission_rate = dec_wire(_rate(rng, 0, ONE // 20) if rng.randrange(3) else 0)
    bad = rng.randrange(6) == 0
    if bad:
        field = rng.randrange(3)
        if field == 0:
            params.max_validators = 0
        elif field == 1:
            params.max_entries = 0
        else:
            params.unbonding_time.CopyFrom(duration_pb2.Duration(seconds=0))

    def make(authority: str) -> tx_pb2.MsgUpdateParams:
        return tx_pb2.MsgUpdateParams(authority=authority, params=params)

    return params_update(rng, env, make, valid=not bad)


def weighted_operations() -> Sequence[WeightedOperation]:
    """Staking's operations and their default weights."""
    return (
        WeightedOperation("staking/create-validator", 8, simulate_create_validator),
        WeightedOperation("staking/edit-validator", 5, simulate_edit_validator),
        WeightedOperation("staking/delegate", 60, simulate_delegate),
        WeightedOperation("staking/undelegate", 30, simulate_undelegate),
        WeightedOperation("staking/redelegate", 20, simulate_redelegate),
        WeightedOperation("staking/cancel-unbonding", 10, simulate_cancel_unbonding),
        WeightedOperation("staking/update-params", 3, simulate_update_params),
    )
