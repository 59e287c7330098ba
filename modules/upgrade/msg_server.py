"""Upgrade message handlers: stateful checks, then one keeper call each."""

from __future__ import annotations

from cosmos.upgrade.v1beta1 import tx_pb2

from aichain.app.authority import check_authority
from aichain.app.context import Context
from aichain.modules.upgrade.keeper import Keeper


class MsgServer:
    """Executes upgrade messages (governance proposals carry them)."""

    def __init__(self, keeper: Keeper, authority: str) -> None:
        self.keeper = keeper
        self.authority = authority

    def software_upgrade(
        self, ctx: Context, msg: tx_pb2.MsgSoftwareUpgrade
    ) -> tx_pb2.MsgSoftwareUpgradeResponse:
        """MsgSoftwareUpgrade. Raises UnauthorizedError, InvalidPlanError."""
        check_authority(self.authority, msg.authority)
        self.keeper.schedule(ctx, msg.plan)
        return tx_pb2.MsgSoftwareUpgradeResponse()

    def cancel_upgrade(
        self, ctx: Context, msg: tx_pb2.MsgCancelUpgrade
    ) -> tx_pb2.MsgCancelUpgradeResponse:
        """MsgCancelUpgrade. Raises UnauthorizedError, NoPlanError."""
        check_authority(self.authority, msg.authority)
        self.keeper.cancel(ctx)
        return tx_pb2.MsgCancelUpgradeResponse()
