"""Staking messages (cosmos.staking.v1beta1): signers and stateless validate_basic."""

from __future__ import annotations

from cosmos.base.v1beta1 import coin_pb2
from cosmos.staking.v1beta1 import staking_pb2, tx_pb2

from aichain.app.coins import Coin, parse_amount, validate_denom
from aichain.app.crypto import parse_account_address, parse_valoper_address
from aichain.app.dec import ONE, parse_dec_wire
from aichain.app.errors import InvalidAddressError, InvalidCoinsError, InvalidRequestError
from aichain.modules.staking.errors import (
    CommissionChangeRateGTMaxRateError,
    CommissionChangeRateNegativeError,
    CommissionGTMaxRateError,
    CommissionHugeError,
    CommissionNegativeError,
    EmptyDescriptionError,
    EmptyValidatorPubKeyError,
    SelfDelegationBelowMinimumError,
)
from aichain.modules.staking.types import DO_NOT_MODIFY, pubkey_from_any

MSG_CREATE_VALIDATOR_URL = "/cosmos.staking.v1beta1.MsgCreateValidator"
"""Type URL of MsgCreateValidator."""

MSG_EDIT_VALIDATOR_URL = "/cosmos.staking.v1beta1.MsgEditValidator"
"""Type URL of MsgEditValidator."""

MSG_DELEGATE_URL = "/cosmos.staking.v1beta1.MsgDelegate"
"""Type URL of MsgDelegate."""

MSG_UNDELEGATE_URL = "/cosmos.staking.v1beta1.MsgUndelegate"
"""Type URL of MsgUndelegate."""

MSG_BEGIN_REDELEGATE_URL = "/cosmos.staking.v1beta1.MsgBeginRedelegate"
"""Type URL of MsgBeginRedelegate."""

MSG_CANCEL_UNBONDING_URL = "/cosmos.staking.v1beta1.MsgCancelUnbondingDelegation"
"""Type URL of MsgCancelUnbondingDelegation."""

DESCRIPTION_LIMITS = {
    "moniker": 70,
    "identity": 3000,
    "website": 140,
    "security_contact": 140,
    "details": 280,
}
"""Longest allowed description fields (the Cosmos SDK's limits)."""


def positive_coin(coin: coin_pb2.Coin, what: str) -> Coin:
    """A validated positive coin. Raises InvalidCoinsError."""
    validate_denom(coin.denom)
    amount = parse_amount(coin.amount)
    if amount <= 0:
        raise InvalidCoinsError(f"{what} must be positive, e.g. 1000000uaic")
    return Coin(coin.denom, amount)


def validate_description(d: staking_pb2.Description, allow_sentinel: bool = False) -> None:
    """Checks field lengths. Raises EmptyDescriptionError, InvalidRequestError."""
    if not allow_sentinel and not any(getattr(d, f) for f in DESCRIPTION_LIMITS):
        raise EmptyDescriptionError("give the validator a description (at least a moniker)")
    for field, limit in DESCRIPTION_LIMITS.items():
        value = getattr(d, field)
        if value != DO_NOT_MODIFY and len(value) > limit:
            raise InvalidRequestError(f"description {field} is longer than {limit} characters")


def compute_validated_rates(rates: staking_pb2.CommissionRates) -> tuple[int, int, int]:
    """(rate, max_rate, max_change_rate) atomics, checked as the Cosmos SDK checks them.

    Raises CommissionNegativeError, CommissionHugeError, CommissionGTMaxRateError,
    CommissionChangeRateNegativeError, CommissionChangeRateGTMaxRateError, InvalidRequestError.
    """
    rate = parse_dec_wire(rates.rate)
    max_rate = parse_dec_wire(rates.max_rate)
    max_change = parse_dec_wire(rates.max_change_rate)
    if max_rate < 0 or rate < 0:
        raise CommissionNegativeError("commission rates must not be negative")
    if max_rate > ONE:
        raise CommissionHugeError("max commission rate must be at most 1 (100%)")
    if rate > max_rate:
        raise CommissionGTMaxRateError("commission rate must not exceed the max rate")
    if max_change < 0:
        raise CommissionChangeRateNegativeError("max change rate must not be negative")
    if max_change > max_rate:
        raise CommissionChangeRateGTMaxRateError("max change rate must not exceed the max rate")
    return rate, max_rate, max_change


