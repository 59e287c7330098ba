"""Staking message handlers: stateful checks, then one keeper call each (and the message's
event)."""

from __future__ import annotations

from cosmos.base.v1beta1 import coin_pb2
from cosmos.staking.v1beta1 import tx_pb2

from aichain.app.authority import check_authority
from aichain.app.coins import parse_amount
from aichain.app.context import Context
from aichain.app.crypto import parse_account_address, parse_valoper_address
from aichain.app.dec import format_dec, parse_dec_wire
from aichain.modules.staking import events
from aichain.modules.staking.errors import (
    BadDenomError,
    CommissionGTMaxChangeRateError,
    CommissionGTMaxRateError,
    CommissionLTMinRateError,
    CommissionUpdateTimeError,
    MinSelfDelegationDecreasedError,
    SelfDelegationBelowMinimumError,
    ValidatorJailedError,
)
from aichain.modules.staking.keeper import Keeper
from aichain.modules.staking.msgs import compute_validated_rates, positive_coin, validated_params
from aichain.modules.staking.types import (
    DAY_NS,
    DO_NOT_MODIFY,
    Commission,
    Description,
    Validator,
    pubkey_from_any,
    ts,
)


def merge_description(old: Description, new: Description) -> Description:
    """new with every '[do-not-modify]' field taken from old."""
    fields = [
        o if n == DO_NOT_MODIFY else n
        for o, n in zip(
            (old.moniker, old.identity, old.website, old.security_contact, old.details),
            (new.moniker, new.identity, new.website, new.security_contact, new.details),
            strict=True,
        )
    ]
    return Description(*fields)


