"""Upgrade messages (cosmos.upgrade.v1beta1), signed by the authority."""

from __future__ import annotations

from cosmos.upgrade.v1beta1 import tx_pb2

from aichain.app.authority import authority_signers
from aichain.app.crypto import parse_account_address
from aichain.app.errors import InvalidRequestError

MSG_SOFTWARE_UPGRADE_URL = "/cosmos.upgrade.v1beta1.MsgSoftwareUpgrade"
"""Type URL of MsgSoftwareUpgrade."""

MSG_CANCEL_UPGRADE_URL = "/cosmos.upgrade.v1beta1.MsgCancelUpgrade"
"""Type URL of MsgCancelUpgrade."""

authority_signer = authority_signers
"""The authority (the governance module account) signs both messages."""


def validate_software_upgrade(msg: tx_pb2.MsgSoftwareUpgrade) -> None:
    """Raises InvalidAddressError, InvalidRequestError (the plan is checked statefully)."""
    parse_account_address(msg.authority)
    if not msg.HasField("plan"):
        raise InvalidRequestError("MsgSoftwareUpgrade carries no plan")


def validate_cancel_upgrade(msg: tx_pb2.MsgCancelUpgrade) -> None:
    """Raises InvalidAddressError."""
    parse_account_address(msg.authority)
