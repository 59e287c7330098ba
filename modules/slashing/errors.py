"""Registered errors of the slashing module (codespace "slashing"; the Cosmos SDK's codes where
it has one; codes are never renumbered)."""

from aichain.app.errors import AppError


class SlashingError(AppError, abstract=True):
    """Base of slashing errors."""

    codespace = "slashing"


class NoValidatorForAddressError(SlashingError):
    code = 2
    short = "address is not associated with any known validator"


class BadValidatorAddrError(SlashingError):
    code = 3
    short = "validator does not exist for that address"


class ValidatorJailedError(SlashingError):
    code = 4
    short = "validator still jailed; cannot be unjailed"


class ValidatorNotJailedError(SlashingError):
    code = 5
    short = "validator not jailed; cannot be unjailed"


class MissingSelfDelegationError(SlashingError):
    code = 6
    short = "validator has no self-delegation; cannot be unjailed"


class SelfDelegationTooLowToUnjailError(SlashingError):
    code = 7
    short = "validator's self delegation less than minimum; cannot be unjailed"


class NoSigningInfoFoundError(SlashingError):
    code = 8
    short = "no validator signing info found"


class ValidatorTombstonedError(SlashingError):
    code = 9
    short = "validator is tombstoned for double signing; it can never be unjailed"


class InvalidGenesisError(SlashingError):
    code = 10
    short = "invalid slashing genesis"


class InvalidParamsError(SlashingError):
    code = 11
    short = "invalid slashing params"


class InvalidKeyError(SlashingError):
    code = 12
    short = "invalid slashing store key"
