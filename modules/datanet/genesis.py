"""Datanet genesis: {"params": {...}, "state": [[key hex, value hex], ...]}.

Everything but the params is exported as the module's raw store entries in key order (the
layout of keys.py), so export(init(g)) == g whatever the state holds: datanets, records,
versions and their trees, history, access, quotas and reward accumulators.
"""

from __future__ import annotations

from typing import Any

from aichain.app.context import Context
from aichain.app.genesis_state import export_state, init_state
from aichain.datanet.v1 import datanet_pb2
from aichain.modules.datanet import keys
from aichain.modules.datanet.errors import InvalidGenesisError, InvalidParamsError
from aichain.modules.datanet.keeper import Keeper, ViewKeeper
from aichain.modules.datanet.types import Params


def params_to_json(params: Params) -> dict[str, Any]:
    """Params as genesis JSON."""
    return {
        "rejection_burn_bps": params.rejection_burn_bps,
        "max_record_size": str(params.max_record_size),
        "max_curators": params.max_curators,
        "max_publish_records": str(params.max_publish_records),
        "bond_denom": params.bond_denom,
    }


def params_from_json(data: dict[str, Any]) -> Params:
    """Params from genesis JSON (missing fields default). Raises InvalidGenesisError."""
    merged = {**params_to_json(Params()), **data}
    try:
        return Params.from_proto(
            datanet_pb2.Params(
                rejection_burn_bps=int(merged["rejection_burn_bps"]),
                max_record_size=int(merged["max_record_size"]),
                max_curators=int(merged["max_curators"]),
                max_publish_records=int(merged["max_publish_records"]),
                bond_denom=str(merged["bond_denom"]),
            )
        )
    except InvalidParamsError as exc:
        raise InvalidGenesisError(f"datanet genesis: {exc.message}") from None
    except (TypeError, ValueError) as exc:
        raise InvalidGenesisError(f"datanet genesis params: {exc}") from None


def default_genesis() -> dict[str, Any]:
    """Default params, no state."""
    return {"params": params_to_json(Params()), "state": []}


def init_genesis(ctx: Context, keeper: Keeper, data: dict[str, Any]) -> None:
    """Stores params and the raw state entries. Raises InvalidGenesisError."""
    keeper.set_params(ctx, params_from_json(data.get("params") or {}))
    init_state(ctx, keeper.store_key, data.get("state") or [], keys.PARAMS, "datanet",
               InvalidGenesisError)  # fmt: skip


def export_genesis(ctx: Context, keeper: ViewKeeper) -> dict[str, Any]:
    """The params and every other store entry, in key order."""
    state = export_state(ctx, keeper.store_key, keys.PARAMS)
    return {"params": params_to_json(keeper.get_params(ctx)), "state": state}
