"""Mint genesis: {"params": {"mint_denom", "inflation_rate", "blocks_per_year"}}."""

from __future__ import annotations

from typing import Any

from aichain.app.context import Context
from aichain.modules.mint.keeper import Keeper, ViewKeeper
from aichain.modules.mint.types import Params


def default_genesis() -> dict[str, Any]:
    """Default params."""
    return {"params": Params().to_json()}


def init_genesis(ctx: Context, keeper: Keeper, data: dict[str, Any]) -> None:
    """Stores params. Raises InvalidGenesisError."""
    keeper.set_params(ctx, Params.from_json(data.get("params") or {}))


def export_genesis(ctx: Context, keeper: ViewKeeper) -> dict[str, Any]:
    """The params."""
    return {"params": keeper.get_params(ctx).to_json()}
