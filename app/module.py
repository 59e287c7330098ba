"""The module interface, module accounts, and the manager that runs modules in declared orders.

A module declares itself (`Module`): its name, the store key its keeper was issued (its own
name), its module accounts with their permissions, its messages and queries (`register`),
genesis, block steps and invariants. `app/app.py` builds the keepers, hands each module its
store key, and declares four orders, as the Cosmos SDK's `SetOrder*` does: genesis init,
genesis export, begin-block and end-block. The manager refuses an order that misses or
repeats a module, a module whose store key is not its own, and a module account declared
twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from aichain.app.context import Context
from aichain.app.router import Router
from aichain.app.store_keys import StoreKey

Invariant = Callable[[Context], str | None]
"""A check over state: None when it holds, else a description of what is broken."""

MINTER = "minter"
"""Permission of a module account to mint coins into itself."""

BURNER = "burner"
"""Permission of a module account to burn coins it holds."""

STAKING = "staking"
"""Permission of a module account to hold bonded or unbonding stake."""

PERMISSIONS = (MINTER, BURNER, STAKING)
"""Every permission a module account may be given (the Cosmos SDK's names)."""


@dataclass(frozen=True, slots=True)
class ModuleAccount:
    """An account a module owns, with what bank lets it do (the SDK's maccPerms entry)."""

    name: str
    permissions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = [p for p in self.permissions if p not in PERMISSIONS]
        if unknown:
            raise ValueError(
                f"module account {self.name}: unknown permissions {unknown} "
                f"(use {', '.join(PERMISSIONS)})"
            )


class Module(Protocol):
    """What a module declares and what the app runs."""

    name: str
    store_key: StoreKey | None
    """The key its keeper holds (issued under the module's own name); None if stateless."""
    module_accounts: tuple[ModuleAccount, ...]

    def register(self, router: Router) -> None:
        """Adds the module's message and query routes."""

    def default_genesis(self) -> dict[str, Any]:
        """The module's default genesis JSON."""

    def init_genesis(self, ctx: Context, data: dict[str, Any]) -> None:
        """Validates and imports genesis JSON."""

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        """Exports state as genesis JSON (export(init(g)) == g)."""

    def begin_block(self, ctx: Context) -> None:
        """Runs at the start of each block."""

    def end_block(self, ctx: Context) -> None:
        """Runs at the end of each block."""

    def invariants(self) -> Sequence[tuple[str, Invariant]]:
        """Named invariants to check."""


class BaseModule:
    """Defaults for the optional parts of a module; modules override what they use."""

    store_key: StoreKey | None = None
    module_accounts: ClassVar[tuple[ModuleAccount, ...]] = ()

    def begin_block(self, ctx: Context) -> None:
        """Nothing at begin-block."""

    def end_block(self, ctx: Context) -> None:
        """Nothing at end-block."""

    def invariants(self) -> Sequence[tuple[str, Invariant]]:
        """No invariants."""
        return ()


@dataclass(frozen=True, slots=True)
class Orders:
    """The module orders of the four lifecycle steps (module names)."""

    init_genesis: tuple[str, ...]
    export_genesis: tuple[str, ...]
    begin_block: tuple[str, ...]
    end_block: tuple[str, ...]


def check_orders(names: Sequence[str], orders: Orders) -> None:
    """Raises ValueError unless each order lists every module exactly once."""
    wanted = sorted(names)
    for step in ("init_genesis", "export_genesis", "begin_block", "end_block"):
        order = getattr(orders, step)
        repeated = sorted({n for n in order if order.count(n) > 1})
        missing = sorted(set(names) - set(order))
        unknown = sorted(set(order) - set(names))
        if repeated or missing or unknown:
            raise ValueError(
                f"{step} order must list each module exactly once ({', '.join(wanted)}): "
                f"repeated {repeated or 'none'}, missing {missing or 'none'}, "
                f"unknown {unknown or 'none'}"
            )


def collect_module_accounts(modules: Sequence[Module]) -> dict[str, tuple[str, ...]]:
    """Module account name -> permissions, over every module. Raises ValueError on a name
    declared twice."""
    owner: dict[str, str] = {}
    perms: dict[str, tuple[str, ...]] = {}
    for module in modules:
        for account in module.module_accounts:
            if account.name in owner:
                raise ValueError(
                    f"module account {account.name} declared by both {owner[account.name]} "
                    f"and {module.name}"
                )
            owner[account.name] = module.name
            perms[account.name] = account.permissions
    return dict(sorted(perms.items()))


class ModuleManager:
    """Runs modules' genesis and block steps in the declared orders (deterministic)."""

    def __init__(self, modules: Sequence[Module], orders: Orders | None = None) -> None:
        names = [m.name for m in modules]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate module names in {names}")
        for module in modules:
            key = module.store_key
            if key is not None and key.name != module.name:
                raise ValueError(
                    f"module {module.name} holds store key {key.name!r}, which is module "
                    f"{key.name}'s: a module's keeper gets its own store key only"
                )
        if orders is None:
            orders = Orders(*(tuple(names),) * 4)
        check_orders(names, orders)
        self.modules = tuple(modules)
        self.orders = orders
        self.module_accounts: Mapping[str, tuple[str, ...]] = collect_module_accounts(modules)
        by_name = {m.name: m for m in modules}
        self._by_name = by_name
        self._init = tuple(by_name[n] for n in orders.init_genesis)
        self._export = tuple(by_name[n] for n in orders.export_genesis)
        self._begin = tuple(by_name[n] for n in orders.begin_block)
        self._end = tuple(by_name[n] for n in orders.end_block)

    def module(self, name: str) -> Module:
        """The module named name. Raises KeyError."""
        return self._by_name[name]

    def register(self, router: Router) -> None:
        """Registers every module's routes."""
        for module in self.modules:
            module.register(router)

    def default_genesis(self) -> dict[str, Any]:
        """Default app_state: module name -> genesis JSON."""
        return {m.name: m.default_genesis() for m in self.modules}

    def init_genesis(self, ctx: Context, app_state: dict[str, Any]) -> None:
        """Imports each module's genesis (default when absent) in the init-genesis order."""
        unknown = sorted(set(app_state) - set(self._by_name))
        if unknown:
            raise ValueError(f"app_state has unknown modules: {', '.join(unknown)}")
        for module in self._init:
            module.init_genesis(ctx, app_state.get(module.name) or module.default_genesis())

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        """Every module's exported genesis, in the export order."""
        return {m.name: m.export_genesis(ctx) for m in self._export}

    def begin_block(self, ctx: Context) -> None:
        """Every module's begin-block step, in the begin-block order."""
        for module in self._begin:
            module.begin_block(ctx)

    def end_block(self, ctx: Context) -> None:
        """Every module's end-block step, in the end-block order."""
        for module in self._end:
            module.end_block(ctx)

    def check_invariants(self, ctx: Context) -> list[str]:
        """Descriptions of every broken invariant (empty when all hold)."""
        broken = []
        for module in self.modules:
            for name, check in module.invariants():
                problem = check(ctx)
                if problem is not None:
                    broken.append(f"{module.name}/{name}: {problem}")
        return broken
