"""Slashing genesis in the Cosmos SDK's JSON shape: params, signing_infos, missed_blocks."""

from __future__ import annotations

from typing import Any

from cosmos.slashing.v1beta1 import genesis_pb2
from google.protobuf import json_format

from aichain.app.context import Context
from aichain.app.crypto import parse_valcons_address, valcons_address
from aichain.app.errors import AppError
from aichain.modules.slashing.errors import InvalidGenesisError
from aichain.modules.slashing.keeper import Keeper, signing_info_from_proto, signing_info_proto
from aichain.modules.slashing.types import Params


def init_genesis(ctx: Context, keeper: Keeper, data: dict[str, Any]) -> None:
    """Writes params, signing infos and missed bits. Raises InvalidGenesisError."""
    params = Params.from_json(data.get("params") or {})
    rest = {k: v for k, v in data.items() if k != "params"}
    try:
        state = json_format.ParseDict(rest, genesis_pb2.GenesisState())
        infos = [signing_info_from_proto(i.validator_signing_info) for i in state.signing_infos]
        missed = [
            (parse_valcons_address(m.address), b.index)
            for m in state.missed_blocks
            for b in m.missed_blocks
            if b.missed
        ]
    except (json_format.ParseError, AppError) as exc:
        raise InvalidGenesisError(f"slashing genesis: {exc}") from None
    keeper.set_params(ctx, params)
    for info in infos:
        keeper.set_signing_info(ctx, info)
    for cons, index in missed:
        keeper.set_missed(ctx, cons, index, True)


def export_genesis(ctx: Context, keeper: Keeper) -> dict[str, Any]:
    """The slashing state as genesis JSON."""
    state = genesis_pb2.GenesisState()
    for info in keeper.iter_signing_infos(ctx):
        address = valcons_address(info.address)
        state.signing_infos.add(address=address, validator_signing_info=signing_info_proto(info))
        bits = [
            genesis_pb2.MissedBlock(index=i, missed=True)
            for i in keeper.iter_missed(ctx, info.address)
        ]
        if bits:
            state.missed_blocks.add(address=address, missed_blocks=bits)
    data = json_format.MessageToDict(state, preserving_proto_field_name=True)
    return {"params": keeper.get_params(ctx).to_json(), **data}


def default_genesis() -> dict[str, Any]:
    """Default params, no signing infos."""
    return {"params": Params().to_json(), "signing_infos": [], "missed_blocks": []}
