"""Wiring of the mint module."""

from __future__ import annotations

from typing import Any, ClassVar

from cosmos.mint.v1beta1 import tx_pb2

from aichain.app.context import Context
from aichain.app.module import MINTER, BaseModule, ModuleAccount
from aichain.app.router import Router
from aichain.modules.mint import genesis, msgs
from aichain.modules.mint.keeper import MODULE, Keeper
from aichain.modules.mint.msg_server import MsgServer
from aichain.modules.mint.query import QueryServer, register_queries


class MintModule(BaseModule):
    """Mints block provisions at begin-block and pays them to the fee collector."""

    name = "mint"
    module_accounts: ClassVar[tuple[ModuleAccount, ...]] = (ModuleAccount(MODULE, (MINTER,)),)

    def __init__(self, keeper: Keeper, authority: str) -> None:
        self.keeper = keeper
        self.store_key = keeper.store_key
        self.msg_server = MsgServer(keeper, authority)

    def register(self, router: Router) -> None:
        """Adds MsgUpdateParams and the mint queries."""
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
        """Default mint genesis."""
        return genesis.default_genesis()

    def init_genesis(self, ctx: Context, data: dict[str, Any]) -> None:
        """Imports mint genesis."""
        genesis.init_genesis(ctx, self.keeper, data)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        """Exports mint genesis."""
        return genesis.export_genesis(ctx, self.keeper)

    def begin_block(self, ctx: Context) -> None:
        """Mints this block's provision into the fee collector."""
        self.keeper.mint_block_provision(ctx)
