"""Attribution genesis: {"params": {...}, "state": [[key hex, value hex], ...]}: the params and
every other store entry in key order (the layout of keys.py), so export(init(g)) == g."""

from __future__ import annotations

from typing import Any

from aichain.app.context import Context
from aichain.app.genesis_state import (
    export_state,
    init_state,
    proto_params_from_json,
    proto_params_to_json,
)
from aichain.attribution.v1 import attribution_pb2
from aichain.modules.attribution import keys
from aichain.modules.attribution.errors import InvalidGenesisError, InvalidParamsError
from aichain.modules.attribution.keeper import Keeper, ViewKeeper
from aichain.modules.attribution.types import Params


def params_to_json(params: Params) -> dict[str, Any]:
    """Params as genesis JSON."""
    return proto_params_to_json(params.to_proto())


def params_from_json(data: dict[str, Any]) -> Params:
    """Params from genesis JSON (missing fields default). Raises InvalidGenesisError."""
    from google.protobuf import json_format

    try:
        proto = proto_params_from_json(data, params_to_json(Params()), attribution_pb2.Params())
        return Params.from_proto(proto)
    except InvalidParamsError as exc:
        raise InvalidGenesisError(f"attribution genesis: {exc.message}") from None
    except json_format.ParseError as exc:
        raise InvalidGenesisError(f"attribution genesis params: {exc}") from None


def default_genesis() -> dict[str, Any]:
    """Default params, no state."""
    return {"params": params_to_json(Params()), "state": []}


def init_genesis(ctx: Context, keeper: Keeper, data: dict[str, Any]) -> None:
    """Stores params and the raw state entries. Raises InvalidGenesisError."""
    keeper.set_params(ctx, params_from_json(data.get("params") or {}))
    init_state(ctx, keeper.store_key, data.get("state") or [], keys.PARAMS, "attribution",
               InvalidGenesisError)  # fmt: skip


def export_genesis(ctx: Context, keeper: ViewKeeper) -> dict[str, Any]:
    """The params and every other store entry, in key order."""
    state = export_state(ctx, keeper.store_key, keys.PARAMS)
    return {"params": params_to_json(keeper.get_params(ctx)), "state": state}
