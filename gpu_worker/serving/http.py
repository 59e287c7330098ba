"""OpenAI-compatible HTTP endpoint on loopback, served by aiohttp.

Routes: GET /v1/models, GET /v1/models/{id}, POST /v1/completions, POST
/v1/chat/completions, GET /health, GET /metrics (Prometheus text). `model` is an adapter id.
Every completion carries an extra `attribution` field (null when no engine is configured or it
failed, with `attribution_error` saying why). Errors are OpenAI-style JSON:
`{"error": {"message", "type", "param", "code"}}` with a 4xx status for bad requests.
Request fields and answer shapes: openai_format.py. `stream: true` answers Server-Sent Events
(`data: {chunk}` per piece of text as the batch decodes, then `data: [DONE]`) over a chunked
HTTP/1.1 response.

Limits: each client address gets a token bucket (node/ratelimit.py, the one the node's gRPC
server and REST gateway use; `ServerLimits.rate_limit`, by default 100 requests/s and a burst
of 1,000): a request that finds it empty is answered 429 with Retry-After and an OpenAI-style
`rate_limit_exceeded` error before its body is read. Bodies are at most `max_body_bytes`
(413), a request line at most `max_line_bytes` and a header at most `max_header_bytes`, and at
most `max_headers` headers (aiohttp answers 400 above them).

One asyncio event loop (its own thread, or the caller's with serve_forever) owns every
connection; the ServingService's model thread is unchanged behind it. Requests are checked and
submitted on the loop; a streaming request's text reaches the loop through
`call_soon_threadsafe`. Writes wait for the socket to drain (back-pressure), so a slow reader
holds only its own rows' pieces, which are coalesced into one write when it catches up; a
client that reads nothing for `write_timeout_s` is dropped. A client that goes away cancels its
handler and so its rows (they end at the next decoding step). Shutdown stops accepting,
lets in-flight requests finish for `shutdown_grace_s`, then cancels the rest (their clients get
a 503, or an error event on a stream), then stops the model thread.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import signal
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import CancelledError as FutureCancelled
from concurrent.futures import Future
from contextlib import aclosing
from dataclasses import dataclass, replace
from http import HTTPStatus
from typing import Any

from aiohttp import web

from aichain.gpu_worker.adapters import AdapterError, AdapterIntegrityError
from aichain.gpu_worker.serving.cache import UnknownAdapterError
from aichain.gpu_worker.serving.metrics import (
    PROMETHEUS_CONTENT_TYPE,
    HttpMetrics,
    compute_cache_families,
    compute_prometheus_text,
    compute_queue_family,
)
from aichain.gpu_worker.serving.openai_format import (
    CHAT,
    CHAT_CHUNK,
    COMPLETION,
    ApiCall,
    ApiError,
    bad_request,
    compute_api_call,
    compute_choice,
    compute_chunk_choice,
    compute_logprobs,
    compute_requests,
    compute_usage,
)
from aichain.gpu_worker.serving.service import (
    ContextLengthError,
    GenerationRequest,
    GenerationResult,
    ServiceStoppedError,
    ServingService,
    TextDelta,
)
from aichain.node.ratelimit import ClientLimiter, RateLimit, retry_after_seconds

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1 << 20
"""Largest request body accepted (1 MiB)."""
REQUEST_TIMEOUT_S = 300.0
"""How long a request waits for its completion before a 503."""
WORKER_RATE = 100
"""Requests a second one client address may sustain on the worker endpoint (default)."""
WORKER_BURST = 1000
"""Requests one client address may send at once before WORKER_RATE applies (default)."""

Chunk = dict[str, Any] | str
"""A stream event: a chunk object (or an error body), or the string `[DONE]`."""


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """Size and time limits of the HTTP front."""

    max_body_bytes: int = MAX_BODY_BYTES
    """Largest request body (413 above it, checked on Content-Length and while reading)."""
    request_timeout_s: float = REQUEST_TIMEOUT_S
    """How long a request waits for its completion (503 after, or an error event)."""
    body_timeout_s: float = 30.0
    """How long a request body may take to arrive (408 after)."""
    write_timeout_s: float = 60.0
    """How long a stream waits for a client that reads nothing before dropping it."""
    keepalive_timeout_s: float = 75.0
    """How long an idle kept-alive connection stays open."""
    shutdown_grace_s: float = 10.0
    """How long shutdown lets in-flight requests finish before cancelling their rows."""
    rate_limit: RateLimit = RateLimit(WORKER_RATE, WORKER_BURST)
    """Per-client token bucket (requests a second, burst); rate 0 turns it off."""
    max_line_bytes: int = 8190
    """Longest request line (method, path and query): 400 above it."""
    max_header_bytes: int = 8190
    """Longest header (name and value): 400 above it."""
    max_headers: int = 128
    """Most headers a request may carry: 400 above it."""


class ShuttingDownError(RuntimeError):
    """The server is shutting down: the request was refused or its rows cancelled."""


def compute_api_error(exc: BaseException) -> ApiError:
    """The HTTP error answering a request that failed with exc."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, UnknownAdapterError):
        return ApiError(
            HTTPStatus.NOT_FOUND,
            f"the model {exc} does not exist",
            code="model_not_found",
            param="model",
        )
    if isinstance(exc, ContextLengthError):
        return bad_request(str(exc), "prompt", "context_length_exceeded")
    if isinstance(exc, AdapterIntegrityError):
        return ApiError(
            HTTPStatus.INTERNAL_SERVER_ERROR, str(exc), "server_error", "adapter_integrity_error"
        )
    if isinstance(exc, AdapterError):
        return ApiError(HTTPStatus.INTERNAL_SERVER_ERROR, str(exc), "server_error", "adapter_error")
    if isinstance(exc, ShuttingDownError | FutureCancelled):
        return ApiError(
            HTTPStatus.SERVICE_UNAVAILABLE,
            "the server is shutting down; retry on another worker",
            "server_error",
            "unavailable",
        )
    if isinstance(exc, ServiceStoppedError | TimeoutError):
        return ApiError(
            HTTPStatus.SERVICE_UNAVAILABLE,
            f"not served in time: {exc}",
            "server_error",
            "unavailable",
        )
    if isinstance(exc, ValueError):
        return bad_request(str(exc))
    log.error("request failed: %r", exc)
    return ApiError(
        HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {type(exc).__name__}", "server_error"
    )


