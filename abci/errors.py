"""The abci package's registered errors: every failure of the wire layer has its own type."""

from __future__ import annotations


class ABCIError(Exception):
    """Base of every error the abci package raises."""


class FrameError(ABCIError):
    """A frame on the wire is malformed; the connection it came from cannot be trusted."""


class VarintTooLongError(FrameError):
    """A length prefix runs past 10 bytes or overflows 64 bits."""


class FrameTooLargeError(FrameError):
    """A length prefix announces more bytes than the configured maximum frame size."""


class MessageDecodeError(FrameError):
    """A frame's payload is not the expected protobuf message (or carries no request)."""


class AddressError(ABCIError, ValueError):
    """A listen address is neither tcp://HOST:PORT nor unix:///PATH."""


class FatalAppError(ABCIError):
    """The application failed where consensus cannot continue; the server must stop."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(f"fatal application error in {kind}: {reason}")
        self.kind = kind
        self.reason = reason
