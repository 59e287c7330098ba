"""Wiring of the auth module."""

from __future__ import annotations

from typing import Any, ClassVar

from cosmos.auth.v1beta1 import tx_pb2

from aichain.app.ante import FEE_COLLECTOR
from aichain.app.context import Context
from aichain.app.module import BaseModule, ModuleAccount
from aichain.app.router import Router
from aichain.modules.auth import genesis, msgs
from aichain.modules.auth.keeper import Keeper
from aichain.modules.auth.msg_server import MsgServer
from aichain.modules.auth.query import QueryServer, register_queries


class AuthModule(BaseModule):
    """Accounts, module accounts and auth params."""

    name = "auth"
    module_accounts: ClassVar[tuple[ModuleAccount, ...]] = (ModuleAccount(FEE_COLLECTOR),)

    def __init__(self, keeper: Keeper, authority: str) -> None:
        self.keeper = keeper
        self.store_key = keeper.store_key
        self.msg_server = MsgServer(keeper, authority)

    def register(self, router: Router) -> None:
        """Adds MsgUpdateParams and the auth queries."""
        router.add_msgs(
            self.name,
            [
                (
                    msgs.MSG_UPDATE_PARAMS_URL,
                    tx_pb2.MsgUpdateParams,
                    msgs.update_params_signers,
                    msgs.validate_update_params,
                    self.msg_server.update_params,
                )
            ],
        )
        register_queries(router, QueryServer(self.keeper))

    def default_genesis(self) -> dict[str, Any]:
        """Default auth genesis."""
        return genesis.default_genesis()

    def init_genesis(self, ctx: Context, data: dict[str, Any]) -> None:
        """Imports auth genesis, then creates every declared module account."""
        genesis.init_genesis(ctx, self.keeper, data)
        self.keeper.create_module_accounts(ctx)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        """Exports auth genesis."""
        return genesis.export_genesis(ctx, self.keeper)
