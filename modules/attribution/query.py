"""The aichain.attribution.v1 Query service, on the view keeper; lists are streamed pages,
newest first unless the page asks for reverse."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from aichain.app.context import Context
from aichain.app.crypto import parse_account_address
from aichain.app.pagination import paginate
from aichain.app.router import Router
from aichain.attribution.v1 import attribution_pb2 as pb
from aichain.attribution.v1 import query_pb2
from aichain.modules.attribution import keys
from aichain.modules.attribution.errors import InvalidRequestError
from aichain.modules.attribution.view import ViewKeeper

T = TypeVar("T")


def _filtered(
    source: Callable[[bool], Iterator[T]], keep: Callable[[T], bool]
) -> Callable[[bool], Iterator[T]]:
    """Newest first (a page's reverse flips it back to oldest first), filtered lazily."""
    return lambda reverse: (item for item in source(not reverse) if keep(item))


def _newest_first_key(item_id: int) -> bytes:
    """A page key that orders newest first (ascending keys = descending ids)."""
    return keys.u64(keys.MAX_ID - item_id)


class QueryServer:
    """Inferences, pending requests, earnings, revenue, usage, disputes and prepaid."""

    def __init__(self, keeper: ViewKeeper) -> None:
        self.keeper = keeper

    def params(
        self, ctx: Context, req: query_pb2.QueryParamsRequest
    ) -> query_pb2.QueryParamsResponse:
        """The attribution params."""
        return query_pb2.QueryParamsResponse(params=self.keeper.get_params(ctx).to_proto())

    def inference(
        self, ctx: Context, req: query_pb2.QueryInferenceRequest
    ) -> query_pb2.QueryInferenceResponse:
        """A request, its result and its payouts. Raises InferenceNotFoundError."""
        return query_pb2.QueryInferenceResponse(
            inference=self.keeper.require_inference(ctx, req.id)
        )

    def inferences(
        self, ctx: Context, req: query_pb2.QueryInferencesRequest
    ) -> query_pb2.QueryInferencesResponse:
        """Inferences newest first, by model, requester or worker."""

        def keep(i: pb.Inference) -> bool:
            return (
                (not req.model_id or i.request.model_id == req.model_id)
                and (not req.requester or i.request.requester == req.requester)
                and (not req.worker or req.worker in (i.worker, i.request.assigned_worker))
            )

        page, info = paginate(
            _filtered(lambda r: self.keeper.iter_inferences(ctx, r), keep),
            req.pagination,
            lambda i: _newest_first_key(i.request.id),
        )
        return query_pb2.QueryInferencesResponse(inferences=page, pagination=info)

    def pending_requests(
        self, ctx: Context, req: query_pb2.QueryPendingRequestsRequest
    ) -> query_pb2.QueryPendingRequestsResponse:
        """Requests assigned to a worker still waiting for its result, oldest first."""
        worker = parse_account_address(req.worker)
        page, info = paginate(
            lambda reverse: (i.request for i in self.keeper.iter_pending_of(ctx, worker, reverse)),
            req.pagination,
            lambda r: keys.u64(r.id),
        )
        return query_pb2.QueryPendingRequestsResponse(requests=page, pagination=info)

    def earnings(
        self, ctx: Context, req: query_pb2.QueryEarningsRequest
    ) -> query_pb2.QueryEarningsResponse:
        """Worker, owner and lineage earnings, per model, and data shares per datanet."""
        account = parse_account_address(req.account)
        datanets = []
        for datanet in self.keeper.datanet.iter_datanets(ctx):
            claimable = sum(
                c for _, _, c in self.keeper.datanet.iter_earnings(ctx, datanet.id, account)
            )
            if claimable:
                datanets.append(query_pb2.DatanetEarning(datanet_id=datanet.id,
                                                         claimable=str(claimable)))  # fmt: skip
        return query_pb2.QueryEarningsResponse(
            earning=self.keeper.get_earning(ctx, account),
            models=list(self.keeper.iter_model_earnings(ctx, account)),
            datanets=datanets,
        )

    def datanet_revenue(
        self, ctx: Context, req: query_pb2.QueryDatanetRevenueRequest
    ) -> query_pb2.QueryDatanetRevenueResponse:
        """What settled inferences credited a datanet's contributors."""
        if req.datanet_id == 0:
            raise InvalidRequestError("name the datanet")
        revenue, count = self.keeper.get_datanet_revenue(ctx, req.datanet_id)
        return query_pb2.QueryDatanetRevenueResponse(
            datanet_id=req.datanet_id, revenue=str(revenue), inferences=count
        )

    def model_usage(
        self, ctx: Context, req: query_pb2.QueryModelUsageRequest
    ) -> query_pb2.QueryModelUsageResponse:
        """Settled inferences, revenue and disputes of a model. Raises ModelNotFoundError."""
        self.keeper.modelreg.require_model(ctx, req.model_id)
        usage = self.keeper.modelreg.get_usage(ctx, req.model_id)
        disputes, upheld = self.keeper.get_model_stats(ctx, req.model_id)
        return query_pb2.QueryModelUsageResponse(
            model_id=req.model_id, inferences=usage.inferences, revenue=usage.revenue or "0",
            disputes=disputes, upheld_disputes=upheld,
        )  # fmt: skip

    def dispute(
        self, ctx: Context, req: query_pb2.QueryDisputeRequest
    ) -> query_pb2.QueryDisputeResponse:
        """A dispute with its committee and votes. Raises DisputeNotFoundError."""
        return query_pb2.QueryDisputeResponse(dispute=self.keeper.require_dispute(ctx, req.id))

    def disputes(
        self, ctx: Context, req: query_pb2.QueryDisputesRequest
    ) -> query_pb2.QueryDisputesResponse:
        """Disputes newest first, by status or committee member."""

        def keep(d: pb.Dispute) -> bool:
            return (not req.status or d.status == req.status) and (
                not req.member or any(v.member == req.member for v in d.committee)
            )

        page, info = paginate(
            _filtered(lambda r: self.keeper.iter_disputes(ctx, r), keep),
            req.pagination,
            lambda d: _newest_first_key(d.id),
        )
        return query_pb2.QueryDisputesResponse(disputes=page, pagination=info)

    def prepaid(
        self, ctx: Context, req: query_pb2.QueryPrepaidRequest
    ) -> query_pb2.QueryPrepaidResponse:
        """A requester's prepaid balance for a model."""
        requester = parse_account_address(req.requester)
        balance = self.keeper.get_prepaid(ctx, requester, req.model_id)
        return query_pb2.QueryPrepaidResponse(
            balance=pb.PrepaidBalance(
                requester=req.requester, model_id=req.model_id, amount=str(balance)
            )
        )


def register_queries(router: Router, server: QueryServer) -> None:
    """Adds the attribution Query service."""
    router.add_query_service(
        query_pb2,
        [
            ("Params", server.params),
            ("Inference", server.inference),
            ("Inferences", server.inferences),
            ("PendingRequests", server.pending_requests),
            ("Earnings", server.earnings),
            ("DatanetRevenue", server.datanet_revenue),
            ("ModelUsage", server.model_usage),
            ("Dispute", server.dispute),
            ("Disputes", server.disputes),
            ("Prepaid", server.prepaid),
        ],
    )
