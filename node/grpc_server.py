"""The node's gRPC server: module queries, the tx service, the tendermint service, reflection.

Every query route the app registered (`app.router.queries`) is served generically: the raw
request bytes go to `app.query_grpc`, so a new module's Query service needs no code here.
`cosmos.tx.v1beta1.Service` and `cosmos.base.tendermint.v1beta1.Service` are served as the
Cosmos SDK serves them, reaching CometBFT through its JSON-RPC. Errors map as follows: an
AppError becomes its `grpc_status` with the SDK-style message `<message>: <short name>` and
the trailers `x-cosmos-codespace` / `x-cosmos-code`; CometBFT unreachable becomes UNAVAILABLE;
anything else becomes INTERNAL "internal error" (logged here, never sent).

Threads: gRPC handlers run in a thread pool beside the ABCI event loop. Queries and Simulate
take `app.lock`; BroadcastTx never does, because CometBFT calls back into the app (CheckTx)
before it answers.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent import futures
from importlib import metadata
from typing import Any, NoReturn, Protocol, TypeVar

import grpc
from cosmos.base.abci.v1beta1 import abci_pb2 as abci_types
from cosmos.base.query.v1beta1 import pagination_pb2
from cosmos.base.tendermint.v1beta1 import query_pb2 as tm_pb2
from cosmos.base.tendermint.v1beta1 import query_pb2_grpc as tm_grpc
from cosmos.tx.v1beta1 import service_pb2 as tx_pb2
from cosmos.tx.v1beta1 import service_pb2_grpc as tx_grpc
from cosmos.tx.v1beta1 import tx_pb2 as tx_types
from google.protobuf import message_factory
from google.protobuf.message import DecodeError
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from tendermint.abci import types_pb2 as abci

from aichain.app.baseapp import APP_NAME, BaseApp
from aichain.app.errors import AppError, InvalidRequestError, to_abci
from aichain.client.rpc import RPCError
from aichain.client.txsearch import search_txs
from aichain.node import cosmos_convert as conv
from aichain.node.ratelimit import ClientLimiter, grpc_peer_host, is_gateway, retry_after_seconds

log = logging.getLogger("aichain.grpc")

COSMOS_SDK_VERSION = "v0.53.8"
"""The Cosmos SDK release whose protos and gRPC services this node speaks."""

CODESPACE_KEY = "x-cosmos-codespace"
"""Trailing metadata key carrying a failed call's error codespace."""

CODE_KEY = "x-cosmos-code"
"""Trailing metadata key carrying a failed call's error code."""

HEIGHT_KEY = "x-cosmos-block-height"
"""Initial metadata key with the height a query answered at (as the SDK sends it)."""

DEFAULT_TX_LIMIT = 100
"""Page size of GetTxsEvent when the request sets none (the SDK's default)."""

MAX_PER_PAGE = 100
"""Largest page CometBFT's tx_search and validators return."""

MAX_REQUEST_BYTES = 4 * 1024 * 1024
"""Largest request message the server reads (gRPC's default, written down: a tx is at most
1 MiB); a larger one is refused with RESOURCE_EXHAUSTED before a handler runs."""

# CometBFT rejects some txs with an RPC error rather than a CheckTx result; the SDK turns
# these into a TxResponse with its own codes, so clients see a code, not a transport error.
_COMET_TX_ERRORS = (
    ("tx already exists in cache", 19, "tx already in mempool"),
    ("mempool is full", 20, "mempool is full"),
    ("tx too large", 21, "tx too large"),
)


class NodeRPC(Protocol):
    """What the gRPC server needs from CometBFT: one JSON-RPC call (client.rpc.CometRPC)."""

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """One JSON-RPC call; returns its result. Raises RPCError."""
        ...


