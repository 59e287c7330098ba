"""Registered errors of the mint module (codespace "mint"; codes are never renumbered)."""

from aichain.app.errors import AppError


class MintError(AppError, abstract=True):
    """Base of mint errors."""

    codespace = "mint"


class InvalidGenesisError(MintError):
    code = 2
    short = "invalid mint genesis"


class InvalidParamsError(MintError):
    code = 3
    short = "invalid mint params"
