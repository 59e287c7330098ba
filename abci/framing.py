"""Varint length-prefixed protobuf frames, as CometBFT v0.38's ABCI socket client writes them.

Each frame is an unsigned LEB128 varint (the payload length) followed by the payload, a
serialised `tendermint.abci.Request` (client to app) or `tendermint.abci.Response` (back).
"""

from __future__ import annotations

from typing import Generic, TypeVar

import tendermint.abci.types_pb2 as abci_pb
from google.protobuf.message import DecodeError, Message

from aichain.abci.errors import (
    FrameError,
    FrameTooLargeError,
    MessageDecodeError,
    VarintTooLongError,
)

DEFAULT_MAX_FRAME_SIZE = 104_857_600
"""100 MiB: CometBFT's own ABCI socket limit (abci/types maxMsgSize) and its max block size."""

MAX_VARINT_BYTES = 10
"""A uint64 never needs more than 10 LEB128 bytes (Go's binary.MaxVarintLen64)."""

M = TypeVar("M", bound=Message)


def encode_varint(value: int) -> bytes:
    """Encode a non-negative integer below 2**64 as unsigned LEB128."""
    if value < 0 or value >= 1 << 64:
        raise ValueError(f"varint out of range: {value}")
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def encode_frame(message: Message) -> bytes:
    """Serialise a protobuf message as one length-prefixed frame."""
    payload = message.SerializeToString()
    return encode_varint(len(payload)) + payload


def _response_tags() -> dict[str, bytes]:
    """Response oneof field name -> the wire tag of that field (length-delimited)."""
    oneof = abci_pb.Response.DESCRIPTOR.oneofs_by_name["value"]
    return {f.name: encode_varint(f.number << 3 | 2) for f in oneof.fields}


RESPONSE_TAGS = _response_tags()
"""The tag bytes that open each kind of Response's one field."""


def encode_response_frame(part: tuple[str, Message]) -> bytes:
    """The frame of Response{kind: inner} for part = (kind, inner), byte for byte what
    `encode_frame(Response(kind=inner))` writes, without copying inner into a Response (a
    block's results are large) or serialising it twice."""
    kind, inner = part
    body = inner.SerializeToString()
    head = RESPONSE_TAGS[kind] + encode_varint(len(body))
    return encode_varint(len(head) + len(body)) + head + body


def _read_length(buf: bytearray, pos: int, max_frame_size: int) -> tuple[int, int] | None:
    """Parse a varint at pos: (length, payload start), or None when more bytes are needed."""
    value = 0
    for i in range(MAX_VARINT_BYTES):
        if pos + i >= len(buf):
            return None
        byte = buf[pos + i]
        value |= (byte & 0x7F) << (7 * i)
        if i == MAX_VARINT_BYTES - 1 and byte > 1:
            raise VarintTooLongError("length prefix overflows 64 bits")
        if value > max_frame_size:
            raise FrameTooLargeError(
                f"frame length {value} exceeds the maximum frame size {max_frame_size}"
            )
        if byte < 0x80:
            return value, pos + i + 1
    raise VarintTooLongError(f"length prefix longer than {MAX_VARINT_BYTES} bytes")


class FrameDecoder(Generic[M]):
    """Incremental decoder: push whatever the socket gave, pop whole messages in order."""

    def __init__(
        self, message_type: type[M], *, max_frame_size: int = DEFAULT_MAX_FRAME_SIZE
    ) -> None:
        self._type = message_type
        self._max = max_frame_size
        self._buf = bytearray()
        self._pos = 0
        self._error: FrameError | None = None

    @property
    def buffered(self) -> int:
        """Bytes received but not yet popped as part of a whole frame."""
        return len(self._buf) - self._pos

    def push(self, data: bytes) -> None:
        """Append bytes read from the wire."""
        if self._pos:
            del self._buf[: self._pos]
            self._pos = 0
        self._buf += data

    def pop(self) -> M | None:
        """The next whole message, or None until more bytes arrive; raises FrameError."""
        if self._error is not None:
            raise self._error
        try:
            header = _read_length(self._buf, self._pos, self._max)
            if header is None:
                return None
            length, start = header
            if len(self._buf) - start < length:
                return None
            message = self._parse(memoryview(self._buf)[start : start + length])
        except FrameError as exc:
            self._error = exc
            raise
        self._pos = start + length
        return message

    def feed(self, data: bytes) -> list[M]:
        """Push data and pop every message now complete; raises FrameError when malformed."""
        self.push(data)
        messages: list[M] = []
        while (message := self.pop()) is not None:
            messages.append(message)
        return messages

    def _parse(self, payload: memoryview) -> M:
        """Parse one payload into the decoder's message type."""
        message = self._type()
        try:
            message.ParseFromString(payload)
        except DecodeError as exc:
            raise MessageDecodeError(f"not a {self._type.DESCRIPTOR.full_name}: {exc}") from exc
        finally:
            payload.release()
        has_oneof = "value" in self._type.DESCRIPTOR.oneofs_by_name
        if has_oneof and message.WhichOneof("value") is None:
            raise MessageDecodeError(f"{self._type.DESCRIPTOR.full_name} carries no value")
        return message


def request_decoder(max_frame_size: int = DEFAULT_MAX_FRAME_SIZE) -> FrameDecoder[abci_pb.Request]:
    """A decoder for the requests CometBFT sends."""
    return FrameDecoder(abci_pb.Request, max_frame_size=max_frame_size)


def response_decoder(
    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
) -> FrameDecoder[abci_pb.Response]:
    """A decoder for the responses an application sends (for clients and tests)."""
    return FrameDecoder(abci_pb.Response, max_frame_size=max_frame_size)