class GrpcServer(grpc.Server):
    """A started grpc.Server that also tells its bound port and the services it serves."""

    def __init__(self, inner: grpc.Server, port: int, services: Sequence[str]) -> None:
        self._inner = inner
        self.port = port
        self.services = tuple(services)

    def add_generic_rpc_handlers(self, generic_rpc_handlers: Any) -> None:
        """Adds handlers (before start)."""
        self._inner.add_generic_rpc_handlers(generic_rpc_handlers)

    def add_registered_method_handlers(self, service_name: Any, method_handlers: Any) -> None:
        """Adds registered method handlers (before start)."""
        self._inner.add_registered_method_handlers(service_name, method_handlers)

    def add_insecure_port(self, address: str) -> int:
        """Binds one more plaintext port."""
        return self._inner.add_insecure_port(address)

    def add_secure_port(self, address: str, server_credentials: Any) -> int:
        """Binds one more TLS port."""
        return self._inner.add_secure_port(address, server_credentials)

    def start(self) -> None:
        """Starts serving (start_grpc_server already did)."""
        self._inner.start()

    def stop(self, grace: float | None) -> Any:
        """Stops serving; returns a threading.Event set once stopped."""
        return self._inner.stop(grace)

    def wait_for_termination(self, timeout: float | None = None) -> bool:
        """Blocks until the server stops or timeout passes."""
        return self._inner.wait_for_termination(timeout)


# --- errors -------------------------------------------------------------------------------


class StatusError(Exception):
    """Ends a call with a gRPC status and message (raised by the handlers here)."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def abort_with(context: grpc.ServicerContext, exc: BaseException) -> NoReturn:
    """Ends the call with the status an exception maps to (never a traceback)."""
    if isinstance(exc, StatusError):
        context.abort(exc.code, exc.message)
    if isinstance(exc, AppError) and not exc.abstract:
        context.set_trailing_metadata(((CODESPACE_KEY, exc.codespace), (CODE_KEY, str(exc.code))))
        context.abort(exc.grpc_status, to_abci(exc).log)
    if isinstance(exc, RPCError):
        context.abort(grpc.StatusCode.UNAVAILABLE, f"CometBFT RPC: {exc}")
    log.error("gRPC internal error", exc_info=exc)
    context.abort(grpc.StatusCode.INTERNAL, "internal error")


F = TypeVar("F", bound=Callable[..., Any])


def grpc_method(method: F) -> F:
    """Wraps a servicer method so any exception it raises becomes the call's status."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return method(self, request, context)
        except Exception as exc:
            abort_with(context, exc)

    return wrapper  # type: ignore[return-value]


def no_rpc() -> StatusError:
    """The error of a tx/tendermint call on a server started without a CometBFT client."""
    return StatusError(
        grpc.StatusCode.UNAVAILABLE,
        "this gRPC server has no CometBFT RPC client (it serves app queries only); "
        "start it with the node to use this method",
    )


# --- generic module queries -----------------------------------------------------------------


def split_query_path(path: str) -> tuple[str, str]:
    """'/pkg.Service/Method' -> ('pkg.Service', 'Method'). Raises ValueError."""
    service, sep, method = path.lstrip("/").partition("/")
    if not sep or not service or not method or "/" in method:
        raise ValueError(f"query path {path!r} is not /package.Service/Method")
    return service, method


