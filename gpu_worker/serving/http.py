"""OpenAI-compatible HTTP endpoint on loopback (stdlib ThreadingHTTPServer).

Routes: GET /v1/models, GET /v1/models/{id}, POST /v1/completions, POST
/v1/chat/completions, GET /health. `model` is an adapter id. Every completion carries an extra
`attribution` field (null when no engine is configured or it failed, with
`attribution_error` saying why). Errors are OpenAI-style JSON:
`{"error": {"message", "type", "param", "code"}}` with a 4xx status for bad requests.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from concurrent.futures import TimeoutError as FutureTimeout
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aichain.gpu_worker.adapters import AdapterError, AdapterIntegrityError
from aichain.gpu_worker.serving.cache import UnknownAdapterError
from aichain.gpu_worker.serving.service import (
    ContextLengthError,
    GenerationRequest,
    GenerationResult,
    ServiceStoppedError,
    ServingService,
)

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1 << 20
"""Largest request body accepted (1 MiB)."""
MAX_PROMPTS = 64
"""Most prompts one /v1/completions request may carry."""
REQUEST_TIMEOUT_S = 300.0
"""How long a request waits for its completion before a 503."""
DEFAULT_MAX_TOKENS = 16
"""max_tokens when a request gives none (OpenAI's default for completions)."""


class ApiError(Exception):
    """An error answered as OpenAI-style JSON with an HTTP status."""

    def __init__(
        self,
        status: int,
        message: str,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
    ) -> None:
        """An error with its HTTP status and OpenAI error fields."""
        super().__init__(message)
        self.status, self.message, self.type = int(status), message, type
        self.code, self.param = code, param

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


def _bad(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(HTTPStatus.BAD_REQUEST, message, param=param, code=code)


def _int_field(body: dict, name: str, default: int, low: int, high: int) -> int:
    value = body.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(f"'{name}' must be an integer", name)
    if not low <= value <= high:
        raise _bad(f"'{name}' must be between {low} and {high}, got {value}", name)
    return value


def _float_field(body: dict, name: str, default: float, low: float, high: float) -> float:
    value = body.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(f"'{name}' must be a number", name)
    if not low <= float(value) <= high:
        raise _bad(f"'{name}' must be between {low} and {high}, got {value}", name)
    return float(value)


def _stop_field(body: dict) -> tuple[str, ...]:
    stop = body.get("stop")
    if stop is None:
        return ()
    if isinstance(stop, str):
        return (stop,)
    if isinstance(stop, list) and len(stop) <= 4 and all(isinstance(s, str) for s in stop):
        return tuple(stop)
    raise _bad("'stop' must be a string or a list of at most 4 strings", "stop")


def parse_common(body: Any, service: ServingService) -> dict[str, Any]:
    """Checks the fields shared by both completion routes; returns request keyword args."""
    if not isinstance(body, dict):
        raise _bad("the request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise _bad("you must provide a model parameter", "model")
    if not service.registry.has(model):
        raise ApiError(
            HTTPStatus.NOT_FOUND,
            f"the model '{model}' does not exist; GET /v1/models lists the served adapters",
            code="model_not_found",
            param="model",
        )
    if body.get("stream"):
        raise _bad("streaming is not supported by this server; omit 'stream'", "stream")
    if _int_field(body, "n", 1, 1, 1) != 1:
        raise _bad("only n=1 is supported", "n")
    limit = service.model.context_limit
    return {
        "adapter_id": model,
        "max_tokens": _int_field(body, "max_tokens", DEFAULT_MAX_TOKENS, 1, limit),
        "temperature": _float_field(body, "temperature", 0.0, 0.0, 2.0),
        "seed": _int_field(body, "seed", 0, 0, 2**63 - 1),
        "stop": _stop_field(body),
    }


def compute_chat_prompt(messages: Any) -> str:
    """The prompt text of a chat: one `role: content` line per message, then `assistant:`."""
    if not isinstance(messages, list) or not messages:
        raise _bad("'messages' must be a non-empty list", "messages")
    lines = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise _bad(f"messages[{index}] must be an object", "messages")
        role, content = message.get("role"), message.get("content")
        if role not in ("system", "user", "assistant", "developer", "tool"):
            raise _bad(f"messages[{index}].role is missing or invalid", "messages")
        if isinstance(content, list):
            parts = [p.get("text") for p in content if isinstance(p, dict)]
            if not all(isinstance(p, str) for p in parts) or not parts:
                raise _bad(f"messages[{index}].content has no text parts", "messages")
            content = "".join(parts)
        if not isinstance(content, str):
            raise _bad(f"messages[{index}].content must be a string", "messages")
        lines.append(f"{role}: {content}\n")
    return "".join(lines) + "assistant:"


def _usage(results: list[GenerationResult]) -> dict[str, int]:
    prompt = sum(r.prompt_tokens for r in results)
    completion = sum(r.completion_tokens for r in results)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


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

    def _run(self, requests: list[GenerationRequest]) -> list[GenerationResult]:
        try:
            futures = [self.service.submit(r) for r in requests]
            return [f.result(timeout=REQUEST_TIMEOUT_S) for f in futures]
        except UnknownAdapterError as exc:
            raise ApiError(
                HTTPStatus.NOT_FOUND,
                f"the model {exc} does not exist",
                code="model_not_found",
                param="model",
            ) from exc
        except ContextLengthError as exc:
            raise _bad(str(exc), "prompt", "context_length_exceeded") from exc
        except AdapterIntegrityError as exc:
            raise ApiError(
                HTTPStatus.INTERNAL_SERVER_ERROR,
                str(exc),
                "server_error",
                "adapter_integrity_error",
            ) from exc
        except AdapterError as exc:
            raise ApiError(
                HTTPStatus.INTERNAL_SERVER_ERROR, str(exc), "server_error", "adapter_error"
            ) from exc
        except (ServiceStoppedError, FutureTimeout) as exc:
            raise ApiError(
                HTTPStatus.SERVICE_UNAVAILABLE,
                f"not served in time: {exc}",
                "server_error",
                "unavailable",
            ) from exc
        except ValueError as exc:
            raise _bad(str(exc)) from exc

    def completions(self, body: Any) -> dict[str, Any]:
        """Body of POST /v1/completions."""
        common = parse_common(body, self.service)
        prompt = body.get("prompt")
        prompts = [prompt] if isinstance(prompt, str) else prompt
        if (
            not isinstance(prompts, list)
            or not prompts
            or len(prompts) > MAX_PROMPTS
            or not all(isinstance(p, str) for p in prompts)
        ):
            raise _bad(f"'prompt' must be a string or a list of 1..{MAX_PROMPTS} strings", "prompt")
        results = self._run([GenerationRequest(prompt=p, **common) for p in prompts])
        choices = [
            {
                "index": i,
                "text": r.text,
                "logprobs": None,
                "finish_reason": r.finish_reason,
                "attribution": r.attribution,
            }
            for i, r in enumerate(results)
        ]
        return self._envelope("text_completion", common["adapter_id"], choices, results)

    def chat_completions(self, body: Any) -> dict[str, Any]:
        """Body of POST /v1/chat/completions."""
        common = parse_common(body, self.service)
        prompt = compute_chat_prompt(body.get("messages"))
        result = self._run([GenerationRequest(prompt=prompt, **common)])[0]
        choices = [
            {
                "index": 0,
                "message": {"role": "assistant", "content": result.text},
                "logprobs": None,
                "finish_reason": result.finish_reason,
            }
        ]
        return self._envelope("chat.completion", common["adapter_id"], choices, [result])

    def _envelope(
        self, kind: str, model: str, choices: list, results: list[GenerationResult]
    ) -> dict[str, Any]:
        prefix = "chatcmpl" if kind == "chat.completion" else "cmpl"
        body = {
            "id": f"{prefix}-{uuid.uuid4().hex}",
            "object": kind,
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": self.service.registry.get(model).sha256[:16],
            "choices": choices,
            "usage": _usage(results),
            "attribution": results[0].attribution,
        }
        errors = [r.attribution_error for r in results if r.attribution_error]
        if errors:
            body["attribution_error"] = errors[0]
        return body


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

    def _read_json(self) -> Any:
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            raise ApiError(HTTPStatus.LENGTH_REQUIRED, "a Content-Length header is required")
        try:
            length = int(length_header)
        except ValueError:
            raise _bad("invalid Content-Length") from None
        if length < 0 or length > MAX_BODY_BYTES:
            self.close_connection = True
            raise ApiError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body over {MAX_BODY_BYTES} bytes")
        raw = self.rfile.read(length)
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, ValueError) as exc:
            raise _bad(f"the request body is not valid JSON: {exc}") from None

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
                self._send(HTTPStatus.OK, self.app.completions(self._read_json()))
            elif method == "POST" and path == "/v1/chat/completions":
                self._send(HTTPStatus.OK, self.app.chat_completions(self._read_json()))
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
