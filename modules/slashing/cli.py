"""`aichain tx slashing unjail` and `aichain query slashing ...` (cosmos.slashing.v1beta1), and
slashing's message builder.

Click commands only: parse, build the message, hand it to the shared broadcaster.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from aichain.cli.common import TxFlags, ask, broadcast, emit, query_options, tx_options

if TYPE_CHECKING:
    from google.protobuf.message import Message


def msg_unjail(validator: str) -> Message:
    """A slashing MsgUnjail."""
    from cosmos.slashing.v1beta1 import tx_pb2 as slashing_tx

    return slashing_tx.MsgUnjail(validator_addr=validator)


@click.group("slashing")
def tx_slashing() -> None:
    """Slashing transactions (cosmos.slashing.v1beta1)."""


@tx_slashing.command("unjail")
@click.argument("from_key")
@tx_options
def unjail(from_key: str, tx: TxFlags) -> None:
    """Unjail the validator operated by FROM_KEY (after its jail period)."""
    from aichain.app.crypto import valoper_address

    broadcast(from_key, lambda a: [msg_unjail(valoper_address(a))], "unjail", tx)


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


def tx_command() -> click.Group:
    """`aichain tx slashing`."""
    return tx_slashing


def query_command() -> click.Group:
    """`aichain query slashing`."""
    return query_slashing
