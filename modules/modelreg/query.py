"""The aichain.modelreg.v1 Query service, on the view keeper; lists are streamed pages."""

from __future__ import annotations

from aichain.app.context import Context
from aichain.app.crypto import parse_account_address
from aichain.app.pagination import paginate
from aichain.app.router import Router
from aichain.modelreg.v1 import query_pb2
from aichain.modules.modelreg import keys
from aichain.modules.modelreg.keeper import DEPRECATED, ViewKeeper


class QueryServer:
    """Models, lineage, usage and workers."""

    def __init__(self, keeper: ViewKeeper) -> None:
        self.keeper = keeper

    def params(
        self, ctx: Context, req: query_pb2.QueryParamsRequest
    ) -> query_pb2.QueryParamsResponse:
        """The modelreg params."""
        return query_pb2.QueryParamsResponse(params=self.keeper.get_params(ctx).to_proto())

    def model(self, ctx: Context, req: query_pb2.QueryModelRequest) -> query_pb2.QueryModelResponse:
        """One model. Raises ModelNotFoundError."""
        return query_pb2.QueryModelResponse(model=self.keeper.require_model(ctx, req.id))

    def models(
        self, ctx: Context, req: query_pb2.QueryModelsRequest
    ) -> query_pb2.QueryModelsResponse:
        """Every model, paginated by id."""
        page, info = paginate(
            lambda reverse: self.keeper.iter_models(ctx, reverse),
            req.pagination,
            lambda m: keys.u64(m.id),
        )
        return query_pb2.QueryModelsResponse(models=page, pagination=info)

    def lineage(
        self, ctx: Context, req: query_pb2.QueryLineageRequest
    ) -> query_pb2.QueryLineageResponse:
        """The model, its parents, its base model. Raises ModelNotFoundError."""
        return query_pb2.QueryLineageResponse(models=self.keeper.get_lineage(ctx, req.id))

    def usage(self, ctx: Context, req: query_pb2.QueryUsageRequest) -> query_pb2.QueryUsageResponse:
        """A model's usage counters. Raises ModelNotFoundError."""
        self.keeper.require_model(ctx, req.model_id)
        return query_pb2.QueryUsageResponse(usage=self.keeper.get_usage(ctx, req.model_id))

    def worker(
        self, ctx: Context, req: query_pb2.QueryWorkerRequest
    ) -> query_pb2.QueryWorkerResponse:
        """One worker. Raises InvalidAddressError, WorkerNotFoundError."""
        operator = parse_account_address(req.operator)
        return query_pb2.QueryWorkerResponse(worker=self.keeper.require_worker(ctx, operator))

    def workers(
        self, ctx: Context, req: query_pb2.QueryWorkersRequest
    ) -> query_pb2.QueryWorkersResponse:
        """Every worker, paginated by operator key."""
        page, info = paginate(
            lambda reverse: self.keeper.iter_workers(ctx, reverse),
            req.pagination,
            lambda w: keys.worker_key(parse_account_address(w.operator)),
        )
        return query_pb2.QueryWorkersResponse(workers=page, pagination=info)

    def ranking(
        self, ctx: Context, req: query_pb2.QueryRankingRequest
    ) -> query_pb2.QueryRankingResponse:
        """A model's governance version ranking and its preferred version. Raises
        ModelNotFoundError."""
        versions, rank = self.keeper.get_ranking(ctx, req.model_id)
        model = versions[rank - 1]
        return query_pb2.QueryRankingResponse(
            versions=[m.id for m in versions], rank=rank, successor_id=model.successor_id,
            preferred_model_id=next((m.id for m in versions if m.status != DEPRECATED), 0),
        )  # fmt: skip


def register_queries(router: Router, server: QueryServer) -> None:
    """Adds the modelreg Query service."""
    router.add_query_service(
        query_pb2,
        [
            ("Params", server.params),
            ("Model", server.model),
            ("Models", server.models),
            ("Lineage", server.lineage),
            ("Usage", server.usage),
            ("Worker", server.worker),
            ("Workers", server.workers),
            ("Ranking", server.ranking),
        ],
    )