def validator_signer(msg: tx_pb2.MsgCreateValidator | tx_pb2.MsgEditValidator) -> tuple[bytes, ...]:
    """The operator signs (its valoper address as an account)."""
    return (parse_valoper_address(msg.validator_address),)


def delegator_signer(msg: object) -> tuple[bytes, ...]:
    """The delegator signs."""
    return (parse_account_address(msg.delegator_address),)  # type: ignore[attr-defined]


def validate_create_validator(msg: tx_pb2.MsgCreateValidator) -> None:
    """Stateless checks of MsgCreateValidator. Raises InvalidAddressError,
    EmptyValidatorPubKeyError, InvalidPubKeyError, InvalidCoinsError, EmptyDescriptionError,
    commission errors, SelfDelegationBelowMinimumError."""
    op = parse_valoper_address(msg.validator_address)
    if msg.delegator_address and parse_account_address(msg.delegator_address) != op:
        raise InvalidAddressError("delegator address must be the validator operator's account")
    if not msg.HasField("pubkey"):
        raise EmptyValidatorPubKeyError("give the consensus public key (ed25519)")
    pubkey_from_any(msg.pubkey)
    value = positive_coin(msg.value, "self-delegation")
    validate_description(msg.description)
    compute_validated_rates(msg.commission)
    minimum = parse_amount(msg.min_self_delegation) if msg.min_self_delegation else 0
    if minimum <= 0:
        raise InvalidRequestError("min self delegation must be a positive integer")
    if value.amount < minimum:
        raise SelfDelegationBelowMinimumError(
            f"self-delegation {value.amount} is below the minimum self-delegation {minimum}; "
            "delegate more or lower --min-self-delegation"
        )


def validate_edit_validator(msg: tx_pb2.MsgEditValidator) -> None:
    """Stateless checks of MsgEditValidator. Raises InvalidAddressError, InvalidRequestError,
    CommissionNegativeError, CommissionHugeError."""
    parse_valoper_address(msg.validator_address)
    validate_description(msg.description, allow_sentinel=True)
    if msg.commission_rate:
        rate = parse_dec_wire(msg.commission_rate)
        if rate < 0:
            raise CommissionNegativeError("commission rate must not be negative")
        if rate > ONE:
            raise CommissionHugeError("commission rate must be at most 1 (100%)")
    if msg.min_self_delegation and parse_amount(msg.min_self_delegation) <= 0:
        raise InvalidRequestError("min self delegation must be a positive integer")


def validate_delegate(msg: tx_pb2.MsgDelegate | tx_pb2.MsgUndelegate) -> None:
    """Addresses and a positive amount. Raises InvalidAddressError, InvalidCoinsError."""
    parse_account_address(msg.delegator_address)
    parse_valoper_address(msg.validator_address)
    positive_coin(msg.amount, "amount")


def validate_redelegate(msg: tx_pb2.MsgBeginRedelegate) -> None:
    """Addresses and a positive amount. Raises InvalidAddressError, InvalidCoinsError."""
    parse_account_address(msg.delegator_address)
    parse_valoper_address(msg.validator_src_address)
    parse_valoper_address(msg.validator_dst_address)
    positive_coin(msg.amount, "amount")


def validate_cancel_unbonding(msg: tx_pb2.MsgCancelUnbondingDelegation) -> None:
    """Addresses, a positive amount and height. Raises InvalidAddressError,
    InvalidCoinsError, InvalidRequestError."""
    validate_delegate(msg)  # type: ignore[arg-type]
    if msg.creation_height <= 0:
        raise InvalidRequestError("creation height must be positive")
