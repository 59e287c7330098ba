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

from aichain.app.context import Context, ValidatorUpdate
from aichain.app.crypto import account_address, parse_account_address, parse_valoper_address
from aichain.app.dec import dec_wire, format_dec, parse_dec_json, parse_dec_wire
from aichain.app.errors import AppError
from aichain.modules.staking import keys
from aichain.modules.staking.errors import InvalidGenesisError
from aichain.modules.staking.keeper import Keeper
from aichain.modules.staking.types import (
    UNBONDING,
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


def validate_params(params: Params) -> None:
    """Raises InvalidGenesisError for unusable params."""
    if params.unbonding_time_ns <= 0 or params.max_validators <= 0 or params.max_entries <= 0:
        raise InvalidGenesisError("unbonding_time, max_validators and max_entries must be positive")
    if not params.bond_denom:
        raise InvalidGenesisError("bond_denom must be set, e.g. uaic")
    if not 0 <= params.min_commission_rate <= 10**18:
        raise InvalidGenesisError("min_commission_rate must be within [0, 1]")


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
        validate_params(Params.from_proto(state.params))
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
    CometBFT (the exported last powers when `exported`, else the set computed now)."""
    state = parse_genesis(data)
    keeper.set_params(ctx, Params.from_proto(state.params))
    exported = state.exported
    for v in state.validators:
        validator = Validator.from_proto(v)
        keeper.set_validator(ctx, validator)
        keeper.set_validator_by_cons(ctx, validator)
        keeper.set_power_index(ctx, validator)
        if validator.status == UNBONDING:
            key = keys.validator_queue_key(validator.unbonding_time_ns, validator.operator)
            ctx.kv(keys.STORE_PREFIX).set(key, b"")
        if not exported:
            keeper.hooks.after_validator_created(ctx, validator.operator)
    for d in state.delegations:
        delegator = parse_account_address(d.delegator_address)
        op = parse_valoper_address(d.validator_address)
        if not exported:
            keeper.hooks.before_delegation_created(ctx, delegator, op)
        keeper.set_delegation(ctx, delegator, op, parse_dec_wire(d.shares))
        if not exported:
            keeper.hooks.after_delegation_modified(ctx, delegator, op)
    for u in state.unbonding_delegations:
        ubd = UnbondingDelegation.from_proto(u)
        keeper.set_ubd(ctx, ubd)
        for e in ubd.entries:
            key = keys.ubd_queue_key(e.completion_time_ns, ubd.delegator, ubd.validator)
            ctx.kv(keys.STORE_PREFIX).set(key, b"")
    for r in state.redelegations:
        red = Redelegation.from_proto(r)
        keeper.set_red(ctx, red)
        for re in red.entries:
            key = keys.red_queue_key(re.completion_time_ns, red.delegator, red.src, red.dst)
            ctx.kv(keys.STORE_PREFIX).set(key, b"")
    if exported:
        total = 0
        for lp in state.last_validator_powers:
            op = parse_valoper_address(lp.address)
            keeper.set_last_power(ctx, op, lp.power)
            ctx.validator_updates.append(
                ValidatorUpdate(keeper.must_get_validator(ctx, op).pubkey, lp.power)
            )
            total += lp.power
        keeper.set_last_total_power(ctx, total)
    else:
        keeper.apply_validator_set_updates(ctx)


def export_genesis(ctx: Context, keeper: Keeper) -> dict[str, Any]:
    """The staking state as genesis JSON (exported: re-import keeps the last powers)."""
    state = genesis_pb2.GenesisState(
        params=keeper.get_params(ctx).to_proto(),
        last_total_power=str(keeper.get_last_total_power(ctx)).encode(),
        exported=True,
    )
    from aichain.app.crypto import valoper_address

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
