"""The REST gateway (`:1317`): every gRPC method the node serves, over HTTP/JSON, on the routes
its proto declares with `google.api.http` (as the Cosmos SDK's grpc-gateway serves them).

Routes are derived from the annotations, never written by hand: a module whose Query service
is registered with the router appears here too. A request becomes the method's request
message (path parameters, then query parameters such as `pagination.limit`, then a JSON body
where the rule says `body: "*"`), is sent to the node's own gRPC server on loopback with the
`x-cosmos-block-height` header passed on as metadata, and the answer is written as proto3
JSON with the proto field names and defaults included (the SDK gateway's marshaler options).
Errors use the gateway's shape, `{"code": <gRPC code>, "message": ..., "details": []}`, with
the HTTP status grpc-gateway maps each code to. A client over its rate limit gets 429 with
Retry-After before its request is read (node/ratelimit.py, app.toml [rate-limit]).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from aiohttp import web
from google.api import annotations_pb2
from google.protobuf import descriptor, descriptor_pool, json_format, symbol_database
from google.protobuf.message import Message

from aichain.node.ratelimit import (
    GATEWAY_HEADER,
    GATEWAY_TOKEN,
    ClientLimiter,
    aiohttp_rate_limit,
)

log = logging.getLogger("aichain.rest")

HEIGHT_HEADER = "x-cosmos-block-height"
"""Request header (and gRPC metadata) naming the height a query reads at."""

MAX_BODY_BYTES = 10 * 1024 * 1024
"""Largest request body the gateway reads (a tx is at most 1 MiB; simulate takes one tx)."""

CALL_TIMEOUT_S = 30.0
"""How long one proxied gRPC call may take."""

HTTP_STATUS = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500,
}
"""HTTP status of each gRPC code, as grpc-gateway's HTTPStatusFromCode maps them."""

LEGACY_ALIASES = {"/node_info": "/cosmos.base.tendermint.v1beta1.Service/GetNodeInfo"}
"""Older REST paths still used by some tools, served by the method they map to."""

_TEMPLATE_VAR = re.compile(r"\{([a-zA-Z0-9_.]+)(=[^}]*)?\}")


@dataclass(frozen=True, slots=True)
class Route:
    """One HTTP route of one gRPC method."""

    http_method: str
    path: str
    """The annotation's template, e.g. /cosmos/bank/v1beta1/balances/{address}."""
    grpc_path: str
    """/package.Service/Method."""
    request: type[Message]
    response: type[Message]
    body: str
    """"*" when the JSON body is the request, else empty."""


def routes_of(methods: Iterable[str]) -> list[Route]:
    """The HTTP routes of the given gRPC method paths (/pkg.Service/Method) that carry a
    `google.api.http` rule (its additional bindings included). Methods without one are left
    out."""
    pool = descriptor_pool.Default()
    db = symbol_database.Default()
    routes = []
    for grpc_path in methods:
        service_name, method_name = grpc_path.strip("/").split("/")
        method = pool.FindServiceByName(service_name).methods_by_name[method_name]
        rule = method.GetOptions().Extensions[annotations_pb2.http]
        request = db.GetSymbol(method.input_type.full_name)
        response = db.GetSymbol(method.output_type.full_name)
        for binding in (rule, *rule.additional_bindings):
            pattern = binding.WhichOneof("pattern")
            if pattern is None or pattern == "custom":
                continue
            path = getattr(binding, pattern)
            routes.append(Route(pattern.upper(), path, grpc_path, request, response, binding.body))
    return routes


def aiohttp_path(template: str) -> str:
    """An annotation template in aiohttp's syntax: {x} stays, {x=**} matches several segments,
    dots in variable names become double underscores."""

    def convert(match: re.Match[str]) -> str:
        name = match.group(1).replace(".", "__")
        pattern = match.group(2)
        if pattern and "**" in pattern:
            return "{" + name + ":.+}"
        return "{" + name + "}"

    return _TEMPLATE_VAR.sub(convert, template)


