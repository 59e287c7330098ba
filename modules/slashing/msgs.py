"""Slashing messages (cosmos.slashing.v1beta1): signers, validate_basic and the handler."""

from __future__ import annotations

from cosmos.slashing.v1beta1 import tx_pb2

from aichain.app.context import Context
from aichain.app.crypto import parse_valoper_address
from aichain.modules.slashing.keeper import Keeper

MSG_UNJAIL_URL = "/cosmos.slashing.v1beta1.MsgUnjail"
"""Type URL of MsgUnjail."""


def unjail_signers(msg: tx_pb2.MsgUnjail) -> tuple[bytes, ...]:
    """The operator signs (its valoper address as an account)."""
    return (parse_valoper_address(msg.validator_addr),)


def validate_unjail(msg: tx_pb2.MsgUnjail) -> None:
    """Raises InvalidAddressError unless validator_addr is an aicvaloper address."""
    parse_valoper_address(msg.validator_addr)


class MsgServer:
    """Executes slashing messages."""

    def __init__(self, keeper: Keeper) -> None:
        self.keeper = keeper

    def unjail(self, ctx: Context, msg: tx_pb2.MsgUnjail) -> tx_pb2.MsgUnjailResponse:
        """MsgUnjail. Raises the errors of Keeper.unjail."""
        self.keeper.unjail(ctx, parse_valoper_address(msg.validator_addr))
        return tx_pb2.MsgUnjailResponse()
