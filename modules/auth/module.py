"""Wiring of the auth module."""

from __future__ import annotations

from typing import Any

from aichain.app.context import Context
from aichain.app.module import BaseModule
from aichain.app.router import Router
from aichain.modules.auth import genesis
from aichain.modules.auth.keeper import Keeper
from aichain.modules.auth.query import QueryServer, register_queries


class AuthModule(BaseModule):
    """Accounts and their params; no messages of its own."""

    name = "auth"

    def __init__(self, keeper: Keeper) -> None:
        self.keeper = keeper

    def register(self, router: Router) -> None:
        """Adds the auth queries."""
        register_queries(router, QueryServer(self.keeper))

    def default_genesis(self) -> dict[str, Any]:
        """Default auth genesis."""
        return genesis.default_genesis()

    def init_genesis(self, ctx: Context, data: dict[str, Any]) -> None:
        """Imports auth genesis."""
        genesis.init_genesis(ctx, self.keeper, data)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        """Exports auth genesis."""
        return genesis.export_genesis(ctx, self.keeper)