def query_services(paths: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    """Query paths grouped by service: service -> [(method, path)], in sorted order."""
    grouped: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for path in sorted(paths):
        service, method = split_query_path(path)
        grouped[service].append((method, path))
    return dict(grouped)


def requested_height(metadata: Sequence[tuple[str, Any]] | None) -> int:
    """The height a query asks for in its `x-cosmos-block-height` request metadata (as Cosmos
    SDK clients send it); 0 (the latest) when absent. Raises InvalidRequestError when it is
    not a non-negative integer."""
    for key, value in metadata or ():
        if key == HEIGHT_KEY:
            text = value.decode() if isinstance(value, bytes) else str(value)
            if not text.isdigit():
                raise InvalidRequestError(
                    f"{HEIGHT_KEY} must be a block height (a non-negative integer), got {text!r}"
                )
            return int(text)
    return 0


def _query_handler(app: BaseApp, path: str) -> Callable[[bytes, grpc.ServicerContext], bytes]:
    """A raw-bytes unary handler that runs one registered query on the app."""

    def handle(request: bytes, context: grpc.ServicerContext) -> bytes:
        try:
            asked = requested_height(context.invocation_metadata())
            with app.lock:
                height = app.root.check_version(asked)
                answer = app.query_grpc(path, request, height)
        except Exception as exc:
            abort_with(context, exc)
        context.send_initial_metadata(((HEIGHT_KEY, str(height)),))
        return answer

    return handle


def query_handlers(app: BaseApp) -> list[grpc.GenericRpcHandler]:
    """One generic handler per query service the app's router holds."""
    handlers = []
    for service, methods in query_services(list(app.router.queries)).items():
        table = {
            method: grpc.unary_unary_rpc_method_handler(_query_handler(app, path))
            for method, path in methods
        }
        handlers.append(grpc.method_handlers_generic_handler(service, table))
    return handlers


# --- CometBFT calls -------------------------------------------------------------------------


def call_comet(rpc: NodeRPC | None, method: str, **params: Any) -> dict[str, Any]:
    """One CometBFT call. Raises StatusError (no client), RPCError."""
    if rpc is None:
        raise no_rpc()
    return rpc.call(method, **params)


def get_block(rpc: NodeRPC | None, height: int) -> dict[str, Any]:
    """/block at height (0: latest). Raises StatusError for heights CometBFT refuses."""
    try:
        return call_comet(rpc, "block", **({"height": str(height)} if height else {}))
    except RPCError as exc:
        text = str(exc)
        if "must be less than or equal to" in text:
            raise StatusError(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"requested block height {height} is above the chain's latest height",
            ) from None
        if "is not available" in text:
            raise StatusError(
                grpc.StatusCode.NOT_FOUND, f"block {height} is not available: {text}"
            ) from None
        raise


def block_time(rpc: NodeRPC | None, height: int, cache: dict[int, str]) -> str:
    """The time of the block at height as TxResponse.timestamp writes it ('' if unknown)."""
    if height not in cache:
        try:
            header = call_comet(rpc, "header", height=str(height))["header"]
            cache[height] = conv.format_time_rfc3339(header.get("time", ""))
        except (RPCError, KeyError, ValueError):
            cache[height] = ""
    return cache[height]


def decode_or_empty(raw: bytes) -> tx_types.Tx:
    """Tx bytes decoded (an empty Tx if they do not decode: CometBFT stores any bytes)."""
    try:
        return conv.decode_tx_proto(raw)
    except DecodeError:
        return tx_types.Tx()


# --- cosmos.tx.v1beta1.Service ----------------------------------------------------------------


def encode_tx(tx: tx_types.Tx) -> bytes:
    """A decoded Tx back to TxRaw bytes (body and auth info re-encoded)."""
    return tx_types.TxRaw(
        body_bytes=tx.body.SerializeToString(),
        auth_info_bytes=tx.auth_info.SerializeToString(),
        signatures=list(tx.signatures),
    ).SerializeToString()


def broadcast_response(result: dict[str, Any]) -> abci_types.TxResponse:
    """A broadcast_tx_sync/async result as the SDK's TxResponse (height 0: not in a block)."""
    return abci_types.TxResponse(
        txhash=(result.get("hash") or "").upper(),
        code=int(result.get("code") or 0),
        codespace=result.get("codespace", ""),
        raw_log=result.get("log", ""),
        data=(result.get("data") or "").upper(),
    )


def comet_tx_error(exc: RPCError, tx_bytes: bytes) -> abci_types.TxResponse | None:
    """The SDK's TxResponse for CometBFT's mempool rejections; None for other errors."""
    text = str(exc)
    for needle, code, short in _COMET_TX_ERRORS:
        if needle in text:
            return abci_types.TxResponse(
                txhash=hashlib.sha256(tx_bytes).hexdigest().upper(),
                code=code,
                codespace="sdk",
                raw_log=short,
            )
    return None


BROADCAST_METHODS = {
    tx_pb2.BROADCAST_MODE_SYNC: "broadcast_tx_sync",
    tx_pb2.BROADCAST_MODE_ASYNC: "broadcast_tx_async",
}
"""Broadcast mode -> the CometBFT RPC method that serves it."""


class TxService(tx_grpc.ServiceServicer):
    """cosmos.tx.v1beta1.Service over the app (Simulate) and CometBFT (the rest)."""

    def __init__(self, app: BaseApp, rpc: NodeRPC | None) -> None:
        self.app = app
        self.rpc = rpc

    @grpc_method
    def Simulate(self, request: tx_pb2.SimulateRequest, context: Any) -> Any:  # noqa: N802
        """Runs a tx on a throwaway branch of the check state: gas and events."""
        if not request.tx_bytes and not request.HasField("tx"):
            raise StatusError(grpc.StatusCode.INVALID_ARGUMENT, "empty txBytes is not allowed")
        raw = request.tx_bytes or encode_tx(request.tx)
        with self.app.lock:
            return self.app.simulate(raw)

    @grpc_method
    def BroadcastTx(self, request: tx_pb2.BroadcastTxRequest, context: Any) -> Any:  # noqa: N802
        """Hands the tx to CometBFT (SYNC: its CheckTx result; ASYNC: none); BLOCK is refused."""
        if not request.tx_bytes:
            raise StatusError(grpc.StatusCode.INVALID_ARGUMENT, "invalid empty tx")
        method = BROADCAST_METHODS.get(request.mode)
        if method is None:
            raise StatusError(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"unsupported broadcast mode {tx_pb2.BroadcastMode.Name(request.mode)}; "
                "use BROADCAST_MODE_SYNC (or ASYNC) and poll GetTx for the result "
                "(the Cosmos SDK removed BROADCAST_MODE_BLOCK)",
            )
        try:  # never under app.lock: CometBFT runs CheckTx on the app before it answers
            result = call_comet(self.rpc, method, tx=base64.b64encode(request.tx_bytes).decode())
        except RPCError as exc:
            rejected = comet_tx_error(exc, request.tx_bytes)
            if rejected is None:
                raise
            return tx_pb2.BroadcastTxResponse(tx_response=rejected)
        return tx_pb2.BroadcastTxResponse(tx_response=broadcast_response(result))

    @grpc_method
    def GetTx(self, request: tx_pb2.GetTxRequest, context: Any) -> Any:  # noqa: N802
        """A committed tx by hash (hex) with its result, from CometBFT's tx index."""
        if not request.hash:
            raise StatusError(grpc.StatusCode.INVALID_ARGUMENT, "tx hash cannot be empty")
        try:
            tx_hash = bytes.fromhex(request.hash)
        except ValueError:
            raise StatusError(
                grpc.StatusCode.INVALID_ARGUMENT, f"tx hash {request.hash!r} is not hex"
            ) from None
        try:
            found = call_comet(self.rpc, "tx", hash=base64.b64encode(tx_hash).decode(), prove=False)
        except RPCError as exc:
            if "not found" in str(exc):
                raise StatusError(
                    grpc.StatusCode.NOT_FOUND, f"tx not found: {request.hash}"
                ) from None
            raise
        stamp = block_time(self.rpc, int(found.get("height") or 0), {})
        return tx_pb2.GetTxResponse(
            tx=decode_or_empty(conv.b64_bytes(found.get("tx"))),
            tx_response=conv.tx_response_from_json(found, stamp),
        )

    @grpc_method
    def GetTxsEvent(self, request: tx_pb2.GetTxsEventRequest, context: Any) -> Any:  # noqa: N802
        """Committed txs matching a CometBFT event query (or the deprecated events list)."""
        query = request.query or " AND ".join(request.events)
        if not query:
            raise StatusError(grpc.StatusCode.INVALID_ARGUMENT, "query cannot be empty")
        limit = min(request.limit or DEFAULT_TX_LIMIT, MAX_PER_PAGE)
        order = "desc" if request.order_by == tx_pb2.ORDER_BY_DESC else "asc"
        if self.rpc is None:
            raise no_rpc()
        # conditions on several event types are searched per type (client/txsearch.py)
        found = search_txs(self.rpc, query, request.page or 1, limit, order)
        times: dict[int, str] = {}
        items = found.txs
        return tx_pb2.GetTxsEventResponse(
            txs=[decode_or_empty(conv.b64_bytes(item.get("tx"))) for item in items],
            tx_responses=[
                conv.tx_response_from_json(
                    item, block_time(self.rpc, int(item.get("height") or 0), times)
                )
                for item in items
            ],
            total=found.total,
        )

    @grpc_method
    def GetBlockWithTxs(self, request: tx_pb2.GetBlockWithTxsRequest, context: Any) -> Any:  # noqa: N802
        """A block with its txs decoded (offset/limit pagination over the txs)."""
        if request.height < 1:
            raise StatusError(
                grpc.StatusCode.INVALID_ARGUMENT, f"height {request.height} must be at least 1"
            )
        found = get_block(self.rpc, request.height)
        block = conv.block_from_json(found["block"])
        txs = list(block.data.txs)
        offset = request.pagination.offset
        limit = request.pagination.limit or len(txs)
        return tx_pb2.GetBlockWithTxsResponse(
            txs=[decode_or_empty(raw) for raw in txs[offset : offset + limit]],
            block_id=conv.block_id_from_json(found.get("block_id")),
            block=block,
            pagination=pagination_pb2.PageResponse(total=len(txs)),
        )

    @grpc_method
    def TxDecode(self, request: tx_pb2.TxDecodeRequest, context: Any) -> Any:  # noqa: N802
        """TxRaw bytes -> Tx."""
        try:
            return tx_pb2.TxDecodeResponse(tx=conv.decode_tx_proto(request.tx_bytes))
        except DecodeError as exc:
            raise StatusError(
                grpc.StatusCode.INVALID_ARGUMENT, f"tx does not decode: {exc}"
            ) from None

    @grpc_method
    def TxEncode(self, request: tx_pb2.TxEncodeRequest, context: Any) -> Any:  # noqa: N802
        """Tx -> TxRaw bytes."""
        return tx_pb2.TxEncodeResponse(tx_bytes=encode_tx(request.tx))


# --- cosmos.base.tendermint.v1beta1.Service ---------------------------------------------------


def application_version() -> tm_pb2.VersionInfo:
    """This app's VersionInfo (name, version of the installed package)."""
    try:
        version = metadata.version(APP_NAME)
    except metadata.PackageNotFoundError:
        version = "unknown"
    return tm_pb2.VersionInfo(
        name=APP_NAME, app_name=APP_NAME, version=version, cosmos_sdk_version=COSMOS_SDK_VERSION
    )


class TendermintService(tm_grpc.ServiceServicer):
    """cosmos.base.tendermint.v1beta1.Service over CometBFT's RPC (ABCIQuery: the app)."""

    def __init__(self, app: BaseApp, rpc: NodeRPC | None) -> None:
        self.app = app
        self.rpc = rpc

    @grpc_method
    def GetNodeInfo(self, request: tm_pb2.GetNodeInfoRequest, context: Any) -> Any:  # noqa: N802
        """CometBFT's node info and this app's version."""
        status = call_comet(self.rpc, "status")
        return tm_pb2.GetNodeInfoResponse(
            default_node_info=conv.node_info_from_json(status.get("node_info") or {}),
            application_version=application_version(),
        )

    @grpc_method
    def GetSyncing(self, request: tm_pb2.GetSyncingRequest, context: Any) -> Any:  # noqa: N802
        """Whether the node is catching up."""
        status = call_comet(self.rpc, "status")
        return tm_pb2.GetSyncingResponse(
            syncing=bool((status.get("sync_info") or {}).get("catching_up"))
        )

    @grpc_method
    def GetLatestBlock(self, request: tm_pb2.GetLatestBlockRequest, context: Any) -> Any:  # noqa: N802
        """The latest block, as tendermint.types.Block and as the SDK's Block."""
        return self._block(0, tm_pb2.GetLatestBlockResponse)

    @grpc_method
    def GetBlockByHeight(self, request: tm_pb2.GetBlockByHeightRequest, context: Any) -> Any:  # noqa: N802
        """The block at a height. INVALID_ARGUMENT above the latest height."""
        if request.height < 1:
            raise StatusError(
                grpc.StatusCode.INVALID_ARGUMENT, f"height {request.height} must be at least 1"
            )
        return self._block(request.height, tm_pb2.GetBlockByHeightResponse)

    def _block(self, height: int, response: Any) -> Any:
        """A Get*Block response for height (0: latest)."""
        found = get_block(self.rpc, height)
        return response(
            block_id=conv.block_id_from_json(found.get("block_id")),
            block=conv.block_from_json(found["block"]),
            sdk_block=conv.sdk_block_from_json(found["block"]),
        )

    @grpc_method
    def GetLatestValidatorSet(  # noqa: N802
        self, request: tm_pb2.GetLatestValidatorSetRequest, context: Any
    ) -> Any:
        """The latest validator set (offset/limit pagination)."""
        return self._validators(0, request.pagination, tm_pb2.GetLatestValidatorSetResponse)

    @grpc_method
    def GetValidatorSetByHeight(  # noqa: N802
        self, request: tm_pb2.GetValidatorSetByHeightRequest, context: Any
    ) -> Any:
        """The validator set at a height (offset/limit pagination)."""
        if request.height < 1:
            raise StatusError(
                grpc.StatusCode.INVALID_ARGUMENT, f"height {request.height} must be at least 1"
            )
        return self._validators(
            request.height, request.pagination, tm_pb2.GetValidatorSetByHeightResponse
        )

    def _validators(self, height: int, page: Any, response: Any) -> Any:
        """Every validator at height (0: latest), then the requested page of them."""
        params: dict[str, Any] = {"per_page": str(MAX_PER_PAGE)}
        if height:
            params["height"] = str(height)
        validators: list[dict[str, Any]] = []
        number, total, at = 1, 1, height
        while len(validators) < total:
            found = call_comet(self.rpc, "validators", page=str(number), **params)
            batch = found.get("validators") or []
            validators.extend(batch)
            total = int(found.get("total") or len(validators))
            at = int(found.get("block_height") or height)
            params["height"] = str(at)
            number += 1
            if not batch:
                break
        limit = page.limit or len(validators)
        return response(
            block_height=at,
            validators=[conv.validator_from_json(v) for v in validators[page.offset :][:limit]],
            pagination=pagination_pb2.PageResponse(total=len(validators)),
        )

    @grpc_method
    def ABCIQuery(self, request: tm_pb2.ABCIQueryRequest, context: Any) -> Any:  # noqa: N802
        """An ABCI query run on the app in-process (gRPC paths, /store/..., /app/simulate)."""
        with self.app.lock:
            answer = self.app.query(
                abci.RequestQuery(
                    data=request.data,
                    path=request.path,
                    height=request.height,
                    prove=request.prove,
                )
            )
        return tm_pb2.ABCIQueryResponse(
            code=answer.code,
            log=answer.log,
            info=answer.info,
            index=answer.index,
            key=answer.key,
            value=answer.value,
            proof_ops=tm_pb2.ProofOps(
                ops=[
                    tm_pb2.ProofOp(type=op.type, key=op.key, data=op.data)
                    for op in answer.proof_ops.ops
                ]
            )
            if answer.HasField("proof_ops")
            else None,
            height=answer.height,
            codespace=answer.codespace,
        )


# --- the server -----------------------------------------------------------------------------


class RateLimitInterceptor(grpc.ServerInterceptor):
    """Refuses a call with RESOURCE_EXHAUSTED (and a `retry-after` trailer, in seconds) when
    its client address has used up its token bucket (node/ratelimit.py). Calls carrying the
    node's own REST gateway token pass: the gateway limited their clients already."""

    def __init__(self, limiter: ClientLimiter) -> None:
        self.limiter = limiter

    def intercept_service(self, continuation: Any, handler_call_details: Any) -> Any:
        """The method's handler, wrapped to charge the caller's bucket first."""
        handler = continuation(handler_call_details)
        if handler is None or is_gateway(handler_call_details.invocation_metadata):
            return handler
        if handler.request_streaming and handler.response_streaming:
            kind, behavior = grpc.stream_stream_rpc_method_handler, handler.stream_stream
        elif handler.request_streaming:
            kind, behavior = grpc.stream_unary_rpc_method_handler, handler.stream_unary
        elif handler.response_streaming:
            kind, behavior = grpc.unary_stream_rpc_method_handler, handler.unary_stream
        else:
            kind, behavior = grpc.unary_unary_rpc_method_handler, handler.unary_unary
        limiter = self.limiter

        def limited(request: Any, context: grpc.ServicerContext) -> Any:
            client = grpc_peer_host(context.peer())
            wait = limiter.check(client)
            if wait > 0:
                context.set_trailing_metadata((("retry-after", str(retry_after_seconds(wait))),))
                context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, limiter.message(client, wait))
            return behavior(request, context)

        return kind(
            limited,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def start_grpc_server(
    app: BaseApp,
    address: str,
    rpc: NodeRPC | None,
    *,
    max_workers: int = 8,
    limiter: ClientLimiter | None = None,
) -> GrpcServer:
    """Binds address (port 0: any free port), starts serving and returns the server.

    limiter, when given, rate-limits every call per client address (RateLimitInterceptor)."""
    interceptors = [RateLimitInterceptor(limiter)] if limiter and limiter.limit.enabled else []
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="grpc"),
        interceptors=interceptors,
        options=[
            ("grpc.so_reuseport", 0),  # a second node on the same port must fail
            ("grpc.max_receive_message_length", MAX_REQUEST_BYTES),
        ],
    )
    services = list(query_services(list(app.router.queries)))
    server.add_generic_rpc_handlers(tuple(query_handlers(app)))
    for servicer, service in node_services():
        server.add_generic_rpc_handlers((decoding_handler(servicer(app, rpc), service),))
    services += [
        tx_pb2.DESCRIPTOR.services_by_name["Service"].full_name,
        tm_pb2.DESCRIPTOR.services_by_name["Service"].full_name,
    ]
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for name in ["", *services]:
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    services += [health.SERVICE_NAME, reflection.SERVICE_NAME]
    reflection.enable_server_reflection(services, server)
    try:
        port = server.add_insecure_port(address)
    except RuntimeError:
        port = 0
    if port == 0:
        raise OSError(f"gRPC server cannot bind {address}; is the port already in use?")
    server.start()
    log.info("gRPC server listening on port %d: %s", port, ", ".join(services))
    return GrpcServer(server, port, services)


