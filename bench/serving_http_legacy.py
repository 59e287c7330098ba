"""The worker endpoint before issue 20: the standard library's ThreadingHTTPServer.

Kept only as the baseline of bench/serving_http.py: a verbatim copy of
gpu_worker/serving/http.py at commit 4fffe06 (this docstring aside). The product now serves
with aiohttp (gpu_worker/serving/http.py).
"""

from __future__ import annotations

import functools
import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aichain.gpu_worker.adapters import AdapterError, AdapterIntegrityError
from aichain.gpu_worker.serving.cache import UnknownAdapterError
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

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1 << 20
"""Largest request body accepted (1 MiB)."""
REQUEST_TIMEOUT_S = 300.0
"""How long a request waits for its completion before a 503."""

Events = Iterator[dict[str, Any] | str]
"""A stream's events: chunk objects (or an error body), then the string `[DONE]`."""


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
    if isinstance(exc, ServiceStoppedError | FutureTimeout):
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


class OpenAIServer:
    """The HTTP front of a ServingService."""

    def __init__(self, service: ServingService, host: str = "127.0.0.1", port: int = 0) -> None:
        """Binds host:port (port 0 picks a free one); call serve_forever or start."""
        self.service = service
        handler = type("Handler", (_Handler,), {"app": self})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:8000."""
        host = self.httpd.server_address[0]
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        """Serves in a background thread (and starts the service)."""
        self.service.start()
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def serve_forever(self) -> None:
        """Serves in this thread until interrupted."""
        self.service.start()
        try:
            self.httpd.serve_forever()
        finally:
            self.close()

    def close(self) -> None:
        """Stops serving and releases the port."""
        if self._thread is not None:
            self.httpd.shutdown()
        self.httpd.server_close()
        self.service.stop()

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

    def check_model(self, model: str) -> None:
        """Raises a 404 ApiError unless model is a served adapter."""
        if not self.service.registry.has(model):
            raise ApiError(
                HTTPStatus.NOT_FOUND,
                f"the model '{model}' does not exist; GET /v1/models lists the served adapters",
                code="model_not_found",
                param="model",
            )

    def completions(self, body: Any) -> dict[str, Any] | Events:
        """Body of POST /v1/completions (stream events when it asks to stream)."""
        return self._complete(body, COMPLETION)

    def chat_completions(self, body: Any) -> dict[str, Any] | Events:
        """Body of POST /v1/chat/completions (stream events when it asks to stream)."""
        return self._complete(body, CHAT)

    def _complete(self, body: Any, kind: str) -> dict[str, Any] | Events:
        """Checks body, then answers it whole or returns its stream's events."""
        call = compute_api_call(body, kind, self.service.model.context_limit)
        self.check_model(call.model)
        requests = compute_requests(call)
        if call.stream:
            return self._start_stream(call, requests)
        results = self._run(requests)
        choices = [compute_choice(call, i, r) for i, r in enumerate(results)]
        return self._envelope(call, choices, results)

    def _run(self, requests: list[GenerationRequest]) -> list[GenerationResult]:
        """Submits every request and waits for all results (an error cancels the rest)."""
        futures: list[Future] = []
        try:
            futures = [self.service.submit(r) for r in requests]
            return [f.result(timeout=REQUEST_TIMEOUT_S) for f in futures]
        except Exception as exc:
            for future in futures:
                future.cancel()
            raise compute_api_error(exc) from exc

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

    def _start_stream(self, call: ApiCall, requests: list[GenerationRequest]) -> Events:
        """Checks and submits every choice (errors raise before any byte is sent), then
        returns the generator of its events."""
        events: queue.Queue[tuple[int, TextDelta | None]] = queue.Queue()
        futures: list[Future] = []
        try:
            for request in requests:
                self.service.check_request(request)
            for index, request in enumerate(requests):
                future = self.service.submit(request, functools.partial(_put, events, index))
                future.add_done_callback(functools.partial(_finished, events, index))
                futures.append(future)
        except Exception as exc:
            for future in futures:
                future.cancel()
            raise compute_api_error(exc) from exc
        return self._stream(call, futures, events)

    def _stream(
        self,
        call: ApiCall,
        futures: list[Future],
        events: queue.Queue[tuple[int, TextDelta | None]],
    ) -> Events:
        """Chunks as the choices' text arrives; each choice's last chunk has its finish_reason
        and attribution; with include_usage a last chunk without choices has the usage."""
        head = {**self._head(call), "object": CHAT_CHUNK if call.is_chat else COMPLETION}
        if call.include_usage:
            head["usage"] = None
        emitted = [""] * len(futures)
        sent_tokens = [0] * len(futures)
        results: list[GenerationResult | None] = [None] * len(futures)
        deadline = time.monotonic() + REQUEST_TIMEOUT_S
        try:
            for index in range(len(futures)):
                prompt = call.prompts[index // call.n]
                if call.is_chat:
                    yield {
                        **head,
                        "choices": [compute_chunk_choice(call, index, "", None, None, True)],
                    }
                elif call.echo and call.logprobs is None:
                    yield {
                        **head,
                        "choices": [compute_chunk_choice(call, index, prompt, None, None)],
                    }
            while any(r is None for r in results):
                try:
                    index, delta = events.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    raise compute_api_error(FutureTimeout("stream timed out")) from None
                prompt = call.prompts[index // call.n]
                if delta is None:
                    result = futures[index].result(timeout=0)
                    results[index] = result
                    yield self._last_chunk(call, head, index, result, emitted, sent_tokens)
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
                yield {**head, "choices": [choice]}
            if call.include_usage:
                done = [r for r in results if r is not None]
                yield {
                    **head,
                    "choices": [],
                    "usage": compute_usage(call, done),
                    "attribution": done[0].attribution,
                }
            yield "[DONE]"
        except Exception as exc:  # noqa: BLE001 - told to the client as an error event
            yield compute_api_error(exc).body()
        finally:
            for future in futures:
                future.cancel()

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


def _put(events: queue.Queue, index: int, delta: TextDelta) -> None:
    """A choice's listener: queues its text for the stream (called on the model thread)."""
    events.put((index, delta))


def _finished(events: queue.Queue, index: int, _future: Future) -> None:
    """A choice's done callback: tells the stream its result (or error) is ready."""
    events.put((index, None))


class _Handler(BaseHTTPRequestHandler):
    app: OpenAIServer
    protocol_version = "HTTP/1.1"
    server_version = "aichain-worker/0.1"

    def log_message(self, fmt: str, *args: Any) -> None:
        log.debug("%s " + fmt, self.client_address[0], *args)

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _reply(self, body: dict[str, Any] | Events) -> None:
        """Sends a JSON body, or streams events as Server-Sent Events."""
        if isinstance(body, dict):
            self._send(HTTPStatus.OK, body)
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for event in body:
                data = event if isinstance(event, str) else json.dumps(event)
                self._write_chunk(f"data: {data}\n\n".encode())
            self._write_chunk(b"")
        except OSError:  # the client went away: its rows are cancelled by body.close()
            self.close_connection = True
        finally:
            body.close()  # type: ignore[attr-defined]

    def _write_chunk(self, data: bytes) -> None:
        """One HTTP/1.1 chunk (the empty one ends the body)."""
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _read_json(self) -> Any:
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            raise ApiError(HTTPStatus.LENGTH_REQUIRED, "a Content-Length header is required")
        try:
            length = int(length_header)
        except ValueError:
            raise bad_request("invalid Content-Length") from None
        if length < 0 or length > MAX_BODY_BYTES:
            self.close_connection = True
            raise ApiError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body over {MAX_BODY_BYTES} bytes")
        raw = self.rfile.read(length)
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, ValueError) as exc:
            raise bad_request(f"the request body is not valid JSON: {exc}") from None

    def _dispatch(self, method: str) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        try:
            if method == "GET" and path == "/v1/models":
                self._send(HTTPStatus.OK, self.app.models())
            elif method == "GET" and path.startswith("/v1/models/"):
                adapter_id = path.removeprefix("/v1/models/")
                if not self.app.service.registry.has(adapter_id):
                    raise ApiError(
                        HTTPStatus.NOT_FOUND,
                        f"the model '{adapter_id}' does not exist",
                        code="model_not_found",
                        param="model",
                    )
                self._send(HTTPStatus.OK, self.app.model_card(adapter_id))
            elif method == "GET" and path == "/health":
                self._send(HTTPStatus.OK, {"status": "ok"})
            elif method == "POST" and path == "/v1/completions":
                self._reply(self.app.completions(self._read_json()))
            elif method == "POST" and path == "/v1/chat/completions":
                self._reply(self.app.chat_completions(self._read_json()))
            elif path in ("/v1/models", "/v1/completions", "/v1/chat/completions", "/health"):
                raise ApiError(HTTPStatus.METHOD_NOT_ALLOWED, f"{method} is not allowed on {path}")
            else:
                raise ApiError(HTTPStatus.NOT_FOUND, f"no route {method} {path}", code="not_found")
        except ApiError as err:
            self.close_connection = True
            self._send(err.status, err.body())
        except Exception as exc:  # noqa: BLE001 - one bad request never stops the server
            log.exception("internal error on %s %s", method, path)
            self._send(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                ApiError(500, f"internal error: {type(exc).__name__}", "server_error").body(),
            )

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self._dispatch("POST")

    def do_PUT(self) -> None:  # noqa: N802 - http.server's naming
        self._dispatch("PUT")

    def do_DELETE(self) -> None:  # noqa: N802 - http.server's naming
        self._dispatch("DELETE")
