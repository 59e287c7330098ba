"""Modelreg's simulation: models and workers through their lifecycle, valid and invalid (see
app/simulation/types.py).

`modelreg/lifecycle` runs a model's and a worker's life in one tx (register a base model and,
when the signer may use a published datanet version, an adapter pinned to it; set a price;
activate; register a worker with a fresh hot key; update it; rotate the key; unbond; deprecate),
so every message is exercised in short runs. Model ids are predicted from committed state, so
at most one operation registers models per block. Unjailing is only ever refused here: jailing
comes from inference settlement, not from a message."""

from __future__ import annotations

import dataclasses
import hashlib
import random
from collections.abc import Sequence
from typing import Any

from aichain.app.crypto import PrivateKey
from aichain.app.errors import AppError
from aichain.app.simulation.types import (
    GenesisEnv,
    NoOp,
    SimAccount,
    SimEnv,
    SimTx,
    WeightedOperation,
    params_update,
)
from aichain.app.store.cache import CacheStore
from aichain.modelreg.v1 import modelreg_pb2 as pb
from aichain.modelreg.v1 import tx_pb2
from aichain.modules.modelreg import keys

CREATE_LOCK = b"modelreg:create"
"""Taken by the operation that registers models this block (ids are predicted)."""


def _hash(rng: random.Random) -> str:
    return hashlib.sha256(rng.randbytes(16)).hexdigest()


def _hot_pubkey(rng: random.Random) -> bytes:
    return PrivateKey(hashlib.sha256(b"hot" + rng.randbytes(16)).digest()).pubkey


def _usable_version(rng: random.Random, env: SimEnv) -> tuple[SimAccount, pb.DatanetRef] | None:
    """A free account and a published datanet version it may train on, or None."""
    if not env.has_module("datanet"):
        return None
    datanet = env.keeper("datanet")
    free = env.free_accounts()
    pairs = [
        (account, d)
        for d in datanet.iter_datanets(env.ctx)
        if d.latest_version
        for account in free
        if datanet.has_access(env.ctx, d.id, account.address)
    ]
    if not pairs:
        return None
    account, chosen = rng.choice(pairs)
    version = datanet.get_version(env.ctx, chosen.id, chosen.latest_version)
    ref = pb.DatanetRef(datanet_id=chosen.id, version=version.version, version_root=version.root)
    return account, ref


