"""Upgrade genesis: the scheduled plan, if any, and the upgrades applied so far, so that an
exported state imports to the same app hash. (The Cosmos SDK's upgrade genesis is empty; a
plan is normally scheduled only by governance, and a new chain starts with none.)

{"plan": {"name", "height", "info"} | null, "applied": [{"name", "height"}, ...]}
"""

from __future__ import annotations

from typing import Any

from cosmos.upgrade.v1beta1 import upgrade_pb2
from google.protobuf import json_format

from aichain.app.context import Context
from aichain.modules.upgrade.errors import InvalidPlanError
from aichain.modules.upgrade.keeper import Keeper, ViewKeeper


def default_genesis() -> dict[str, Any]:
    """No plan, nothing applied."""
    return {"plan": None, "applied": []}


def init_genesis(ctx: Context, keeper: Keeper, data: dict[str, Any]) -> None:
    """Imports the plan and the applied upgrades. Raises InvalidPlanError."""
    unknown = sorted(set(data) - {"plan", "applied"})
    if unknown:
        raise InvalidPlanError(f"upgrade genesis has unknown fields: {', '.join(unknown)}")
    for entry in data.get("applied") or []:
        try:
            name, height = str(entry["name"]), int(entry["height"])
        except (KeyError, TypeError, ValueError):
            raise InvalidPlanError(
                f"upgrade genesis: applied entry {entry!r} needs a name and a height"
            ) from None
        keeper.set_done(ctx, name, height)
    if data.get("plan"):
        try:
            plan = json_format.ParseDict(data["plan"], upgrade_pb2.Plan())
        except json_format.ParseError as exc:
            raise InvalidPlanError(f"upgrade genesis plan: {exc}") from None
        keeper.set_plan(ctx, plan)


def export_genesis(ctx: Context, keeper: ViewKeeper) -> dict[str, Any]:
    """The plan and the applied upgrades."""
    plan = keeper.get_plan(ctx)
    return {
        "plan": None
        if plan is None
        else json_format.MessageToDict(plan, preserving_proto_field_name=True),
        "applied": [{"name": n, "height": str(h)} for n, h in keeper.iter_done(ctx)],
    }
