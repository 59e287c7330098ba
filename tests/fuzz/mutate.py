"""Field-level corruption of protobuf messages for the fuzzers: one field (maybe nested) of a
message replaced by an edge value of its type, cleared, emptied or grown."""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor
from google.protobuf.message import Message
from hypothesis import strategies as st

from aichain.app.crypto import account_address, valoper_address

EXTREME_INTS = (0, 1, -1, 2**31 - 1, -(2**31), 2**32, 2**63 - 1, -(2**63), 2**64 - 1)
"""Integers at the edges of every protobuf integer type."""

EXTREME_TEXT = (
    "", "0", "-1", "01", " 1", "1 ", "+1", "1.5", "-0.5", "0x10", "1e18", "NaN", "Infinity",
    str(2**63), str(2**64), str(2**255), str(2**256), str(2**256 - 1), "9" * 100,
    "0.000000000000000000001", "1." + "0" * 40, "999999999999999999999999999.9",
    "uaic", "UAIC", "u", "a" * 200, "\x00", "ü", "aic1", "aicvaloper1",
    account_address(b"\x00" * 20), valoper_address(b"\xff" * 20), account_address(b"\x01" * 32),
    "[do-not-modify]",
)  # fmt: skip
"""Strings that are numbers, decimals, denoms and addresses just out of shape."""


def _int_range(fd: descriptor.FieldDescriptor) -> tuple[int, int]:
    t = fd.type
    if t in (fd.TYPE_UINT64, fd.TYPE_FIXED64):
        return 0, 2**64 - 1
    if t in (fd.TYPE_UINT32, fd.TYPE_FIXED32):
        return 0, 2**32 - 1
    if t in (fd.TYPE_INT32, fd.TYPE_SINT32, fd.TYPE_SFIXED32, fd.TYPE_ENUM):
        return -(2**31), 2**31 - 1
    return -(2**63), 2**63 - 1


def _fields(msg: Message, depth: int = 0) -> list[tuple[Message, descriptor.FieldDescriptor]]:
    """(message, field) of every field of msg and its sub-messages (set or not), depth 3."""
    out = []
    for fd in msg.DESCRIPTOR.fields:
        out.append((msg, fd))
        if depth < 3 and fd.type == fd.TYPE_MESSAGE and not fd.is_repeated:
            out.extend(_fields(getattr(msg, fd.name), depth + 1))
        elif depth < 3 and fd.type == fd.TYPE_MESSAGE and fd.is_repeated:
            for item in list(getattr(msg, fd.name))[:2]:
                out.extend(_fields(item, depth + 1))
    return out


def _scalar(data: Any, fd: descriptor.FieldDescriptor) -> Any:
    """A random value of fd's scalar type, biased to the edges."""
    if fd.type == fd.TYPE_STRING:
        return data.draw(st.one_of(st.sampled_from(EXTREME_TEXT), st.text(max_size=40)))
    if fd.type == fd.TYPE_BYTES:
        return data.draw(st.binary(max_size=80))
    if fd.type == fd.TYPE_BOOL:
        return data.draw(st.booleans())
    low, high = _int_range(fd)
    edges = [v for v in EXTREME_INTS if low <= v <= high]
    return data.draw(st.one_of(st.sampled_from(edges), st.integers(low, high)))


def corrupt(data: Any, msg: Message) -> Message:
    """A copy of msg with one field (maybe nested) replaced by an edge value, cleared, or
    (repeated) emptied or grown."""
    msg = type(msg).FromString(msg.SerializeToString())
    target, fd = data.draw(st.sampled_from(_fields(msg)), label="field")
    if fd.type == fd.TYPE_MESSAGE:
        if fd.is_repeated:
            field = getattr(target, fd.name)
            if data.draw(st.booleans()) or not len(field):
                del field[:]
            else:
                field.add().CopyFrom(field[0])
        else:
            target.ClearField(fd.name)
    elif fd.is_repeated:
        getattr(target, fd.name).append(_scalar(data, fd))
    else:
        setattr(target, fd.name, _scalar(data, fd))
    return msg
