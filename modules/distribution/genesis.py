"""Distribution genesis in the Cosmos SDK's JSON shape (cosmos.distribution.v1beta1.GenesisState):
params, the community pool, withdraw addresses and every F1 record. Decimals are decimal
text in JSON and atomics in state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cosmos.distribution.v1beta1 import distribution_pb2 as pb
from cosmos.distribution.v1beta1 import genesis_pb2
from google.protobuf import json_format
from google.protobuf.message import Message

from aichain.app.context import Context
from aichain.app.crypto import (
    account_address,
    parse_account_address,
    parse_valoper_address,
    valoper_address,
)
from aichain.app.dec import dec_wire, format_dec, parse_dec_json, parse_dec_wire
from aichain.app.errors import AppError
from aichain.modules.distribution import keys
from aichain.modules.distribution.errors import InvalidGenesisError
from aichain.modules.distribution.keeper import Keeper
from aichain.modules.distribution.types import Params

DEC_FIELDS = {"stake", "fraction", "community_tax", "base_proposer_reward", "bonus_proposer_reward"}
"""Scalar decimal fields (besides DecCoin.amount)."""


def _convert(message: Message, fn: Callable[[str], str]) -> None:
    """Rewrites every decimal in message (recursively) with fn."""
    is_dec_coin = message.DESCRIPTOR.full_name == "cosmos.base.v1beta1.DecCoin"
    for field, value in message.ListFields():
        if field.message_type is not None:
            for item in value if field.is_repeated else [value]:
                _convert(item, fn)
        elif field.name in DEC_FIELDS or (is_dec_coin and field.name == "amount"):
            setattr(message, field.name, fn(value))


def init_genesis(ctx: Context, keeper: Keeper, data: dict[str, Any]) -> None:
    """Imports distribution genesis. Raises InvalidGenesisError."""
    try:
        state = json_format.ParseDict(data, genesis_pb2.GenesisState())
        _convert(state, lambda s: dec_wire(parse_dec_json(s)))
        params = Params.from_proto(state.params) if state.HasField("params") else Params()
        if not 0 <= params.community_tax <= 10**18:
            raise InvalidGenesisError("community_tax must be within [0, 1]")
        store = keeper.kv(ctx)
        keeper.set_params(ctx, params)
        keeper.set_community_pool(
            ctx, {c.denom: parse_dec_wire(c.amount) for c in state.fee_pool.community_pool}
        )
        for w in state.delegator_withdraw_infos:
            store.set(keys.withdraw_addr_key(parse_account_address(w.delegator_address)),
                      parse_account_address(w.withdraw_address))  # fmt: skip
        for r in state.outstanding_rewards:
            op = parse_valoper_address(r.validator_address)
            store.set(
                keys.outstanding_key(op),
                pb.ValidatorOutstandingRewards(rewards=r.outstanding_rewards).SerializeToString(),
            )
        for c in state.validator_accumulated_commissions:
            op = parse_valoper_address(c.validator_address)
            store.set(keys.commission_key(op), c.accumulated.SerializeToString())
        for h in state.validator_historical_rewards:
            op = parse_valoper_address(h.validator_address)
            store.set(keys.historical_key(op, h.period), h.rewards.SerializeToString())
        for cur in state.validator_current_rewards:
            op = parse_valoper_address(cur.validator_address)
            store.set(keys.current_key(op), cur.rewards.SerializeToString())
        for s in state.delegator_starting_infos:
            op = parse_valoper_address(s.validator_address)
            delegator = parse_account_address(s.delegator_address)
            store.set(keys.starting_key(op, delegator), s.starting_info.SerializeToString())
        for e in state.validator_slash_events:
            op = parse_valoper_address(e.validator_address)
            store.set(
                keys.slash_event_key(op, e.height, e.period),
                e.validator_slash_event.SerializeToString(),
            )
    except json_format.ParseError as exc:
        raise InvalidGenesisError(f"distribution genesis: {exc}") from None
    except InvalidGenesisError:
        raise
    except AppError as exc:
        raise InvalidGenesisError(f"distribution genesis: {exc}") from None


def export_genesis(ctx: Context, keeper: Keeper) -> dict[str, Any]:
    """The distribution state as genesis JSON."""
    from aichain.modules.distribution import deccoins as dc

    state = genesis_pb2.GenesisState(
        params=keeper.get_params(ctx).to_proto(),
        fee_pool=pb.FeePool(community_pool=dc.to_proto(keeper.get_community_pool(ctx))),
    )
    store = keeper.kv(ctx)
    for key, raw in store.iterate(keys.WITHDRAW_ADDR):
        state.delegator_withdraw_infos.add(
            delegator_address=account_address(keys.address_from_key(key)),
            withdraw_address=account_address(raw),
        )
    for key, raw in store.iterate(keys.OUTSTANDING):
        rewards = pb.ValidatorOutstandingRewards.FromString(raw).rewards
        state.outstanding_rewards.add(
            validator_address=valoper_address(keys.address_from_key(key)),
            outstanding_rewards=rewards,
        )
    for key, raw in store.iterate(keys.COMMISSION):
        state.validator_accumulated_commissions.add(
            validator_address=valoper_address(keys.address_from_key(key)),
            accumulated=pb.ValidatorAccumulatedCommission.FromString(raw),
        )
    for key, raw in store.iterate(keys.HISTORICAL):
        op, period = keys.split_historical_key(key)
        state.validator_historical_rewards.add(
            validator_address=valoper_address(op),
            period=period,
            rewards=pb.ValidatorHistoricalRewards.FromString(raw),
        )
    for key, raw in store.iterate(keys.CURRENT):
        state.validator_current_rewards.add(
            validator_address=valoper_address(keys.address_from_key(key)),
            rewards=pb.ValidatorCurrentRewards.FromString(raw),
        )
    for key, raw in store.iterate(keys.STARTING):
        op, delegator = keys.split_starting_key(key)
        state.delegator_starting_infos.add(
            validator_address=valoper_address(op),
            delegator_address=account_address(delegator),
            starting_info=pb.DelegatorStartingInfo.FromString(raw),
        )
    for key, raw in store.iterate(keys.SLASH_EVENT):
        op, height, period = keys.split_slash_event_key(key)
        state.validator_slash_events.add(
            validator_address=valoper_address(op),
            height=height,
            period=period,
            validator_slash_event=pb.ValidatorSlashEvent.FromString(raw),
        )
    _convert(state, lambda s: format_dec(parse_dec_wire(s)))
    return json_format.MessageToDict(state, preserving_proto_field_name=True)


def default_genesis() -> dict[str, Any]:
    """Default params and an empty pool."""
    state = genesis_pb2.GenesisState(params=Params().to_proto())
    _convert(state, lambda s: format_dec(parse_dec_wire(s)))
    return json_format.MessageToDict(state, preserving_proto_field_name=True)
