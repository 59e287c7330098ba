"""Registered errors: every failure the chain reports has a codespace, a code and a message.

Each module subclasses AppError once per failure, with its own codespace and a code that is
never renumbered. The registry refuses a duplicate (codespace, code) at import time. One
function, `to_abci`, turns any exception into the (codespace, code, log) of an ABCI result;
anything unregistered becomes an internal error without leaking a traceback.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import ClassVar

import grpc

_REGISTRY: dict[tuple[str, int], type[AppError]] = {}

ROOT_CODESPACE = "sdk"
"""Codespace of errors raised by the BaseApp itself (the Cosmos SDK's root codespace)."""


class AppError(Exception):
    """Base of all registered errors. Subclasses set codespace, code and grpc_status."""

    codespace: ClassVar[str] = ROOT_CODESPACE
    code: ClassVar[int] = 1
    grpc_status: ClassVar[grpc.StatusCode] = grpc.StatusCode.INVALID_ARGUMENT
    abstract: ClassVar[bool] = True

    def __init_subclass__(cls, abstract: bool = False, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.abstract = abstract
        if abstract:
            return
        key = (cls.codespace, cls.code)
        other = _REGISTRY.get(key)
        if other is not None and other.__qualname__ != cls.__qualname__:
            raise RuntimeError(
                f"error code {cls.codespace}/{cls.code} registered twice: "
                f"{other.__module__}.{other.__qualname__} and {cls.__module__}.{cls.__qualname__}"
            )
        _REGISTRY[key] = cls

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.__class__.__name__)

    @property
    def message(self) -> str:
        """The human-readable message."""
        return str(self.args[0])


def registered_errors() -> dict[tuple[str, int], type[AppError]]:
    """A copy of the registry: (codespace, code) -> error class."""
    return dict(sorted(_REGISTRY.items()))


@dataclass(frozen=True, slots=True)
class ErrorResult:
    """The parts of an ABCI result that report a failure."""

    codespace: str
    code: int
    log: str


INTERNAL_CODE = 1
"""Code of an internal (unregistered) error in the root codespace."""


def to_abci(exc: BaseException, debug: bool = False) -> ErrorResult:
    """Turns an exception into an ABCI error result; unregistered ones become internal."""
    if isinstance(exc, AppError) and not exc.abstract:
        return ErrorResult(exc.codespace, exc.code, f"{exc.message}: {_describe(exc)}")
    log = "internal error"
    if debug:
        log += ": " + "".join(traceback.format_exception(exc))
    return ErrorResult(ROOT_CODESPACE, INTERNAL_CODE, log)


def _describe(exc: AppError) -> str:
    """The error's short name in the Cosmos SDK's style, e.g. 'insufficient funds'."""
    return getattr(exc, "short", exc.__class__.__name__)


# Root errors (codespace "sdk"), numbered as the Cosmos SDK numbers them so clients that
# switch on these codes behave the same.
class TxDecodeError(AppError):
    code = 2
    short = "tx parse error"


class InvalidSequenceError(AppError):
    code = 3
    short = "invalid sequence"


class UnauthorizedError(AppError):
    code = 4
    short = "unauthorized"
    grpc_status = grpc.StatusCode.PERMISSION_DENIED


class InsufficientFundsError(AppError):
    code = 5
    short = "insufficient funds"


class UnknownRequestError(AppError):
    code = 6
    short = "unknown request"


class InvalidAddressError(AppError):
    code = 7
    short = "invalid address"


class InvalidPubKeyError(AppError):
    code = 8
    short = "invalid pubkey"


class UnknownAddressError(AppError):
    code = 9
    short = "unknown address"
    grpc_status = grpc.StatusCode.NOT_FOUND


class InvalidCoinsError(AppError):
    code = 10
    short = "invalid coins"


class OutOfGasError(AppError):
    code = 11
    short = "out of gas"


class MemoTooLargeError(AppError):
    code = 12
    short = "memo too large"


class InsufficientFeeError(AppError):
    code = 13
    short = "insufficient fee"


class TooManySignaturesError(AppError):
    code = 14
    short = "maximum number of signatures exceeded"


class NoSignaturesError(AppError):
    code = 15
    short = "no signatures supplied"


class InvalidRequestError(AppError):
    code = 18
    short = "invalid request"


class TxInMempoolCacheError(AppError):
    code = 19
    short = "tx already in mempool"


class TxTooLargeError(AppError):
    code = 21
    short = "tx too large"


class KeyNotFoundError(AppError):
    code = 22
    short = "key not found"
    grpc_status = grpc.StatusCode.NOT_FOUND


class InvalidChainIdError(AppError):
    code = 28
    short = "invalid chain-id"


class InvalidTypeError(AppError):
    code = 29
    short = "invalid type"


class UnknownExtensionOptionsError(AppError):
    code = 31
    short = "unknown extension options"


class InvalidGasLimitError(AppError):
    code = 41
    short = "invalid gas limit"


class InvalidHeightError(AppError):
    code = 26
    short = "invalid height"


class NotFoundError(AppError):
    code = 38
    short = "not found"
    grpc_status = grpc.StatusCode.NOT_FOUND
