"""Bank's simulation: random genesis balances; sends, multi-sends and param changes, valid
and invalid (see app/simulation/types.py for the pattern)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from cosmos.bank.v1beta1 import bank_pb2, tx_pb2
from cosmos.base.v1beta1 import coin_pb2

from aichain.app.crypto import account_address, module_address
from aichain.app.simulation.types import (
    BEYOND_ANY_BALANCE,
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

BLOCKED_NAMES = ("fee_collector", "distribution", "bonded_tokens_pool", "mint")
"""Module accounts a send to is refused (a few of the chain's)."""


def randomized_genesis(genesis: GenesisEnv) -> dict[str, Any]:
    """Every account (and the authority) funded in uaic, some also in usim."""
    rng = genesis.rng
    balances = []
    for account in (*genesis.accounts, genesis.authority):
        coins = [(SIM_DENOM, rng.randint(10**9, 10**11))]
        if rng.randrange(3) == 0:
            coins.append((SIM_EXTRA_DENOM, rng.randint(1, 10**9)))
        balances.append(
            {
                "address": account.bech32,
                "coins": [{"denom": d, "amount": str(n)} for d, n in sorted(coins)],
            }
        )
    return {"balances": sorted(balances, key=lambda b: b["address"])}


def _coin(rng: random.Random, env: SimEnv, address: bytes) -> tuple[str, int, int] | None:
    """(denom, balance, fee) of a random denom the address holds, the fee paid in uaic."""
    bank = env.keeper("bank")
    held = [(c.denom, c.amount) for c in bank.get_all_balances(env.ctx, address)]
    if not held:
        return None
    denom, amount = rng.choice(held)
    fee = random_fee(rng, bank.get_balance(env.ctx, address, SIM_DENOM))
    spendable = amount - fee if denom == SIM_DENOM else amount
    return denom, spendable, fee


def simulate_send(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A send of a random amount the sender holds, to a simulated or a fresh account."""
    sender = env.pick_account(rng)
    if sender is None:
        return NoOp("every account signed in this block")
    picked = _coin(rng, env, sender.address)
    if picked is None or picked[1] < 1:
        return NoOp("sender holds nothing to send")
    denom, spendable, fee = picked
    to = random_address(rng) if rng.randrange(5) == 0 else env.any_account(rng).address
    amount = random_amount(rng, spendable)
    msg = _send(sender.address, to, [(denom, amount)])
    enabled = env.keeper("bank").is_send_enabled(env.ctx, denom)
    return SimTx(sender, (msg,), valid=enabled, fee=fee)


def simulate_send_invalid(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A send that must be refused: more than the balance, to a module account, or 0."""
    sender = env.pick_account(rng)
    if sender is None:
        return NoOp("every account signed in this block")
    balance = env.balance(sender.address)
    kind = rng.randrange(3)
    if kind == 0:
        msg = _send(
            sender.address,
            env.any_account(rng).address,
            [(SIM_DENOM, balance + BEYOND_ANY_BALANCE)],
        )
    elif kind == 1:
        blocked = module_address(rng.choice(BLOCKED_NAMES))
        msg = _send(sender.address, blocked, [(SIM_DENOM, random_amount(rng, balance))])
    else:
        msg = _send(sender.address, env.any_account(rng).address, [(SIM_DENOM, 0)])
    return SimTx(sender, (msg,), valid=False)


def simulate_multi_send(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A multi-send from one input to 1..4 outputs; one time in six the outputs do not add
    up to the input (refused)."""
    sender = env.pick_account(rng)
    if sender is None:
        return NoOp("every account signed in this block")
    picked = _coin(rng, env, sender.address)
    if picked is None or picked[1] < 4:
        return NoOp("sender holds too little to split")
    denom, spendable, fee = picked
    total = random_amount(rng, spendable)
    parts = rng.randint(1, min(4, total))
    cuts = sorted(rng.sample(range(1, total), parts - 1)) if parts > 1 else []
    shares = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    outputs = [
        bank_pb2.Output(
            address=account_address(
                random_address(rng) if rng.randrange(5) == 0 else env.any_account(rng).address
            ),
            coins=coins_proto_of([(denom, share)]),
        )
        for share in shares
    ]
    unbalanced = rng.randrange(6) == 0
    claimed = total + 1 if unbalanced else total
    msg = tx_pb2.MsgMultiSend(
        inputs=[bank_pb2.Input(address=sender.bech32, coins=coins_proto_of([(denom, claimed)]))],
        outputs=outputs,
    )
    enabled = env.keeper("bank").is_send_enabled(env.ctx, denom)
    return SimTx(sender, (msg,), valid=enabled and not unbalanced, fee=fee)


def simulate_update_params(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """MsgUpdateParams: sends enabled (mostly) or disabled; or a deprecated send_enabled
    list (refused)."""
    enabled = rng.randrange(10) != 0
    bad = rng.randrange(6) == 0

    def make(authority: str) -> tx_pb2.MsgUpdateParams:
        params = bank_pb2.Params(default_send_enabled=enabled)
        if bad:
            params.send_enabled.add(denom=SIM_DENOM, enabled=True)
        return tx_pb2.MsgUpdateParams(authority=authority, params=params)

    return params_update(rng, env, make, valid=not bad)


def _send(sender: bytes, to: bytes, coins: Sequence[tuple[str, int]]) -> tx_pb2.MsgSend:
    """A MsgSend (amounts may be 0: the invalid operations want that)."""
    return tx_pb2.MsgSend(
        from_address=account_address(sender),
        to_address=account_address(to),
        amount=coins_proto_of(coins),
    )


def coins_proto_of(coins: Sequence[tuple[str, int]]) -> list[coin_pb2.Coin]:
    """(denom, amount) pairs as proto coins (unchecked: the invalid operations send 0)."""
    return [coin_pb2.Coin(denom=d, amount=str(n)) for d, n in coins]


def weighted_operations() -> Sequence[WeightedOperation]:
    """Bank's operations and their default weights."""
    return (
        WeightedOperation("bank/send", 100, simulate_send),
        WeightedOperation("bank/send-invalid", 15, simulate_send_invalid),
        WeightedOperation("bank/multi-send", 30, simulate_multi_send),
        WeightedOperation("bank/update-params", 3, simulate_update_params),
    )
