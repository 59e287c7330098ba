"""Upgrade keeper: the scheduled plan and the upgrades applied so far."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping

from cosmos.upgrade.v1beta1 import upgrade_pb2

from aichain.app.context import Context
from aichain.app.store_keys import StoreKey
from aichain.modules.upgrade import events, keys
from aichain.modules.upgrade.errors import InvalidPlanError, NoPlanError, UpgradeNeededError

log = logging.getLogger("aichain.upgrade")

MAX_INFO_BYTES = 10_240
"""Longest `info` a plan may carry (a release URL, checksums)."""

UpgradeHandler = Callable[[Context, upgrade_pb2.Plan], None]
"""What a newer binary runs at the first block of the upgrade it was built for (migrations)."""


class ViewKeeper:
    """Reads the plan and the applied upgrades."""

    def __init__(
        self, store_key: StoreKey, handlers: Mapping[str, UpgradeHandler] | None = None
    ) -> None:
        self.store_key = store_key
        self.handlers: Mapping[str, UpgradeHandler] = handlers or {}

    def get_plan(self, ctx: Context) -> upgrade_pb2.Plan | None:
        """The scheduled plan, if any."""
        raw = ctx.kv(self.store_key).get(keys.PLAN)
        return upgrade_pb2.Plan.FromString(raw) if raw is not None else None

    def get_done_height(self, ctx: Context, name: str) -> int:
        """Height the named upgrade was applied at (0: never)."""
        raw = ctx.kv(self.store_key).get(keys.done_key(name))
        return int.from_bytes(raw, "big") if raw else 0

    def iter_done(self, ctx: Context) -> Iterator[tuple[str, int]]:
        """(name, height) of every applied upgrade, by name."""
        for key, raw in ctx.kv(self.store_key).iterate(keys.DONE):
            yield keys.name_from_done_key(key), int.from_bytes(raw, "big")


def compute_plan_problem(plan: upgrade_pb2.Plan, height: int) -> str | None:
    """Why plan cannot be scheduled at block height, naming the field; None if it can."""
    if not plan.name.strip():
        return "plan.name must not be empty"
    if plan.height <= 0:
        return f"plan.height must be positive, got {plan.height}"
    if plan.height <= height:
        return f"plan.height {plan.height} is not above the current height {height}"
    if plan.HasField("time") and (plan.time.seconds or plan.time.nanos):
        return "plan.time is deprecated: schedule by height"
    if plan.HasField("upgraded_client_state"):
        return "plan.upgraded_client_state is deprecated and must be empty"
    if len(plan.info.encode()) > MAX_INFO_BYTES:
        return f"plan.info is {len(plan.info.encode())} bytes, above {MAX_INFO_BYTES}"
    return None


class Keeper(ViewKeeper):
    """Schedules, cancels and applies plans."""

    def set_plan(self, ctx: Context, plan: upgrade_pb2.Plan) -> None:
        """Stores plan as scheduled (genesis import; schedule() checks it first)."""
        ctx.kv(self.store_key).set(keys.PLAN, plan.SerializeToString())

    def set_done(self, ctx: Context, name: str, height: int) -> None:
        """Records the named upgrade as applied at height."""
        ctx.kv(self.store_key).set(keys.done_key(name), height.to_bytes(8, "big"))

    def schedule(self, ctx: Context, plan: upgrade_pb2.Plan) -> None:
        """Schedules plan, replacing any scheduled one. Raises InvalidPlanError."""
        problem = compute_plan_problem(plan, ctx.height)
        if problem is None and self.get_done_height(ctx, plan.name):
            problem = f"upgrade {plan.name!r} was already applied; name a new one"
        if problem is not None:
            raise InvalidPlanError(problem)
        self.set_plan(ctx, plan)
        events.emit_schedule(ctx, plan.name, plan.height)

    def cancel(self, ctx: Context) -> None:
        """Drops the scheduled plan. Raises NoPlanError."""
        plan = self.get_plan(ctx)
        if plan is None:
            raise NoPlanError("there is no upgrade plan to cancel")
        ctx.kv(self.store_key).delete(keys.PLAN)
        events.emit_cancel(ctx, plan.name)

    def process_plan(self, ctx: Context) -> None:
        """At the plan's height: run this binary's handler for it, or stop the node.

        Raises UpgradeNeededError when the binary has no handler (the node halts there; a
        binary built for the upgrade applies it on restart)."""
        plan = self.get_plan(ctx)
        if plan is None or ctx.height < plan.height:
            return
        handler = self.handlers.get(plan.name)
        if handler is None:
            message = (
                f'UPGRADE "{plan.name}" NEEDED at height {plan.height}: {plan.info or "(no info)"}'
                "; stop this node and start the binary built for this upgrade"
            )
            log.critical(message)
            raise UpgradeNeededError(message)
        handler(ctx, plan)
        ctx.kv(self.store_key).delete(keys.PLAN)
        self.set_done(ctx, plan.name, ctx.height)
        events.emit_applied(ctx, plan.name, ctx.height)
