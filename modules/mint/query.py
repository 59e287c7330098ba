"""The cosmos.mint.v1beta1 Query service, on the view keeper."""

from __future__ import annotations

from cosmos.mint.v1beta1 import query_pb2

from aichain.app.context import Context
from aichain.app.dec import dec_wire
from aichain.app.router import Router
from aichain.modules.mint.keeper import ViewKeeper
from aichain.modules.mint.types import compute_annual_provisions


class QueryServer:
    """Params, inflation and annual provisions."""

    def __init__(self, keeper: ViewKeeper) -> None:
        self.keeper = keeper

    def params(
        self, ctx: Context, req: query_pb2.QueryParamsRequest
    ) -> query_pb2.QueryParamsResponse:
        """The mint params."""
        return query_pb2.QueryParamsResponse(params=self.keeper.get_params(ctx).to_proto())

    def inflation(
        self, ctx: Context, req: query_pb2.QueryInflationRequest
    ) -> query_pb2.QueryInflationResponse:
        """The annual inflation rate (LegacyDec bytes, as the SDK serves it)."""
        rate = self.keeper.get_params(ctx).inflation_rate
        return query_pb2.QueryInflationResponse(inflation=dec_wire(rate).encode())

    def annual_provisions(
        self, ctx: Context, req: query_pb2.QueryAnnualProvisionsRequest
    ) -> query_pb2.QueryAnnualProvisionsResponse:
        """Coins minted per year at the current supply (LegacyDec bytes)."""
        params = self.keeper.get_params(ctx)
        supply = self.keeper.bank.get_supply(ctx, params.mint_denom)
        provisions = compute_annual_provisions(supply, params)
        return query_pb2.QueryAnnualProvisionsResponse(
            annual_provisions=dec_wire(provisions).encode()
        )


def register_queries(router: Router, server: QueryServer) -> None:
    """Adds the mint Query service."""
    router.add_query_service(
        query_pb2,
        [
            ("Params", server.params),
            ("Inflation", server.inflation),
            ("AnnualProvisions", server.annual_provisions),
        ],
    )
