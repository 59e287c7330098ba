"""Staking genesis in the Cosmos SDK's JSON shape (cosmos.staking.v1beta1.GenesisState).

Decimals are decimal text in JSON ("0.100000000000000000") and atomics in state, as in the
Cosmos SDK. The pool balances themselves come from bank genesis; the invariants check they
match the validators and unbonding entries after import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cosmos.crypto.ed25519 import keys_pb2 as _ed25519  # noqa: F401 - registers the Any type
from cosmos.staking.v1beta1 import genesis_pb2
from google.protobuf import json_format

from aichain.app.context import Context
from aichain.app.crypto import (
    account_address,
    parse_account_address,
    parse_valoper_address,
    valoper_address,
)
from aichain.app.dec import dec_wire, format_dec, parse_dec_json, parse_dec_wire
from aichain.app.errors import AppError
from aichain.modules.staking.errors import InvalidGenesisError
from aichain.modules.staking.keeper import Keeper
from aichain.modules.staking.msgs import validated_params
from aichain.modules.staking.types import (
    Params,
    Redelegation,
    UnbondingDelegation,
    Validator,
)


def _convert_decs(state: genesis_pb2.GenesisState, fn: Callable[[str], str]) -> None:
    """Rewrites every decimal field of state with fn (JSON text <-> wire atomics)."""
    state.params.min_commission_rate = fn(state.params.min_commission_rate)
    for v in state.validators:
        v.delegator_shares = fn(v.delegator_shares)
        rates = v.commission.commission_rates
        rates.rate, rates.max_rate = fn(rates.rate), fn(rates.max_rate)
        rates.max_change_rate = fn(rates.max_change_rate)
    for d in state.delegations:
        d.shares = fn(d.shares)
    for r in state.redelegations:
        for e in r.entries:
            e.shares_dst = fn(e.shares_dst)


def parse_genesis(data: dict[str, Any]) -> genesis_pb2.GenesisState:
    """Parses staking genesis JSON into a state with wire decimals. Raises
    InvalidGenesisError."""
    if "params" in data:
        data = {**data, "params": {**default_genesis()["params"], **data["params"]}}
    try:
        state = json_format.ParseDict(data, genesis_pb2.GenesisState())
        _convert_decs(state, lambda s: dec_wire(parse_dec_json(s)))
        if not state.HasField("params"):
            state.params.CopyFrom(Params().to_proto())
        validated_params(state.params)
        seen: set[bytes] = set()
        for v in state.validators:
            validator = Validator.from_proto(v)
            if validator.operator in seen or validator.cons_address in seen:
                raise InvalidGenesisError(f"duplicate validator {v.operator_address}")
            seen.update((validator.operator, validator.cons_address))
    except json_format.ParseError as exc:
        raise InvalidGenesisError(f"staking genesis: {exc}") from None
    except InvalidGenesisError:
        raise
    except AppError as exc:
        raise InvalidGenesisError(f"staking genesis: {exc}") from None
    return state


def init_genesis(ctx: Context, keeper: Keeper, data: dict[str, Any]) -> None:
    """Imports params, validators, delegations and unbondings, then hands the bonded set to
    CometBFT (the exported last powers when `exported`, else the set computed now). Hooks run
    unless the genesis was exported (it then carries the other modules' records)."""
    state = parse_genesis(data)
    keeper.set_params(ctx, Params.from_proto(state.params))
    run_hooks = not state.exported
    for v in state.validators:
        keeper.create_validator(ctx, Validator.from_proto(v), run_hooks=run_hooks)
    for d in state.delegations:
        delegator = parse_account_address(d.delegator_address)
        op = parse_valoper_address(d.validator_address)
        keeper.import_delegation(ctx, delegator, op, parse_dec_wire(d.shares), run_hooks=run_hooks)
    for u in state.unbonding_delegations:
        keeper.import_unbonding_delegation(ctx, UnbondingDelegation.from_proto(u))
    for r in state.redelegations:
        keeper.import_redelegation(ctx, Redelegation.from_proto(r))
    if state.exported:
        powers = [(parse_valoper_address(p.address), p.power) for p in state.last_validator_powers]
        keeper.import_last_powers(ctx, powers)
    else:
        keeper.apply_validator_set_updates(ctx)


def export_genesis(ctx: Context, keeper: Keeper) -> dict[str, Any]:
    """The staking state as genesis JSON (exported: re-import keeps the last powers)."""
    state = genesis_pb2.GenesisState(
        params=keeper.get_params(ctx).to_proto(),
        last_total_power=str(keeper.get_last_total_power(ctx)).encode(),
        exported=True,
    )
    for op, power in keeper.iter_last_powers(ctx):
        state.last_validator_powers.add(address=valoper_address(op), power=power)
    state.validators.extend(v.to_proto() for v in keeper.iter_validators(ctx))
    for delegator, op, shares in keeper.iter_all_delegations(ctx):
        state.delegations.add(
            delegator_address=account_address(delegator),
            validator_address=valoper_address(op),
            shares=dec_wire(shares),
        )
    state.unbonding_delegations.extend(u.to_proto() for u in keeper.iter_all_ubds(ctx))
    state.redelegations.extend(r.to_proto() for r in keeper.iter_all_reds(ctx))
    _convert_decs(state, lambda s: format_dec(parse_dec_wire(s)))
    return json_format.MessageToDict(state, preserving_proto_field_name=True)


def default_genesis() -> dict[str, Any]:
    """Default params, no validators (CometBFT's genesis validators run the chain)."""
    state = genesis_pb2.GenesisState(params=Params().to_proto())
    _convert_decs(state, lambda s: format_dec(parse_dec_wire(s)))
    return json_format.MessageToDict(state, preserving_proto_field_name=True)
