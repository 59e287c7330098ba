"""The cosmos.distribution.v1beta1.Query service, over the distribution ViewKeeper only."""

from __future__ import annotations

from cosmos.distribution.v1beta1 import distribution_pb2 as pb
from cosmos.distribution.v1beta1 import query_pb2

from aichain.app.context import Context
from aichain.app.crypto import (
    account_address,
    parse_account_address,
    parse_valoper_address,
    valoper_address,
)
from aichain.app.dec import dec_wire
from aichain.app.pagination import paginate
from aichain.app.router import Router
from aichain.modules.distribution import deccoins as dc
from aichain.modules.distribution.errors import NoDelegationExistsError, NoValidatorExistsError
from aichain.modules.distribution.keeper import ViewKeeper


class QueryServer:
    """Answers distribution queries (pending rewards are computed without writing)."""

    def __init__(self, keeper: ViewKeeper) -> None:
        self.keeper = keeper

    def _validator(self, ctx: Context, text: str) -> bytes:
        op = parse_valoper_address(text)
        if self.keeper.staking.get_validator(ctx, op) is None:
            raise NoValidatorExistsError(f"validator {text} does not exist")
        return op

    def params(
        self, ctx: Context, req: query_pb2.QueryParamsRequest
    ) -> query_pb2.QueryParamsResponse:
        """Module params."""
        return query_pb2.QueryParamsResponse(params=self.keeper.get_params(ctx).to_proto())

    def validator_distribution_info(
        self, ctx: Context, req: query_pb2.QueryValidatorDistributionInfoRequest
    ) -> query_pb2.QueryValidatorDistributionInfoResponse:
        """Operator, self-delegation rewards and commission of a validator."""
        op = self._validator(ctx, req.validator_address)
        own = self.keeper.pending_rewards(ctx, op, op)
        return query_pb2.QueryValidatorDistributionInfoResponse(
            operator_address=account_address(op),
            self_bond_rewards=dc.to_proto(own),
            commission=dc.to_proto(self.keeper.get_commission(ctx, op)),
        )

    def validator_outstanding_rewards(
        self, ctx: Context, req: query_pb2.QueryValidatorOutstandingRewardsRequest
    ) -> query_pb2.QueryValidatorOutstandingRewardsResponse:
        """Rewards allocated to a validator and not yet withdrawn."""
        op = self._validator(ctx, req.validator_address)
        rewards = pb.ValidatorOutstandingRewards(
            rewards=dc.to_proto(self.keeper.get_outstanding(ctx, op))
        )
        return query_pb2.QueryValidatorOutstandingRewardsResponse(rewards=rewards)

    def validator_commission(
        self, ctx: Context, req: query_pb2.QueryValidatorCommissionRequest
    ) -> query_pb2.QueryValidatorCommissionResponse:
        """A validator's accumulated commission."""
        op = self._validator(ctx, req.validator_address)
        commission = pb.ValidatorAccumulatedCommission(
            commission=dc.to_proto(self.keeper.get_commission(ctx, op))
        )
        return query_pb2.QueryValidatorCommissionResponse(commission=commission)

    def validator_slashes(
        self, ctx: Context, req: query_pb2.QueryValidatorSlashesRequest
    ) -> query_pb2.QueryValidatorSlashesResponse:
        """A validator's slash events between two heights."""
        op = self._validator(ctx, req.validator_address)
        end = req.ending_height or ctx.height
        page, info = paginate(
            self.keeper.iter_slash_events(ctx, op, req.starting_height, end),
            req.pagination,
            lambda e: e[0].to_bytes(8, "big") + e[1].to_bytes(8, "big"),
        )
        return query_pb2.QueryValidatorSlashesResponse(
            slashes=[
                pb.ValidatorSlashEvent(validator_period=p, fraction=dec_wire(f)) for _, p, f in page
            ],
            pagination=info,
        )

    def delegation_rewards(
        self, ctx: Context, req: query_pb2.QueryDelegationRewardsRequest
    ) -> query_pb2.QueryDelegationRewardsResponse:
        """Pending rewards of one delegation. Raises NoDelegationExistsError."""
        op = self._validator(ctx, req.validator_address)
        delegator = parse_account_address(req.delegator_address)
        if self.keeper.staking.get_delegation(ctx, delegator, op) is None:
            raise NoDelegationExistsError(
                f"{req.delegator_address} does not delegate to {req.validator_address}"
            )
        return query_pb2.QueryDelegationRewardsResponse(
            rewards=dc.to_proto(self.keeper.pending_rewards(ctx, op, delegator))
        )

    def delegation_total_rewards(
        self, ctx: Context, req: query_pb2.QueryDelegationTotalRewardsRequest
    ) -> query_pb2.QueryDelegationTotalRewardsResponse:
        """Pending rewards of every delegation of a delegator, and their total."""
        delegator = parse_account_address(req.delegator_address)
        total: dict[str, int] = {}
        out = []
        for op, _ in self.keeper.staking.iter_delegator_delegations(ctx, delegator):
            reward = self.keeper.pending_rewards(ctx, op, delegator)
            total = dc.compute_add(total, reward)
            out.append(
                pb.DelegationDelegatorReward(
                    validator_address=valoper_address(op), reward=dc.to_proto(reward)
                )
            )
        return query_pb2.QueryDelegationTotalRewardsResponse(rewards=out, total=dc.to_proto(total))

    def delegator_validators(
        self, ctx: Context, req: query_pb2.QueryDelegatorValidatorsRequest
    ) -> query_pb2.QueryDelegatorValidatorsResponse:
        """Validators a delegator delegates to."""
        delegator = parse_account_address(req.delegator_address)
        ops = [
            valoper_address(op)
            for op, _ in self.keeper.staking.iter_delegator_delegations(ctx, delegator)
        ]
        return query_pb2.QueryDelegatorValidatorsResponse(validators=ops)

    def delegator_withdraw_address(
        self, ctx: Context, req: query_pb2.QueryDelegatorWithdrawAddressRequest
    ) -> query_pb2.QueryDelegatorWithdrawAddressResponse:
        """Where a delegator's rewards go."""
        delegator = parse_account_address(req.delegator_address)
        return query_pb2.QueryDelegatorWithdrawAddressResponse(
            withdraw_address=account_address(self.keeper.get_withdraw_address(ctx, delegator))
        )

    def community_pool(
        self, ctx: Context, req: query_pb2.QueryCommunityPoolRequest
    ) -> query_pb2.QueryCommunityPoolResponse:
        """The community pool."""
        return query_pb2.QueryCommunityPoolResponse(
            pool=dc.to_proto(self.keeper.get_community_pool(ctx))
        )


def register_queries(router: Router, server: QueryServer) -> None:
    """Adds every distribution query method to the router."""
    router.add_query_service(
        query_pb2,
        [
            ("Params", server.params),
            ("ValidatorDistributionInfo", server.validator_distribution_info),
            ("ValidatorOutstandingRewards", server.validator_outstanding_rewards),
            ("ValidatorCommission", server.validator_commission),
            ("ValidatorSlashes", server.validator_slashes),
            ("DelegationRewards", server.delegation_rewards),
            ("DelegationTotalRewards", server.delegation_total_rewards),
            ("DelegatorValidators", server.delegator_validators),
            ("DelegatorWithdrawAddress", server.delegator_withdraw_address),
            ("CommunityPool", server.community_pool),
        ],
    )
