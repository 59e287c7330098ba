"""The aichain.datanet.v1 Query service, on the view keeper; lists are streamed pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from cosmos.base.query.v1beta1 import pagination_pb2

from aichain.app.context import Context
from aichain.app.crypto import parse_account_address
from aichain.app.errors import InvalidRequestError
from aichain.app.pagination import DEFAULT_LIMIT, MAX_LIMIT
from aichain.app.router import Router
from aichain.datanet.v1 import query_pb2
from aichain.modules.datanet import keys
from aichain.modules.datanet.errors import RecordNotInVersionError
from aichain.modules.datanet.keeper import ViewKeeper

T = TypeVar("T")


def page_dense(
    first: int, last: int, page: pagination_pb2.PageRequest, fetch: Callable[[int], T]
) -> tuple[list[T], pagination_pb2.PageResponse]:
    """A page of a collection numbered densely from first to last (ids or positions that all
    exist): the page's items are fetched by number, so any page costs the same wherever it
    lies. Keys are u64 numbers; next_key is the number after the page. Raises
    InvalidRequestError if both key and offset are set."""
    if page.key and page.offset:
        raise InvalidRequestError("pagination: set either key or offset, not both")
    limit = min(page.limit or DEFAULT_LIMIT, MAX_LIMIT)
    step = -1 if page.reverse else 1
    if page.key:
        if len(page.key) != 8:  # found by tests/fuzz: it reached read_u64 as an internal error
            raise InvalidRequestError(
                f"pagination key must be the 8-byte next_key of an earlier page, got "
                f"{len(page.key)} bytes"
            )
        start = keys.read_u64(page.key)
    else:
        start = last - page.offset if page.reverse else first + page.offset
    numbers = []
    n = start
    while first <= n <= last and len(numbers) < limit:
        numbers.append(n)
        n += step
    info = pagination_pb2.PageResponse()
    if first <= n <= last:
        info.next_key = keys.u64(n)
    if page.count_total:
        info.total = max(0, last - first + 1)
    return [fetch(number) for number in numbers], info


class QueryServer:
    """Datanets, records, versions, history, proofs, earnings and access."""

    def __init__(self, keeper: ViewKeeper) -> None:
        self.keeper = keeper

    def params(
        self, ctx: Context, req: query_pb2.QueryParamsRequest
    ) -> query_pb2.QueryParamsResponse:
        """The datanet params."""
        return query_pb2.QueryParamsResponse(params=self.keeper.get_params(ctx).to_proto())

    def datanet(
        self, ctx: Context, req: query_pb2.QueryDatanetRequest
    ) -> query_pb2.QueryDatanetResponse:
        """One datanet. Raises DatanetNotFoundError."""
        return query_pb2.QueryDatanetResponse(datanet=self.keeper.require_datanet(ctx, req.id))

    def datanets(
        self, ctx: Context, req: query_pb2.QueryDatanetsRequest
    ) -> query_pb2.QueryDatanetsResponse:
        """Every datanet, paginated by id."""
        last = self.keeper.get_next_datanet_id(ctx) - 1
        page, info = page_dense(
            1, last, req.pagination, lambda i: self.keeper.require_datanet(ctx, i)
        )
        return query_pb2.QueryDatanetsResponse(datanets=page, pagination=info)

    def record(
        self, ctx: Context, req: query_pb2.QueryRecordRequest
    ) -> query_pb2.QueryRecordResponse:
        """One record. Raises RecordNotFoundError."""
        record = self.keeper.require_record(ctx, req.datanet_id, req.record_id)
        return query_pb2.QueryRecordResponse(record=record)

    def records(
        self, ctx: Context, req: query_pb2.QueryRecordsRequest
    ) -> query_pb2.QueryRecordsResponse:
        """A datanet's records, paginated by id. Raises DatanetNotFoundError."""
        datanet = self.keeper.require_datanet(ctx, req.datanet_id)
        page, info = page_dense(
            1,
            datanet.record_count,
            req.pagination,
            lambda i: self.keeper.require_record(ctx, req.datanet_id, i),
        )
        return query_pb2.QueryRecordsResponse(records=page, pagination=info)

    def version(
        self, ctx: Context, req: query_pb2.QueryVersionRequest
    ) -> query_pb2.QueryVersionResponse:
        """One version and its rewards. Raises VersionNotFoundError."""
        found = self.keeper.require_version(ctx, req.datanet_id, req.version)
        rewards = self.keeper.get_rewards(ctx, req.datanet_id, req.version)
        return query_pb2.QueryVersionResponse(version=found, rewards=rewards.to_proto())

    def versions(
        self, ctx: Context, req: query_pb2.QueryVersionsRequest
    ) -> query_pb2.QueryVersionsResponse:
        """A datanet's versions, paginated. Raises DatanetNotFoundError."""
        datanet = self.keeper.require_datanet(ctx, req.datanet_id)
        page, info = page_dense(
            1,
            datanet.latest_version,
            req.pagination,
            lambda v: self.keeper.require_version(ctx, req.datanet_id, v),
        )
        return query_pb2.QueryVersionsResponse(versions=page, pagination=info)

    def version_records(
        self, ctx: Context, req: query_pb2.QueryVersionRecordsRequest
    ) -> query_pb2.QueryVersionRecordsResponse:
        """A version's ordered record list, paginated by position. Raises
        VersionNotFoundError."""
        found = self.keeper.require_version(ctx, req.datanet_id, req.version)
        entries, info = page_dense(
            0,
            found.size - 1,
            req.pagination,
            lambda p: self.keeper.get_entry(ctx, req.datanet_id, req.version, p).to_proto(),
        )
        return query_pb2.QueryVersionRecordsResponse(entries=entries, pagination=info)

    def history(
        self, ctx: Context, req: query_pb2.QueryHistoryRequest
    ) -> query_pb2.QueryHistoryResponse:
        """A datanet's history, oldest first, paginated. Raises DatanetNotFoundError."""
        datanet = self.keeper.require_datanet(ctx, req.datanet_id)
        page, info = page_dense(
            1,
            datanet.history_count,
            req.pagination,
            lambda seq: self.keeper.require_history(ctx, req.datanet_id, seq),
        )
        return query_pb2.QueryHistoryResponse(entries=page, pagination=info)

    def record_proof(
        self, ctx: Context, req: query_pb2.QueryRecordProofRequest
    ) -> query_pb2.QueryRecordProofResponse:
        """A record's audit path in a version, and the version with its store key.

        Raises VersionNotFoundError, RecordNotInVersionError."""
        found = self.keeper.require_version(ctx, req.datanet_id, req.version)
        position = self.keeper.get_position(ctx, req.datanet_id, req.version, req.record_id)
        if position is None:
            raise RecordNotInVersionError(
                f"record {req.record_id} is not in version {req.version} of datanet "
                f"{req.datanet_id}"
            )
        entry = self.keeper.get_entry(ctx, req.datanet_id, req.version, position)
        path = self.keeper.get_audit_path(ctx, req.datanet_id, req.version, position, found.size)
        return query_pb2.QueryRecordProofResponse(
            entry=entry.to_proto(),
            audit_path=path,
            version=found,
            version_store_key=keys.version_key(req.datanet_id, req.version),
        )

    def earnings(
        self, ctx: Context, req: query_pb2.QueryEarningsRequest
    ) -> query_pb2.QueryEarningsResponse:
        """What a contributor can claim per version. Raises InvalidAddressError,
        DatanetNotFoundError."""
        contributor = parse_account_address(req.contributor)
        self.keeper.require_datanet(ctx, req.datanet_id)
        rows = list(self.keeper.iter_earnings(ctx, req.datanet_id, contributor))
        return query_pb2.QueryEarningsResponse(
            versions=[
                query_pb2.VersionEarning(version=v, weight=w, claimable=str(c)) for v, w, c in rows
            ],
            total=str(sum(c for _, _, c in rows)),
        )

    def access(
        self, ctx: Context, req: query_pb2.QueryAccessRequest
    ) -> query_pb2.QueryAccessResponse:
        """Whether an account may train on a datanet. Raises InvalidAddressError,
        DatanetNotFoundError."""
        how = self.keeper.get_access(ctx, req.datanet_id, parse_account_address(req.account))
        return query_pb2.QueryAccessResponse(allowed=how is not None, how=how or "")


def register_queries(router: Router, server: QueryServer) -> None:
    """Adds the datanet Query service."""
    router.add_query_service(
        query_pb2,
        [
            ("Params", server.params),
            ("Datanet", server.datanet),
            ("Datanets", server.datanets),
            ("Record", server.record),
            ("Records", server.records),
            ("Version", server.version),
            ("Versions", server.versions),
            ("VersionRecords", server.version_records),
            ("History", server.history),
            ("RecordProof", server.record_proof),
            ("Earnings", server.earnings),
            ("Access", server.access),
        ],
    )
