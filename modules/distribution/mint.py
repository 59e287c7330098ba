"""Block provisions: a fixed annual inflation of the bond denom's supply, minted each block into
the fee collector (distribution then pays it out with the fees).

Genesis (app_state.mint): {"params": {"mint_denom": "uaic", "inflation_rate": "0.07",
"blocks_per_year": "6311520"}}. Provision = supply * inflation_rate / blocks_per_year,
truncated; the rate is a decimal with 18 places, no floats. Nothing is minted while staking
has no bonded validators (a chain run only by CometBFT's genesis.json validators has nobody
to pay).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aichain.app.ante import FEE_COLLECTOR
from aichain.app.coins import Coin
from aichain.app.context import Context
from aichain.app.dec import ONE, format_dec, parse_dec_json
from aichain.app.module import Invariant
from aichain.app.router import Router
from aichain.modules.distribution.errors import InvalidGenesisError

STORE_PREFIX = b"mint/"
"""The mint module's prefix in the root store (one key: its params as JSON)."""

PARAMS_KEY = b"\x00"
"""Singleton: params as canonical JSON."""


class MintBank(Protocol):
    """What minting needs from bank."""

    def get_supply(self, ctx: Context, denom: str) -> int:
        """Total supply of denom."""

    def mint_coins(self, ctx: Context, module: str, coins: Sequence[Coin]) -> None:
        """Creates coins in a module account."""


@dataclass(frozen=True, slots=True)
class MintParams:
    """Denom, annual inflation (decimal atomics) and blocks per year."""

    mint_denom: str = "uaic"
    inflation_rate: int = ONE * 7 // 100
    blocks_per_year: int = 6_311_520

    def to_json(self) -> dict[str, str]:
        """As genesis JSON."""
        return {
            "mint_denom": self.mint_denom,
            "inflation_rate": format_dec(self.inflation_rate),
            "blocks_per_year": str(self.blocks_per_year),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MintParams:
        """From genesis JSON (missing fields default). Raises InvalidGenesisError."""
        merged = {**cls().to_json(), **data}
        try:
            params = cls(
                str(merged["mint_denom"]),
                parse_dec_json(str(merged["inflation_rate"])),
                int(merged["blocks_per_year"]),
            )
        except Exception as exc:  # ValueError or a bad decimal
            raise InvalidGenesisError(f"mint params: {exc}") from None
        if params.blocks_per_year <= 0 or not 0 <= params.inflation_rate <= ONE:
            raise InvalidGenesisError("mint: blocks_per_year > 0 and inflation_rate in [0, 1]")
        return params


def compute_block_provision(supply: int, params: MintParams) -> int:
    """Tokens minted this block: supply * rate / blocks_per_year, truncated."""
    return supply * params.inflation_rate // ONE // params.blocks_per_year


class MintModule:
    """Mints block provisions into the fee collector at begin-block."""

    name = "mint"

    def __init__(self, bank: MintBank, bonded_power: Callable[[Context], int]) -> None:
        self.bank = bank
        self.bonded_power = bonded_power

    def get_params(self, ctx: Context) -> MintParams:
        """Stored params (defaults before genesis)."""
        import json

        raw = ctx.kv(STORE_PREFIX).get(PARAMS_KEY)
        return MintParams.from_json(json.loads(raw)) if raw else MintParams()

    def register(self, router: Router) -> None:
        """No routes."""

    def default_genesis(self) -> dict[str, Any]:
        """Default params."""
        return {"params": MintParams().to_json()}

    def init_genesis(self, ctx: Context, data: dict[str, Any]) -> None:
        """Stores params."""
        import json

        params = MintParams.from_json(data.get("params") or {})
        ctx.kv(STORE_PREFIX).set(PARAMS_KEY, json.dumps(params.to_json(), sort_keys=True).encode())

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        """The params."""
        return {"params": self.get_params(ctx).to_json()}

    def begin_block(self, ctx: Context) -> None:
        """Mints this block's provision into the fee collector (if a bonded set exists)."""
        if self.bonded_power(ctx) == 0:
            return
        params = self.get_params(ctx)
        amount = compute_block_provision(self.bank.get_supply(ctx, params.mint_denom), params)
        if amount > 0:
            self.bank.mint_coins(ctx, FEE_COLLECTOR, [Coin(params.mint_denom, amount)])

    def end_block(self, ctx: Context) -> None:
        """Nothing at end-block."""

    def invariants(self) -> Sequence[tuple[str, Invariant]]:
        """None."""
        return ()
