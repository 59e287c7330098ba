"""Auth genesis in the Cosmos SDK's JSON shape (cosmos.auth.v1beta1.GenesisState)."""

from __future__ import annotations

from typing import Any

from cosmos.auth.v1beta1 import auth_pb2, genesis_pb2
from google.protobuf import json_format

from aichain.app.context import Context
from aichain.app.errors import AppError
from aichain.modules.auth.errors import InvalidGenesisError
from aichain.modules.auth.keeper import Keeper, decode_account
from aichain.modules.auth.types import Account, Params


def parse_genesis(data: dict[str, Any]) -> tuple[Params, list[Account]]:
    """Validated params and accounts from genesis JSON. Raises InvalidGenesisError."""
    try:
        state = json_format.ParseDict(data, genesis_pb2.GenesisState())
        accounts = [decode_account(a.SerializeToString()) for a in state.accounts]
    except (json_format.ParseError, AppError) as exc:
        raise InvalidGenesisError(f"auth genesis: {exc}") from None
    params = Params.from_proto(state.params) if state.HasField("params") else Params()
    try:
        params.validate()
    except AppError as exc:
        raise InvalidGenesisError(str(exc)) from None
    seen_addr: set[bytes] = set()
    seen_num: set[int] = set()
    for account in accounts:
        if account.address in seen_addr:
            raise InvalidGenesisError(f"duplicate account {account.address.hex()} in genesis")
        if account.account_number in seen_num:
            raise InvalidGenesisError(f"duplicate account number {account.account_number}")
        seen_addr.add(account.address)
        seen_num.add(account.account_number)
    return params, accounts


def init_genesis(ctx: Context, keeper: Keeper, data: dict[str, Any]) -> None:
    """Writes params and accounts; the next account number follows the largest given."""
    params, accounts = parse_genesis(data)
    keeper.set_params(ctx, params)
    for account in accounts:
        keeper.set_account(ctx, account)
    next_number = max((a.account_number for a in accounts), default=-1) + 1
    keeper.set_next_account_number(ctx, max(next_number, keeper.get_next_account_number(ctx)))


def export_genesis(ctx: Context, keeper: Keeper) -> dict[str, Any]:
    """Params and every account as genesis JSON."""
    from aichain.app.crypto import account_address

    state = genesis_pb2.GenesisState(params=keeper.get_params(ctx).to_proto())
    for account in keeper.iter_accounts(ctx):
        state.accounts.append(account.to_any(account_address(account.address)))
    return json_format.MessageToDict(state, preserving_proto_field_name=True)


def default_genesis() -> dict[str, Any]:
    """Default params and no accounts."""
    state = genesis_pb2.GenesisState(params=Params().to_proto())
    return json_format.MessageToDict(state, preserving_proto_field_name=True)


_ = auth_pb2  # registers BaseAccount/ModuleAccount for Any parsing
