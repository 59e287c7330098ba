"""Mint keeper: params and the block provision."""

from __future__ import annotations

import json

from aichain.app.ante import FEE_COLLECTOR
from aichain.app.coins import Coin
from aichain.app.context import Context
from aichain.app.store_keys import StoreKey
from aichain.modules.mint import keys
from aichain.modules.mint.expected import BankKeeper, StakingKeeper
from aichain.modules.mint.types import Params, compute_block_provision

MODULE = "mint"
"""The mint module account (minter): provisions are minted here, then paid to the fee
collector, as the Cosmos SDK does."""


class ViewKeeper:
    """Reads mint params."""

    def __init__(self, store_key: StoreKey, bank: BankKeeper, staking: StakingKeeper) -> None:
        self.store_key = store_key
        self.bank = bank
        self.staking = staking

    def get_params(self, ctx: Context) -> Params:
        """Stored params (defaults before genesis)."""
        raw = ctx.kv(self.store_key).get(keys.PARAMS)
        return Params.from_json(json.loads(raw)) if raw else Params()


class Keeper(ViewKeeper):
    """Writes params and mints."""

    def set_params(self, ctx: Context, params: Params) -> None:
        """Stores validated params. Raises InvalidParamsError."""
        params.validate()
        raw = json.dumps(params.to_json(), sort_keys=True).encode()
        ctx.kv(self.store_key).set(keys.PARAMS, raw)

    def mint_block_provision(self, ctx: Context) -> int:
        """Mints this block's provision and pays it to the fee collector (nothing while no
        validator is bonded: a chain run by CometBFT's genesis validators has nobody to pay).
        Returns the amount minted."""
        if self.staking.get_last_total_power(ctx) == 0:
            return 0
        params = self.get_params(ctx)
        amount = compute_block_provision(self.bank.get_supply(ctx, params.mint_denom), params)
        if amount > 0:
            coins = [Coin(params.mint_denom, amount)]
            self.bank.mint_coins(ctx, MODULE, coins)
            self.bank.send_coins_from_module_to_module(ctx, MODULE, FEE_COLLECTOR, coins)
        return amount
