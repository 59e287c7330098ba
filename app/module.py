"""The module interface and the manager that runs modules in a fixed order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from aichain.app.context import Context
from aichain.app.router import Router

Invariant = Callable[[Context], str | None]
"""A check over state: None when it holds, else a description of what is broken."""


class Module(Protocol):
    """What the BaseApp needs from a module."""

    name: str

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
    """No-op defaults for the optional Module steps; modules override what they use."""

    def begin_block(self, ctx: Context) -> None:
        """Nothing at begin-block."""

    def end_block(self, ctx: Context) -> None:
        """Nothing at end-block."""

    def invariants(self) -> Sequence[tuple[str, Invariant]]:
        """No invariants."""
        return ()


class ModuleManager:
    """Runs modules' genesis and block steps in registration order (deterministic)."""

    def __init__(self, modules: Sequence[Module]) -> None:
        names = [m.name for m in modules]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate module names in {names}")
        self.modules = tuple(modules)

    def register(self, router: Router) -> None:
        """Registers every module's routes."""
        for module in self.modules:
            module.register(router)

    def default_genesis(self) -> dict[str, Any]:
        """Default app_state: module name -> genesis JSON."""
        return {m.name: m.default_genesis() for m in self.modules}

    def init_genesis(self, ctx: Context, app_state: dict[str, Any]) -> None:
        """Imports each module's genesis (default when absent)."""
        unknown = sorted(set(app_state) - {m.name for m in self.modules})
        if unknown:
            raise ValueError(f"app_state has unknown modules: {', '.join(unknown)}")
        for module in self.modules:
            module.init_genesis(ctx, app_state.get(module.name) or module.default_genesis())

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        """Every module's exported genesis."""
        return {m.name: m.export_genesis(ctx) for m in self.modules}

    def begin_block(self, ctx: Context) -> None:
        """Every module's begin-block step."""
        for module in self.modules:
            module.begin_block(ctx)

    def end_block(self, ctx: Context) -> None:
        """Every module's end-block step."""
        for module in self.modules:
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
