"""Registered errors of the bank module (codespace "bank"; codes are never renumbered)."""

from aichain.app.errors import AppError


class BankError(AppError, abstract=True):
    """Base of bank errors."""

    codespace = "bank"


class NoInputsError(BankError):
    code = 2
    short = "no inputs to send transaction"


class NoOutputsError(BankError):
    code = 3
    short = "no outputs to send transaction"


class InputOutputMismatchError(BankError):
    code = 4
    short = "sum inputs != sum outputs"


class SendDisabledError(BankError):
    code = 5
    short = "send transactions are disabled"


class DenomMetadataNotFoundError(BankError):
    code = 6
    short = "client denom metadata not found"


class InvalidKeyError(BankError):
    code = 7
    short = "invalid key"


class DuplicateEntryError(BankError):
    code = 8
    short = "duplicate entry"


class MultipleSendersError(BankError):
    code = 9
    short = "multiple senders not allowed"


class BlockedRecipientError(BankError):
    code = 10
    short = "recipient is a blocked module account"


class InvalidGenesisError(BankError):
    code = 11
    short = "invalid bank genesis"


class InvalidParamsError(BankError):
    code = 12
    short = "invalid bank params"
