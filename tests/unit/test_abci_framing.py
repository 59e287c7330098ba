"""Varint length-prefixed frames: round trips, partial reads, big messages, malformed input."""

from __future__ import annotations

import pytest
import tendermint.abci.types_pb2 as abci_pb

from aichain.abci.errors import (
    FrameError,
    FrameTooLargeError,
    MessageDecodeError,
    VarintTooLongError,
)
from aichain.abci.framing import (
    encode_frame,
    encode_response_frame,
    encode_varint,
    request_decoder,
    response_decoder,
)


def _requests() -> list[abci_pb.Request]:
    """A few requests of different kinds and sizes."""
    return [
        abci_pb.Request(echo=abci_pb.RequestEcho(message="hello")),
        abci_pb.Request(flush=abci_pb.RequestFlush()),
        abci_pb.Request(check_tx=abci_pb.RequestCheckTx(tx=b"k=v" * 100)),
        abci_pb.Request(info=abci_pb.RequestInfo(version="0.38.25")),
        abci_pb.Request(finalize_block=abci_pb.RequestFinalizeBlock(txs=[b"a", b"b"], height=7)),
    ]


@pytest.mark.parametrize(
    ("value", "encoded"),
    [(0, b"\x00"), (1, b"\x01"), (127, b"\x7f"), (128, b"\x80\x01"), (300, b"\xac\x02")],
)
def test_encode_varint_matches_leb128(value: int, encoded: bytes) -> None:
    assert encode_varint(value) == encoded


def test_encode_varint_rejects_out_of_range() -> None:
    with pytest.raises(ValueError):
        encode_varint(-1)
    with pytest.raises(ValueError):
        encode_varint(1 << 64)


def test_round_trip_many_frames_in_one_chunk() -> None:
    requests = _requests()
    data = b"".join(encode_frame(r) for r in requests)
    assert request_decoder().feed(data) == requests


def test_round_trip_one_byte_at_a_time() -> None:
    requests = _requests()
    data = b"".join(encode_frame(r) for r in requests)
    decoder = request_decoder()
    out: list[abci_pb.Request] = []
    for i in range(len(data)):
        out += decoder.feed(data[i : i + 1])
    assert out == requests
    assert decoder.buffered == 0


def test_empty_payload_frame_of_a_response_kind_round_trips() -> None:
    response = abci_pb.Response(flush=abci_pb.ResponseFlush())
    assert encode_frame(response) == b"\x02\x1a\x00"
    assert response_decoder().feed(encode_frame(response)) == [response]


def test_ten_megabyte_message_in_uneven_chunks() -> None:
    tx = bytes(range(256)) * (11 * 1024 * 1024 // 256)
    request = abci_pb.Request(check_tx=abci_pb.RequestCheckTx(tx=tx))
    data = encode_frame(request) + encode_frame(_requests()[0])
    decoder = request_decoder()
    out: list[abci_pb.Request] = []
    pos, step = 0, 1
    while pos < len(data):
        out += decoder.feed(data[pos : pos + step])
        pos += step
        step = step * 3 + 7
    assert [len(out[0].check_tx.tx), out[1]] == [len(tx), _requests()[0]]
    assert out[0].check_tx.tx == tx


def test_decoder_rejects_over_long_varint() -> None:
    with pytest.raises(VarintTooLongError):
        request_decoder(max_frame_size=1 << 70).feed(b"\x80" * 11)


def test_decoder_rejects_varint_overflowing_64_bits() -> None:
    with pytest.raises(VarintTooLongError):
        request_decoder(max_frame_size=1 << 70).feed(b"\xff" * 9 + b"\x02")


def test_decoder_rejects_length_beyond_max_frame_size_before_the_payload() -> None:
    decoder = request_decoder(max_frame_size=1024)
    with pytest.raises(FrameTooLargeError):
        decoder.feed(encode_varint(1025))


def test_decoder_rejects_bytes_that_are_not_a_request() -> None:
    with pytest.raises(MessageDecodeError):
        request_decoder().feed(b"\x05\xff\xff\xff\xff\xff")


def test_decoder_rejects_request_without_a_value() -> None:
    with pytest.raises(MessageDecodeError):
        request_decoder().feed(b"\x00")


def test_decoder_stays_failed_after_an_error() -> None:
    decoder = request_decoder()
    with pytest.raises(FrameError):
        decoder.feed(b"\x00")
    with pytest.raises(FrameError):
        decoder.feed(encode_frame(_requests()[0]))


def test_messages_before_a_malformed_frame_are_popped_first() -> None:
    decoder = request_decoder()
    decoder.push(encode_frame(_requests()[0]) + b"\x00")
    assert decoder.pop() == _requests()[0]
    with pytest.raises(MessageDecodeError):
        decoder.pop()


def _populated_responses() -> dict[str, object]:
    """One inner response per Response kind, the common ones with content in them."""
    oneof = abci_pb.Response.DESCRIPTOR.oneofs_by_name["value"]
    inner = {f.name: f.message_type._concrete_class() for f in oneof.fields}
    inner["check_tx"] = abci_pb.ResponseCheckTx(code=5, log="x" * 300, gas_wanted=7, data=b"d")
    inner["exception"] = abci_pb.ResponseException(error="boom")
    block = abci_pb.ResponseFinalizeBlock(app_hash=b"h" * 32)
    for i in range(200):  # a body longer than 16 KiB: a three-byte length varint
        result = block.tx_results.add(code=i % 3, gas_used=i, log="l" * 80)
        result.events.add(type="transfer").attributes.add(key="amount", value=str(i), index=True)
    inner["finalize_block"] = block
    return inner


@pytest.mark.parametrize("kind", sorted(_populated_responses()))
def test_encode_response_frame_is_byte_for_byte_encode_frame_of_the_response(kind: str) -> None:
    inner = _populated_responses()[kind]
    wrapped = abci_pb.Response()
    getattr(wrapped, kind).CopyFrom(inner)
    framed = encode_response_frame((kind, inner))  # type: ignore[arg-type]
    assert framed == encode_frame(wrapped)
    assert response_decoder().feed(framed) == [wrapped]


def test_encode_response_frame_refuses_an_unknown_kind() -> None:
    with pytest.raises(KeyError):
        encode_response_frame(("no_such_kind", abci_pb.ResponseFlush()))
