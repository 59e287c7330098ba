"""Registered errors of the auth module (codespace "auth"; codes are never renumbered)."""

import grpc

from aichain.app.errors import AppError


class AuthError(AppError, abstract=True):
    """Base of auth errors."""

    codespace = "auth"


class AccountNotFoundError(AuthError):
    code = 2
    short = "account not found"
    grpc_status = grpc.StatusCode.NOT_FOUND


class PubKeyMismatchError(AuthError):
    code = 3
    short = "pubkey does not match signer address"


class InvalidParamsError(AuthError):
    code = 4
    short = "invalid auth params"


class InvalidGenesisError(AuthError):
    code = 5
    short = "invalid auth genesis"


class UnknownModuleAccountError(AuthError):
    code = 6
    short = "unknown module account"