def simulate_lifecycle(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """One tx: base model, maybe an adapter, price, activation, worker life, deprecation."""
    usable = _usable_version(rng, env)
    signer = usable[0] if usable is not None else env.pick_account(rng)
    if signer is None:
        return NoOp("every account signed in this block")
    if CREATE_LOCK in env.locked:
        return NoOp("models are already registered this block")
    keeper = env.keeper("modelreg")
    params = keeper.get_params(env.ctx)
    if not params.owner_activation:
        return NoOp("activation is governance-only now")
    env.locked.add(CREATE_LOCK)
    raw = env.ctx.kv(keeper.store_key).get(keys.NEXT_MODEL_ID)
    base_id = keys.read_u64(raw) if raw else 1
    me = signer.bech32
    price = str(rng.randint(params.min_price, params.max_price))
    msgs: list = [
        tx_pb2.MsgRegisterBaseModel(owner=me, name="sim-base", weights_hash=_hash(rng),
                                    architecture="gpt2", parameter_count=rng.randint(1, 10**9),
                                    license="MIT"),
        tx_pb2.MsgSetPrice(owner=me, model_id=base_id, price_per_request=price,
                           price_per_1k_tokens=price),
        tx_pb2.MsgActivateModel(authority=me, model_id=base_id),
    ]  # fmt: skip
    if usable is not None:
        ref = usable[1]
        adapter = tx_pb2.MsgRegisterAdapter(
            owner=me,
            name="sim-lora",
            base_model_id=base_id,
            weights_hash=_hash(rng),
            manifest_hash=_hash(rng),
            training_config_hash=_hash(rng),
            provenance=[ref],
        )
        msgs.append(adapter)
    bond = params.min_worker_bond
    if keeper.get_worker(env.ctx, signer.address) is None and env.balance(signer.address) > bond:
        msgs += [
            tx_pb2.MsgRegisterWorker(operator=me, hot_pubkey=_hot_pubkey(rng), models=[base_id],
                                     endpoint="https://sim", hardware="cpu", bond=str(bond)),
            tx_pb2.MsgUpdateWorker(operator=me, models=[base_id], endpoint="https://sim2"),
            tx_pb2.MsgRotateWorkerKey(operator=me, new_hot_pubkey=_hot_pubkey(rng)),
            tx_pb2.MsgUnbondWorker(operator=me),
        ]  # fmt: skip
    msgs.append(tx_pb2.MsgDeprecateModel(authority=me, model_id=base_id))
    return SimTx(signer, tuple(msgs), valid=True)


def simulate_invalid(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """A message that must be refused: an adapter on an unknown base, a price out of bounds,
    a worker whose hot key is its operator key, a governance-only decision (price bounds, a
    ranking) from an account that is not the authority."""
    signer = env.pick_account(rng)
    if signer is None:
        return NoOp("every account signed in this block")
    me = signer.bech32
    params = env.keeper("modelreg").get_params(env.ctx)
    kind = rng.randrange(3)
    if kind == 0 or rng.randrange(2) == 0:
        ref = pb.DatanetRef(datanet_id=1, version=1, version_root="00" * 32)
        msg = tx_pb2.MsgRegisterAdapter(
            owner=me,
            name="bad",
            base_model_id=10**9,
            weights_hash=_hash(rng),
            manifest_hash=_hash(rng),
            training_config_hash=_hash(rng),
            provenance=[ref],
        )
    elif kind == 1:
        models = list(env.keeper("modelreg").iter_models(env.ctx))
        mine = [m for m in models if m.owner == me]
        if not mine:
            return NoOp("the signer owns no model")
        msg = tx_pb2.MsgSetPrice(owner=me, model_id=rng.choice(mine).id,
                                 price_per_request=str(params.max_price + 1))  # fmt: skip
    else:
        bond = str(params.min_worker_bond)
        msg = tx_pb2.MsgRegisterWorker(
            operator=me, hot_pubkey=signer.key.pubkey, models=[], endpoint="https://sim", bond=bond
        )
    fork = _fork(rng)  # the choice below leaves the draws of later operations as they were
    if fork.randrange(3) == 0:  # a governance-only decision from an account not the authority
        if fork.randrange(2) == 0:
            msg = tx_pb2.MsgSetPriceBounds(authority=me, model_id=1, max_price="1")
        else:
            msg = tx_pb2.MsgRankModels(authority=me, higher_model_id=2, lower_model_id=1)
    return SimTx(signer, (msg,), valid=False)


def simulate_unjail(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """An unjail: refused (no worker, or not jailed: jailing comes from settlement)."""
    signer = env.pick_account(rng)
    if signer is None:
        return NoOp("every account signed in this block")
    return SimTx(signer, (tx_pb2.MsgUnjailWorker(operator=signer.bech32),), valid=False)


def randomized_genesis(genesis: GenesisEnv) -> dict[str, Any]:
    """Params drawn from the seed: price bounds, worker bond, unbonding, royalties (owner
    activation stays on, so the lifecycle operation runs)."""
    rng = genesis.rng
    return {
        "params": {
            "owner_activation": True,
            "min_price": str(rng.randint(0, 100)),
            "max_price": str(rng.randint(10**6, 10**12)),
            "min_worker_bond": str(rng.randint(1, 10**6)),
            "unbonding_seconds": str(rng.randint(0, 600)),
            "max_lineage_depth": rng.randint(2, 8),
            "royalty_bps": rng.randint(0, 10_000),
            "max_models_per_worker": 64,
            "bond_denom": "uaic",
        }
    }


def simulate_update_params(rng: random.Random, env: SimEnv) -> SimTx | NoOp:
    """New params (owner activation mostly on); one time in six min_price > max_price
    (refused)."""
    bad = rng.randrange(6) == 0
    params = pb.Params(
        owner_activation=rng.randrange(5) != 0, min_price="10" if bad else "0",
        max_price="5" if bad else str(rng.randint(10**6, 10**12)),
        min_worker_bond=str(rng.randint(1, 10**6)), unbonding_seconds=rng.randint(0, 600),
        max_lineage_depth=8, royalty_bps=rng.randint(0, 10_000), max_models_per_worker=64,
        bond_denom="uaic",
    )  # fmt: skip

    def make(authority: str) -> tx_pb2.MsgUpdateParams:
        return tx_pb2.MsgUpdateParams(authority=authority, params=params)

    tx = params_update(rng, env, make, valid=not bad)
    if isinstance(tx, SimTx) and tx.signer is env.authority:
        # the authority's turn is rare: decisions on committed models ride along, before the
        # params change (so they are checked against the committed params)
        tx = SimTx(tx.signer, (*_committed_decisions(rng, env), *tx.msgs), valid=tx.valid)
    return tx


def _fork(rng: random.Random) -> random.Random:
    """A copy of rng's state: draws from it leave rng (and every later operation) as is."""
    fork = random.Random()
    fork.setstate(rng.getstate())
    return fork


def _committed_decisions(rng: random.Random, env: SimEnv) -> list:
    """Accepted governance decisions on committed models, drawn from a fork of rng: one
    model's price bounds (around its current prices, within the params' bounds, so accepted
    and nothing clamped) and, when a pair qualifies, one model ranked above another (tried on
    a throwaway branch of committed state, so only an accepted one is sent). No other
    operation reads or changes a model's ranking or bounds."""
    keeper = env.keeper("modelreg")
    models = list(keeper.iter_models(env.ctx))
    if not models:
        return []
    rng = _fork(rng)
    me = env.authority.bech32
    model = rng.choice(models)
    prices = (int(model.price_per_request or 0), int(model.price_per_1k_tokens or 0))
    floor, ceiling = keeper.get_price_bounds(env.ctx, model)
    if not floor <= min(prices) <= max(prices) <= ceiling:
        return []
    low, high = rng.randint(floor, min(prices)), rng.randint(max(prices), ceiling)
    out: list = [
        tx_pb2.MsgSetPriceBounds(
            authority=me, model_id=model.id, min_price=str(low), max_price=str(high)
        )
    ]
    live = [m for m in models if m.status != pb.MODEL_STATUS_DEPRECATED]
    lows = [m for m in live if not m.successor_id]
    highs = [m for m in live if not m.predecessor_id]
    if not lows or not highs:
        return out
    lower, higher = rng.choice(lows), rng.choice(highs)
    branch = dataclasses.replace(env.ctx, store=CacheStore(env.ctx.store), _stores={})
    try:
        keeper.rank_models(branch, higher.id, lower.id)
    except AppError:
        return out
    rank = tx_pb2.MsgRankModels(authority=me, higher_model_id=higher.id, lower_model_id=lower.id)
    return [*out, rank]


def weighted_operations() -> Sequence[WeightedOperation]:
    """Modelreg's operations and their default weights (governance's decisions ride along
    with update-params and invalid)."""
    return (
        WeightedOperation("modelreg/lifecycle", 6, simulate_lifecycle),
        WeightedOperation("modelreg/invalid", 3, simulate_invalid),
        WeightedOperation("modelreg/unjail", 2, simulate_unjail),
        WeightedOperation("modelreg/update-params", 2, simulate_update_params),
    )
