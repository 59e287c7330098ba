"""Slashing message handlers: stateful checks, then one keeper call each."""

from __future__ import annotations

from cosmos.slashing.v1beta1 import tx_pb2

from aichain.app.authority import check_authority
from aichain.app.context import Context
from aichain.app.crypto import parse_valoper_address
from aichain.modules.slashing.keeper import Keeper
from aichain.modules.slashing.msgs import validated_params


class MsgServer:
    """Executes slashing messages."""

    def __init__(self, keeper: Keeper, authority: str) -> None:
        self.keeper = keeper
        self.authority = authority

    def unjail(self, ctx: Context, msg: tx_pb2.MsgUnjail) -> tx_pb2.MsgUnjailResponse:
        """MsgUnjail. Raises the errors of Keeper.unjail."""
        self.keeper.unjail(ctx, parse_valoper_address(msg.validator_addr))
        return tx_pb2.MsgUnjailResponse()

    def update_params(
        self, ctx: Context, msg: tx_pb2.MsgUpdateParams
    ) -> tx_pb2.MsgUpdateParamsResponse:
        """MsgUpdateParams: the authority (governance) replaces the params.

        Raises UnauthorizedError (any signer but the authority), InvalidParamsError (naming
        the field).
        """
        check_authority(self.authority, msg.authority)
        self.keeper.set_params(ctx, validated_params(msg.params))
        return tx_pb2.MsgUpdateParamsResponse()
