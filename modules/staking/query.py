"""The cosmos.staking.v1beta1.Query service, over the staking ViewKeeper only."""

from __future__ import annotations

from cosmos.base.v1beta1 import coin_pb2
from cosmos.staking.v1beta1 import query_pb2, staking_pb2

from aichain.app.context import Context
from aichain.app.crypto import (
    account_address,
    parse_account_address,
    parse_valoper_address,
    valoper_address,
)
from aichain.app.dec import dec_wire
from aichain.app.errors import InvalidRequestError, NotFoundError
from aichain.app.pagination import paginate
from aichain.app.router import Router
from aichain.modules.staking.errors import NoDelegationError, NoUnbondingDelegationError
from aichain.modules.staking.state import ViewKeeper
from aichain.modules.staking.types import STATUS_NAMES, Validator


class QueryServer:
    """Answers staking queries."""

    def __init__(self, keeper: ViewKeeper) -> None:
        self.keeper = keeper

    def _delegation_response(
        self, ctx: Context, delegator: bytes, validator: Validator, shares: int
    ) -> staking_pb2.DelegationResponse:
        """A delegation with its token balance."""
        return staking_pb2.DelegationResponse(
            delegation=staking_pb2.Delegation(
                delegator_address=account_address(delegator),
                validator_address=valoper_address(validator.operator),
                shares=dec_wire(shares),
            ),
            balance=coin_pb2.Coin(
                denom=self.keeper.get_params(ctx).bond_denom,
                amount=str(validator.tokens_from_shares(shares)),
            ),
        )

    def validators(
        self, ctx: Context, req: query_pb2.QueryValidatorsRequest
    ) -> query_pb2.QueryValidatorsResponse:
        """Every validator (optionally of one status), paginated by operator."""
        if req.status and req.status not in STATUS_NAMES.values():
            raise InvalidRequestError(
                f"invalid status {req.status!r}; use one of {', '.join(STATUS_NAMES.values())}"
            )
        items = (
            v
            for v in self.keeper.iter_validators(ctx)
            if not req.status or STATUS_NAMES[v.status] == req.status
        )
        page, info = paginate(items, req.pagination, lambda v: v.operator)
        return query_pb2.QueryValidatorsResponse(
            validators=[v.to_proto() for v in page], pagination=info
        )

    def validator(
        self, ctx: Context, req: query_pb2.QueryValidatorRequest
    ) -> query_pb2.QueryValidatorResponse:
        """One validator. Raises InvalidAddressError, NoValidatorFoundError."""
        op = parse_valoper_address(req.validator_addr)
        return query_pb2.QueryValidatorResponse(
            validator=self.keeper.must_get_validator(ctx, op).to_proto()
        )

    def validator_delegations(
        self, ctx: Context, req: query_pb2.QueryValidatorDelegationsRequest
    ) -> query_pb2.QueryValidatorDelegationsResponse:
        """Delegations to a validator, paginated by delegator."""
        validator = self.keeper.must_get_validator(ctx, parse_valoper_address(req.validator_addr))
        items = self.keeper.iter_validator_delegations(ctx, validator.operator)
        page, info = paginate(items, req.pagination, lambda d: d[0])
        return query_pb2.QueryValidatorDelegationsResponse(
            delegation_responses=[self._delegation_response(ctx, d, validator, s) for d, s in page],
            pagination=info,
        )

    def validator_unbonding_delegations(
        self, ctx: Context, req: query_pb2.QueryValidatorUnbondingDelegationsRequest
    ) -> query_pb2.QueryValidatorUnbondingDelegationsResponse:
        """Unbonding delegations from a validator, paginated by delegator."""
        op = parse_valoper_address(req.validator_addr)
        items = self.keeper.iter_validator_ubds(ctx, op)
        page, info = paginate(items, req.pagination, lambda u: u.delegator)
        return query_pb2.QueryValidatorUnbondingDelegationsResponse(
            unbonding_responses=[u.to_proto() for u in page], pagination=info
        )

    def delegation(
        self, ctx: Context, req: query_pb2.QueryDelegationRequest
    ) -> query_pb2.QueryDelegationResponse:
        """One delegation. Raises NoValidatorFoundError, NoDelegationError."""
        delegator = parse_account_address(req.delegator_addr)
        validator = self.keeper.must_get_validator(ctx, parse_valoper_address(req.validator_addr))
        shares = self.keeper.get_delegation(ctx, delegator, validator.operator)
        if shares is None:
            raise NoDelegationError(
                f"delegation with delegator {req.delegator_addr} not found for validator "
                f"{req.validator_addr}"
            )
        return query_pb2.QueryDelegationResponse(
            delegation_response=self._delegation_response(ctx, delegator, validator, shares)
        )

    def unbonding_delegation(
        self, ctx: Context, req: query_pb2.QueryUnbondingDelegationRequest
    ) -> query_pb2.QueryUnbondingDelegationResponse:
        """One unbonding delegation. Raises NoUnbondingDelegationError."""
        delegator = parse_account_address(req.delegator_addr)
        ubd = self.keeper.get_ubd(ctx, delegator, parse_valoper_address(req.validator_addr))
        if ubd is None:
            raise NoUnbondingDelegationError(
                f"{req.delegator_addr} is not unbonding from {req.validator_addr}"
            )
        return query_pb2.QueryUnbondingDelegationResponse(unbond=ubd.to_proto())

    def delegator_delegations(
        self, ctx: Context, req: query_pb2.QueryDelegatorDelegationsRequest
    ) -> query_pb2.QueryDelegatorDelegationsResponse:
        """Every delegation of a delegator, paginated by validator."""
        delegator = parse_account_address(req.delegator_addr)
        items = self.keeper.iter_delegator_delegations(ctx, delegator)
        page, info = paginate(items, req.pagination, lambda d: d[0])
        responses = [
            self._delegation_response(ctx, delegator, self.keeper.must_get_validator(ctx, op), s)
            for op, s in page
        ]
        return query_pb2.QueryDelegatorDelegationsResponse(
            delegation_responses=responses, pagination=info
        )

    def delegator_unbonding_delegations(
        self, ctx: Context, req: query_pb2.QueryDelegatorUnbondingDelegationsRequest
    ) -> query_pb2.QueryDelegatorUnbondingDelegationsResponse:
        """Every unbonding delegation of a delegator, paginated by validator."""
        delegator = parse_account_address(req.delegator_addr)
        items = self.keeper.iter_delegator_ubds(ctx, delegator)
        page, info = paginate(items, req.pagination, lambda u: u.validator)
        return query_pb2.QueryDelegatorUnbondingDelegationsResponse(
            unbonding_responses=[u.to_proto() for u in page], pagination=info
        )

    def redelegations(
        self, ctx: Context, req: query_pb2.QueryRedelegationsRequest
    ) -> query_pb2.QueryRedelegationsResponse:
        """Redelegations of a delegator (optionally from src / to dst), or away from src."""
        if req.delegator_addr:
            reds = self.keeper.iter_delegator_reds(ctx, parse_account_address(req.delegator_addr))
        elif req.src_validator_addr:
            reds = self.keeper.iter_reds_from(ctx, parse_valoper_address(req.src_validator_addr))
        else:
            raise InvalidRequestError("give a delegator or a source validator address")
        if req.src_validator_addr:
            src = parse_valoper_address(req.src_validator_addr)
            reds = (r for r in reds if r.src == src)
        if req.dst_validator_addr:
            dst = parse_valoper_address(req.dst_validator_addr)
            reds = (r for r in reds if r.dst == dst)
        page, info = paginate(reds, req.pagination, lambda r: r.delegator + r.src + r.dst)
        out = []
        for red in page:
            proto = red.to_proto()
            out.append(
                staking_pb2.RedelegationResponse(
                    redelegation=proto,
                    entries=[
                        staking_pb2.RedelegationEntryResponse(
                            redelegation_entry=e, balance=e.initial_balance
                        )
                        for e in proto.entries
                    ],
                )
            )
        return query_pb2.QueryRedelegationsResponse(redelegation_responses=out, pagination=info)

    def delegator_validators(
        self, ctx: Context, req: query_pb2.QueryDelegatorValidatorsRequest
    ) -> query_pb2.QueryDelegatorValidatorsResponse:
        """Validators a delegator delegates to."""
        delegator = parse_account_address(req.delegator_addr)
        ops = (op for op, _ in self.keeper.iter_delegator_delegations(ctx, delegator))
        page, info = paginate(ops, req.pagination, lambda op: op)
        return query_pb2.QueryDelegatorValidatorsResponse(
            validators=[self.keeper.must_get_validator(ctx, op).to_proto() for op in page],
            pagination=info,
        )

    def delegator_validator(
        self, ctx: Context, req: query_pb2.QueryDelegatorValidatorRequest
    ) -> query_pb2.QueryDelegatorValidatorResponse:
        """A validator the delegator delegates to. Raises NoDelegationError."""
        delegator = parse_account_address(req.delegator_addr)
        op = parse_valoper_address(req.validator_addr)
        if self.keeper.get_delegation(ctx, delegator, op) is None:
            raise NoDelegationError(
                f"{req.delegator_addr} does not delegate to {req.validator_addr}"
            )
        return query_pb2.QueryDelegatorValidatorResponse(
            validator=self.keeper.must_get_validator(ctx, op).to_proto()
        )

    def historical_info(
        self, ctx: Context, req: query_pb2.QueryHistoricalInfoRequest
    ) -> query_pb2.QueryHistoricalInfoResponse:
        """Not kept (historical_entries is 0). Raises NotFoundError."""
        raise NotFoundError(f"no historical info kept for height {req.height}")

    def pool(self, ctx: Context, req: query_pb2.QueryPoolRequest) -> query_pb2.QueryPoolResponse:
        """Balances of the bonded and not-bonded pools."""
        not_bonded, bonded = self.keeper.get_pool(ctx)
        return query_pb2.QueryPoolResponse(
            pool=staking_pb2.Pool(not_bonded_tokens=str(not_bonded), bonded_tokens=str(bonded))
        )

    def params(
        self, ctx: Context, req: query_pb2.QueryParamsRequest
    ) -> query_pb2.QueryParamsResponse:
        """Module params."""
        return query_pb2.QueryParamsResponse(params=self.keeper.get_params(ctx).to_proto())


def register_queries(router: Router, server: QueryServer) -> None:
    """Adds every staking query method to the router."""
    s = server
    router.add_query_service(
        query_pb2,
        [
            ("Validators", s.validators),
            ("Validator", s.validator),
            ("ValidatorDelegations", s.validator_delegations),
            ("ValidatorUnbondingDelegations", s.validator_unbonding_delegations),
            ("Delegation", s.delegation),
            ("UnbondingDelegation", s.unbonding_delegation),
            ("DelegatorDelegations", s.delegator_delegations),
            ("DelegatorUnbondingDelegations", s.delegator_unbonding_delegations),
            ("Redelegations", s.redelegations),
            ("DelegatorValidators", s.delegator_validators),
            ("DelegatorValidator", s.delegator_validator),
            ("HistoricalInfo", s.historical_info),
            ("Pool", s.pool),
            ("Params", s.params),
        ],
    )
