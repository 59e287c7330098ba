"""Message and query routing: type URL -> handler, query path -> handler."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message

from aichain.app.context import Context
from aichain.app.errors import UnknownRequestError


@dataclass(frozen=True, slots=True)
class MsgRoute:
    """How to decode, check, authorise and execute one message type."""

    type_url: str
    proto: type[Message]
    signers: Callable[[Any], tuple[bytes, ...]]
    validate_basic: Callable[[Any], None]
    handler: Callable[[Context, Any], Message]
    module: str


MsgSpec = tuple[
    str,
    type[Message],
    Callable[[Any], tuple[bytes, ...]],
    Callable[[Any], None],
    Callable[[Context, Any], Message],
]
"""One message of a module: type URL, proto class, signers, validate_basic, handler."""


@dataclass(frozen=True, slots=True)
class QueryRoute:
    """A gRPC query method served over ABCI Query and the gRPC server."""

    path: str
    request: type[Message]
    response: type[Message]
    handler: Callable[[Context, Any], Message]


class Router:
    """Holds every module's message and query routes; refuses duplicates."""

    def __init__(self) -> None:
        self.msgs: dict[str, MsgRoute] = {}
        self.queries: dict[str, QueryRoute] = {}

    def add_msg(self, route: MsgRoute) -> None:
        """Registers a message route."""
        if route.type_url in self.msgs:
            raise ValueError(f"message {route.type_url} registered twice")
        self.msgs[route.type_url] = route

    def add_msgs(self, module: str, routes: Iterable[MsgSpec]) -> None:
        """Registers a module's messages: (type URL, proto class, signers, validate_basic,
        handler) each."""
        for type_url, proto, signers, validate_basic, handler in routes:
            self.add_msg(MsgRoute(type_url, proto, signers, validate_basic, handler, module))

    def add_query(self, route: QueryRoute) -> None:
        """Registers a query route."""
        if route.path in self.queries:
            raise ValueError(f"query {route.path} registered twice")
        self.queries[route.path] = route

    def add_query_service(
        self, pb2_module: Any, methods: list[tuple[str, Callable[[Context, Any], Message]]]
    ) -> None:
        """Registers methods of a generated query_pb2 module's `Query` service by name; paths
        are /<package>.Query/<Method>, request and response types come from the descriptor."""
        service = pb2_module.DESCRIPTOR.services_by_name["Query"]
        for name, handler in methods:
            method = service.methods_by_name[name]
            self.add_query(
                QueryRoute(
                    f"/{service.full_name}/{name}",
                    getattr(pb2_module, method.input_type.name),
                    getattr(pb2_module, method.output_type.name),
                    handler,
                )
            )

    def msg_route(self, type_url: str) -> MsgRoute:
        """The route of a message type. Raises UnknownRequestError."""
        route = self.msgs.get(type_url)
        if route is None:
            raise UnknownRequestError(
                f"unrecognized message type {type_url!r}; this chain accepts: "
                + ", ".join(sorted(self.msgs))
            )
        return route

    def query_route(self, path: str) -> QueryRoute:
        """The route of a query path. Raises UnknownRequestError."""
        route = self.queries.get(path)
        if route is None:
            raise UnknownRequestError(f"unknown query path {path!r}")
        return route
