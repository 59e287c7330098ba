"""`aichain tx slashing unjail` and `aichain query slashing ...`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from aichain.cli.common import emit
from aichain.cli.staking import ask, broadcast, query_options, tx_options


@click.group("slashing")
def tx_slashing() -> None:
    """Slashing transactions (cosmos.slashing.v1beta1)."""


@tx_slashing.command("unjail")
@click.argument("from_key")
@tx_options
def unjail(from_key: str, **opts: Any) -> None:
    """Unjail the validator operated by FROM_KEY (after its jail period)."""
    from aichain.app.crypto import valoper_address
    from aichain.client.txbuilder import msg_unjail

    broadcast(from_key, lambda a: [msg_unjail(valoper_address(a))], "unjail", opts)


@click.group("slashing")
def query_slashing() -> None:
    """Slashing queries (cosmos.slashing.v1beta1.Query)."""


@query_slashing.command("signing-info")
@click.argument("cons_address", required=False)
@query_options
def signing_info(cons_address: str | None, node: str | None, home: Path, output: str) -> None:
    """Signing info of CONS_ADDRESS (aicvalcons1...), or of every validator."""
    from cosmos.slashing.v1beta1 import query_pb2 as q

    if cons_address:
        data = ask(node, home, "/cosmos.slashing.v1beta1.Query/SigningInfo",
                   q.QuerySigningInfoRequest(cons_address=cons_address),
                   q.QuerySigningInfoResponse)  # fmt: skip
    else:
        data = ask(node, home, "/cosmos.slashing.v1beta1.Query/SigningInfos",
                   q.QuerySigningInfosRequest(), q.QuerySigningInfosResponse)  # fmt: skip
    emit(data, output)


@query_slashing.command("params")
@query_options
def params(node: str | None, home: Path, output: str) -> None:
    """Slashing params."""
    from cosmos.slashing.v1beta1 import query_pb2 as q

    emit(ask(node, home, "/cosmos.slashing.v1beta1.Query/Params", q.QueryParamsRequest(),
             q.QueryParamsResponse), output)  # fmt: skip
