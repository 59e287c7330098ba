"""aichain.abci: the ABCI 2.0 wire layer between CometBFT and the application."""

from aichain.abci.address import ListenAddress, parse_address
from aichain.abci.application import Application, BaseApplication, compute_txs_within
from aichain.abci.client import ABCIClient
from aichain.abci.errors import (
    ABCIError,
    AddressError,
    FatalAppError,
    FrameError,
    FrameTooLargeError,
    MessageDecodeError,
    VarintTooLongError,
)
from aichain.abci.framing import (
    DEFAULT_MAX_FRAME_SIZE,
    FrameDecoder,
    encode_frame,
    encode_varint,
    request_decoder,
    response_decoder,
)
from aichain.abci.server import ABCIServer, run

__all__ = [
    "ABCIClient",
    "ABCIError",
    "ABCIServer",
    "AddressError",
    "Application",
    "BaseApplication",
    "DEFAULT_MAX_FRAME_SIZE",
    "FatalAppError",
    "FrameDecoder",
    "FrameError",
    "FrameTooLargeError",
    "ListenAddress",
    "MessageDecodeError",
    "VarintTooLongError",
    "compute_txs_within",
    "encode_frame",
    "encode_varint",
    "parse_address",
    "request_decoder",
    "response_decoder",
    "run",
]
