"""The cosmos.upgrade.v1beta1 Query service, on the view keeper."""

from __future__ import annotations

from cosmos.upgrade.v1beta1 import query_pb2, upgrade_pb2

from aichain.app.context import Context
from aichain.app.router import Router
from aichain.modules.upgrade.keeper import ViewKeeper


class QueryServer:
    """The scheduled plan, applied upgrades, the authority."""

    def __init__(self, keeper: ViewKeeper, authority: str, module_names: tuple[str, ...]) -> None:
        self.keeper = keeper
        self.authority_address = authority
        self.module_names = tuple(sorted(module_names))

    def current_plan(
        self, ctx: Context, req: query_pb2.QueryCurrentPlanRequest
    ) -> query_pb2.QueryCurrentPlanResponse:
        """The scheduled plan (none: an empty response)."""
        plan = self.keeper.get_plan(ctx)
        return query_pb2.QueryCurrentPlanResponse(plan=plan)

    def applied_plan(
        self, ctx: Context, req: query_pb2.QueryAppliedPlanRequest
    ) -> query_pb2.QueryAppliedPlanResponse:
        """Height the named upgrade was applied at (0: never)."""
        return query_pb2.QueryAppliedPlanResponse(height=self.keeper.get_done_height(ctx, req.name))

    def module_versions(
        self, ctx: Context, req: query_pb2.QueryModuleVersionsRequest
    ) -> query_pb2.QueryModuleVersionsResponse:
        """Module consensus versions: every module is at version 1 (no migration yet)."""
        names = [n for n in self.module_names if not req.module_name or n == req.module_name]
        return query_pb2.QueryModuleVersionsResponse(
            module_versions=[upgrade_pb2.ModuleVersion(name=n, version=1) for n in names]
        )

    def authority(
        self, ctx: Context, req: query_pb2.QueryAuthorityRequest
    ) -> query_pb2.QueryAuthorityResponse:
        """Who may schedule upgrades."""
        return query_pb2.QueryAuthorityResponse(address=self.authority_address)


def register_queries(router: Router, server: QueryServer) -> None:
    """Adds the upgrade Query service."""
    router.add_query_service(
        query_pb2,
        [
            ("CurrentPlan", server.current_plan),
            ("AppliedPlan", server.applied_plan),
            ("ModuleVersions", server.module_versions),
            ("Authority", server.authority),
        ],
    )
