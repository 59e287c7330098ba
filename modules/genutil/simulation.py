"""Genutil's simulation: the genesis validators, as gentxs of the first accounts (random
bonds and commissions). Genutil has no messages, so no operations."""

from __future__ import annotations

from typing import Any

from aichain.app.simulation.types import GenesisEnv
from aichain.modules.genutil.gentx import build_gentx, gentx_json


def randomized_genesis(genesis: GenesisEnv) -> dict[str, Any]:
    """One gentx per genesis validator: self-bond 10..1,000 AIC, commission up to 20%."""
    rng = genesis.rng
    gentxs = []
    for i, account in enumerate(genesis.accounts[: genesis.validators]):
        rate = rng.randint(0, 200)
        max_rate = rng.randint(rate, 500)
        max_change = rng.randint(0, max_rate)
        raw = build_gentx(
            account.key,
            account.cons_pubkey,
            f"genesis-{i}",
            rng.randint(10, 1_000) * 10**6,
            genesis.chain_id,
            commission_rate=_milli(rate),
            commission_max_rate=_milli(max_rate),
            commission_max_change_rate=_milli(max_change),
        )
        gentxs.append(gentx_json(raw))
    return {"gen_txs": gentxs}


def _milli(n: int) -> str:
    """n thousandths as decimal text ('0.125')."""
    return f"{n // 1000}.{n % 1000:03d}"
