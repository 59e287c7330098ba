"""SIGN_MODE_LEGACY_AMINO_JSON: the Cosmos SDK's StdSignDoc as sorted JSON.

The sign bytes are what the SDK's x/tx aminojson handler produces (and hardware and browser
wallets sign): an object with account_number, chain_id, fee {amount, gas}, memo, msgs and
sequence (timeout_height when set), keys sorted, no spaces, `<`, `>` and `&` escaped as Go
does. Each message is {"type": its amino name, "value": its fields}. The rules come from the
SDK protos' options, read from the descriptors rather than a hand list:

- `amino.name` on a message: its type name (a message packed in an Any must have one);
- `amino.field_name`: the JSON key of a field (else the proto field name);
- `amino.dont_omitempty`: write a field even when it holds its default (others are left out);
- `amino.encoding = "legacy_coins"`: an empty coin list is `[]`, not left out or null;
- `amino.message_encoding = "key_field"`: a public key is the base64 of its key bytes;
- `cosmos_proto.scalar` cosmos.Int / cosmos.Dec: the string as is, "0" when empty.

64-bit integers are strings, 32-bit ones numbers, enums their numbers, bytes base64,
Timestamps RFC 3339 and Durations their nanoseconds as a string.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

from amino import amino_pb2
from cosmos_proto import cosmos_pb2 as cosmos_proto_pb2
from gogoproto import gogo_pb2
from google.protobuf import descriptor, descriptor_pool, message_factory
from google.protobuf.message import DecodeError, Message

from aichain.app.errors import TxDecodeError, UnauthorizedError

_FD = descriptor.FieldDescriptor

_INT64_TYPES = frozenset(
    {_FD.TYPE_INT64, _FD.TYPE_UINT64, _FD.TYPE_SINT64, _FD.TYPE_FIXED64, _FD.TYPE_SFIXED64}
)
_INT32_TYPES = frozenset(
    {_FD.TYPE_INT32, _FD.TYPE_UINT32, _FD.TYPE_SINT32, _FD.TYPE_FIXED32, _FD.TYPE_SFIXED32}
)
_GO_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
"""Characters Go's encoding/json escapes that Python's json module leaves as they are."""


def amino_name(desc: descriptor.Descriptor) -> str | None:
    """The `amino.name` option of a message type, or None when it has none."""
    options = desc.GetOptions()
    if options.HasExtension(amino_pb2.name):
        return str(options.Extensions[amino_pb2.name])
    return None


def encode_amino_msg(msg: Message) -> dict[str, Any]:
    """A message as {"type": its amino name (else "/" + its full name, as the SDK falls back
    for a message in an Any), "value": its fields}. Raises UnauthorizedError when the SDK
    could not encode it either."""
    name = amino_name(msg.DESCRIPTOR)
    if name is None:
        name = "/" + msg.DESCRIPTOR.full_name
    return {"type": name, "value": _message_value(msg)}


def amino_sign_bytes(
    *,
    chain_id: str,
    account_number: int,
    sequence: int,
    timeout_height: int,
    memo: str,
    fee_amount: Sequence[Message],
    gas: int,
    msgs: Sequence[Message],
    payer: str = "",
    granter: str = "",
    unordered: bool = False,
    timeout_timestamp: tuple[int, int] | None = None,
) -> bytes:
    """The SIGN_MODE_LEGACY_AMINO_JSON sign bytes (the SDK's StdSignDoc, sorted JSON; SDK
    v0.53 adds `unordered` and `timeout_timestamp` (seconds, nanos) when set).

    fee_amount are cosmos.base.v1beta1.Coin messages; msgs are messages or Anys packing them.
    Raises UnauthorizedError if a message has no amino name, TxDecodeError if an Any does not
    unpack.
    """
    fee: dict[str, Any] = {"amount": [_message_value(c) for c in fee_amount], "gas": str(gas)}
    if payer:
        fee["payer"] = payer
    if granter:
        fee["granter"] = granter
    doc: dict[str, Any] = {
        "account_number": str(account_number),
        "chain_id": chain_id,
        "fee": fee,
        "memo": memo,
        "msgs": [_msg_entry(m) for m in msgs],
        "sequence": str(sequence),
    }
    if timeout_height:
        doc["timeout_height"] = str(timeout_height)
    if unordered:
        doc["unordered"] = True
    if timeout_timestamp is not None:
        if timeout_timestamp[1] < 0:
            raise UnauthorizedError("timeout timestamp nanos must be non-negative")
        doc["timeout_timestamp"] = _timestamp_value(*timeout_timestamp)
    return compute_sorted_json(doc).encode()


def _msg_entry(msg: Message) -> dict[str, Any]:
    """{"type", "value"} of a message, given as itself or packed in an Any."""
    if msg.DESCRIPTOR.full_name == "google.protobuf.Any":
        return _any_value(msg)
    return encode_amino_msg(msg)


def compute_sorted_json(value: Any) -> str:
    """JSON with sorted keys, no spaces, and Go's escaping of <, >, &, U+2028 and U+2029."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for char, escaped in _GO_ESCAPES.items():
        text = text.replace(char, escaped)
    return text