def sdk_json(message: Message) -> dict[str, Any]:
    """message as the SDK's gateway writes it: proto field names, defaults included, and an
    empty bytes field as null (gogoproto's jsonpb), e.g. `"next_key": null`."""
    body = json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    _null_empty_bytes(body, message.DESCRIPTOR)
    return body


def _null_empty_bytes(body: dict[str, Any], desc: descriptor.Descriptor) -> None:
    for field in desc.fields:
        value = body.get(field.name)
        if value is None:
            continue
        if field.type == descriptor.FieldDescriptor.TYPE_BYTES and not field.is_repeated:
            if value == "":
                body[field.name] = None
        elif (
            field.message_type is not None and field.message_type.full_name != "google.protobuf.Any"
        ):
            if field.message_type.GetOptions().map_entry:
                continue
            items = value if field.is_repeated else [value]
            for item in items:
                if isinstance(item, dict):
                    _null_empty_bytes(item, field.message_type)


class RestError(Exception):
    """A request the gateway refuses before calling gRPC (bad parameter or body)."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def error_response(code: grpc.StatusCode, message: str) -> web.Response:
    """The gateway's error JSON with the HTTP status of code."""
    body = {"code": code.value[0], "message": message, "details": []}
    return web.json_response(body, status=HTTP_STATUS.get(code, 500))


def _field_value(field: descriptor.FieldDescriptor, text: str) -> Any:
    """A query or path parameter as the JSON value ParseDict wants for field. Raises
    RestError."""
    kind = field.type
    try:
        if kind == descriptor.FieldDescriptor.TYPE_BOOL:
            if text.lower() not in ("true", "false", "1", "0"):
                raise ValueError(f"expected true or false, got {text!r}")
            return text.lower() in ("true", "1")
        if kind in (
            descriptor.FieldDescriptor.TYPE_INT32,
            descriptor.FieldDescriptor.TYPE_SINT32,
            descriptor.FieldDescriptor.TYPE_UINT32,
            descriptor.FieldDescriptor.TYPE_FIXED32,
            descriptor.FieldDescriptor.TYPE_SFIXED32,
        ):
            return int(text)
        if kind in (
            descriptor.FieldDescriptor.TYPE_INT64,
            descriptor.FieldDescriptor.TYPE_SINT64,
            descriptor.FieldDescriptor.TYPE_UINT64,
            descriptor.FieldDescriptor.TYPE_FIXED64,
            descriptor.FieldDescriptor.TYPE_SFIXED64,
        ):
            return str(int(text))
        if kind == descriptor.FieldDescriptor.TYPE_BYTES:
            padded = text.replace(" ", "+") + "=" * (-len(text) % 4)
            base64.b64decode(padded, altchars=b"-_" if "-" in text or "_" in text else None)
            return padded.replace("-", "+").replace("_", "/")
    except ValueError as exc:
        raise RestError(
            grpc.StatusCode.INVALID_ARGUMENT, f"parameter {field.name}: {exc}"
        ) from None
    return text


def _set_param(
    target: dict[str, Any], message: descriptor.Descriptor, dotted: str, text: str
) -> None:
    """Sets dotted (e.g. pagination.limit) in target, a dict for ParseDict of message.
    Raises RestError for a name the message has no field for."""
    *parents, leaf = dotted.split(".")
    desc = message
    node = target
    for part in parents:
        field = desc.fields_by_name.get(part)
        if field is None or field.message_type is None:
            raise RestError(grpc.StatusCode.INVALID_ARGUMENT, f"unknown parameter {dotted!r}")
        node = node.setdefault(part, {})
        desc = field.message_type
    field = desc.fields_by_name.get(leaf)
    if field is None:
        raise RestError(grpc.StatusCode.INVALID_ARGUMENT, f"unknown parameter {dotted!r}")
    value = _field_value(field, text)
    if field.is_repeated:
        node.setdefault(leaf, []).append(value)
    else:
        node[leaf] = value


