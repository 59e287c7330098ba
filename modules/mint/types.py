"""Mint params: a fixed annual inflation of the mint denom's supply.

On the wire they are the Cosmos SDK's `cosmos.mint.v1beta1.Params` with inflation_min ==
inflation_max == the rate: the SDK's own model then mints at exactly that rate, so SDK
clients read and propose them unchanged. Dynamic inflation (min < max) is not implemented and
is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cosmos.mint.v1beta1 import mint_pb2

from aichain.app.dec import ONE, dec_wire, format_dec, parse_dec_json, parse_dec_wire
from aichain.modules.mint.errors import InvalidGenesisError, InvalidParamsError

DENOM_PATTERN = re.compile(r"[a-zA-Z][a-zA-Z0-9/:._-]{2,127}")
"""A valid coin denom (the Cosmos SDK's rule)."""

GOAL_BONDED = ONE * 67 // 100
"""goal_bonded reported on the wire (unused by a fixed rate)."""


@dataclass(frozen=True, slots=True)
class Params:
    """Denom, annual inflation (decimal atomics) and blocks per year."""

    mint_denom: str = "uaic"
    inflation_rate: int = ONE * 7 // 100
    blocks_per_year: int = 6_311_520

    def validate(self) -> None:
        """Raises InvalidParamsError naming the first bad field."""
        if not DENOM_PATTERN.fullmatch(self.mint_denom):
            raise InvalidParamsError(f"params.mint_denom {self.mint_denom!r} is not a denom")
        if not 0 <= self.inflation_rate <= ONE:
            raise InvalidParamsError(
                f"params.inflation_max must be in [0, 1], got {format_dec(self.inflation_rate)}"
            )
        if self.blocks_per_year <= 0:
            raise InvalidParamsError(
                f"params.blocks_per_year must be positive, got {self.blocks_per_year}"
            )

    def to_json(self) -> dict[str, str]:
        """As genesis JSON (and the stored form)."""
        return {
            "mint_denom": self.mint_denom,
            "inflation_rate": format_dec(self.inflation_rate),
            "blocks_per_year": str(self.blocks_per_year),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Params:
        """From genesis JSON (missing fields default). Raises InvalidGenesisError."""
        merged = {**cls().to_json(), **data}
        try:
            params = cls(
                str(merged["mint_denom"]),
                parse_dec_json(str(merged["inflation_rate"])),
                int(merged["blocks_per_year"]),
            )
            params.validate()
        except InvalidParamsError as exc:
            raise InvalidGenesisError(f"mint genesis: {exc.message}") from None
        except Exception as exc:  # ValueError or a bad decimal
            raise InvalidGenesisError(f"mint params: {exc}") from None
        return params

    def to_proto(self) -> mint_pb2.Params:
        """As cosmos.mint.v1beta1.Params (min == max == the rate)."""
        rate = dec_wire(self.inflation_rate)
        return mint_pb2.Params(
            mint_denom=self.mint_denom,
            inflation_rate_change=dec_wire(0),
            inflation_max=rate,
            inflation_min=rate,
            goal_bonded=dec_wire(GOAL_BONDED),
            blocks_per_year=self.blocks_per_year,
        )

    @classmethod
    def from_proto(cls, p: mint_pb2.Params) -> Params:
        """From cosmos.mint.v1beta1.Params. Raises InvalidParamsError naming the field."""
        decs = {}
        for name in ("inflation_rate_change", "inflation_max", "inflation_min", "goal_bonded"):
            try:
                decs[name] = parse_dec_wire(getattr(p, name))
            except Exception:
                raise InvalidParamsError(
                    f"params.{name} {getattr(p, name)!r} is not a decimal"
                ) from None
        if decs["inflation_min"] != decs["inflation_max"]:
            raise InvalidParamsError(
                "params.inflation_min must equal params.inflation_max: this chain mints at a "
                "fixed rate (dynamic inflation is not implemented)"
            )
        if not 0 < decs["goal_bonded"] <= ONE:
            raise InvalidParamsError("params.goal_bonded must be in (0, 1]")
        if not 0 <= decs["inflation_rate_change"] <= ONE:
            raise InvalidParamsError("params.inflation_rate_change must be in [0, 1]")
        params = cls(p.mint_denom, decs["inflation_max"], p.blocks_per_year)
        params.validate()
        return params


def compute_block_provision(supply: int, params: Params) -> int:
    """Tokens minted this block: supply * rate / blocks_per_year, truncated."""
    return supply * params.inflation_rate // ONE // params.blocks_per_year


def compute_annual_provisions(supply: int, params: Params) -> int:
    """Decimal atomics minted in a year at this supply: supply * rate."""
    return supply * params.inflation_rate