def _message_value(msg: Message) -> Any:
    """The amino JSON value of a message (its fields, or a well-known type's form)."""
    desc = msg.DESCRIPTOR
    full = desc.full_name
    if full == "google.protobuf.Any":
        return _any_value(msg)
    if full == "google.protobuf.Timestamp":
        return _timestamp_value(msg.seconds, msg.nanos)  # type: ignore[attr-defined]
    if full == "google.protobuf.Duration":
        return str(msg.seconds * 10**9 + msg.nanos)  # type: ignore[attr-defined]
    options = desc.GetOptions()
    if options.HasExtension(amino_pb2.message_encoding):
        encoding = options.Extensions[amino_pb2.message_encoding]
        if encoding == "key_field" and "key" in desc.fields_by_name:
            key = msg.key  # type: ignore[attr-defined]
            return base64.b64encode(key).decode() if key else None
        if encoding == "threshold_string":
            return {
                "pubkeys": [_message_value(k) for k in msg.public_keys],  # type: ignore[attr-defined]
                "threshold": str(msg.threshold),  # type: ignore[attr-defined]
            }
        if encoding in ("key_field", "module_account"):
            raise UnauthorizedError(
                f"amino message encoding {encoding!r} of {full} is not supported"
            )
    out: dict[str, Any] = {}
    empty_oneofs: set[str] = set()
    for field in desc.fields:
        oneof = field.containing_oneof
        if oneof is not None:
            _oneof_entry(msg, field, oneof, out, empty_oneofs)
            continue
        key, value, present = _field_entry(msg, field)
        if present:
            out[key] = value
    return out


def _oneof_entry(
    msg: Message,
    field: descriptor.FieldDescriptor,
    oneof: descriptor.OneofDescriptor,
    out: dict[str, Any],
    empty_oneofs: set[str],
) -> None:
    """A oneof member as the SDK writes it: {CamelOneof: {"type": oneof_name, "value":
    {field: value}}} when set, {CamelOneof: null} once when the oneof is empty."""
    camel = "".join(part[:1].upper() + part[1:] for part in oneof.name.split("_"))
    options = field.GetOptions()
    if not options.HasExtension(amino_pb2.oneof_name):
        raise UnauthorizedError(
            f"field {field.full_name} within a oneof has no amino.oneof_name; it cannot be "
            "signed in amino JSON"
        )
    if msg.WhichOneof(oneof.name) is None:
        if camel not in empty_oneofs:
            empty_oneofs.add(camel)
            out[camel] = None
        return
    if msg.WhichOneof(oneof.name) != field.name:
        return
    key, value, _ = _field_entry(msg, field, force=True)
    out[camel] = {"type": options.Extensions[amino_pb2.oneof_name], "value": {key: value}}


def _field_entry(
    msg: Message, field: descriptor.FieldDescriptor, force: bool = False
) -> tuple[str, Any, bool]:
    """(JSON key, value, whether written) of one field: an unset field (default value, empty
    list, absent message) is left out unless `amino.dont_omitempty`."""
    options = field.GetOptions()
    name = field.name
    if options.HasExtension(amino_pb2.field_name):
        name = options.Extensions[amino_pb2.field_name]
    value = getattr(msg, field.name)
    if field.is_repeated:
        is_set = len(value) > 0
    elif field.type == _FD.TYPE_MESSAGE or field.has_presence:
        is_set = msg.HasField(field.name)
    else:
        is_set = value != field.default_value
    if not is_set and not force:
        keep = options.HasExtension(amino_pb2.dont_omitempty) and bool(
            options.Extensions[amino_pb2.dont_omitempty]
        )
        if not keep:
            return name, None, False
        if field.type == _FD.TYPE_MESSAGE and not field.is_repeated:
            raise UnauthorizedError(
                f"not supported: dont_omit_empty=true on an absent message field {field.name}"
            )
    encoder = _field_encoder(field)
    if encoder is not None:
        return name, encoder(field, value), True
    if field.is_repeated:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            raise UnauthorizedError(f"map field {field.full_name} cannot be signed in amino JSON")
        return name, ([_scalar_value(field, v) for v in value] if is_set else None), True
    return name, _scalar_value(field, value), True


