"""Distribution messages (cosmos.distribution.v1beta1): type URLs, signers, validate_basic."""

from __future__ import annotations

from cosmos.distribution.v1beta1 import tx_pb2

from aichain.app.authority import authority_signers, validate_authority_msg
from aichain.app.coins import coins_from_proto
from aichain.app.crypto import parse_account_address, parse_valoper_address

URL = "/cosmos.distribution.v1beta1."
"""Type URL prefix of the distribution messages."""

MSG_UPDATE_PARAMS_URL = URL + "MsgUpdateParams"
"""Type URL of MsgUpdateParams."""


def delegator_signer(
    msg: tx_pb2.MsgSetWithdrawAddress | tx_pb2.MsgWithdrawDelegatorReward,
) -> tuple[bytes, ...]:
    """The delegator signs."""
    return (parse_account_address(msg.delegator_address),)


def validate_set_withdraw_address(msg: tx_pb2.MsgSetWithdrawAddress) -> None:
    """Raises InvalidAddressError."""
    parse_account_address(msg.delegator_address)
    parse_account_address(msg.withdraw_address)


def validate_withdraw_rewards(msg: tx_pb2.MsgWithdrawDelegatorReward) -> None:
    """Raises InvalidAddressError."""
    parse_account_address(msg.delegator_address)
    parse_valoper_address(msg.validator_address)


def commission_signer(msg: tx_pb2.MsgWithdrawValidatorCommission) -> tuple[bytes, ...]:
    """The operator signs."""
    return (parse_valoper_address(msg.validator_address),)


def validate_withdraw_commission(msg: tx_pb2.MsgWithdrawValidatorCommission) -> None:
    """Raises InvalidAddressError."""
    parse_valoper_address(msg.validator_address)


def depositor_signer(msg: tx_pb2.MsgFundCommunityPool) -> tuple[bytes, ...]:
    """The depositor signs."""
    return (parse_account_address(msg.depositor),)


def validate_fund_pool(msg: tx_pb2.MsgFundCommunityPool) -> None:
    """Raises InvalidAddressError, InvalidCoinsError."""
    parse_account_address(msg.depositor)
    coins_from_proto(msg.amount, allow_empty=False)


authority_signer = authority_signers
"""The authority (the governance module account) signs pool spends and params updates."""


def validate_pool_spend(msg: tx_pb2.MsgCommunityPoolSpend) -> None:
    """Raises InvalidAddressError, InvalidCoinsError."""
    parse_account_address(msg.authority)
    parse_account_address(msg.recipient)
    coins_from_proto(msg.amount, allow_empty=False)


validate_update_params = validate_authority_msg
"""The authority is an address and params are given (each field is checked statefully)."""
