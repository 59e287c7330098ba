"""Governance genesis: the Cosmos SDK's cosmos.gov.v1.GenesisState JSON (starting_proposal_id,
deposits, votes, proposals, params, constitution), plus the model-vote track's section
"model_track" (aichain.gov.v1.GenesisState: its params, participation records and stakes).

Params not given keep their defaults, so a genesis may set only, say, a short voting period.
Deposits must be held by the gov module account (bank genesis gives it their sum) and
allocated participation rewards by the participation pool account.
"""

from __future__ import annotations

from typing import Any

from cosmos.gov.v1 import genesis_pb2
from google.protobuf import json_format

from aichain.app.coins import Coin, format_coins
from aichain.app.context import Context
from aichain.app.crypto import account_address, bech32_decode
from aichain.app.errors import AppError
from aichain.gov.v1 import gov_pb2 as aic_gov_pb2
from aichain.modules.gov.errors import InvalidGenesisError
from aichain.modules.gov.keeper import Keeper, ViewKeeper
from aichain.modules.gov.types import (
    STATUS_DEPOSIT_PERIOD,
    STATUS_VOTING_PERIOD,
    Deposit,
    ModelParams,
    ModelProposal,
    Params,
    Proposal,
    Vote,
    add_coins,
    is_all_gte,
    sub_coins,
)

MODEL_TRACK = "model_track"
"""The key of the model-vote track's section in gov's genesis."""


def _to_json(message: Any) -> dict[str, Any]:
    return json_format.MessageToDict(
        message, always_print_fields_with_no_presence=True, preserving_proto_field_name=True
    )


def default_genesis() -> dict[str, Any]:
    """Default params, no proposals, proposal ids from 1."""
    state = genesis_pb2.GenesisState(starting_proposal_id=1, params=Params().to_proto())
    model = aic_gov_pb2.GenesisState(params=ModelParams().to_proto())
    return {**_to_json(state), MODEL_TRACK: _to_json(model)}


def parse_genesis(
    data: dict[str, Any],
) -> tuple[genesis_pb2.GenesisState, Params, aic_gov_pb2.GenesisState, ModelParams]:
    """Parses and checks gov genesis JSON. Raises InvalidGenesisError."""
    data = dict(data)
    model_data = data.pop(MODEL_TRACK, None) or {}
    params_data = data.pop("params", None) or {}
    for legacy in ("deposit_params", "voting_params", "tally_params"):
        data.pop(legacy, None)
    try:
        state = json_format.ParseDict(data, genesis_pb2.GenesisState())
        params = Params.from_json(params_data)
        model = json_format.ParseDict(model_data, aic_gov_pb2.GenesisState())
        model_params = ModelParams.from_proto(model.params)
    except json_format.ParseError as exc:
        raise InvalidGenesisError(f"gov genesis: {exc}") from None
    except AppError as exc:
        raise InvalidGenesisError(f"gov genesis: {exc.message}") from None
    return state, params, model, model_params


def init_genesis(ctx: Context, keeper: Keeper, data: dict[str, Any]) -> None:
    """Imports params, proposals (queued by their period), deposits, votes and the model-vote
    track's records. Raises InvalidGenesisError (a duplicate, a deposit or vote on a missing
    proposal, deposits the gov account does not hold, rewards the pool does not hold)."""
    state, params, model, model_params = parse_genesis(data)
    keeper.set_params(ctx, params)
    keeper.set_model_params(ctx, model_params)
    keeper.set_constitution(ctx, state.constitution)
    start = state.starting_proposal_id or 1
    keeper.set_next_proposal_id(ctx, start)
    try:
        ids = _import_proposals(ctx, keeper, state, start)
        held = _import_deposits(ctx, keeper, state, ids)
        _import_votes(ctx, keeper, state, ids)
        allocated = _import_model_track(ctx, keeper, model, ids)
    except InvalidGenesisError:
        raise
    except (AppError, ValueError) as exc:
        raise InvalidGenesisError(f"gov genesis: {exc}") from None
    balance = tuple(keeper.bank.get_all_balances(ctx, keeper.module_address))
    if balance != held:
        raise InvalidGenesisError(
            f"gov genesis: the gov module account holds {format_coins(balance) or 'nothing'} "
            f"but the deposits sum to {format_coins(held) or 'nothing'}; give it their sum in "
            "bank genesis"
        )
    pool = keeper.get_pool_balance(ctx)
    if not is_all_gte(pool, allocated):
        raise InvalidGenesisError(
            f"gov genesis: the participation pool holds {format_coins(pool) or 'nothing'}, "
            f"less than the unclaimed rewards {format_coins(allocated)}"
        )
    keeper.set_allocated(ctx, allocated)


