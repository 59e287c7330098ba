"""Staking messages (cosmos.staking.v1beta1): signers and stateless validate_basic."""

from __future__ import annotations

from cosmos.base.v1beta1 import coin_pb2
from cosmos.staking.v1beta1 import staking_pb2, tx_pb2

from aichain.app.coins import Coin, parse_amount, validate_denom
from aichain.app.crypto import parse_account_address, parse_valoper_address
from aichain.app.dec import ONE, format_dec, parse_dec_wire
from aichain.app.errors import (
    AppError,
    InvalidAddressError,
    InvalidCoinsError,
    InvalidRequestError,
)
from aichain.modules.staking.errors import (
    CommissionChangeRateGTMaxRateError,
    CommissionChangeRateNegativeError,
    CommissionGTMaxRateError,
    CommissionHugeError,
    CommissionNegativeError,
    EmptyDescriptionError,
    EmptyValidatorPubKeyError,
    InvalidParamsError,
    SelfDelegationBelowMinimumError,
)
from aichain.modules.staking.types import DO_NOT_MODIFY, Params, pubkey_from_any

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

MSG_UPDATE_PARAMS_URL = "/cosmos.staking.v1beta1.MsgUpdateParams"
"""Type URL of MsgUpdateParams."""

MAX_DURATION_NS = 2**63 - 1
"""Longest duration a param may hold (Go's time.Duration, which the Cosmos SDK uses)."""

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


DelegatorMsg = (
    tx_pb2.MsgDelegate
    | tx_pb2.MsgUndelegate
    | tx_pb2.MsgBeginRedelegate
    | tx_pb2.MsgCancelUnbondingDelegation
)
"""The messages a delegator signs."""


def delegator_signer(msg: DelegatorMsg) -> tuple[bytes, ...]:
    """The delegator signs."""
    return (parse_account_address(msg.delegator_address),)


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


def validate_delegate(
    msg: tx_pb2.MsgDelegate | tx_pb2.MsgUndelegate | tx_pb2.MsgCancelUnbondingDelegation,
) -> None:
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
    validate_delegate(msg)
    if msg.creation_height <= 0:
        raise InvalidRequestError("creation height must be positive")


def format_duration(ns: int) -> str:
    """A duration of nanoseconds as text: whole seconds as '600s', else '1500ns' (any value,
    valid Duration or not)."""
    return f"{ns // 10**9}s" if ns % 10**9 == 0 else f"{ns}ns"


def authority_signer(msg: tx_pb2.MsgUpdateParams) -> tuple[bytes, ...]:
    """The authority signs."""
    return (parse_account_address(msg.authority),)


def validate_update_params(msg: tx_pb2.MsgUpdateParams) -> None:
    """Stateless checks of MsgUpdateParams: the authority is an address and params are given
    (each field is checked by the handler, after the authority). Raises InvalidAddressError,
    InvalidParamsError."""
    parse_account_address(msg.authority)
    if not msg.HasField("params"):
        raise InvalidParamsError("params must be given (every field: the whole new params)")


def validated_params(p: staking_pb2.Params) -> Params:
    """Params of their proto form (decimals as wire atomics), every field checked.

    Raises InvalidParamsError naming the first field out of range.
    """
    unbonding_ns = p.unbonding_time.seconds * 10**9 + p.unbonding_time.nanos
    if unbonding_ns <= 0:
        raise InvalidParamsError(
            f"params.unbonding_time must be positive, got {format_duration(unbonding_ns)}"
        )
    if unbonding_ns > MAX_DURATION_NS:
        raise InvalidParamsError(
            f"params.unbonding_time must be below {MAX_DURATION_NS // 10**9}s, got "
            f"{format_duration(unbonding_ns)}"
        )
    if p.max_validators <= 0:
        raise InvalidParamsError(f"params.max_validators must be positive, got {p.max_validators}")
    if p.max_entries <= 0:
        raise InvalidParamsError(f"params.max_entries must be positive, got {p.max_entries}")
    try:
        validate_denom(p.bond_denom)
    except InvalidCoinsError as exc:
        raise InvalidParamsError(f"params.bond_denom: {exc.message}") from None
    try:
        rate = parse_dec_wire(p.min_commission_rate)
    except AppError as exc:
        raise InvalidParamsError(f"params.min_commission_rate: {exc.message}") from None
    if not 0 <= rate <= ONE:
        raise InvalidParamsError(
            f"params.min_commission_rate must be within [0, 1], got {format_dec(rate)}"
        )
    return Params(
        unbonding_ns, p.max_validators, p.max_entries, p.historical_entries, p.bond_denom, rate
    )
