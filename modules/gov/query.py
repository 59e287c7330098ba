"""The cosmos.gov.v1 Query service (as the SDK serves it) and the model-vote track's
aichain.gov.v1 Query service, on the ViewKeeper only."""

from __future__ import annotations

from collections.abc import Iterator

from cosmos.gov.v1 import gov_pb2, query_pb2

from aichain.app.context import Context
from aichain.app.crypto import parse_account_address
from aichain.app.errors import InvalidRequestError, NotFoundError
from aichain.app.pagination import paginate
from aichain.app.router import Router
from aichain.gov.v1 import query_pb2 as aic_query_pb2
from aichain.modules.gov import keys
from aichain.modules.gov.errors import NotModelProposalError
from aichain.modules.gov.keeper import ViewKeeper
from aichain.modules.gov.participation import compute_available
from aichain.modules.gov.types import (
    STATUS_DEPOSIT_PERIOD,
    STATUS_FAILED,
    STATUS_PASSED,
    STATUS_REJECTED,
    Proposal,
    TallyResult,
    coins_pb,
    compute_reward_share,
)

PARAMS_TYPES = ("", "deposit", "voting", "tallying")
"""The params_type values the Params query takes (the SDK's)."""


def _check_id(proposal_id: int) -> None:
    """Raises InvalidRequestError for proposal id 0."""
    if proposal_id == 0:
        raise InvalidRequestError("proposal id can not be 0")


class QueryServer:
    """Answers cosmos.gov.v1 queries."""

    def __init__(self, keeper: ViewKeeper) -> None:
        self.keeper = keeper

    def constitution(
        self, ctx: Context, req: query_pb2.QueryConstitutionRequest
    ) -> query_pb2.QueryConstitutionResponse:
        """The constitution."""
        return query_pb2.QueryConstitutionResponse(constitution=self.keeper.get_constitution(ctx))

    def proposal(
        self, ctx: Context, req: query_pb2.QueryProposalRequest
    ) -> query_pb2.QueryProposalResponse:
        """One proposal. Raises InvalidRequestError, UnknownProposalError."""
        _check_id(req.proposal_id)
        proposal = self.keeper.must_get_proposal(ctx, req.proposal_id)
        return query_pb2.QueryProposalResponse(proposal=proposal.to_proto())

    def proposals(
        self, ctx: Context, req: query_pb2.QueryProposalsRequest
    ) -> query_pb2.QueryProposalsResponse:
        """Proposals by id, filtered by status, voter and depositor, paginated. Raises
        InvalidAddressError."""
        voter = parse_account_address(req.voter) if req.voter else None
        depositor = parse_account_address(req.depositor) if req.depositor else None
        status = req.proposal_status

        def matching(reverse: bool) -> Iterator[Proposal]:
            for p in self.keeper.iter_proposals(ctx, reverse):
                if status and p.status != status:
                    continue
                if voter is not None and self.keeper.get_vote(ctx, p.id, voter) is None:
                    continue
                if depositor is not None and self.keeper.get_deposit(ctx, p.id, depositor) is None:
                    continue
                yield p

        page, info = paginate(matching, req.pagination, lambda p: keys.proposal_key(p.id))
        return query_pb2.QueryProposalsResponse(
            proposals=[p.to_proto() for p in page], pagination=info
        )

    def vote(self, ctx: Context, req: query_pb2.QueryVoteRequest) -> query_pb2.QueryVoteResponse:
        """One voter's vote on a proposal. Raises InvalidRequestError, InvalidAddressError,
        NotFoundError."""
        _check_id(req.proposal_id)
        if not req.voter:
            raise InvalidRequestError("empty voter address")
        vote = self.keeper.get_vote(ctx, req.proposal_id, parse_account_address(req.voter))
        if vote is None:
            raise NotFoundError(f"voter: {req.voter} not found for proposal: {req.proposal_id}")
        return query_pb2.QueryVoteResponse(vote=vote.to_proto())

    def votes(self, ctx: Context, req: query_pb2.QueryVotesRequest) -> query_pb2.QueryVotesResponse:
        """The votes on a proposal, by voter, paginated (deleted once it is tallied, as in the
        SDK). Raises InvalidRequestError."""
        _check_id(req.proposal_id)
        page, info = paginate(
            lambda reverse: self.keeper.iter_votes(ctx, req.proposal_id, reverse),
            req.pagination,
            lambda v: keys.vote_key(v.proposal_id, v.voter),
        )
        return query_pb2.QueryVotesResponse(votes=[v.to_proto() for v in page], pagination=info)

    def params(
        self, ctx: Context, req: query_pb2.QueryParamsRequest
    ) -> query_pb2.QueryParamsResponse:
        """The params, with the deprecated part named by params_type. Raises
        InvalidRequestError for an unknown params_type."""
        if req.params_type not in PARAMS_TYPES:
            raise InvalidRequestError(
                f"unknown params type: {req.params_type}; use deposit, voting or tallying"
            )
        params = self.keeper.get_params(ctx).to_proto()
        resp = query_pb2.QueryParamsResponse(params=params)
        if req.params_type == "deposit":
            resp.deposit_params.CopyFrom(
                gov_pb2.DepositParams(
                    min_deposit=params.min_deposit, max_deposit_period=params.max_deposit_period
                )
            )
        elif req.params_type == "voting":
            resp.voting_params.CopyFrom(gov_pb2.VotingParams(voting_period=params.voting_period))
        elif req.params_type == "tallying":
            resp.tally_params.CopyFrom(
                gov_pb2.TallyParams(
                    quorum=params.quorum,
                    threshold=params.threshold,
                    veto_threshold=params.veto_threshold,
                )
            )
        return resp

    def deposit(
        self, ctx: Context, req: query_pb2.QueryDepositRequest
    ) -> query_pb2.QueryDepositResponse:
        """One depositor's deposit on a proposal. Raises InvalidRequestError,
        InvalidAddressError, NotFoundError."""
        _check_id(req.proposal_id)
        if not req.depositor:
            raise InvalidRequestError("empty depositor address")
        deposit = self.keeper.get_deposit(
            ctx, req.proposal_id, parse_account_address(req.depositor)
        )
        if deposit is None:
            raise NotFoundError(
                f"depositor: {req.depositor} not found for proposal: {req.proposal_id}"
            )
        return query_pb2.QueryDepositResponse(deposit=deposit.to_proto())

    def deposits(
        self, ctx: Context, req: query_pb2.QueryDepositsRequest
    ) -> query_pb2.QueryDepositsResponse:
        """The deposits on a proposal, by depositor, paginated. Raises InvalidRequestError."""
        _check_id(req.proposal_id)
        page, info = paginate(
            lambda reverse: self.keeper.iter_deposits(ctx, req.proposal_id, reverse),
            req.pagination,
            lambda d: keys.deposit_key(d.proposal_id, d.depositor),
        )
        return query_pb2.QueryDepositsResponse(
            deposits=[d.to_proto() for d in page], pagination=info
        )

    def tally_result(
        self, ctx: Context, req: query_pb2.QueryTallyResultRequest
    ) -> query_pb2.QueryTallyResultResponse:
        """Zero in the deposit period, the final tally once decided, the tally so far while
        voting. Raises InvalidRequestError, UnknownProposalError."""
        _check_id(req.proposal_id)
        proposal = self.keeper.must_get_proposal(ctx, req.proposal_id)
        if proposal.status == STATUS_DEPOSIT_PERIOD:
            tally = TallyResult()
        elif proposal.status in (STATUS_PASSED, STATUS_REJECTED, STATUS_FAILED):
            tally = proposal.final_tally
        else:
            tally = self.keeper.tally(ctx, proposal).result
        return query_pb2.QueryTallyResultResponse(tally=tally.to_proto())