async def build_request(route: Route, request: web.Request) -> Message:
    """The gRPC request message of an HTTP request. Raises RestError."""
    fields: dict[str, Any] = {}
    if route.body == "*" and request.can_read_body:
        if request.content_length and request.content_length > MAX_BODY_BYTES:
            raise RestError(grpc.StatusCode.INVALID_ARGUMENT, "request body too large")
        try:
            fields = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RestError(grpc.StatusCode.INVALID_ARGUMENT, f"body is not JSON: {exc}") from None
        if not isinstance(fields, dict):
            raise RestError(grpc.StatusCode.INVALID_ARGUMENT, "body must be a JSON object")
    desc = route.request.DESCRIPTOR
    for name, value in request.query.items():
        _set_param(fields, desc, name, value)
    for name, value in request.match_info.items():
        _set_param(fields, desc, name.replace("__", "."), value)
    try:
        return json_format.ParseDict(fields, route.request())
    except json_format.ParseError as exc:
        raise RestError(grpc.StatusCode.INVALID_ARGUMENT, str(exc)) from None


class Gateway:
    """The aiohttp application: one handler per route, each a call to the node's gRPC."""

    def __init__(
        self,
        grpc_target: str,
        routes: Sequence[Route],
        cors: bool = False,
        limiter: ClientLimiter | None = None,
    ) -> None:
        self.grpc_target = grpc_target
        self.routes = tuple(routes)
        self.cors = cors
        self.limiter = limiter
        self.channel: grpc.aio.Channel | None = None

    def make_app(self) -> web.Application:
        """The aiohttp application serving every route."""
        middlewares = [self._errors]
        if self.limiter is not None and self.limiter.limit.enabled:
            middlewares.insert(0, aiohttp_rate_limit(self.limiter, self._refusal))
        app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=middlewares)
        by_grpc = {r.grpc_path: r for r in self.routes}
        # grpc-gateway tries the last registered pattern first (auth's bech32/{address_string}
        # wins over bech32/{address_bytes}); aiohttp tries the first, so add them reversed.
        for route in reversed(self.routes):
            app.router.add_route(route.http_method, aiohttp_path(route.path), self._handler(route))
        for path, grpc_path in LEGACY_ALIASES.items():
            if grpc_path in by_grpc:
                app.router.add_route("GET", path, self._handler(by_grpc[grpc_path]))
        app.on_startup.append(self._open)
        app.on_cleanup.append(self._close)
        return app

    async def _open(self, _app: web.Application) -> None:
        self.channel = grpc.aio.insecure_channel(self.grpc_target)

    async def _close(self, _app: web.Application) -> None:
        if self.channel is not None:
            await self.channel.close()

    def _refusal(self, message: str) -> web.Response:
        """A rate-limited client's answer: the gateway's error shape, 429 (RESOURCE_EXHAUSTED);
        the middleware (node/ratelimit.py) adds Retry-After."""
        response = error_response(grpc.StatusCode.RESOURCE_EXHAUSTED, message)
        if self.cors:
            response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    @web.middleware
    async def _errors(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Unknown routes and methods in the gateway's error shape; CORS headers if on."""
        try:
            response = await handler(request)
        except web.HTTPNotFound:
            response = error_response(grpc.StatusCode.NOT_FOUND, f"no route {request.path}")
        except web.HTTPMethodNotAllowed:
            response = error_response(
                grpc.StatusCode.UNIMPLEMENTED, f"{request.method} is not served on {request.path}"
            )
        except web.HTTPRequestEntityTooLarge:
            response = error_response(grpc.StatusCode.INVALID_ARGUMENT, "request body too large")
        except Exception:
            log.exception("REST request %s %s failed", request.method, request.path)
            response = error_response(grpc.StatusCode.INTERNAL, "internal error")
        if self.cors:
            response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    def _handler(self, route: Route) -> Any:
        async def handle(request: web.Request) -> web.Response:
            try:
                message = await build_request(route, request)
            except RestError as exc:
                return error_response(exc.code, exc.message)
            metadata = [(GATEWAY_HEADER, GATEWAY_TOKEN)]
            height = request.headers.get(HEIGHT_HEADER)
            if height is not None:
                metadata.append((HEIGHT_HEADER, height))
            assert self.channel is not None
            method = self.channel.unary_unary(
                route.grpc_path,
                request_serializer=route.request.SerializeToString,
                response_deserializer=route.response.FromString,
            )
            grpc_call = method(message, metadata=metadata, timeout=CALL_TIMEOUT_S)
            try:
                answer = await grpc_call
            except grpc.aio.AioRpcError as exc:
                return error_response(exc.code(), exc.details() or exc.code().name)
            response = web.json_response(sdk_json(answer))
            for key, value in await grpc_call.initial_metadata() or ():
                if key == HEIGHT_HEADER:
                    response.headers[HEIGHT_HEADER] = str(value)
            return response

        return handle


class HttpThread:
    """An aiohttp application on its own thread and event loop, so HTTP clients never hold up
    ABCI (the REST gateway, the metrics endpoint)."""

    def __init__(
        self, make_app: Callable[[], web.Application], host: str, port: int, name: str
    ) -> None:
        self.make_app = make_app
        self.name = name
        self.host = host
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> HttpThread:
        """Binds and serves; returns once listening. Raises OSError when it cannot bind."""
        self._thread.start()
        self._started.wait(30)
        if self._error is not None:
            raise OSError(f"{self.name} cannot listen on {self.host}:{self.port}: {self._error}")
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to start()
            self._error = exc
            self._started.set()
            return
        self._started.set()
        self._loop.run_forever()

    async def _serve(self) -> None:
        self._runner = web.AppRunner(self.make_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sockets = site._server.sockets if site._server is not None else ()  # noqa: SLF001
        if sockets:
            self.port = sockets[0].getsockname()[1]
        log.info("%s listening on http://%s:%d", self.name, self.host, self.port)

    def stop(self) -> None:
        """Stops serving and joins the thread."""
        if not self._thread.is_alive():
            return

        async def shutdown() -> None:
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout=15)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=15)