def _import_proposals(
    ctx: Context, keeper: Keeper, state: genesis_pb2.GenesisState, start: int
) -> set[int]:
    """Stores and queues the proposals; returns their ids."""
    ids: set[int] = set()
    for p in state.proposals:
        proposal = Proposal.from_proto(p)
        if proposal.id in ids:
            raise InvalidGenesisError(f"gov genesis: duplicate proposal {proposal.id}")
        if proposal.id >= start:
            raise InvalidGenesisError(
                f"gov genesis: proposal {proposal.id} is not below starting_proposal_id {start}"
            )
        if proposal.status == STATUS_VOTING_PERIOD and proposal.voting_end_time_ns is None:
            raise InvalidGenesisError(f"gov genesis: proposal {proposal.id} has no voting end")
        ids.add(proposal.id)
        keeper.set_proposal(ctx, proposal)
        if proposal.status in (STATUS_DEPOSIT_PERIOD, STATUS_VOTING_PERIOD):
            keeper.insert_queue(ctx, proposal)
    return ids


def _import_deposits(
    ctx: Context, keeper: Keeper, state: genesis_pb2.GenesisState, ids: set[int]
) -> tuple[Coin, ...]:
    """Stores the deposits; returns their sum."""
    seen: set[tuple[int, bytes]] = set()
    total: tuple[Coin, ...] = ()
    for d in state.deposits:
        deposit = Deposit.from_proto(d)
        key = (deposit.proposal_id, deposit.depositor)
        if deposit.proposal_id not in ids or key in seen:
            raise InvalidGenesisError(
                f"gov genesis: deposit of {d.depositor} on proposal {d.proposal_id} is a "
                "duplicate or names no proposal"
            )
        seen.add(key)
        keeper.set_deposit(ctx, deposit)
        total = add_coins(total, deposit.amount)
    return total


def _import_votes(
    ctx: Context, keeper: Keeper, state: genesis_pb2.GenesisState, ids: set[int]
) -> None:
    """Stores the votes."""
    seen: set[tuple[int, bytes]] = set()
    for v in state.votes:
        vote = Vote.from_proto(v)
        key = (vote.proposal_id, vote.voter)
        if vote.proposal_id not in ids or key in seen:
            raise InvalidGenesisError(
                f"gov genesis: vote of {v.voter} on proposal {v.proposal_id} is a duplicate "
                "or names no proposal"
            )
        seen.add(key)
        keeper.set_vote(ctx, vote)


def _import_model_track(
    ctx: Context, keeper: Keeper, model: aic_gov_pb2.GenesisState, ids: set[int]
) -> tuple[Coin, ...]:
    """Stores the participation records and stakes; returns the rewards still allocated."""
    allocated: tuple[Coin, ...] = ()
    records: set[int] = set()
    for m in model.model_proposals:
        record = ModelProposal.from_proto(m)
        if record.proposal_id in records:
            raise InvalidGenesisError(f"gov genesis: duplicate model proposal {record.proposal_id}")
        if record.proposal_id not in ids:
            raise InvalidGenesisError(
                f"gov genesis: model proposal {record.proposal_id} names no proposal"
            )
        records.add(record.proposal_id)
        keeper.participation.set_model_proposal(ctx, record)
        allocated = add_coins(allocated, sub_coins(record.reward, record.claimed))
    for s in model.stakes:
        voter = bech32_decode(s.voter)
        if s.proposal_id not in records or keeper.get_stake(ctx, s.proposal_id, voter):
            raise InvalidGenesisError(
                f"gov genesis: stake of {s.voter} on proposal {s.proposal_id} is a duplicate "
                "or names no model proposal"
            )
        keeper.participation.set_stake(ctx, s.proposal_id, voter, int(s.power))
    return allocated


def export_genesis(ctx: Context, keeper: ViewKeeper) -> dict[str, Any]:
    """Every proposal, deposit, vote and participation record, the params and the next
    proposal id."""
    state = genesis_pb2.GenesisState(
        starting_proposal_id=keeper.get_next_proposal_id(ctx),
        deposits=[d.to_proto() for d in keeper.iter_deposits(ctx)],
        votes=[v.to_proto() for v in keeper.iter_votes(ctx)],
        proposals=[p.to_proto() for p in keeper.iter_proposals(ctx)],
        params=keeper.get_params(ctx).to_proto(),
        constitution=keeper.get_constitution(ctx),
    )
    model = aic_gov_pb2.GenesisState(
        params=keeper.get_model_params(ctx).to_proto(),
        model_proposals=[m.to_proto() for m in keeper.iter_model_proposals(ctx)],
        stakes=[
            aic_gov_pb2.ParticipationStake(
                proposal_id=pid, voter=account_address(voter), power=str(power)
            )
            for pid, voter, power in keeper.iter_stakes(ctx)
        ],
    )
    return {**_to_json(state), MODEL_TRACK: _to_json(model)}
