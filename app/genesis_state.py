"""Genesis of modules that export their store as raw entries: {"params": {...}, "state":
[[key hex, value hex], ...]}, every entry but the params in key order (the layout of the
module's keys.py), so export(init(g)) == g whatever the state holds. Datanet, modelreg and
attribution share it; each keeps its own params JSON and error type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aichain.app.context import Context
from aichain.app.store_keys import StoreKey


def proto_params_to_json(message: Any) -> dict[str, Any]:
    """A params proto as genesis JSON (proto field names, every field printed)."""
    from google.protobuf import json_format

    return json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def proto_params_from_json(data: dict[str, Any], defaults: dict[str, Any], proto: Any) -> Any:
    """data over the default params JSON, parsed into the proto. Raises json_format.ParseError."""
    from google.protobuf import json_format

    return json_format.ParseDict({**defaults, **data}, proto)


def init_state(
    ctx: Context,
    store_key: StoreKey,
    entries: list[Any],
    params_key: bytes,
    module: str,
    error: Callable[[str], Exception],
) -> None:
    """Writes the raw state entries. Raises error(message) for a malformed entry or one that
    would overwrite the params key."""
    store = ctx.kv(store_key)
    for item in entries:
        try:
            key, value = bytes.fromhex(item[0]), bytes.fromhex(item[1])
        except (TypeError, ValueError, IndexError) as exc:
            raise error(f"{module} genesis state entry {item!r}: {exc}") from None
        if not key or key == params_key:
            raise error(f"{module} genesis state may not hold the params key")
        store.set(key, value)


def export_state(ctx: Context, store_key: StoreKey, params_key: bytes) -> list[list[str]]:
    """Every store entry but the params, in key order, as [key hex, value hex]."""
    return [
        [key.hex(), value.hex()]
        for key, value in ctx.kv(store_key).iterate(b"")
        if key != params_key
    ]
