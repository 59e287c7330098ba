"""Attribution genesis: {"params": {...}, "state": [[key hex, value hex], ...]}: the params and
every other store entry in key order (the layout of keys.py), so export(init(g)) == g."""

from __future__ import annotations

from typing import Any

from aichain.app.context import Context
from aichain.attribution.v1 import attribution_pb2
from aichain.modules.attribution import keys
from aichain.modules.attribution.errors import InvalidGenesisError, InvalidParamsError
from aichain.modules.attribution.keeper import Keeper, ViewKeeper
from aichain.modules.attribution.types import Params


def params_to_json(params: Params) -> dict[str, Any]:
    """Params as genesis JSON."""
    from google.protobuf import json_format

    return json_format.MessageToDict(
        params.to_proto(),
        preserving_proto_field_name=True,
        always_print_fields_with_no_presence=True,
    )


def params_from_json(data: dict[str, Any]) -> Params:
    """Params from genesis JSON (missing fields default). Raises InvalidGenesisError."""
    from google.protobuf import json_format

    merged = {**params_to_json(Params()), **data}
    try:
        return Params.from_proto(json_format.ParseDict(merged, attribution_pb2.Params()))
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
    store = ctx.kv(keeper.store_key)
    for item in data.get("state") or []:
        try:
            key, value = bytes.fromhex(item[0]), bytes.fromhex(item[1])
        except (TypeError, ValueError, IndexError) as exc:
            raise InvalidGenesisError(f"attribution genesis state entry {item!r}: {exc}") from None
        if not key or key == keys.PARAMS:
            raise InvalidGenesisError("attribution genesis state may not hold the params key")
        store.set(key, value)


def export_genesis(ctx: Context, keeper: ViewKeeper) -> dict[str, Any]:
    """The params and every other store entry, in key order."""
    state = [
        [key.hex(), value.hex()]
        for key, value in ctx.kv(keeper.store_key).iterate(b"")
        if key != keys.PARAMS
    ]
    return {"params": params_to_json(keeper.get_params(ctx)), "state": state}
