"""`aichain query mint ...` (cosmos.mint.v1beta1). Mint has no tx commands: its only message,
MsgUpdateParams, comes from governance."""

from __future__ import annotations

from pathlib import Path

import click

from aichain.cli.common import ask, emit, query_options


@click.group("mint")
def query_mint() -> None:
    """Mint queries (cosmos.mint.v1beta1.Query)."""


@query_mint.command("params")
@query_options
def params(node: str | None, home: Path, output: str) -> None:
    """Mint params."""
    from cosmos.mint.v1beta1 import query_pb2 as q

    emit(ask(node, home, "/cosmos.mint.v1beta1.Query/Params", q.QueryParamsRequest(),
             q.QueryParamsResponse), output)  # fmt: skip


def _dec_bytes(value: bytes) -> str:
    """A LegacyDec served as bytes (the digits of its atomics) as decimal text."""
    from aichain.app.dec import format_dec, parse_dec_wire

    return format_dec(parse_dec_wire(value.decode()))


@query_mint.command("inflation")
@query_options
def inflation(node: str | None, home: Path, output: str) -> None:
    """The annual inflation rate."""
    from cosmos.mint.v1beta1 import query_pb2 as q

    from aichain.cli.common import query_message, resolve_node

    resp = query_message(resolve_node(node, home), "/cosmos.mint.v1beta1.Query/Inflation",
                         q.QueryInflationRequest(), q.QueryInflationResponse)  # fmt: skip
    emit({"inflation": _dec_bytes(resp.inflation)}, output, lambda d: d["inflation"])


@query_mint.command("annual-provisions")
@query_options
def annual_provisions(node: str | None, home: Path, output: str) -> None:
    """Coins minted per year at the current supply."""
    from cosmos.mint.v1beta1 import query_pb2 as q

    from aichain.cli.common import query_message, resolve_node

    resp = query_message(resolve_node(node, home), "/cosmos.mint.v1beta1.Query/AnnualProvisions",
                         q.QueryAnnualProvisionsRequest(),
                         q.QueryAnnualProvisionsResponse)  # fmt: skip
    provisions = _dec_bytes(resp.annual_provisions)
    emit({"annual_provisions": provisions}, output, lambda d: d["annual_provisions"])


def tx_command() -> None:
    """Mint has no tx commands (MsgUpdateParams comes from governance)."""
    return None


def query_command() -> click.Group:
    """`aichain query mint`."""
    return query_mint
