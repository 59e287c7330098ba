"""Registered errors of the modelreg module (codespace "modelreg"; never renumbered)."""

import grpc

from aichain.app.errors import AppError


class ModelregError(AppError, abstract=True):
    """Base of modelreg errors."""

    codespace = "modelreg"


class InvalidGenesisError(ModelregError):
    code = 2
    short = "invalid modelreg genesis"


class InvalidParamsError(ModelregError):
    code = 3
    short = "invalid modelreg params"


class InvalidModelError(ModelregError):
    code = 4
    short = "invalid model"


class ModelNotFoundError(ModelregError):
    code = 5
    short = "model not found"
    grpc_status = grpc.StatusCode.NOT_FOUND


class DatanetVersionNotFoundError(ModelregError):
    code = 6
    short = "datanet version not found"


class VersionRootMismatchError(ModelregError):
    code = 7
    short = "datanet version root mismatch"


class AccessNotMetError(ModelregError):
    code = 8
    short = "restricted datanet access terms not met"


class PriceOutOfBoundsError(ModelregError):
    code = 9
    short = "price outside governance bounds"


class InsufficientBondError(ModelregError):
    code = 10
    short = "worker bond too small"


class HotKeyIsOperatorError(ModelregError):
    code = 11
    short = "hot key equals the operator key"


class WorkerNotFoundError(ModelregError):
    code = 12
    short = "worker not found"
    grpc_status = grpc.StatusCode.NOT_FOUND


class WorkerExistsError(ModelregError):
    code = 13
    short = "worker already registered"


class InvalidStatusError(ModelregError):
    code = 14
    short = "not allowed in this status"


class NotOwnerError(ModelregError):
    code = 15
    short = "not the owner"
    grpc_status = grpc.StatusCode.PERMISSION_DENIED


class LineageTooDeepError(ModelregError):
    code = 16
    short = "adapter lineage too deep"


class DuplicateModelError(ModelregError):
    code = 17
    short = "weights already registered"


class ModelNotServableError(ModelregError):
    code = 18
    short = "model not servable by this worker"


class HotKeyInUseError(ModelregError):
    code = 19
    short = "hot key already used by a worker"


class InvalidHotKeyError(ModelregError):
    code = 20
    short = "invalid hot key"


class TooManyModelsError(ModelregError):
    code = 21
    short = "too many models"


class InvalidAmountError(ModelregError):
    code = 22
    short = "invalid amount"


class InvalidRankingError(ModelregError):
    code = 23
    short = "invalid model ranking"


class InvalidPriceBoundsError(ModelregError):
    code = 24
    short = "invalid price bounds"
