"""aichain's application: the modules, their keepers and the ante chain wired together.

Each module gets the store key of its own name and the keepers of the modules it uses (as
their narrow protocols). The four lifecycle orders are declared here, as the Cosmos SDK's
`SetOrder*`, and the manager checks that each lists every module once. The validator set
comes from staking: genesis validators (staking genesis or genutil gentxs) are returned from
InitChain, and set changes from each block's end-block. A genesis without staking
validators leaves CometBFT's genesis.json validators in charge.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from aichain.app.ante import run_ante
from aichain.app.authority import default_authority
from aichain.app.baseapp import AppConfig, BaseApp
from aichain.app.context import Context
from aichain.app.crypto import module_address
from aichain.app.module import Module, ModuleManager, Orders, collect_module_accounts
from aichain.app.router import Router
from aichain.app.store.memory import MemStore
from aichain.app.store.rocks import RocksStore
from aichain.app.store.root import BatchStore, RootStore
from aichain.app.store_keys import StoreKey, StoreKeys
from aichain.app.tx import DecodedTx
from aichain.modules.attribution.keeper import Keeper as AttributionKeeper
from aichain.modules.attribution.module import AttributionModule
from aichain.modules.auth.keeper import Keeper as AuthKeeper
from aichain.modules.auth.module import AuthModule
from aichain.modules.bank.keeper import Keeper as BankKeeper
from aichain.modules.bank.module import BankModule
from aichain.modules.datanet.keeper import Keeper as DatanetKeeper
from aichain.modules.datanet.module import DatanetModule
from aichain.modules.distribution.hooks import DistributionHooks
from aichain.modules.distribution.keeper import Keeper as DistributionKeeper
from aichain.modules.distribution.module import DistributionModule
from aichain.modules.genutil.module import GenutilModule
from aichain.modules.gov.keeper import Keeper as GovKeeper
from aichain.modules.gov.module import GovModule
from aichain.modules.mint.keeper import Keeper as MintKeeper
from aichain.modules.mint.module import MintModule
from aichain.modules.modelreg.keeper import Keeper as ModelregKeeper
from aichain.modules.modelreg.module import ModelregModule
from aichain.modules.slashing.hooks import SlashingHooks
from aichain.modules.slashing.keeper import Keeper as SlashingKeeper
from aichain.modules.slashing.module import SlashingModule
from aichain.modules.staking.hooks import MultiHooks
from aichain.modules.staking.keeper import Keeper as StakingKeeper
from aichain.modules.staking.module import StakingModule
from aichain.modules.upgrade.keeper import Keeper as UpgradeKeeper
from aichain.modules.upgrade.keeper import UpgradeHandler
from aichain.modules.upgrade.module import UpgradeModule

DEFAULT_CONFIG = AppConfig()
"""App settings when none are given (no minimum gas price: tests and benchmarks)."""

ORDERS = Orders(
    # genutil last: its gentxs need accounts, balances and staking params in place.
    init_genesis=(
        "upgrade",
        "auth",
        "bank",
        "mint",
        "distribution",
        "slashing",
        "staking",
        "datanet",
        "modelreg",
        "attribution",
        "gov",
        "genutil",
    ),
    export_genesis=(
        "upgrade",
        "auth",
        "bank",
        "mint",
        "distribution",
        "slashing",
        "staking",
        "datanet",
        "modelreg",
        "attribution",
        "gov",
        "genutil",
    ),
    # upgrade first: at a plan's height nothing else may run on an out-of-date binary;
    # mint before distribution: distribution pays out this block's provision with the fees.
    begin_block=(
        "upgrade",
        "mint",
        "distribution",
        "slashing",
        "staking",
        "auth",
        "bank",
        "genutil",
        "datanet",
        "modelreg",
        "attribution",
        "gov",
    ),
    # staking last: it hands CometBFT the validator set after every change of the block;
    # gov before it, so a staking change a proposal executes is in force for that set.
    end_block=(
        "upgrade",
        "auth",
        "bank",
        "mint",
        "distribution",
        "slashing",
        "genutil",
        "datanet",
        "modelreg",
        "attribution",
        "gov",
        "staking",
    ),
)
"""The module orders of genesis import and export, begin-block and end-block."""

UPGRADE_HANDLERS: dict[str, UpgradeHandler] = {}
"""Upgrade name -> what this binary runs at that upgrade's height (its state migrations). A
binary built for an upgrade registers it here; without one, the node halts at the height."""

MODULE_ACCOUNTS = collect_module_accounts(
    [  # type: ignore[list-item]
        AuthModule,
        BankModule,
        MintModule,
        DistributionModule,
        StakingModule,
        DatanetModule,
        ModelregModule,
        AttributionModule,
        GovModule,
    ]
)
"""Every module account and its permissions (the SDK's maccPerms), from the declarations."""


@dataclass(frozen=True, slots=True)
class AppKeepers:
    """The keepers a module added to the app may be handed (it declares what it uses of them
    in its own expected.py)."""

    auth: AuthKeeper
    bank: BankKeeper
    staking: StakingKeeper
    distribution: DistributionKeeper


ModuleFactory = Callable[[StoreKey, AppKeepers, str], Module]
"""Builds one more module from its issued store key, the app's keepers and the authority."""


def new_app(
    backend: BatchStore,
    config: AppConfig | None = None,
    authority: str | None = None,
    extra_modules: Sequence[tuple[str, ModuleFactory]] = (),
) -> BaseApp:
    """Builds the app over a store backend (RocksDB for nodes, memory for tests).

    authority: who may change params (default: the governance module account).
    extra_modules: (name, factory) of modules wired in by their declaration alone: each gets
    the store key of its name; it runs after the modules above in every order (before
    staking at end-block, so the validator set still comes last)."""
    config = config or DEFAULT_CONFIG
    authority = authority or default_authority()
    keys = StoreKeys()
    accounts = dict(MODULE_ACCOUNTS)  # extra modules' accounts join below
    auth = AuthKeeper(keys.issue("auth"), accounts)
    bank = BankKeeper(keys.issue("bank"), auth)
    staking = StakingKeeper(keys.issue("staking"), bank, auth)
    slashing = SlashingKeeper(keys.issue("slashing"), staking)
    distribution = DistributionKeeper(keys.issue("distribution"), staking, bank, auth)
    mint = MintKeeper(keys.issue("mint"), bank, staking)
    datanet = DatanetKeeper(keys.issue("datanet"), bank, auth)
    modelreg = ModelregKeeper(keys.issue("modelreg"), bank, auth, datanet)
    gov = GovKeeper(keys.issue("gov"), auth, bank, staking, distribution)
    attribution = AttributionKeeper(  # a share of each fee funds gov's participation pool
        keys.issue("attribution"), bank, auth, distribution, datanet, modelreg, gov.participation
    )
    upgrade = UpgradeKeeper(keys.issue("upgrade"), UPGRADE_HANDLERS)
    staking.set_hooks(MultiHooks([DistributionHooks(distribution), SlashingHooks(slashing)]))
    keepers = AppKeepers(auth, bank, staking, distribution)
    extra = [factory(keys.issue(name), keepers, authority) for name, factory in extra_modules]
    accounts.update(collect_module_accounts(extra))
    blocked = frozenset(module_address(name) for name in accounts)
    modules: list[Module] = [
        AuthModule(auth, authority),
        BankModule(bank, blocked, authority),
        MintModule(mint, authority),
        DistributionModule(distribution, blocked, authority),
        SlashingModule(slashing, authority),
        StakingModule(staking, authority),
        GenutilModule(auth, staking),
        DatanetModule(datanet, authority),
        ModelregModule(modelreg, authority),
        AttributionModule(attribution, authority),
        GovModule(gov, authority),
        UpgradeModule(upgrade, authority, ORDERS.init_genesis),
        *extra,
    ]
    manager = ModuleManager(modules, with_extra_modules(ORDERS, [m.name for m in extra]))
    router = Router()
    manager.register(router)

    def ante(ctx: Context, tx: DecodedTx, verified: dict[bytes, tuple[int, ...]]) -> None:
        run_ante(ctx, tx, auth, bank, config.min_gas_prices, verified)

    return BaseApp(RootStore(backend), manager, router, ante, config, keys)


def with_extra_modules(orders: Orders, names: Sequence[str]) -> Orders:
    """orders with names appended (at end-block: before staking's validator-set step)."""
    extra = tuple(names)
    end = tuple(n for n in orders.end_block if n != "staking") + extra + ("staking",)
    return Orders(
        orders.init_genesis + extra,
        orders.export_genesis + extra,
        orders.begin_block + extra,
        end,
    )


def open_app(data_dir: Path, config: AppConfig | None = None) -> BaseApp:
    """The app over the RocksDB database in data_dir/application.db."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return new_app(RocksStore(data_dir / "application.db"), config)


def memory_app(config: AppConfig | None = None) -> BaseApp:
    """The app over an in-memory store (tests, benchmarks)."""
    return new_app(MemStore(), config)
