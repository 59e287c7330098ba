"""`aichain query auth ...` (cosmos.auth.v1beta1). Auth has no tx commands of its own: every
tx command signs through the shared broadcaster (aichain.cli.common.broadcast)."""

from __future__ import annotations

from pathlib import Path

import click

from aichain.cli.common import as_dict, emit, query_message, query_options, resolve_node


@click.group("auth")
def query_auth() -> None:
    """Auth queries (cosmos.auth.v1beta1.Query)."""


@query_auth.command("account")
@click.argument("address")
@query_options
def account(address: str, node: str | None, home: Path, output: str) -> None:
    """The account at ADDRESS: number, sequence and public key."""
    node = resolve_node(node, home)
    from cosmos.auth.v1beta1 import auth_pb2, query_pb2

    resp = query_message(
        node,
        "/cosmos.auth.v1beta1.Query/Account",
        query_pb2.QueryAccountRequest(address=address),
        query_pb2.QueryAccountResponse,
    )
    any_msg = resp.account
    if any_msg.type_url.endswith("ModuleAccount"):
        body = as_dict(auth_pb2.ModuleAccount.FromString(any_msg.value))
    else:
        body = as_dict(auth_pb2.BaseAccount.FromString(any_msg.value))
    emit({"@type": any_msg.type_url, **body}, output)


def tx_command() -> None:
    """Auth has no tx commands."""
    return None


def query_command() -> click.Group:
    """`aichain query auth`."""
    return query_auth
