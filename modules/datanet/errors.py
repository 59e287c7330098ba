"""Registered errors of the datanet module (codespace "datanet"; codes are never renumbered)."""

import grpc

from aichain.app.errors import AppError


class DatanetError(AppError, abstract=True):
    """Base of datanet errors."""

    codespace = "datanet"


class InvalidGenesisError(DatanetError):
    code = 2
    short = "invalid datanet genesis"


class InvalidParamsError(DatanetError):
    code = 3
    short = "invalid datanet params"


class InvalidDatanetError(DatanetError):
    code = 4
    short = "invalid datanet"


class DatanetNotFoundError(DatanetError):
    code = 5
    short = "datanet not found"
    grpc_status = grpc.StatusCode.NOT_FOUND


class RecordNotFoundError(DatanetError):
    code = 6
    short = "record not found"
    grpc_status = grpc.StatusCode.NOT_FOUND


class VersionNotFoundError(DatanetError):
    code = 7
    short = "version not found"
    grpc_status = grpc.StatusCode.NOT_FOUND


class DatanetClosedError(DatanetError):
    code = 8
    short = "datanet closed to contributions"


class RecordTooLargeError(DatanetError):
    code = 9
    short = "record too large"


class QuotaExceededError(DatanetError):
    code = 10
    short = "daily quota exceeded"


class DuplicateRecordError(DatanetError):
    code = 11
    short = "duplicate record"


class NotCuratorError(DatanetError):
    code = 12
    short = "not a curator"
    grpc_status = grpc.StatusCode.PERMISSION_DENIED


class NotOwnerError(DatanetError):
    code = 13
    short = "not the owner"
    grpc_status = grpc.StatusCode.PERMISSION_DENIED


class NotContributorError(DatanetError):
    code = 14
    short = "not the contributor"
    grpc_status = grpc.StatusCode.PERMISSION_DENIED


class InvalidRecordStatusError(DatanetError):
    code = 15
    short = "record is not in a state that allows this"


class EmptyVersionError(DatanetError):
    code = 16
    short = "empty version"


class RecordNotAcceptedError(DatanetError):
    code = 17
    short = "record not accepted"


class RecordNotInVersionError(DatanetError):
    code = 18
    short = "record not in version"
    grpc_status = grpc.StatusCode.NOT_FOUND


class RecordAlreadyInVersionError(DatanetError):
    code = 19
    short = "record already in the latest version"


class InvalidRecordError(DatanetError):
    code = 20
    short = "invalid record"


class AccessNotForSaleError(DatanetError):
    code = 21
    short = "access not for sale"


class NoContributorsError(DatanetError):
    code = 22
    short = "version has no contributors to pay"


class InvalidAmountError(DatanetError):
    code = 23
    short = "invalid amount"


class TooManyRecordsError(DatanetError):
    code = 24
    short = "too many records in one message"


class DuplicateEntryError(DatanetError):
    code = 25
    short = "duplicate entry in a list"


class NothingToClaimError(DatanetError):
    code = 26
    short = "nothing to claim"
