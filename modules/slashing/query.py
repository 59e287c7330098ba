"""The cosmos.slashing.v1beta1.Query service, over the slashing ViewKeeper only."""

from __future__ import annotations

from cosmos.slashing.v1beta1 import query_pb2

from aichain.app.context import Context
from aichain.app.crypto import parse_valcons_address
from aichain.app.pagination import paginate
from aichain.app.router import Router
from aichain.modules.slashing.errors import NoSigningInfoFoundError
from aichain.modules.slashing.keeper import ViewKeeper, signing_info_proto


class QueryServer:
    """Answers slashing queries."""

    def __init__(self, keeper: ViewKeeper) -> None:
        self.keeper = keeper

    def params(
        self, ctx: Context, req: query_pb2.QueryParamsRequest
    ) -> query_pb2.QueryParamsResponse:
        """Module params."""
        return query_pb2.QueryParamsResponse(params=self.keeper.get_params(ctx).to_proto())

    def signing_info(
        self, ctx: Context, req: query_pb2.QuerySigningInfoRequest
    ) -> query_pb2.QuerySigningInfoResponse:
        """One validator's signing info. Raises InvalidAddressError, NoSigningInfoFoundError."""
        info = self.keeper.get_signing_info(ctx, parse_valcons_address(req.cons_address))
        if info is None:
            raise NoSigningInfoFoundError(f"no signing info for {req.cons_address}")
        return query_pb2.QuerySigningInfoResponse(val_signing_info=signing_info_proto(info))

    def signing_infos(
        self, ctx: Context, req: query_pb2.QuerySigningInfosRequest
    ) -> query_pb2.QuerySigningInfosResponse:
        """Every signing info, paginated by consensus address."""
        infos = self.keeper.iter_signing_infos(ctx)
        page, info = paginate(infos, req.pagination, lambda i: i.address)
        return query_pb2.QuerySigningInfosResponse(
            info=[signing_info_proto(i) for i in page], pagination=info
        )


def register_queries(router: Router, server: QueryServer) -> None:
    """Adds the slashing query methods to the router."""
    router.add_query_service(
        query_pb2,
        [
            ("Params", server.params),
            ("SigningInfo", server.signing_info),
            ("SigningInfos", server.signing_infos),
        ],
    )