def compute_http_error(exc: web.HTTPException, method: str, path: str) -> ApiError:
    """The OpenAI-style error of an aiohttp HTTP exception (no route, wrong method, ...)."""
    if exc.status == HTTPStatus.NOT_FOUND:
        return ApiError(exc.status, f"no route {method} {path}", code="not_found")
    if exc.status == HTTPStatus.METHOD_NOT_ALLOWED:
        return ApiError(exc.status, f"{method} is not allowed on {path}")
    return ApiError(exc.status, exc.reason)


def compute_sse(chunks: list[Chunk]) -> bytes:
    """The Server-Sent Events of chunks, one `data:` line and a blank line each."""
    parts = [chunk if isinstance(chunk, str) else json.dumps(chunk) for chunk in chunks]
    return "".join(f"data: {p}\n\n" for p in parts).encode("utf-8")


class _Events:
    """A stream's (choice index, TextDelta or None at the end) items, from the model thread
    to the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[tuple[int, TextDelta | None]] = asyncio.Queue()

    def put(self, index: int, delta: TextDelta | None) -> None:
        """Queues an item from any thread (dropped once the loop is closed)."""
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, (index, delta))
        except RuntimeError:  # the loop is closed: nobody is listening any more
            pass

    def finished(self, index: int, _future: Future) -> None:
        """A choice's done callback: its result (or error) is ready."""
        self.put(index, None)

    def take_ready(self) -> list[tuple[int, TextDelta | None]]:
        """Every item already queued (no waiting)."""
        items = []
        while not self.queue.empty():
            items.append(self.queue.get_nowait())
        return items


