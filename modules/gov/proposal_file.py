"""Proposal files for `aichain tx gov submit-proposal` (client side): the Cosmos SDK's JSON
shape, read with the line of every field so that a mistake is reported where it is.

    {
      "messages": [{"@type": "/cosmos.bank.v1beta1.MsgUpdateParams", "authority": "aic1...",
                    "params": {...}}],
      "metadata": "ipfs://...",
      "deposit": "10000000uaic",
      "title": "...",
      "summary": "...",
      "expedited": false,
      "track": "standard"          (aichain: "model" for the model-vote track)
    }

Each message is proto3 JSON of a message type the chain routes, named by "@type".
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from google.protobuf import any_pb2, json_format, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

FIELDS = ("messages", "metadata", "deposit", "title", "summary", "expedited", "track")
"""The fields a proposal file may have."""

TRACKS = ("standard", "model")
"""The proposal tracks."""

Path = tuple[str | int, ...]
"""Where a value sits in the file: keys and list indexes from the top."""


class ProposalFileError(ValueError):
    """A proposal file that cannot be submitted; the message names the field and line."""


@dataclass(frozen=True, slots=True)
class ProposalFile:
    """A parsed proposal file: packed messages and the rest of MsgSubmitProposal."""

    messages: tuple[any_pb2.Any, ...]
    metadata: str
    deposit: str
    title: str
    summary: str
    expedited: bool
    track: str


# --- JSON with line numbers ------------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")


def locate_lines(text: str) -> dict[Path, int]:
    """The line (1-based) of every value's key (or, in a list, the value itself) in a valid
    JSON text, by path."""
    lines: dict[Path, int] = {}

    def line_at(i: int) -> int:
        return text.count("\n", 0, i) + 1

    def skip(i: int) -> int:
        return _WS.match(text, i).end()  # type: ignore[union-attr]

    def value(i: int, path: Path) -> int:
        i = skip(i)
        lines.setdefault(path, line_at(i))
        c = text[i]
        if c == "{":
            i = skip(i + 1)
            if text[i] == "}":
                return i + 1
            while True:
                key, i = json.decoder.scanstring(text, skip(i) + 1)  # type: ignore[attr-defined]
                lines[(*path, key)] = line_at(i)
                i = skip(i)  # the colon
                i = value(i + 1, (*path, key))
                i = skip(i)
                if text[i] == "}":
                    return i + 1
                i += 1  # the comma
        if c == "[":
            i = skip(i + 1)
            if text[i] == "]":
                return i + 1
            n = 0
            while True:
                i = value(i, (*path, n))
                i = skip(i)
                if text[i] == "]":
                    return i + 1
                i, n = i + 1, n + 1
        if c == '"':
            return json.decoder.scanstring(text, i + 1)[1]  # type: ignore[attr-defined]
        for literal in ("true", "false", "null"):
            if text.startswith(literal, i):
                return i + len(literal)
        return _NUMBER.match(text, i).end()  # type: ignore[union-attr]

    value(0, ())
    return lines


def describe(path: Path) -> str:
    """A path as the file's reader would write it: messages[0].params.send_enabled."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "the file"


# --- checking messages against their descriptors ---------------------------------------------

_WELL_KNOWN = ("google.protobuf.",)


def _field(desc: Descriptor, name: str) -> FieldDescriptor | None:
    """The field a JSON key names (proto or JSON name)."""
    field = desc.fields_by_name.get(name)
    if field is None:
        field = next((f for f in desc.fields if f.json_name == name), None)
    return field


def _is_plain_message(desc: Descriptor | None) -> bool:
    """Whether a field of this type is JSON of an ordinary message (not a scalar, a map or a
    well-known type with its own JSON form)."""
    return (
        desc is not None
        and not desc.full_name.startswith(_WELL_KNOWN)
        and not desc.GetOptions().map_entry
    )


def _find_bad_field(
    desc: Descriptor, data: Any, path: Path, new: Callable[[], Message]
) -> tuple[Path, str] | None:
    """The deepest field of data (JSON of message type desc) that is unknown or does not
    parse, with the reason; None if none is found."""
    if not isinstance(data, dict):
        return path, f"expected an object for {desc.full_name}"
    for key, item in data.items():
        field = _field(desc, key)
        if field is None:
            names = ", ".join(f.name for f in desc.fields)
            return (*path, key), f"unknown field {key!r} of {desc.full_name} (fields: {names})"
        sub = field.message_type
        if _is_plain_message(sub):
            cls = message_factory.GetMessageClass(sub)
            repeated = field.is_repeated
            if repeated and not isinstance(item, list):
                return (*path, key), f"expected a list for {field.name}"
            elements = enumerate(item) if repeated else [(None, item)]
            for n, element in elements:
                where = (*path, key, n) if n is not None else (*path, key)
                found = _find_bad_field(sub, element, where, cls)
                if found is not None:
                    return found
            continue
        try:
            json_format.ParseDict({key: item}, new())
        except json_format.ParseError as exc:
            return (*path, key), str(exc)
    return None


