"""Registered errors of the attribution module (codespace "attribution"; never renumbered)."""

import grpc

from aichain.app.errors import AppError


class AttributionError(AppError, abstract=True):
    """Base of attribution errors."""

    codespace = "attribution"


class InvalidGenesisError(AttributionError):
    code = 2
    short = "invalid attribution genesis"


class InvalidParamsError(AttributionError):
    code = 3
    short = "invalid attribution params"


class InvalidAmountError(AttributionError):
    code = 4
    short = "invalid amount"


class InvalidRequestError(AttributionError):
    code = 5
    short = "invalid inference request"


class ModelNotServableError(AttributionError):
    code = 6
    short = "model cannot be served"


class FeeBelowPriceError(AttributionError):
    code = 7
    short = "fee below the model's price"


class NoWorkerError(AttributionError):
    code = 8
    short = "no worker serves the model"


class RequestNotFoundError(AttributionError):
    code = 9
    short = "inference request not found"
    grpc_status = grpc.StatusCode.NOT_FOUND


class InvalidResultError(AttributionError):
    code = 10
    short = "invalid inference result"


class WrongChainError(AttributionError):
    code = 11
    short = "result or receipt signed for another chain"


class DuplicateResultError(AttributionError):
    code = 12
    short = "request already answered"


class RequestClosedError(AttributionError):
    code = 13
    short = "request no longer accepts results"


class NotAssignedError(AttributionError):
    code = 14
    short = "worker not assigned to the request"


class WorkerNotActiveError(AttributionError):
    code = 15
    short = "worker is not active"


class BadSignatureError(AttributionError):
    code = 16
    short = "signature does not verify"


class WeightsMismatchError(AttributionError):
    code = 17
    short = "weight hashes differ from the registry"


class RecordNotInProvenanceError(AttributionError):
    code = 18
    short = "attributed record outside the model's provenance"


class WeightsSumError(AttributionError):
    code = 19
    short = "attribution weights do not sum to 10^6"


class DuplicateRecordError(AttributionError):
    code = 20
    short = "record attributed twice"


class TooManyAttributionsError(AttributionError):
    code = 21
    short = "too many attributed records"


class TooManyResultsError(AttributionError):
    code = 22
    short = "too many results in one message"


class ReceiptReplayedError(AttributionError):
    code = 23
    short = "prepaid receipt nonce already spent"


class InsufficientPrepaidError(AttributionError):
    code = 24
    short = "prepaid balance too small"


class InvalidReceiptError(AttributionError):
    code = 25
    short = "invalid prepaid receipt"


class InferenceNotFoundError(AttributionError):
    code = 26
    short = "inference not found"
    grpc_status = grpc.StatusCode.NOT_FOUND


class ChallengeWindowClosedError(AttributionError):
    code = 27
    short = "challenge window closed"


class ChallengeBondTooSmallError(AttributionError):
    code = 28
    short = "challenge bond too small"


class NotChallengeableError(AttributionError):
    code = 29
    short = "inference cannot be challenged"


class NoCommitteeError(AttributionError):
    code = 30
    short = "no other worker serves the model to form a committee"


class DisputeNotFoundError(AttributionError):
    code = 31
    short = "dispute not found"
    grpc_status = grpc.StatusCode.NOT_FOUND


class NotCommitteeMemberError(AttributionError):
    code = 32
    short = "not a committee member"
    grpc_status = grpc.StatusCode.PERMISSION_DENIED


class WrongPhaseError(AttributionError):
    code = 33
    short = "not allowed in this dispute phase"


class AlreadyVotedError(AttributionError):
    code = 34
    short = "already committed or revealed"


class RevealMismatchError(AttributionError):
    code = 35
    short = "reveal does not match the commitment"


class NothingToClaimError(AttributionError):
    code = 36
    short = "nothing to claim"


class InvalidVoteError(AttributionError):
    code = 37
    short = "invalid vote"
