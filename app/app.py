"""aichain's application: the modules, their keepers and the ante chain wired together.

Module order is the order of genesis import, begin-block and end-block steps. The validator
set comes from staking: genesis validators (staking genesis or genutil gentxs) are returned
from InitChain, and set changes from each block's end-block. A genesis without staking
validators leaves CometBFT's genesis.json validators in charge.
"""

from __future__ import annotations

from pathlib import Path

from aichain.app.ante import FEE_COLLECTOR, run_ante
from aichain.app.baseapp import AppConfig, BaseApp
from aichain.app.context import Context
from aichain.app.module import ModuleManager
from aichain.app.router import Router
from aichain.app.store.memory import MemStore
from aichain.app.store.rocks import RocksStore
from aichain.app.store.root import BatchStore, RootStore
from aichain.app.tx import DecodedTx
from aichain.modules.auth.keeper import Keeper as AuthKeeper
from aichain.modules.auth.module import AuthModule
from aichain.modules.auth.types import module_address
from aichain.modules.bank.keeper import Keeper as BankKeeper
from aichain.modules.bank.module import BankModule
from aichain.modules.distribution.hooks import DistributionHooks
from aichain.modules.distribution.keeper import MODULE as DISTRIBUTION
from aichain.modules.distribution.keeper import Keeper as DistributionKeeper
from aichain.modules.distribution.mint import MintModule
from aichain.modules.distribution.module import DistributionModule
from aichain.modules.slashing.hooks import SlashingHooks
from aichain.modules.slashing.keeper import Keeper as SlashingKeeper
from aichain.modules.slashing.module import SlashingModule
from aichain.modules.staking.gentx import GenutilModule
from aichain.modules.staking.hooks import MultiHooks
from aichain.modules.staking.keeper import Keeper as StakingKeeper
from aichain.modules.staking.module import StakingModule
from aichain.modules.staking.types import BONDED_POOL, NOT_BONDED_POOL

DEFAULT_CONFIG = AppConfig()
"""App settings when none are given (no minimum gas price: tests and benchmarks)."""

MODULE_ACCOUNTS = (FEE_COLLECTOR, BONDED_POOL, NOT_BONDED_POOL, DISTRIBUTION)
"""Module accounts; none of them may receive plain sends."""


def new_app(backend: BatchStore, config: AppConfig | None = None) -> BaseApp:
    """Builds the app over a store backend (RocksDB for nodes, memory for tests)."""
    config = config or DEFAULT_CONFIG
    auth_keeper = AuthKeeper()
    bank_keeper = BankKeeper(auth_keeper)
    blocked = frozenset(module_address(name) for name in MODULE_ACCOUNTS)
    staking_keeper = StakingKeeper(bank_keeper, auth_keeper)
    slashing_keeper = SlashingKeeper(staking_keeper)
    distribution_keeper = DistributionKeeper(staking_keeper, bank_keeper, auth_keeper)
    staking_keeper.set_hooks(
        MultiHooks([DistributionHooks(distribution_keeper), SlashingHooks(slashing_keeper)])
    )
    manager = ModuleManager(
        [
            AuthModule(auth_keeper),
            BankModule(bank_keeper, blocked),
            MintModule(bank_keeper, staking_keeper.get_last_total_power),
            DistributionModule(distribution_keeper, blocked),
            SlashingModule(slashing_keeper),
            StakingModule(staking_keeper),
            GenutilModule(auth_keeper, staking_keeper),
        ]
    )
    router = Router()
    manager.register(router)

    def ante(ctx: Context, tx: DecodedTx, verified: dict[bytes, tuple[int, ...]]) -> None:
        run_ante(ctx, tx, auth_keeper, bank_keeper, config.min_gas_prices, verified)

    return BaseApp(RootStore(backend), manager, router, ante, config)


def open_app(data_dir: Path, config: AppConfig | None = None) -> BaseApp:
    """The app over the RocksDB database in data_dir/application.db."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return new_app(RocksStore(data_dir / "application.db"), config)


def memory_app(config: AppConfig | None = None) -> BaseApp:
    """The app over an in-memory store (tests, benchmarks)."""
    return new_app(MemStore(), config)