def _field_encoder(field: descriptor.FieldDescriptor) -> Any:
    """The SDK's special encoder of a field (amino.encoding, then cosmos_proto.scalar), or
    None."""
    options = field.GetOptions()
    if options.HasExtension(amino_pb2.encoding):
        encoding = options.Extensions[amino_pb2.encoding]
        if encoding == "legacy_coins":
            return lambda f, v: [_scalar_value(f, c) for c in v]
        if encoding == "inline_json":
            raise UnauthorizedError(
                f"amino encoding inline_json of {field.full_name} is not supported"
            )
    if options.HasExtension(cosmos_proto_pb2.scalar):
        scalar = options.Extensions[cosmos_proto_pb2.scalar]
        if scalar == "cosmos.Dec":
            custom = (
                options.Extensions[gogo_pb2.customtype]
                if options.HasExtension(gogo_pb2.customtype)
                else ""
            )
            if custom != "cosmossdk.io/math.LegacyDec":
                return None
            return _legacy_dec_value
        if scalar == "cosmos.Int":
            return _int_value
    return None


def _legacy_dec_value(field: descriptor.FieldDescriptor, value: Any) -> str:
    """A LegacyDec (its wire form: the integer times 10^18) as "I.FFFFFFFFFFFFFFFFFF"."""
    if field.type != _FD.TYPE_STRING:
        raise UnauthorizedError(f"a bytes cosmos.Dec ({field.full_name}) is not supported")
    if value == "":
        return "0"
    digits = value[1:] if value[:1] in "+-" else value
    if not digits.isascii() or not digits.isdigit():
        raise UnauthorizedError(
            f"{field.full_name} = {value!r} is not a LegacyDec in its wire form (an integer "
            "times 10^18), so it cannot be signed in amino JSON"
        )
    number = int(value)
    sign, number = ("-", -number) if number < 0 else ("", number)
    whole, fraction = divmod(number, 10**18)
    return f"{sign}{whole}.{fraction:018d}"


def _int_value(field: descriptor.FieldDescriptor, value: Any) -> str:
    """A cosmos.Int string as is ("0" when empty)."""
    if field.type != _FD.TYPE_STRING:
        raise UnauthorizedError(f"a bytes cosmos.Int ({field.full_name}) is not supported")
    return value or "0"


def _scalar_value(field: descriptor.FieldDescriptor, value: Any) -> Any:
    """The amino JSON of one (non-repeated) value of field."""
    kind = field.type
    if kind == _FD.TYPE_MESSAGE:
        return _message_value(value)
    if kind in _INT64_TYPES:
        return str(value)
    if kind in _INT32_TYPES or kind in (_FD.TYPE_ENUM, _FD.TYPE_BOOL, _FD.TYPE_STRING):
        return value
    if kind == _FD.TYPE_BYTES:
        return base64.b64encode(value).decode()
    raise UnauthorizedError(
        f"field {field.full_name} (floating point) cannot be signed in amino JSON"
    )


def _any_value(packed: Any) -> dict[str, Any]:
    """{"type": amino name, "value": ...} of the message inside an Any."""
    type_name = packed.type_url.rsplit("/", 1)[-1]
    try:
        desc = descriptor_pool.Default().FindMessageTypeByName(type_name)
    except KeyError:
        raise TxDecodeError(f"unknown type {packed.type_url!r} inside an Any") from None
    try:
        inner = message_factory.GetMessageClass(desc).FromString(packed.value)
    except DecodeError as exc:
        raise TxDecodeError(f"{packed.type_url} does not decode: {exc}") from None
    return encode_amino_msg(inner)


def _timestamp_value(seconds: int, nanos: int) -> str:
    """RFC 3339 in UTC with the fraction's trailing zeros cut, as Go formats time.Time."""
    import datetime

    moment = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(
        seconds=seconds
    )
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:
        text += "." + f"{nanos:09d}".rstrip("0")
    return text + "Z"