class ModelQueryServer:
    """Answers aichain.gov.v1 queries (the model-vote track)."""

    def __init__(self, keeper: ViewKeeper) -> None:
        self.keeper = keeper

    def params(
        self, ctx: Context, req: aic_query_pb2.QueryParamsRequest
    ) -> aic_query_pb2.QueryParamsResponse:
        """The model-vote track's params."""
        return aic_query_pb2.QueryParamsResponse(
            params=self.keeper.get_model_params(ctx).to_proto()
        )

    def model_proposal(
        self, ctx: Context, req: aic_query_pb2.QueryModelProposalRequest
    ) -> aic_query_pb2.QueryModelProposalResponse:
        """A model proposal's participation record. Raises NotModelProposalError."""
        record = self.keeper.get_model_proposal(ctx, req.proposal_id)
        if record is None:
            raise NotModelProposalError(
                f"proposal {req.proposal_id} is not on the model-vote track"
            )
        return aic_query_pb2.QueryModelProposalResponse(model_proposal=record.to_proto())

    def participation_reward(
        self, ctx: Context, req: aic_query_pb2.QueryParticipationRewardRequest
    ) -> aic_query_pb2.QueryParticipationRewardResponse:
        """A voter's reward power and what a claim would pay now. Raises
        NotModelProposalError, InvalidAddressError."""
        record = self.keeper.get_model_proposal(ctx, req.proposal_id)
        if record is None:
            raise NotModelProposalError(
                f"proposal {req.proposal_id} is not on the model-vote track"
            )
        power = self.keeper.get_stake(ctx, req.proposal_id, parse_account_address(req.voter)) or 0
        amount = (
            compute_reward_share(power, record.total_power, record.reward)
            if record.voting_ended
            else ()
        )
        return aic_query_pb2.QueryParticipationRewardResponse(
            power=str(power), amount=coins_pb(amount), voting_ended=record.voting_ended
        )

    def participation_pool(
        self, ctx: Context, req: aic_query_pb2.QueryParticipationPoolRequest
    ) -> aic_query_pb2.QueryParticipationPoolResponse:
        """The pool's balance, its allocated part and what is available."""
        balance = self.keeper.get_pool_balance(ctx)
        allocated = self.keeper.get_allocated(ctx)
        return aic_query_pb2.QueryParticipationPoolResponse(
            balance=coins_pb(balance),
            allocated=coins_pb(allocated),
            available=coins_pb(compute_available(balance, allocated)),
        )


def register_queries(router: Router, keeper: ViewKeeper) -> None:
    """Adds the cosmos.gov.v1 and aichain.gov.v1 Query services."""
    s = QueryServer(keeper)
    router.add_query_service(
        query_pb2,
        [
            ("Constitution", s.constitution),
            ("Proposal", s.proposal),
            ("Proposals", s.proposals),
            ("Vote", s.vote),
            ("Votes", s.votes),
            ("Params", s.params),
            ("Deposit", s.deposit),
            ("Deposits", s.deposits),
            ("TallyResult", s.tally_result),
        ],
    )
    m = ModelQueryServer(keeper)
    router.add_query_service(
        aic_query_pb2,
        [
            ("Params", m.params),
            ("ModelProposal", m.model_proposal),
            ("ParticipationReward", m.participation_reward),
            ("ParticipationPool", m.participation_pool),
        ],
    )
