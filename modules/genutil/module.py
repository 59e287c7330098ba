"""Wiring of the genutil module."""

from __future__ import annotations

from typing import Any, Generic

from aichain.app.context import Context
from aichain.app.module import BaseModule
from aichain.app.router import Router
from aichain.modules.genutil import genesis
from aichain.modules.genutil.expected import AccountT, GenesisAccounts, StakingValidatorSet


class GenutilModule(BaseModule, Generic[AccountT]):
    """Delivers app_state.genutil.gen_txs at InitChain (last in the init-genesis order)."""

    name = "genutil"

    def __init__(self, accounts: GenesisAccounts[AccountT], staking: StakingValidatorSet) -> None:
        self.accounts = accounts
        self.staking = staking
        self.router: Router | None = None

    def register(self, router: Router) -> None:
        """Keeps the router to decode and route gentxs; adds no routes."""
        self.router = router

    def default_genesis(self) -> dict[str, Any]:
        """No gentxs."""
        return genesis.default_genesis()

    def init_genesis(self, ctx: Context, data: dict[str, Any]) -> None:
        """Delivers every gentx in order, then recomputes the validator set."""
        if self.router is None:
            raise RuntimeError("GenutilModule.register must run before init_genesis")
        genesis.init_genesis(ctx, data, self.router, self.accounts, self.staking)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        """No gentxs (their effects are in the staking export)."""
        return genesis.default_genesis()
