"""aichain's application: the modules, their keepers and the ante chain wired together.

Until the staking module lands, the validator set is the genesis's CometBFT validator: the
app returns no validator updates (see BaseApp.finalize_block).
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

DEFAULT_CONFIG = AppConfig()
"""App settings when none are given (no minimum gas price: tests and benchmarks)."""

MODULE_ACCOUNTS = (FEE_COLLECTOR,)
"""Module accounts; none of them may receive plain sends."""


def new_app(backend: BatchStore, config: AppConfig | None = None) -> BaseApp:
    """Builds the app over a store backend (RocksDB for nodes, memory for tests)."""
    config = config or DEFAULT_CONFIG
    auth_keeper = AuthKeeper()
    bank_keeper = BankKeeper(auth_keeper)
    blocked = frozenset(module_address(name) for name in MODULE_ACCOUNTS)
    manager = ModuleManager([AuthModule(auth_keeper), BankModule(bank_keeper, blocked)])
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
