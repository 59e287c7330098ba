"""Event types and attributes the upgrade module emits."""

from __future__ import annotations

from aichain.app.context import Context

SCHEDULE_UPGRADE = "schedule_upgrade"
"""A plan was scheduled (or replaced)."""

CANCEL_UPGRADE = "cancel_upgrade"
"""The scheduled plan was cancelled."""

UPGRADE_APPLIED = "upgrade_applied"
"""A plan's handler ran at its height."""


def emit_schedule(ctx: Context, name: str, height: int) -> None:
    """schedule_upgrade(name, height)."""
    ctx.emit(SCHEDULE_UPGRADE, ("name", name), ("height", str(height)))


def emit_cancel(ctx: Context, name: str) -> None:
    """cancel_upgrade(name)."""
    ctx.emit(CANCEL_UPGRADE, ("name", name))


def emit_applied(ctx: Context, name: str, height: int) -> None:
    """upgrade_applied(name, height)."""
    ctx.emit(UPGRADE_APPLIED, ("name", name), ("height", str(height)))
