"""OpenAI request fields checked into an `ApiCall`, and the JSON shapes of answers and chunks.

Pure functions only: http.py submits an ApiCall's requests and writes what these build.
Completions: `prompt` (string or list), `n`, `echo`, `logprobs` (0..5: `tokens`,
`token_logprobs`, `top_logprobs`, `text_offset`). Chat: `messages`, `n`, `logprobs` (bool) and
`top_logprobs` (0..20: `content[] = {token, logprob, bytes, top_logprobs[]}`). Both: `model`,
`max_tokens` (chat also `max_completion_tokens`), `temperature`, `seed`, `stop`, `stream`,
`stream_options.include_usage`.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aichain.gpu_worker.serving.service import GenerationRequest, GenerationResult
from aichain.gpu_worker.serving.tokens import TokenInfo

MAX_PROMPTS = 64
"""Most prompts one /v1/completions request may carry."""
MAX_N = 16
"""Most choices per prompt (`n`)."""
MAX_CHOICES = 64
"""Most choices (prompts x n) one request may ask for."""
MAX_COMPLETION_LOGPROBS = 5
"""Largest `logprobs` of /v1/completions (OpenAI's limit)."""
MAX_CHAT_TOP_LOGPROBS = 20
"""Largest `top_logprobs` of /v1/chat/completions (OpenAI's limit)."""
DEFAULT_MAX_TOKENS = 16
"""max_tokens when a request gives none (OpenAI's default for completions)."""
COMPLETION = "text_completion"
"""`object` of a completion and of its stream chunks."""
CHAT = "chat.completion"
"""`object` of a chat completion."""
CHAT_CHUNK = "chat.completion.chunk"
"""`object` of a chat completion's stream chunks."""
CHAT_ROLES = ("system", "user", "assistant", "developer", "tool")
"""Message roles a chat may hold."""


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


def bad_request(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    """A 400 invalid_request_error."""
    return ApiError(HTTPStatus.BAD_REQUEST, message, param=param, code=code)


@dataclass(frozen=True, slots=True)
class ApiCall:
    """A checked completion or chat request: its prompts, choices and output options."""

    kind: str
    model: str
    prompts: tuple[str, ...]
    n: int
    stream: bool
    include_usage: bool
    echo: bool
    logprobs: int | None
    """Alternatives per token (None: no logprobs)."""
    options: dict[str, Any]
    """GenerationRequest fields shared by every choice (max_tokens, temperature, seed, stop)."""

    @property
    def is_chat(self) -> bool:
        """Whether this is a chat completion."""
        return self.kind == CHAT


def compute_int_field(body: dict, name: str, default: int | None, low: int, high: int) -> Any:
    """body[name] checked to be an integer in [low, high] (default when absent or null)."""
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"'{name}' must be an integer", name)
    if not low <= value <= high:
        raise bad_request(f"'{name}' must be between {low} and {high}, got {value}", name)
    return value


def compute_float_field(body: dict, name: str, default: float, low: float, high: float) -> float:
    """body[name] checked to be a number in [low, high] (default when absent or null)."""
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_request(f"'{name}' must be a number", name)
    if not low <= float(value) <= high:
        raise bad_request(f"'{name}' must be between {low} and {high}, got {value}", name)
    return float(value)


def compute_bool_field(body: dict, name: str) -> bool:
    """body[name] checked to be a boolean (False when absent or null)."""
    value = body.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise bad_request(f"'{name}' must be a boolean", name)
    return value


def compute_stop_field(body: dict) -> tuple[str, ...]:
    """`stop`: a string or a list of at most 4 strings."""
    stop = body.get("stop")
    if stop is None:
        return ()
    if isinstance(stop, str):
        return (stop,)
    if isinstance(stop, list) and len(stop) <= 4 and all(isinstance(s, str) for s in stop):
        return tuple(stop)
    raise bad_request("'stop' must be a string or a list of at most 4 strings", "stop")


def compute_chat_prompt(messages: Any) -> str:
    """The prompt text of a chat: one `role: content` line per message, then `assistant:`."""
    if not isinstance(messages, list) or not messages:
        raise bad_request("'messages' must be a non-empty list", "messages")
    lines = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise bad_request(f"messages[{index}] must be an object", "messages")
        role, content = message.get("role"), message.get("content")
        if role not in CHAT_ROLES:
            raise bad_request(f"messages[{index}].role is missing or invalid", "messages")
        if isinstance(content, list):
            parts = [p.get("text") for p in content if isinstance(p, dict)]
            if not all(isinstance(p, str) for p in parts) or not parts:
                raise bad_request(f"messages[{index}].content has no text parts", "messages")
            content = "".join(parts)
        if not isinstance(content, str):
            raise bad_request(f"messages[{index}].content must be a string", "messages")
        lines.append(f"{role}: {content}\n")
    return "".join(lines) + "assistant:"


def compute_prompts(body: dict) -> tuple[str, ...]:
    """/v1/completions `prompt`: a string or a list of 1..MAX_PROMPTS strings."""
    prompt = body.get("prompt")
    prompts = [prompt] if isinstance(prompt, str) else prompt
    if (
        not isinstance(prompts, list)
        or not prompts
        or len(prompts) > MAX_PROMPTS
        or not all(isinstance(p, str) for p in prompts)
    ):
        raise bad_request(
            f"'prompt' must be a string or a list of 1..{MAX_PROMPTS} strings", "prompt"
        )
    return tuple(prompts)


def compute_stream_options(body: dict, stream: bool) -> bool:
    """`stream_options.include_usage` (only allowed with stream: true)."""
    options = body.get("stream_options")
    if options is None:
        return False
    if not stream:
        raise bad_request("'stream_options' needs 'stream': true", "stream_options")
    if not isinstance(options, dict):
        raise bad_request("'stream_options' must be an object", "stream_options")
    return compute_bool_field(options, "include_usage")


def compute_api_call(body: Any, kind: str, context_limit: int) -> ApiCall:
    """The checked call of a /v1/completions (kind COMPLETION) or chat (CHAT) request body.

    Checks cheap things first (types and ranges); whether the model exists is the caller's.
    """
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise bad_request("you must provide a model parameter", "model")
    stream = compute_bool_field(body, "stream")
    include_usage = compute_stream_options(body, stream)
    n = compute_int_field(body, "n", 1, 1, MAX_N)
    best_of = body.get("best_of")
    if best_of is not None and best_of != n:
        raise bad_request("'best_of' is not supported (only best_of = n)", "best_of")
    max_name = "max_tokens"
    if kind == CHAT and body.get("max_completion_tokens") is not None:
        max_name = "max_completion_tokens"
    options = {
        "max_tokens": compute_int_field(body, max_name, DEFAULT_MAX_TOKENS, 1, context_limit),
        "temperature": compute_float_field(body, "temperature", 0.0, 0.0, 2.0),
        "seed": compute_int_field(body, "seed", 0, 0, 2**63 - 1),
        "stop": compute_stop_field(body),
    }
    if kind == CHAT:
        prompts = (compute_chat_prompt(body.get("messages")),)
        echo = False
        logprobs = None
        top = compute_int_field(body, "top_logprobs", None, 0, MAX_CHAT_TOP_LOGPROBS)
        if compute_bool_field(body, "logprobs"):
            logprobs = top or 0
        elif top is not None:
            raise bad_request("'top_logprobs' requires 'logprobs' to be true", "top_logprobs")
    else:
        prompts = compute_prompts(body)
        echo = compute_bool_field(body, "echo")
        logprobs = compute_int_field(body, "logprobs", None, 0, MAX_COMPLETION_LOGPROBS)
    if len(prompts) * n > MAX_CHOICES:
        raise bad_request(f"at most {MAX_CHOICES} choices (prompts x n) per request", "n")
    return ApiCall(kind, model, prompts, n, stream, include_usage, echo, logprobs, options)


def compute_requests(call: ApiCall) -> list[GenerationRequest]:
    """One request per choice, in choice order (prompt-major); choice j of a prompt samples
    with seed + j, so with temperature > 0 the n choices differ (greedy: all the same)."""
    options = dict(call.options)
    seed = options.pop("seed")
    return [
        GenerationRequest(
            adapter_id=call.model,
            prompt=prompt,
            seed=seed + j,
            top_logprobs=call.logprobs,
            prompt_logprobs=call.echo and call.logprobs is not None,
            **options,
        )
        for prompt in call.prompts
        for j in range(call.n)
    ]


def compute_usage(call: ApiCall, results: list[GenerationResult]) -> dict[str, int]:
    """`usage`: each prompt counted once (not once per choice), every choice's tokens."""
    prompt = sum(r.prompt_tokens for i, r in enumerate(results) if i % call.n == 0)
    completion = sum(r.completion_tokens for r in results)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def compute_completion_logprobs(
    prompt_tokens: list[TokenInfo], tokens: list[TokenInfo], shift: int
) -> dict[str, Any]:
    """The completions `logprobs` object of echoed prompt_tokens then completion tokens, the
    latter's text offsets moved by shift (the echoed prompt's length)."""
    offsets = [t.offset for t in prompt_tokens] + [t.offset + shift for t in tokens]
    tokens = [*prompt_tokens, *tokens]
    return {
        "tokens": [t.text for t in tokens],
        "token_logprobs": [t.logprob for t in tokens],
        "top_logprobs": [
            None if t.logprob is None else {a.text: a.logprob for a in t.top} for t in tokens
        ],
        "text_offset": offsets,
    }


def compute_chat_logprobs(tokens: list[TokenInfo]) -> dict[str, Any]:
    """The chat `logprobs` object of tokens."""
    return {
        "content": [
            {
                "token": t.text,
                "logprob": t.logprob,
                "bytes": list(t.bytes),
                "top_logprobs": [
                    {"token": a.text, "logprob": a.logprob, "bytes": list(a.bytes)} for a in t.top
                ],
            }
            for t in tokens
        ],
        "refusal": None,
    }


def compute_logprobs(
    call: ApiCall, tokens: list[TokenInfo], prompt: str, prompt_tokens: list[TokenInfo]
) -> dict[str, Any] | None:
    """A choice's (or chunk's) `logprobs`: None when not asked for."""
    if call.logprobs is None:
        return None
    if call.is_chat:
        return compute_chat_logprobs(tokens)
    shift = len(prompt) if call.echo else 0
    return compute_completion_logprobs(prompt_tokens, tokens, shift)


def compute_choice(call: ApiCall, index: int, result: GenerationResult) -> dict[str, Any]:
    """One choice of a (non-streamed) answer."""
    prompt = call.prompts[index // call.n]
    logprobs = compute_logprobs(call, list(result.tokens), prompt, list(result.prompt_token_infos))
    if call.is_chat:
        choice: dict[str, Any] = {
            "index": index,
            "message": {"role": "assistant", "content": result.text},
            "logprobs": logprobs,
            "finish_reason": result.finish_reason,
        }
        if call.n > 1:
            choice["attribution"] = result.attribution
        return choice
    return {
        "index": index,
        "text": (prompt if call.echo else "") + result.text,
        "logprobs": logprobs,
        "finish_reason": result.finish_reason,
        "attribution": result.attribution,
    }


def compute_chunk_choice(
    call: ApiCall,
    index: int,
    text: str,
    logprobs: dict[str, Any] | None,
    finish_reason: str | None,
    role: bool = False,
) -> dict[str, Any]:
    """One choice of a stream chunk (`delta` for chat, `text` for completions)."""
    if not call.is_chat:
        return {"index": index, "text": text, "logprobs": logprobs, "finish_reason": finish_reason}
    delta: dict[str, Any] = {}
    if role:
        delta["role"] = "assistant"
    if text or role:
        delta["content"] = text
    return {"index": index, "delta": delta, "logprobs": logprobs, "finish_reason": finish_reason}
