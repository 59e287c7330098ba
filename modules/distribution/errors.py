"""Registered errors of the distribution module (codespace "distribution"; the Cosmos SDK's
codes; never renumbered)."""

import grpc

from aichain.app.errors import AppError


class DistributionError(AppError, abstract=True):
    """Base of distribution errors."""

    codespace = "distribution"


class NoValidatorCommissionError(DistributionError):
    code = 7
    short = "no validator commission to withdraw"


class SetWithdrawAddrDisabledError(DistributionError):
    code = 8
    short = "set withdraw address disabled"


class NoValidatorExistsError(DistributionError):
    code = 12
    short = "validator does not exist"
    grpc_status = grpc.StatusCode.NOT_FOUND


class NoDelegationExistsError(DistributionError):
    code = 13
    short = "delegation does not exist"
    grpc_status = grpc.StatusCode.NOT_FOUND


class InvalidGenesisError(DistributionError):
    code = 14
    short = "invalid distribution genesis"


class InvalidParamsError(DistributionError):
    code = 15
    short = "invalid distribution params"
