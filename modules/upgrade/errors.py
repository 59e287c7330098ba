"""Registered errors of the upgrade module (codespace "upgrade"; codes are never renumbered)."""

from aichain.app.errors import AppError


class UpgradeError(AppError, abstract=True):
    """Base of upgrade errors."""

    codespace = "upgrade"


class InvalidPlanError(UpgradeError):
    code = 2
    short = "invalid upgrade plan"


class NoPlanError(UpgradeError):
    code = 3
    short = "no upgrade plan scheduled"


class UpgradeNeededError(RuntimeError):
    """The chain reached a scheduled upgrade this binary has no handler for: the node must
    stop (as the Cosmos SDK's upgrade module halts it) until operators switch binaries."""
