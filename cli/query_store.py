"""`aichain query store MODULE KEY [--height H] [--prove [--trust-validators-hash HEX]]`: a raw
store value, with its proof checked against the app hash in the block header at H+1, that header
light-client checked (hash, validator set hash, +2/3 signatures)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from aichain.cli.common import emit, fail, home_option, node_option, output_option, resolve_node

if TYPE_CHECKING:
    from aichain.client.light import LightCheck
    from aichain.client.store_query import ProvenValue


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


def _parse_trusted_hash(text: str | None) -> bytes | None:
    """--trust-validators-hash as 32 bytes (None when not given)."""
    if text is None:
        return None
    try:
        value = bytes.fromhex(text)
    except ValueError:
        value = b""
    if len(value) != 32:
        fail(
            f"--trust-validators-hash {text!r} is not a 32-byte hex hash; take it from a header "
            "you trust (`validators_hash`), e.g. the one this command printed before"
        )
    return value


def _header_data(check: LightCheck) -> dict:
    """The JSON summary of the light-client check of header H+1."""
    return {
        "verified": True,
        "height": check.height,
        "chain_id": check.chain_id,
        "hash": check.header_hash.hex().upper(),
        "validators_hash": check.validators_hash.hex().upper(),
        "validators_trusted": check.validators_trusted,
        "validator_set": (
            "trusted: matches --trust-validators-hash"
            if check.validators_trusted
            else "taken from the RPC node (not checked against a trusted anchor; pass "
            "--trust-validators-hash to pin it)"
        ),
        "signatures_verified": check.signatures_verified,
        "signatures_total": check.signatures_total,
        "voting_power_verified": check.power_verified,
        "voting_power_total": check.power_total,
    }


@click.command("store")
@click.argument("module")
@click.argument("key")
@click.option("--height", type=int, default=0, help="Query this height (default: the latest).")
@click.option("--prove", is_flag=True, help="Fetch a proof and verify it against header H+1.")
@click.option(
    "--trust-validators-hash",
    metavar="HEX",
    default=None,
    help="With --prove: the validator set hash you trust (from genesis or an earlier check); "
    "header H+1 must name exactly that set.",
)
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
    trust_validators_hash: str | None,
    key_format: str,
    node: str | None,
    home: Path,
    output: str,
) -> None:
    """The value of KEY in MODULE's store (e.g. `bank 02...`), optionally proven.

    With --prove, the proof is checked by the standalone verifier against the app hash in the
    header of block H+1 (CometBFT RPC). That header is light-client checked first: its hash,
    its validator set's hash, and ed25519 signatures of more than 2/3 of that set's voting
    power. Without --trust-validators-hash the validator set is the one the RPC node serves.
    The exit status is 1 if anything does not verify.
    """
    node = resolve_node(node, home)
    from aichain.client.light import LightClientError
    from aichain.client.rpc import CometRPC, RPCError
    from aichain.client.store_query import query_store

    if height < 0:
        fail("--height must be positive (or 0 for the latest)")
    if trust_validators_hash is not None and not prove:
        fail("--trust-validators-hash only applies with --prove")
    trusted = _parse_trusted_hash(trust_validators_hash)
    try:
        res = query_store(
            CometRPC(node), module, _parse_key(key, key_format), height, prove, trusted
        )
    except (RPCError, LightClientError) as exc:
        fail(str(exc))
    data = {
        "module": res.module,
        "key": res.key.hex(),
        "value": None if res.value is None else res.value.hex(),
        "height": res.height,
        "exists": res.value is not None,
    }

    def head(d: dict) -> list[str]:
        return [f"height: {d['height']}", f"value: {d['value'] if d['exists'] else '(absent)'}"]

    if prove:
        emit_proven(res, data, output, head)
    else:
        emit(data, output, lambda d: "\n".join(head(d)))


def compute_proof_fields(res: ProvenValue) -> dict:
    """The JSON fields reporting a proven answer's checks (proof, app hash, header)."""
    fields = {
        "height": res.height,
        "verified": res.verified,
        "app_hash": res.app_hash.hex().upper(),
        "proof": res.reason,
    }
    if res.header is not None:
        fields["header"] = _header_data(res.header)
    return fields


def compute_proof_lines(d: dict) -> list[str]:
    """The text lines reporting a proven answer's checks (from compute_proof_fields)."""
    verdict = "VERIFIED" if d["verified"] else "NOT VERIFIED"
    lines = [
        f"proof: {verdict} against app hash {d['app_hash']} of block {d['height'] + 1}"
        f" ({d['proof']})"
    ]
    if "header" in d:
        h = d["header"]
        lines.append(
            f"header: block {h['height']} light-client VERIFIED: hash {h['hash']}, "
            f"{h['signatures_verified']}/{h['signatures_total']} signatures, voting power "
            f"{h['voting_power_verified']}/{h['voting_power_total']} (> 2/3) of validator "
            f"set {h['validators_hash']}"
        )
        lines.append(f"validator set: {h['validator_set']}")
    return lines


def emit_proven(
    res: ProvenValue, data: dict, output: str, head: Callable[[dict], list[str]] | None = None
) -> None:
    """Prints a proven answer (data plus the proof fields); exits 1 if it did not verify."""
    data = data | compute_proof_fields(res)
    emit(data, output, lambda d: "\n".join([*(head(d) if head else []), *compute_proof_lines(d)]))
    if not res.verified:
        raise SystemExit(1)