def served_methods(
    app_query_paths: Iterable[str], services: Sequence[tuple[type, descriptor.ServiceDescriptor]]
) -> list[str]:
    """gRPC method paths the node serves: the app's query routes, and the methods each
    servicer class implements itself (not the generated base's UNIMPLEMENTED stubs)."""
    methods = sorted(app_query_paths)
    for servicer, service_desc in services:
        for method in service_desc.methods:
            if method.name in servicer.__dict__:
                methods.append(f"/{service_desc.full_name}/{method.name}")
    return methods


def start_rest_server(
    app_query_paths: Iterable[str],
    services: Sequence[tuple[type, descriptor.ServiceDescriptor]],
    address: str,
    grpc_port: int,
    cors: bool = False,
    limiter: ClientLimiter | None = None,
) -> HttpThread:
    """Starts the gateway on address (tcp://HOST:PORT or HOST:PORT; port 0 picks one),
    proxying to the gRPC server on 127.0.0.1:grpc_port; limiter, when given, rate-limits
    each client address (429 with Retry-After)."""
    host, port = parse_listen(address)
    routes = routes_of(served_methods(app_query_paths, services))
    gateway = Gateway(f"127.0.0.1:{grpc_port}", routes, cors, limiter)
    return HttpThread(gateway.make_app, host, port, "REST gateway").start()


def parse_listen(address: str) -> tuple[str, int]:
    """(host, port) of tcp://HOST:PORT or HOST:PORT. Raises ValueError."""
    rest = address.removeprefix("tcp://")
    host, sep, port = rest.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ValueError(f"api address {address!r}: expected tcp://HOST:PORT")
    return host.strip("[]"), int(port)
