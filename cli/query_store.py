"""`aichain query store MODULE KEY [--height H] [--prove]`: a raw store value, with its proof
checked against the app hash in the block header at H+1."""

from __future__ import annotations

import base64
from pathlib import Path

import click

from aichain.cli.common import emit, fail, home_option, node_option, output_option, resolve_node


def _parse_key(key: str, fmt: str) -> bytes:
    """KEY as bytes, read as hex, base64 or text."""
    try:
        if fmt == "hex":
            return bytes.fromhex(key)
        if fmt == "base64":
            return base64.b64decode(key, validate=True)
    except ValueError:
        fail(f"KEY {key!r} is not valid {fmt}; pass --key-format text for a plain string")
    return key.encode()


@click.command("store")
@click.argument("module")
@click.argument("key")
@click.option("--height", type=int, default=0, help="Query this height (default: the latest).")
@click.option("--prove", is_flag=True, help="Fetch a proof and verify it against header H+1.")
@click.option(
    "--key-format",
    type=click.Choice(["hex", "base64", "text"]),
    default="hex",
    show_default=True,
    help="How KEY is written.",
)
@node_option
@home_option
@output_option
def store_cmd(
    module: str,
    key: str,
    height: int,
    prove: bool,
    key_format: str,
    node: str | None,
    home: Path,
    output: str,
) -> None:
    """The value of KEY in MODULE's store (e.g. `bank 02...`), optionally proven.

    With --prove, the proof is checked by the standalone verifier against the app hash in the
    header of block H+1 (CometBFT RPC); the exit status is 1 if it does not verify.
    """
    node = resolve_node(node, home)
    from aichain.client.rpc import CometRPC, RPCError
    from aichain.client.store_query import query_store

    if height < 0:
        fail("--height must be positive (or 0 for the latest)")
    try:
        res = query_store(CometRPC(node), module, _parse_key(key, key_format), height, prove)
    except RPCError as exc:
        fail(str(exc))
    data = {
        "module": res.module,
        "key": res.key.hex(),
        "value": None if res.value is None else res.value.hex(),
        "height": res.height,
        "exists": res.value is not None,
    }
    if prove:
        data |= {
            "verified": res.verified,
            "app_hash": res.app_hash.hex().upper(),
            "proof": res.reason,
        }

    def text(d: dict) -> str:
        lines = [f"height: {d['height']}", f"value: {d['value'] if d['exists'] else '(absent)'}"]
        if prove:
            verdict = "VERIFIED" if d["verified"] else "NOT VERIFIED"
            lines.append(
                f"proof: {verdict} against app hash {d['app_hash']} of block {d['height'] + 1}"
                f" ({d['proof']})"
            )
        return "\n".join(lines)

    emit(data, output, text)
    if prove and not res.verified:
        raise SystemExit(1)
