"""Wiring of the upgrade module."""

from __future__ import annotations

from typing import Any

from cosmos.upgrade.v1beta1 import tx_pb2

from aichain.app.context import Context
from aichain.app.module import BaseModule
from aichain.app.router import Router
from aichain.modules.upgrade import genesis, msgs
from aichain.modules.upgrade.keeper import Keeper
from aichain.modules.upgrade.msg_server import MsgServer
from aichain.modules.upgrade.query import QueryServer, register_queries


class UpgradeModule(BaseModule):
    """Software-upgrade plans: scheduled by governance, halting the node at their height
    unless this binary carries the plan's handler."""

    name = "upgrade"

    def __init__(self, keeper: Keeper, authority: str, module_names: tuple[str, ...]) -> None:
        self.keeper = keeper
        self.store_key = keeper.store_key
        self.authority = authority
        self.module_names = module_names
        self.msg_server = MsgServer(keeper, authority)

    def register(self, router: Router) -> None:
        """Adds MsgSoftwareUpgrade, MsgCancelUpgrade and the upgrade queries."""
        server = self.msg_server
        router.add_msgs(
            self.name,
            [
                (
                    msgs.MSG_SOFTWARE_UPGRADE_URL,
                    tx_pb2.MsgSoftwareUpgrade,
                    msgs.authority_signer,
                    msgs.validate_software_upgrade,
                    server.software_upgrade,
                ),
                (
                    msgs.MSG_CANCEL_UPGRADE_URL,
                    tx_pb2.MsgCancelUpgrade,
                    msgs.authority_signer,
                    msgs.validate_cancel_upgrade,
                    server.cancel_upgrade,
                ),
            ],
        )
        register_queries(router, QueryServer(self.keeper, self.authority, self.module_names))

    def default_genesis(self) -> dict[str, Any]:
        """No plan."""
        return genesis.default_genesis()

    def init_genesis(self, ctx: Context, data: dict[str, Any]) -> None:
        """Imports the plan and the applied upgrades."""
        genesis.init_genesis(ctx, self.keeper, data)

    def export_genesis(self, ctx: Context) -> dict[str, Any]:
        """The plan and the applied upgrades."""
        return genesis.export_genesis(ctx, self.keeper)

    def begin_block(self, ctx: Context) -> None:
        """At a plan's height: apply it or halt (first in the begin-block order)."""
        self.keeper.process_plan(ctx)
