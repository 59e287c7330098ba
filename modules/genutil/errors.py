"""Registered errors of the genutil module (codespace "genutil"; codes are never renumbered)."""

from aichain.app.errors import AppError


class GenutilError(AppError, abstract=True):
    """Base of genutil errors."""

    codespace = "genutil"


class InvalidGenTxError(GenutilError):
    code = 2
    short = "invalid genesis transaction"
