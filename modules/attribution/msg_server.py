"""Attribution message handlers: stateful checks, then one keeper call each."""

from __future__ import annotations

from aichain.app.authority import check_authority
from aichain.app.context import Context
from aichain.app.crypto import parse_account_address
from aichain.attribution.v1 import tx_pb2
from aichain.modules.attribution.keeper import Keeper
from aichain.modules.attribution.types import Params, parse_amount


class MsgServer:
    """Executes attribution messages."""

    def __init__(self, keeper: Keeper, authority: str) -> None:
        self.keeper = keeper
        self.authority = authority

    def request_inference(
        self, ctx: Context, msg: tx_pb2.MsgRequestInference
    ) -> tx_pb2.MsgRequestInferenceResponse:
        """MsgRequestInference. Raises what Keeper.request_inference raises."""
        request_id, worker, fee = self.keeper.request_inference(
            ctx, parse_account_address(msg.requester), msg
        )
        return tx_pb2.MsgRequestInferenceResponse(
            request_id=request_id, assigned_worker=worker, fee=str(fee)
        )

    def submit_inference(
        self, ctx: Context, msg: tx_pb2.MsgSubmitInference
    ) -> tx_pb2.MsgSubmitInferenceResponse:
        """MsgSubmitInference (one result or a batch). Raises what Results.submit raises."""
        ids = self.keeper.submit_results(ctx, msg.results)
        return tx_pb2.MsgSubmitInferenceResponse(inference_ids=ids)

    def fund_prepaid(
        self, ctx: Context, msg: tx_pb2.MsgFundPrepaid
    ) -> tx_pb2.MsgFundPrepaidResponse:
        """MsgFundPrepaid. Raises ModelNotFoundError, InsufficientFundsError."""
        balance = self.keeper.fund_prepaid(
            ctx, parse_account_address(msg.requester), msg.model_id,
            parse_amount(msg.amount, "amount"),
        )  # fmt: skip
        return tx_pb2.MsgFundPrepaidResponse(balance=str(balance))

    def withdraw_prepaid(
        self, ctx: Context, msg: tx_pb2.MsgWithdrawPrepaid
    ) -> tx_pb2.MsgWithdrawPrepaidResponse:
        """MsgWithdrawPrepaid. Raises InsufficientPrepaidError."""
        balance = self.keeper.withdraw_prepaid(
            ctx, parse_account_address(msg.requester), msg.model_id,
            parse_amount(msg.amount, "amount"),
        )  # fmt: skip
        return tx_pb2.MsgWithdrawPrepaidResponse(balance=str(balance))

    def challenge(self, ctx: Context, msg: tx_pb2.MsgChallenge) -> tx_pb2.MsgChallengeResponse:
        """MsgChallenge. Raises what Disputes.challenge raises."""
        dispute_id = self.keeper.challenge(
            ctx, parse_account_address(msg.challenger), msg.inference_id,
            parse_amount(msg.bond, "bond"), msg.reason,
        )  # fmt: skip
        return tx_pb2.MsgChallengeResponse(dispute_id=dispute_id)

    def commit_vote(self, ctx: Context, msg: tx_pb2.MsgCommitVote) -> tx_pb2.MsgCommitVoteResponse:
        """MsgCommitVote. Raises what Disputes.commit_vote raises."""
        self.keeper.commit_vote(ctx, parse_account_address(msg.voter), msg.dispute_id,
                                msg.commitment)  # fmt: skip
        return tx_pb2.MsgCommitVoteResponse()

    def reveal_vote(self, ctx: Context, msg: tx_pb2.MsgRevealVote) -> tx_pb2.MsgRevealVoteResponse:
        """MsgRevealVote. Raises what Disputes.reveal_vote raises."""
        agrees = self.keeper.reveal_vote(ctx, parse_account_address(msg.voter), msg)
        return tx_pb2.MsgRevealVoteResponse(agrees=agrees)

    def claim(self, ctx: Context, msg: tx_pb2.MsgClaim) -> tx_pb2.MsgClaimResponse:
        """MsgClaim. Raises NothingToClaimError."""
        amount = self.keeper.claim(ctx, parse_account_address(msg.claimant))
        return tx_pb2.MsgClaimResponse(amount=str(amount))

    def update_params(
        self, ctx: Context, msg: tx_pb2.MsgUpdateParams
    ) -> tx_pb2.MsgUpdateParamsResponse:
        """MsgUpdateParams. Raises UnauthorizedError, InvalidParamsError."""
        check_authority(self.authority, msg.authority)
        self.keeper.set_params(ctx, Params.from_proto(msg.params))
        return tx_pb2.MsgUpdateParamsResponse()
