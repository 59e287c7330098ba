"""Bank genesis in the Cosmos SDK's JSON shape (cosmos.bank.v1beta1.GenesisState)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from cosmos.bank.v1beta1 import genesis_pb2
from google.protobuf import json_format

from aichain.app.coins import Coin, coins_from_proto
from aichain.app.context import Context
from aichain.app.crypto import account_address, parse_account_address
from aichain.app.errors import AppError
from aichain.modules.bank.errors import InvalidGenesisError
from aichain.modules.bank.keeper import Keeper
from aichain.modules.bank.query import coin_proto
from aichain.modules.bank.types import Params


def parse_genesis(data: dict[str, Any]) -> genesis_pb2.GenesisState:
    """Parses and validates bank genesis JSON. Raises InvalidGenesisError.

    Checks: valid addresses and coins, no duplicate address, and when a supply is given it
    equals the sum of the balances.
    """
    try:
        state = json_format.ParseDict(data, genesis_pb2.GenesisState())
        seen: set[bytes] = set()
        total: Counter[str] = Counter()
        for balance in state.balances:
            address = parse_account_address(balance.address)
            if address in seen:
                raise InvalidGenesisError(f"duplicate balance for {balance.address}")
            seen.add(address)
            for coin in coins_from_proto(balance.coins):
                total[coin.denom] += coin.amount
        supply = {c.denom: c.amount for c in coins_from_proto(state.supply)}
    except json_format.ParseError as exc:
        raise InvalidGenesisError(f"bank genesis: {exc}") from None
    except InvalidGenesisError:
        raise
    except AppError as exc:
        raise InvalidGenesisError(f"bank genesis: {exc}") from None
    if supply and supply != dict(total):
        raise InvalidGenesisError(
            f"genesis supply {dict(sorted(supply.items()))} != sum of balances "
            f"{dict(sorted(total.items()))}"
        )
    return state


def init_genesis(ctx: Context, keeper: Keeper, data: dict[str, Any]) -> None:
    """Writes params, flags, metadata, balances and the supply (the sum of balances)."""
    state = parse_genesis(data)
    keeper.set_params(
        ctx, Params.from_proto(state.params) if state.HasField("params") else Params()
    )
    for flag in state.send_enabled:
        keeper.set_send_enabled(ctx, flag.denom, flag.enabled)
    for metadata in state.denom_metadata:
        keeper.set_denom_metadata(ctx, metadata)
    total: Counter[str] = Counter()
    for balance in state.balances:
        coins = coins_from_proto(balance.coins)
        keeper.set_genesis_balance(ctx, parse_account_address(balance.address), coins)
        for coin in coins:
            total[coin.denom] += coin.amount
    for denom in sorted(total):
        keeper.set_supply(ctx, Coin(denom, total[denom]))


def export_genesis(ctx: Context, keeper: Keeper) -> dict[str, Any]:
    """The bank state as genesis JSON."""
    state = genesis_pb2.GenesisState(params=keeper.get_params(ctx).to_proto())
    by_address: dict[bytes, list[Coin]] = {}
    for address, coin in keeper.iter_balances(ctx):
        by_address.setdefault(address, []).append(coin)
    for address in sorted(by_address):
        state.balances.add(
            address=account_address(address), coins=[coin_proto(c) for c in by_address[address]]
        )
    state.supply.extend(coin_proto(c) for c in keeper.iter_supply(ctx))
    state.denom_metadata.extend(keeper.iter_denom_metadata(ctx))
    for denom, enabled in keeper.iter_send_enabled(ctx):
        state.send_enabled.add(denom=denom, enabled=enabled)
    return json_format.MessageToDict(state, preserving_proto_field_name=True)


def default_genesis() -> dict[str, Any]:
    """Default params, no balances."""
    state = genesis_pb2.GenesisState(params=Params().to_proto())
    return json_format.MessageToDict(state, preserving_proto_field_name=True)