class OpenAIServer:
    """The HTTP front of a ServingService."""

    def __init__(
        self,
        service: ServingService,
        host: str = "127.0.0.1",
        port: int = 0,
        limits: ServerLimits | None = None,
    ) -> None:
        """Binds host:port now (port 0 picks a free one); call serve_forever or start."""
        self.service = service
        self.limits = limits or ServerLimits()
        self.metrics = HttpMetrics()
        self.limiter = ClientLimiter(
            self.limits.rate_limit,
            "worker endpoint",
            setting="aichain worker serve --rate-limit/--burst, or ServerLimits.rate_limit",
            where="worker endpoint",
        )
        self.sock = socket.create_server((host, port), backlog=512)
        self.sock.setblocking(False)
        self._address: tuple[str, int] = self.sock.getsockname()[:2]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: threading.Thread | None = None
        self._stop = asyncio.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._inflight: set[Future] = set()
        self.draining = False
        """True once shutdown began: new requests get a 503."""
        self.closed = threading.Event()
        """Set when the server stopped serving (the port is released)."""

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self._address[1])

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:8000."""
        return f"http://{self._address[0]}:{self.port}"

    # -- running -------------------------------------------------------------------------

    def start(self) -> None:
        """Serves in a background thread (and starts the service); returns once listening."""
        thread = threading.Thread(target=self._run, args=(False,), name="aichain-http", daemon=True)
        thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error

    def serve_forever(self) -> None:
        """Serves in this thread until SIGINT or SIGTERM (or close() from another thread),
        then shuts down gracefully."""
        self._run(True)
        if self._error is not None:
            raise self._error

    def close(self, grace_s: float | None = None) -> None:
        """Shuts down: stops accepting, lets in-flight requests finish for grace_s (default
        limits.shutdown_grace_s), cancels the rest, stops the service, releases the port."""
        if grace_s is not None:
            self.limits = replace(self.limits, shutdown_grace_s=grace_s)
        if self._loop is None:  # never served
            self.sock.close()
            self.service.stop()
            self.closed.set()
            return
        try:
            self._loop.call_soon_threadsafe(self._stop.set)
        except RuntimeError:  # the loop already ended
            pass
        if threading.current_thread() is not self._loop_thread:
            self.closed.wait()

    def _run(self, handle_signals: bool) -> None:
        """The event loop's thread: serve until asked to stop, then shut down."""
        try:
            asyncio.run(self._main(handle_signals))
        except BaseException as exc:  # noqa: BLE001 - reported by start() or serve_forever()
            self._error = exc
            if not isinstance(exc, Exception):
                raise
        finally:
            self._ready.set()
            self.service.stop()
            self.sock.close()
            self.closed.set()

    async def _main(self, handle_signals: bool) -> None:
        self._loop_thread = threading.current_thread()
        self._loop = asyncio.get_running_loop()
        if handle_signals and threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._loop.add_signal_handler(signum, self._stop.set)
        self.service.start()
        runner = web.AppRunner(
            self._application(),
            access_log=None,
            handle_signals=False,
            handler_cancellation=True,
            keepalive_timeout=self.limits.keepalive_timeout_s,
            shutdown_timeout=1.0,
            max_line_size=self.limits.max_line_bytes,
            max_field_size=self.limits.max_header_bytes,
            max_headers=self.limits.max_headers,
        )
        await runner.setup()
        site = web.SockSite(runner, self.sock)
        await site.start()
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await self._shutdown(runner, site)

    async def _shutdown(self, runner: web.AppRunner, site: web.SockSite) -> None:
        """Stops accepting, waits for in-flight rows, cancels what is left, closes."""
        self.draining = True
        log.info("shutting down: %d rows in flight", len(self._inflight))
        await site.stop()
        deadline = time.monotonic() + self.limits.shutdown_grace_s
        while self._inflight and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        if self._inflight:
            log.info("cancelling %d rows still in flight", len(self._inflight))
            for future in list(self._inflight):
                future.cancel()
        while self.metrics.in_flight and time.monotonic() < deadline + 5.0:
            await asyncio.sleep(0.01)  # the cancelled requests answer their clients
        await runner.cleanup()

    def _application(self) -> web.Application:
        app = web.Application(client_max_size=self.limits.max_body_bytes, middlewares=[self._guard])
        app.router.add_get("/v1/models", self._get_models)
        app.router.add_get("/v1/models/{model_id:.+}", self._get_model)
        app.router.add_post("/v1/completions", self._post_completions)
        app.router.add_post("/v1/chat/completions", self._post_chat)
        app.router.add_get("/health", self._get_health)
        app.router.add_get("/metrics", self._get_metrics)
        return app

    # -- routes --------------------------------------------------------------------------

    @web.middleware
    async def _guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[Any]]
    ) -> web.StreamResponse:
        """The per-client rate limit, errors as OpenAI JSON, metrics, and 503s while
        shutting down."""
        info = request.match_info.route.resource
        route = info.canonical if info is not None else "unmatched"
        status = HTTPStatus.INTERNAL_SERVER_ERROR
        self.metrics.in_flight += 1
        try:
            client = request.remote or "unknown"
            wait = self.limiter.check(client)
            if wait > 0:
                status = HTTPStatus.TOO_MANY_REQUESTS
                err = ApiError(status, self.limiter.message(client, wait), "rate_limit_error",
                               "rate_limit_exceeded")  # fmt: skip
                response = _json_error(err)
                response.headers["Retry-After"] = str(retry_after_seconds(wait))
                return response
            if self.draining and request.path not in ("/health", "/metrics"):
                raise compute_api_error(ShuttingDownError())
            response = await handler(request)
            status = response.status
            return response
        except ApiError as err:
            status = err.status
            return _json_error(err)
        except web.HTTPException as exc:
            status = exc.status
            return _json_error(compute_http_error(exc, request.method, request.path))
        except asyncio.CancelledError:
            status = 499  # the client went away (nginx's code for it)
            self.metrics.record_disconnect()
            raise
        except Exception as exc:  # noqa: BLE001 - one bad request never stops the server
            log.exception("internal error on %s %s", request.method, request.path)
            err = ApiError(500, f"internal error: {type(exc).__name__}", "server_error")
            return _json_error(err)
        finally:
            self.metrics.in_flight -= 1
            self.metrics.record_request(request.method, route, int(status))

    async def _get_models(self, _request: web.Request) -> web.Response:
        return web.json_response(self.models())

    async def _get_model(self, request: web.Request) -> web.Response:
        adapter_id = request.match_info["model_id"].rstrip("/")
        if not self.service.registry.has(adapter_id):
            raise ApiError(
                HTTPStatus.NOT_FOUND,
                f"the model '{adapter_id}' does not exist",
                code="model_not_found",
                param="model",
            )
        return web.json_response(self.model_card(adapter_id))

    async def _get_health(self, _request: web.Request) -> web.Response:
        body = {
            "status": "draining" if self.draining else "ok",
            "models": len(self.service.registry.ids()),
            "queue_depth": self.service.queue_depth(),
        }
        status = HTTPStatus.SERVICE_UNAVAILABLE if self.draining else HTTPStatus.OK
        return web.json_response(body, status=status)

    async def _get_metrics(self, _request: web.Request) -> web.Response:
        return web.Response(
            body=self.metrics_text().encode("utf-8"),
            headers={"Content-Type": PROMETHEUS_CONTENT_TYPE},
        )

    async def _post_completions(self, request: web.Request) -> web.StreamResponse:
        return await self._complete(request, COMPLETION)

    async def _post_chat(self, request: web.Request) -> web.StreamResponse:
        return await self._complete(request, CHAT)

    # -- answers -------------------------------------------------------------------------

    def models(self) -> dict[str, Any]:
        """Body of GET /v1/models."""
        return {"object": "list", "data": [self.model_card(m) for m in self.service.registry.ids()]}

    def model_card(self, adapter_id: str) -> dict[str, Any]:
        """One model object (an adapter) with its weight hash."""
        entry = self.service.registry.get(adapter_id)
        return {
            "id": adapter_id,
            "object": "model",
            "created": 0,
            "owned_by": "aichain",
            "sha256": entry.sha256,
        }

    def metrics_text(self) -> str:
        """Body of GET /metrics."""
        families = [compute_queue_family(self.service.queue_depth())]
        families += self.service.metrics.families()
        families += compute_cache_families(self.service.cache.stats())
        families += self.metrics.families()
        return compute_prometheus_text(families)

    def check_model(self, model: str) -> None:
        """Raises a 404 ApiError unless model is a served adapter."""
        if not self.service.registry.has(model):
            raise ApiError(
                HTTPStatus.NOT_FOUND,
                f"the model '{model}' does not exist; GET /v1/models lists the served adapters",
                code="model_not_found",
                param="model",
            )

    async def _read_json(self, request: web.Request) -> Any:
        """The request's JSON body, within the size and time limits."""
        limit = self.limits.max_body_bytes
        length = request.content_length
        if length is not None and length > limit:
            raise ApiError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body over {limit} bytes")
        try:
            async with asyncio.timeout(self.limits.body_timeout_s):
                raw = await request.read()
        except TimeoutError:
            raise ApiError(
                HTTPStatus.REQUEST_TIMEOUT,
                f"the request body did not arrive within {self.limits.body_timeout_s:g} s",
                code="request_timeout",
            ) from None
        except web.HTTPRequestEntityTooLarge:
            raise ApiError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body over {limit} bytes"
            ) from None
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, ValueError) as exc:
            raise bad_request(f"the request body is not valid JSON: {exc}") from None

    async def _complete(self, request: web.Request, kind: str) -> web.StreamResponse:
        """Checks the body, then answers it whole or as a stream."""
        body = await self._read_json(request)
        call = compute_api_call(body, kind, self.service.model.context_limit)
        self.check_model(call.model)
        requests = compute_requests(call)
        if call.stream:
            return await self._answer_stream(request, call, requests)
        results = await self._generate(requests)
        choices = [compute_choice(call, i, r) for i, r in enumerate(results)]
        return web.json_response(self._envelope(call, choices, results))

    def _submit(
        self, requests: list[GenerationRequest], events: _Events | None = None
    ) -> list[Future]:
        """Checks every request, then submits them (an error cancels those submitted)."""
        futures: list[Future] = []
        try:
            for item in requests:
                self.service.check_request(item)
            for index, item in enumerate(requests):
                listener = functools.partial(events.put, index) if events is not None else None
                future = self.service.submit(item, listener)
                self._inflight.add(future)
                future.add_done_callback(self._inflight.discard)
                if events is not None:
                    future.add_done_callback(functools.partial(events.finished, index))
                futures.append(future)
        except Exception as exc:
            for future in futures:
                future.cancel()
            raise compute_api_error(exc) from exc
        return futures

    async def _generate(self, requests: list[GenerationRequest]) -> list[GenerationResult]:
        """Submits every request and waits for all results (an error cancels the rest; so
        does the client going away, which cancels this coroutine)."""
        futures = self._submit(requests)
        try:
            waiters = [asyncio.wrap_future(f) for f in futures]
            done, pending = await asyncio.wait(
                waiters,
                timeout=self.limits.request_timeout_s,
                return_when=asyncio.FIRST_EXCEPTION,
            )
            if pending:
                failed = [f for f in futures if f.done() and (f.cancelled() or f.exception())]
                if not failed:
                    raise TimeoutError("request timed out")
                failed[0].result(timeout=0)  # raises its error
            return [f.result(timeout=0) for f in futures]
        except Exception as exc:
            raise compute_api_error(exc) from exc
        finally:
            for future in futures:
                future.cancel()

    def _head(self, call: ApiCall) -> dict[str, Any]:
        """The fields every answer (or chunk) of call starts with."""
        chat = call.is_chat
        return {
            "id": f"{'chatcmpl' if chat else 'cmpl'}-{uuid.uuid4().hex}",
            "object": call.kind,
            "created": int(time.time()),
            "model": call.model,
            "system_fingerprint": self.service.registry.get(call.model).sha256[:16],
        }

    def _envelope(
        self, call: ApiCall, choices: list, results: list[GenerationResult]
    ) -> dict[str, Any]:
        body = {
            **self._head(call),
            "choices": choices,
            "usage": compute_usage(call, results),
            "attribution": results[0].attribution,
        }
        errors = [r.attribution_error for r in results if r.attribution_error]
        if errors:
            body["attribution_error"] = errors[0]
        return body

    async def _answer_stream(
        self, request: web.Request, call: ApiCall, requests: list[GenerationRequest]
    ) -> web.StreamResponse:
        """Submits the choices (a refusal is a JSON error before any event), then writes
        their events as they come, waiting for the client to drain each write."""
        events = _Events(asyncio.get_running_loop())
        futures = self._submit(requests, events)
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream; charset=utf-8",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
            }
        )
        self.metrics.streams_open += 1
        try:
            await response.prepare(request)
            async with aclosing(self._stream(call, futures, events)) as stream:
                async for chunks in stream:
                    try:
                        async with asyncio.timeout(self.limits.write_timeout_s):
                            await response.write(compute_sse(chunks))
                    except TimeoutError:
                        log.info(
                            "dropping a stream whose client read nothing for %g s",
                            self.limits.write_timeout_s,
                        )
                        self.metrics.record_disconnect()
                        response.force_close()
                        return response
            await response.write_eof()
        except ConnectionError:  # the client went away: its rows are cancelled below
            log.debug("stream client went away")
            self.metrics.record_disconnect()
            response.force_close()
        finally:
            self.metrics.streams_open -= 1
            for future in futures:
                future.cancel()
        return response

    async def _stream(
        self, call: ApiCall, futures: list[Future], events: _Events
    ) -> AsyncIterator[list[Chunk]]:
        """Lists of chunks as the choices' text arrives (what arrived while the last write
        drained comes as one list); each choice's last chunk has its finish_reason and
        attribution; with include_usage a last chunk without choices has the usage."""
        head = {**self._head(call), "object": CHAT_CHUNK if call.is_chat else COMPLETION}
        if call.include_usage:
            head["usage"] = None
        emitted = [""] * len(futures)
        sent_tokens = [0] * len(futures)
        results: list[GenerationResult | None] = [None] * len(futures)
        deadline = time.monotonic() + self.limits.request_timeout_s
        try:
            first: list[Chunk] = []
            for index in range(len(futures)):
                prompt = call.prompts[index // call.n]
                if call.is_chat:
                    choice = compute_chunk_choice(call, index, "", None, None, True)
                    first.append({**head, "choices": [choice]})
                elif call.echo and call.logprobs is None:
                    choice = compute_chunk_choice(call, index, prompt, None, None)
                    first.append({**head, "choices": [choice]})
            if first:
                yield first
            while any(r is None for r in results):
                try:
                    async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                        item = await events.queue.get()
                except TimeoutError:
                    raise TimeoutError("stream timed out") from None
                chunks: list[Chunk] = []
                for index, delta in [item, *events.take_ready()]:
                    prompt = call.prompts[index // call.n]
                    if results[index] is not None:
                        continue  # a cancelled row's late piece
                    if delta is None:
                        result = futures[index].result(timeout=0)
                        results[index] = result
                        chunks.append(
                            self._last_chunk(call, head, index, result, emitted, sent_tokens)
                        )
                        continue
                    tokens = list(delta.tokens)
                    if delta.prompt:
                        logprobs = compute_logprobs(call, [], prompt, tokens)
                        choice = compute_chunk_choice(call, index, prompt, logprobs, None)
                    else:
                        emitted[index] += delta.text
                        sent_tokens[index] += len(tokens)
                        logprobs = compute_logprobs(call, tokens, prompt, [])
                        choice = compute_chunk_choice(call, index, delta.text, logprobs, None)
                    chunks.append({**head, "choices": [choice]})
                if chunks:
                    yield chunks
            tail: list[Chunk] = []
            if call.include_usage:
                done = [r for r in results if r is not None]
                tail.append(
                    {
                        **head,
                        "choices": [],
                        "usage": compute_usage(call, done),
                        "attribution": done[0].attribution,
                    }
                )
            yield [*tail, "[DONE]"]
        except Exception as exc:  # noqa: BLE001 - told to the client as an error event
            yield [compute_api_error(exc).body()]

    @staticmethod
    def _last_chunk(
        call: ApiCall,
        head: dict[str, Any],
        index: int,
        result: GenerationResult,
        emitted: list[str],
        sent_tokens: list[int],
    ) -> dict[str, Any]:
        """A choice's final chunk: the rest of its text, finish_reason and attribution."""
        rest = result.text[len(emitted[index]) :]
        if not result.text.startswith(emitted[index]):
            log.warning("streamed text of choice %d is not a prefix of its result", index)
            rest = ""
        tokens = list(result.tokens[sent_tokens[index] :])
        logprobs = compute_logprobs(call, tokens, call.prompts[index // call.n], [])
        choice = compute_chunk_choice(call, index, rest, logprobs, result.finish_reason)
        if not call.is_chat:
            choice["attribution"] = result.attribution
        chunk = {**head, "choices": [choice], "attribution": result.attribution}
        if result.attribution_error:
            chunk["attribution_error"] = result.attribution_error
        return chunk


def _json_error(err: ApiError) -> web.Response:
    """The JSON response of err; the connection closes after a 408 or 413 (unread body)."""
    response = web.json_response(err.body(), status=err.status)
    if err.status in (HTTPStatus.REQUEST_TIMEOUT, HTTPStatus.REQUEST_ENTITY_TOO_LARGE):
        response.force_close()
    return response
