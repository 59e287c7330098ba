"""Registered errors of the staking module (codespace "staking"; the Cosmos SDK's codes where
it has one; codes are never renumbered)."""

import grpc

from aichain.app.errors import AppError


class StakingError(AppError, abstract=True):
    """Base of staking errors."""

    codespace = "staking"


class EmptyValidatorAddrError(StakingError):
    code = 2
    short = "empty validator address"


class NoValidatorFoundError(StakingError):
    code = 3
    short = "validator does not exist"
    grpc_status = grpc.StatusCode.NOT_FOUND


class ValidatorOwnerExistsError(StakingError):
    code = 4
    short = (
        "validator already exist for this operator address; must use new validator operator address"
    )


class ValidatorPubKeyExistsError(StakingError):
    code = 5
    short = "validator already exist for this pubkey; must use new validator pubkey"


class ValidatorPubKeyTypeNotSupportedError(StakingError):
    code = 6
    short = "validator pubkey type is not supported"


class ValidatorJailedError(StakingError):
    code = 7
    short = "validator for this address is currently jailed"


class CommissionNegativeError(StakingError):
    code = 9
    short = "commission must be positive"


class CommissionHugeError(StakingError):
    code = 10
    short = "commission cannot be more than 100%"


class CommissionGTMaxRateError(StakingError):
    code = 11
    short = "commission cannot be more than the max rate"


class CommissionUpdateTimeError(StakingError):
    code = 12
    short = "commission cannot be changed more than once in 24h"


class CommissionChangeRateNegativeError(StakingError):
    code = 13
    short = "commission change rate must be positive"


class CommissionChangeRateGTMaxRateError(StakingError):
    code = 14
    short = "commission change rate cannot be more than the max rate"


class CommissionGTMaxChangeRateError(StakingError):
    code = 15
    short = "commission cannot be changed more than max change rate"


class SelfDelegationBelowMinimumError(StakingError):
    code = 16
    short = "validator's self delegation must be greater than their minimum self delegation"


class MinSelfDelegationDecreasedError(StakingError):
    code = 17
    short = "minimum self delegation cannot be decrease"


class EmptyDelegatorAddrError(StakingError):
    code = 18
    short = "empty delegator address"


class NoDelegationError(StakingError):
    code = 19
    short = "no delegation for (address, validator) tuple"
    grpc_status = grpc.StatusCode.NOT_FOUND


class InsufficientSharesError(StakingError):
    code = 22
    short = "insufficient delegation shares"


class DelegatorShareExRateInvalidError(StakingError):
    code = 24
    short = "cannot delegate to validators with invalid (zero) ex-rate"


class NoUnbondingDelegationError(StakingError):
    code = 26
    short = "no unbonding delegation found"
    grpc_status = grpc.StatusCode.NOT_FOUND


class MaxUnbondingDelegationEntriesError(StakingError):
    code = 27
    short = "too many unbonding delegation entries for (delegator, validator) tuple"


class NoRedelegationError(StakingError):
    code = 28
    short = "no redelegation found"
    grpc_status = grpc.StatusCode.NOT_FOUND


class SelfRedelegationError(StakingError):
    code = 29
    short = "cannot redelegate to the same validator"


class TinyRedelegationAmountError(StakingError):
    code = 30
    short = "too few tokens to redelegate (truncates to zero tokens)"


class BadRedelegationDstError(StakingError):
    code = 31
    short = "redelegation destination validator not found"


class TransitiveRedelegationError(StakingError):
    code = 32
    short = (
        "redelegation to this validator already in progress; first redelegation to this "
        "validator must complete before next redelegation"
    )


class MaxRedelegationEntriesError(StakingError):
    code = 33
    short = "too many redelegation entries for (delegator, src-validator, dst-validator) tuple"


class EmptyValidatorPubKeyError(StakingError):
    code = 39
    short = "empty validator public key"


class CommissionLTMinRateError(StakingError):
    code = 40
    short = "commission cannot be less than min rate"


class BadDenomError(StakingError):
    code = 45
    short = "invalid coin denomination"


class EmptyDescriptionError(StakingError):
    code = 46
    short = "empty description"


class InvalidParamsError(StakingError):
    code = 47
    short = "invalid staking params"


class InvalidGenesisError(StakingError):
    code = 48
    short = "invalid staking genesis"


# code 49 (invalid genesis transaction) is retired: gentx errors are genutil's now. Never reuse.


class BadUnbondingEntryError(StakingError):
    code = 50
    short = "invalid unbonding entry to cancel"


class InvalidKeyError(StakingError):
    code = 51
    short = "invalid staking store key"