def decoding_handler(servicer: Any, service: Any) -> grpc.GenericRpcHandler:
    """The servicer's (unary) methods of a proto service, each decoding its own request, so
    bytes that do not decode get INVALID_ARGUMENT with a message (grpc's own deserializer
    answers INTERNAL "Exception deserializing request!"; found by tests/fuzz)."""
    table = {}
    for method in service.methods:
        path = f"/{service.full_name}/{method.name}"
        request_type = message_factory.GetMessageClass(method.input_type)
        table[method.name] = grpc.unary_unary_rpc_method_handler(
            _decoding(getattr(servicer, method.name), request_type, path),
            response_serializer=lambda reply: reply.SerializeToString(),
        )
    return grpc.method_handlers_generic_handler(service.full_name, table)


def _decoding(method: Callable[..., Any], request_type: Any, path: str) -> Callable[..., Any]:
    """A handler of raw request bytes: decodes them, then calls method."""

    def handle(raw: bytes, context: grpc.ServicerContext) -> Any:
        try:
            request = request_type.FromString(raw)
        except DecodeError as exc:
            context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, f"request for {path} does not decode: {exc}"
            )
        return method(request, context)

    return handle


def node_services() -> list[tuple[type, Any]]:
    """The node's own gRPC servicers and their proto services (for the REST gateway)."""
    return [
        (TxService, tx_pb2.DESCRIPTOR.services_by_name["Service"]),
        (TendermintService, tm_pb2.DESCRIPTOR.services_by_name["Service"]),
    ]