def parse_message(
    data: Mapping[str, Any],
    path: Path,
    lines: Mapping[Path, int],
    routes: Mapping[str, type[Message]],
) -> any_pb2.Any:
    """One message of the file, packed. Raises ProposalFileError."""

    def error(where: Path, reason: str) -> ProposalFileError:
        line = lines.get(where) or lines.get(path) or 1
        return ProposalFileError(f"{describe(where)} (line {line}): {reason}")

    if not isinstance(data, dict):
        raise error(path, 'each message must be an object with an "@type"')
    type_url = data.get("@type")
    if not isinstance(type_url, str) or not type_url:
        raise error(
            path,
            'a message needs its type URL in "@type", e.g. "/cosmos.bank.v1beta1.MsgUpdateParams"',
        )
    cls = routes.get(type_url)
    if cls is None:
        raise error(
            (*path, "@type"),
            f"unknown message type {type_url}; `aichain tx gov "
            "draft-proposal` lists the messages a proposal can carry",
        )
    body = {k: v for k, v in data.items() if k != "@type"}
    try:
        msg = json_format.ParseDict(body, cls())
    except json_format.ParseError as exc:
        found = _find_bad_field(cls.DESCRIPTOR, body, path, cls)
        if found is None:
            raise error(path, str(exc)) from None
        raise error(*found) from None
    return any_pb2.Any(type_url=type_url, value=msg.SerializeToString())


def parse_proposal_file(text: str, routes: Mapping[str, type[Message]]) -> ProposalFile:
    """Parses a proposal file's text against the chain's message types (type URL -> class).
    Raises ProposalFileError naming the field and its line."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProposalFileError(f"line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ProposalFileError("line 1: a proposal file is a JSON object")
    lines = locate_lines(text)

    def error(key: str, reason: str) -> ProposalFileError:
        return ProposalFileError(f"{key} (line {lines.get((key,), 1)}): {reason}")

    for key in data:
        if key not in FIELDS:
            raise error(key, f"unknown field; a proposal file has {', '.join(FIELDS)}")
    for key in ("title", "summary", "metadata", "deposit"):
        if not isinstance(data.get(key, ""), str):
            raise error(key, "must be a string")
    for key in ("title", "summary"):
        if not data.get(key):
            raise ProposalFileError(
                f"{key} (line {lines.get((key,), 1)}): is required and cannot be empty"
            )
    if not isinstance(data.get("expedited", False), bool):
        raise error("expedited", "must be true or false")
    track = data.get("track", "standard")
    if track not in TRACKS:
        raise error("track", f"must be one of {', '.join(TRACKS)}, got {track!r}")
    raw_messages = data.get("messages", [])
    if not isinstance(raw_messages, list):
        raise error("messages", "must be a list of messages")
    messages = tuple(
        parse_message(m, ("messages", i), lines, routes) for i, m in enumerate(raw_messages)
    )
    if not messages and not data.get("metadata"):
        raise ProposalFileError(
            "messages (line {}): a proposal needs messages to execute, or metadata for a text "
            "proposal".format(lines.get(("messages",), 1))
        )
    deposit = data.get("deposit", "")
    if deposit:
        from aichain.app.coins import parse_coins
        from aichain.app.errors import AppError

        try:
            parse_coins(deposit)
        except AppError as exc:
            raise error("deposit", exc.message) from None
    return ProposalFile(
        messages,
        data.get("metadata", ""),
        deposit,
        data["title"],
        data["summary"],
        data.get("expedited", False),
        track,
    )


def message_routes() -> dict[str, type[Message]]:
    """Every message type the chain routes: type URL -> proto class (from the app's router)."""
    from aichain.app.app import memory_app

    return {url: route.proto for url, route in memory_app().router.msgs.items()}


def draft(
    type_url: str | None, routes: Mapping[str, type[Message]], authority: str
) -> dict[str, Any]:
    """A proposal file template: one message of type_url with every field at its default
    (authority filled in), or a text proposal (no messages) when type_url is None."""
    messages = []
    if type_url is not None:
        msg = routes[type_url]()
        _fill(msg)
        body = json_format.MessageToDict(
            msg, always_print_fields_with_no_presence=True, preserving_proto_field_name=True
        )
        if "authority" in body:
            body["authority"] = authority
        messages.append({"@type": type_url, **body})
    return {
        "messages": messages,
        "metadata": "" if messages else "ipfs://CID (a text proposal needs metadata)",
        "deposit": "10000000uaic",
        "title": "",
        "summary": "",
        "expedited": False,
        "track": "standard",
    }


_NO_TEMPLATE = ("google.protobuf.Any", "google.protobuf.Struct", "google.protobuf.Value")
"""Message types a template leaves unset (their JSON needs content to be valid)."""


def _fill(msg: Message, depth: int = 4) -> None:
    """Sets every singular message field of msg (to its defaults, recursively) so that a
    template shows the fields to fill in."""
    if depth == 0:
        return
    for field in msg.DESCRIPTOR.fields:
        kind = field.message_type
        if (
            kind is not None
            and not kind.GetOptions().map_entry
            and kind.full_name not in _NO_TEMPLATE
            and not field.is_repeated
            and field.containing_oneof is None
        ):
            sub = getattr(msg, field.name)
            sub.SetInParent()
            _fill(sub, depth - 1)


def governable(routes: Mapping[str, type[Message]]) -> list[str]:
    """Type URLs of the messages governance executes: those with an authority field."""
    return sorted(
        url for url, cls in routes.items() if "authority" in cls.DESCRIPTOR.fields_by_name
    )
