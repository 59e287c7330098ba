"""Registered errors of the governance module (codespace "gov"; codes are never renumbered).

Codes 2-23 are the Cosmos SDK's x/gov codes, so clients that switch on them behave the same;
aichain's own (the model-vote track, params) start at 100.
"""

import grpc

from aichain.app.errors import AppError


class GovError(AppError, abstract=True):
    """Base of governance errors."""

    codespace = "gov"


class UnknownProposalError(GovError):
    code = 2
    short = "unknown proposal"
    grpc_status = grpc.StatusCode.NOT_FOUND


class InactiveProposalError(GovError):
    code = 3
    short = "inactive proposal"


class AlreadyActiveProposalError(GovError):
    code = 4
    short = "proposal already active"


class InvalidVoteError(GovError):
    code = 7
    short = "invalid vote option"


class InvalidGenesisError(GovError):
    code = 8
    short = "invalid genesis state"


class UnroutableProposalMsgError(GovError):
    code = 10
    short = "proposal message not recognized by router"


class NoProposalMsgsError(GovError):
    code = 11
    short = "no messages proposed"


class InvalidProposalMsgError(GovError):
    code = 12
    short = "invalid proposal message"


class InvalidSignerError(GovError):
    code = 13
    short = "expected gov account as only signer for proposal message"


class MetadataTooLongError(GovError):
    code = 15
    short = "metadata too long"


class MinDepositTooSmallError(GovError):
    code = 16
    short = "minimum deposit is too small"


class InvalidProposerError(GovError):
    code = 18
    short = "invalid proposer"
    grpc_status = grpc.StatusCode.PERMISSION_DENIED


class VotingPeriodEndedError(GovError):
    code = 20
    short = "voting period already ended"


class InvalidProposalError(GovError):
    code = 21
    short = "invalid proposal"


class SummaryTooLongError(GovError):
    code = 22
    short = "summary too long"


class InvalidDepositDenomError(GovError):
    code = 23
    short = "invalid deposit denom"


class InvalidParamsError(GovError):
    code = 100
    short = "invalid gov params"


class NotModelProposalError(GovError):
    code = 101
    short = "not a model-track proposal"
    grpc_status = grpc.StatusCode.NOT_FOUND


class RewardNotReadyError(GovError):
    code = 102
    short = "participation reward not ready"


class NoParticipationRewardError(GovError):
    code = 103
    short = "no participation reward"
    grpc_status = grpc.StatusCode.NOT_FOUND


class InvalidKeyError(GovError):
    code = 104
    short = "invalid gov store key"