class MsgServer:
    """Executes staking messages."""

    def __init__(self, keeper: Keeper, authority: str) -> None:
        self.keeper = keeper
        self.authority = authority

    def _bond_amount(self, ctx: Context, coin: coin_pb2.Coin) -> int:
        """The amount of a coin that must be in the bond denom. Raises BadDenomError."""
        denom = self.keeper.get_params(ctx).bond_denom
        value = positive_coin(coin, "amount")
        if value.denom != denom:
            raise BadDenomError(f"got {value.denom}, expected the bond denom {denom}")
        return value.amount

    def create_validator(
        self, ctx: Context, msg: tx_pb2.MsgCreateValidator
    ) -> tx_pb2.MsgCreateValidatorResponse:
        """MsgCreateValidator: register the validator and its self-delegation.

        Raises CommissionLTMinRateError, ValidatorOwnerExistsError, ValidatorPubKeyExistsError,
        BadDenomError, InsufficientFundsError.
        """
        k = self.keeper
        op = parse_valoper_address(msg.validator_address)
        pubkey = pubkey_from_any(msg.pubkey)
        rate, max_rate, max_change = compute_validated_rates(msg.commission)
        min_rate = k.get_params(ctx).min_commission_rate
        if rate < min_rate:
            raise CommissionLTMinRateError(
                f"commission rate {format_dec(rate)} is below the chain minimum "
                f"{format_dec(min_rate)}"
            )
        validator = Validator(
            operator=op,
            pubkey=pubkey,
            commission=Commission(rate, max_rate, max_change, ctx.time_ns),
            description=Description.from_proto(msg.description),
            min_self_delegation=parse_amount(msg.min_self_delegation),
        )
        value = positive_coin(msg.value, "amount")
        k.create_validator(ctx, validator, value)
        events.emit_create_validator(ctx, msg.validator_address, value.amount, value.denom)
        return tx_pb2.MsgCreateValidatorResponse()

    def edit_validator(
        self, ctx: Context, msg: tx_pb2.MsgEditValidator
    ) -> tx_pb2.MsgEditValidatorResponse:
        """MsgEditValidator: description, commission rate, min self-delegation.

        Raises NoValidatorFoundError, CommissionUpdateTimeError, CommissionGTMaxRateError,
        CommissionGTMaxChangeRateError, CommissionLTMinRateError,
        MinSelfDelegationDecreasedError, SelfDelegationBelowMinimumError.
        """
        k = self.keeper
        validator = k.must_get_validator(ctx, parse_valoper_address(msg.validator_address))
        changes: dict[str, object] = {
            "description": merge_description(
                validator.description, Description.from_proto(msg.description)
            )
        }
        if msg.commission_rate:
            changes["commission"] = self._new_commission(
                ctx, validator.commission, parse_dec_wire(msg.commission_rate)
            )
        if msg.min_self_delegation:
            minimum = parse_amount(msg.min_self_delegation)
            if minimum < validator.min_self_delegation:
                raise MinSelfDelegationDecreasedError(
                    f"min self-delegation can only increase (now {validator.min_self_delegation})"
                )
            if minimum > validator.tokens:
                raise SelfDelegationBelowMinimumError(
                    f"min self-delegation {minimum} is above the validator's tokens "
                    f"{validator.tokens}"
                )
            changes["min_self_delegation"] = minimum
        k.set_validator(ctx, validator.replace(**changes))
        events.emit_edit_validator(ctx, msg.validator_address)
        return tx_pb2.MsgEditValidatorResponse()

    def _new_commission(self, ctx: Context, old: Commission, rate: int) -> Commission:
        """The commission with a new rate, if the rules allow the change now (the 24h rule is
        checked in DeliverTx only: CheckTx contexts carry no header time)."""
        if not ctx.is_check and ctx.time_ns - old.update_time_ns < DAY_NS:
            raise CommissionUpdateTimeError(
                "the commission rate changed less than 24h ago; try again after "
                f"{ts(old.update_time_ns + DAY_NS).ToJsonString()}"
            )
        if rate > old.max_rate:
            raise CommissionGTMaxRateError(
                f"rate {format_dec(rate)} is above the max rate {format_dec(old.max_rate)}"
            )
        if rate - old.rate > old.max_change_rate:
            raise CommissionGTMaxChangeRateError(
                f"rate may rise by at most {format_dec(old.max_change_rate)} per change"
            )
        min_rate = self.keeper.get_params(ctx).min_commission_rate
        if rate < min_rate:
            raise CommissionLTMinRateError(
                f"rate is below the chain minimum {format_dec(min_rate)}"
            )
        return Commission(rate, old.max_rate, old.max_change_rate, ctx.time_ns)

    def delegate(self, ctx: Context, msg: tx_pb2.MsgDelegate) -> tx_pb2.MsgDelegateResponse:
        """MsgDelegate. Raises NoValidatorFoundError, ValidatorJailedError, BadDenomError,
        InsufficientFundsError."""
        k = self.keeper
        validator = k.must_get_validator(ctx, parse_valoper_address(msg.validator_address))
        if validator.jailed:
            raise ValidatorJailedError(
                f"validator {msg.validator_address} is jailed; delegate to an active validator"
            )
        amount = self._bond_amount(ctx, msg.amount)
        k.delegate(ctx, parse_account_address(msg.delegator_address), amount, validator)
        events.emit_delegate(
            ctx, msg.validator_address, msg.delegator_address, amount, msg.amount.denom
        )
        return tx_pb2.MsgDelegateResponse()

    def undelegate(self, ctx: Context, msg: tx_pb2.MsgUndelegate) -> tx_pb2.MsgUndelegateResponse:
        """MsgUndelegate: tokens unbond until the unbonding period passes.

        Raises NoValidatorFoundError, NoDelegationError, InsufficientSharesError, BadDenomError,
        MaxUnbondingDelegationEntriesError.
        """
        k = self.keeper
        delegator = parse_account_address(msg.delegator_address)
        op = parse_valoper_address(msg.validator_address)
        amount = self._bond_amount(ctx, msg.amount)
        shares = k.shares_for_unbond(ctx, delegator, op, amount)
        completion, paid = k.undelegate(ctx, delegator, op, shares)
        events.emit_unbond(
            ctx, msg.validator_address, msg.delegator_address, paid, msg.amount.denom, completion
        )
        return tx_pb2.MsgUndelegateResponse(
            completion_time=ts(completion),
            amount=coin_pb2.Coin(denom=msg.amount.denom, amount=str(paid)),
        )

    def begin_redelegate(
        self, ctx: Context, msg: tx_pb2.MsgBeginRedelegate
    ) -> tx_pb2.MsgBeginRedelegateResponse:
        """MsgBeginRedelegate. Raises the errors of shares_for_unbond and begin_redelegation."""
        k = self.keeper
        delegator = parse_account_address(msg.delegator_address)
        src = parse_valoper_address(msg.validator_src_address)
        dst = parse_valoper_address(msg.validator_dst_address)
        amount = self._bond_amount(ctx, msg.amount)
        shares = k.shares_for_unbond(ctx, delegator, src, amount)
        completion = k.begin_redelegation(ctx, delegator, src, dst, shares)
        events.emit_redelegate(ctx, src, dst, delegator, amount, msg.amount.denom)
        return tx_pb2.MsgBeginRedelegateResponse(completion_time=ts(completion))

    def cancel_unbonding(
        self, ctx: Context, msg: tx_pb2.MsgCancelUnbondingDelegation
    ) -> tx_pb2.MsgCancelUnbondingDelegationResponse:
        """MsgCancelUnbondingDelegation. Raises BadDenomError and cancel_unbonding's errors."""
        amount = self._bond_amount(ctx, msg.amount)
        self.keeper.cancel_unbonding(
            ctx,
            parse_account_address(msg.delegator_address),
            parse_valoper_address(msg.validator_address),
            msg.creation_height,
            amount,
        )
        events.emit_cancel_unbonding_delegation(
            ctx,
            msg.validator_address,
            msg.delegator_address,
            amount,
            msg.amount.denom,
            msg.creation_height,
        )
        return tx_pb2.MsgCancelUnbondingDelegationResponse()

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
