"""The serving loop: a request queue that batches across adapters on one model thread.

HTTP threads validate and enqueue; one thread owns the model. It takes the oldest waiting
request, gathers more for up to `batch_wait_s` (at most `max_batch`, and no more distinct
adapters than the device tier holds), makes their adapters resident (a failed load fails only
the requests for that adapter), decodes them as one mixed-adapter batch, then attributes
each answer when an attribution provider is configured.

A request submitted with a listener sees its text while the batch decodes (`tokens.TextDelta`
events on the model thread); a request with stop strings ends as soon as one appears; a
cancelled future ends its row at the next step.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass
from typing import Any

from aichain.gpu_worker.serving.attribution import AttributionProvider
from aichain.gpu_worker.serving.cache import AdapterCache, UnknownAdapterError
from aichain.gpu_worker.serving.engine import DecodeRow, MultiAdapterModel, TokenLogprob
from aichain.gpu_worker.serving.metrics import ServingMetrics
from aichain.gpu_worker.serving.tokens import (
    RowTracker,
    TextDelta,
    TokenInfo,
    TokenRenderer,
    compute_stop_truncation,
)

__all__ = [
    "ContextLengthError",
    "GenerationRequest",
    "GenerationResult",
    "ServiceStoppedError",
    "ServingService",
    "TextDelta",
    "compute_stop_truncation",
]

MAX_TOP_LOGPROBS = 20
"""Most alternatives a request may ask for at each token."""

log = logging.getLogger(__name__)


class ContextLengthError(ValueError):
    """A prompt (plus the tokens asked for) does not fit the model's context."""


class ServiceStoppedError(RuntimeError):
    """The serving loop is not running."""


@dataclass(frozen=True, slots=True)
class GenerationRequest:
    """One completion to compute."""

    adapter_id: str
    prompt: str
    max_tokens: int = 16
    temperature: float = 0.0
    seed: int = 0
    stop: tuple[str, ...] = ()
    attribute: bool = True
    top_logprobs: int | None = None
    """None: no log-probabilities; k >= 0: each token's and its k most likely alternatives."""
    prompt_logprobs: bool = False
    """Also score the prompt's tokens (with top_logprobs alternatives)."""


@dataclass(frozen=True, slots=True)
class GenerationResult:
    """A completion, its token counts, and its attribution (None when not computed)."""

    adapter_id: str
    text: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    attribution: dict[str, Any] | None
    attribution_error: str | None = None
    tokens: tuple[TokenInfo, ...] = ()
    """The completion's tokens with log-probabilities (when asked for)."""
    prompt_token_infos: tuple[TokenInfo, ...] = ()
    """The prompt's tokens with log-probabilities (when asked for); BOS left out."""


@dataclass(frozen=True, slots=True)
class _Pending:
    request: GenerationRequest
    prompt_ids: tuple[int, ...]
    future: Future
    listener: Callable[[TextDelta], None] | None = None


def _fail(future: Future, exc: BaseException) -> None:
    """Fails future unless it is already done (answered, or cancelled by its client)."""
    try:
        if not future.done():
            future.set_exception(exc)
    except InvalidStateError:  # cancelled meanwhile by the HTTP thread
        pass


def _resolve(future: Future, result: GenerationResult) -> None:
    """Answers future unless its client cancelled it (possibly while it was computed)."""
    try:
        future.set_result(result)
    except InvalidStateError:
        pass


class ServingService:
    """Owns the model thread; submit() from any thread."""

    def __init__(
        self,
        model: MultiAdapterModel,
        cache: AdapterCache,
        attribution: AttributionProvider | None = None,
        max_batch: int = 32,
        batch_wait_s: float = 0.005,
    ) -> None:
        """A stopped service; call start()."""
        self.model = model
        self.cache = cache
        self.registry = cache.registry
        self.attribution = attribution
        self.max_batch = max_batch
        self.batch_wait_s = batch_wait_s
        self._queue: queue.Queue[_Pending | None] = queue.Queue()
        self._carry: deque[_Pending] = deque()
        self._thread: threading.Thread | None = None
        self._running = False
        self.batches = 0
        self.rows = 0
        self.renderer = TokenRenderer(model.tokenizer)
        self.metrics = ServingMetrics()

    def queue_depth(self) -> int:
        """Requests waiting for a batch (queued, or carried over to the next batch)."""
        return self._queue.qsize() + len(self._carry)

    def encode_prompt(self, prompt: str) -> tuple[int, ...]:
        """Prompt ids as the model sees them (BOS first when the tokenizer has one)."""
        tokenizer = self.model.tokenizer
        head = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
        return tuple(head + tokenizer.encode(prompt))

    def check_request(self, request: GenerationRequest) -> tuple[int, ...]:
        """Prompt ids; raises UnknownAdapterError, ContextLengthError or ValueError."""
        if not self.registry.has(request.adapter_id):
            raise UnknownAdapterError(request.adapter_id)
        if request.max_tokens < 1:
            raise ValueError("max_tokens must be at least 1")
        if request.temperature < 0:
            raise ValueError("temperature must be >= 0")
        if request.top_logprobs is not None and not 0 <= request.top_logprobs <= MAX_TOP_LOGPROBS:
            raise ValueError(f"top_logprobs must be between 0 and {MAX_TOP_LOGPROBS}")
        ids = self.encode_prompt(request.prompt)
        limit = self.model.context_limit
        if len(ids) + request.max_tokens > limit:
            raise ContextLengthError(
                f"this model's maximum context length is {limit} tokens; the prompt has "
                f"{len(ids)} and max_tokens asks for {request.max_tokens} more"
            )
        return ids

    def submit(
        self, request: GenerationRequest, listener: Callable[[TextDelta], None] | None = None
    ) -> Future:
        """Queues a checked request; the future resolves to a GenerationResult.

        listener (optional) is called on the model thread with each piece of text as soon as
        it is final; the pieces, then the rest of the result's text, make up result.text.
        Cancelling the future ends the request's row at the next decoding step.
        """
        if not self._running:
            raise ServiceStoppedError("the serving loop is not running")
        ids = self.check_request(request)
        future: Future = Future()
        self._queue.put(_Pending(request, ids, future, listener))
        return future

    def generate(self, request: GenerationRequest, timeout: float | None = 300.0) -> Any:
        """Submits request and waits for its GenerationResult."""
        return self.submit(request).result(timeout=timeout)

    def start(self) -> None:
        """Starts the model thread."""
        if self._running:
            return
        self._running = True
        self._thread = threading.Thread(target=self._loop, name="aichain-serving", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops the model thread; waiting requests fail with ServiceStoppedError."""
        if not self._running:
            return
        self._running = False
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout=30)
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                _fail(item.future, ServiceStoppedError("server stopped"))
        for item in self._carry:
            _fail(item.future, ServiceStoppedError("server stopped"))
        self._carry.clear()

    def _next(self, timeout: float | None) -> _Pending | None:
        if self._carry:
            return self._carry.popleft()
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def _gather(self, first: _Pending) -> list[_Pending]:
        batch, adapters = [first], {first.request.adapter_id}
        deadline = time.monotonic() + self.batch_wait_s
        carried, skipped = list(self._carry), []
        self._carry.clear()
        while len(batch) < self.max_batch:
            if carried:
                item: _Pending | None = carried.pop(0)
            else:
                remaining = deadline - time.monotonic()
                try:
                    item = (
                        self._queue.get(timeout=remaining)
                        if remaining > 0
                        else self._queue.get_nowait()
                    )
                except queue.Empty:
                    break
            if item is None:
                break
            adapter = item.request.adapter_id
            if adapter not in adapters and len(adapters) >= self.cache.device_slots:
                skipped.append(item)
                continue
            adapters.add(adapter)
            batch.append(item)
        self._carry.extend(skipped + carried)
        return batch

    def _loop(self) -> None:
        while self._running:
            first = self._next(timeout=0.5)
            if first is None:
                continue
            batch = self._gather(first)
            try:
                self.run_batch(batch)
            except Exception as exc:  # noqa: BLE001 - keep serving everyone else
                log.exception("batch of %d failed", len(batch))
                for item in batch:
                    _fail(item.future, exc)

    def run_batch(self, batch: list[_Pending]) -> None:
        """Loads the batch's adapters, decodes it as one mixed batch, attributes the answers."""
        batch = [p for p in batch if not p.future.cancelled()]
        ready: list[_Pending] = []
        failed: dict[str, BaseException] = {}
        for adapter_id in dict.fromkeys(p.request.adapter_id for p in batch):
            try:
                self.cache.get_loaded(adapter_id)
            except Exception as exc:  # noqa: BLE001 - reported to that adapter's requests
                log.error("adapter %s refused: %s", adapter_id, exc)
                failed[adapter_id] = exc
        for item in batch:
            if item.request.adapter_id in failed:
                _fail(item.future, failed[item.request.adapter_id])
            else:
                ready.append(item)
        if not ready:
            return
        slots = self.cache.ensure_on_device(p.request.adapter_id for p in ready)
        rows = [
            DecodeRow(
                p.prompt_ids,
                slots[p.request.adapter_id],
                p.request.max_tokens,
                p.request.temperature,
                p.request.seed,
                -1 if p.request.top_logprobs is None else p.request.top_logprobs,
                p.request.prompt_logprobs,
            )
            for p in ready
        ]
        trackers = [self._tracker(p) for p in ready]
        on_prompt = self._on_prompt(ready) if any(p.listener for p in ready) else None
        started = time.perf_counter()
        outputs = self.model.generate(rows, self._on_token(trackers), on_prompt)
        self.batches += 1
        self.rows += len(rows)
        self.metrics.record_batch(
            len(rows),
            sum(len(r.prompt_ids) for r in rows),
            sum(len(o.token_ids) for o in outputs),
            time.perf_counter() - started,
        )
        self.metrics.record_cancelled(sum(p.future.cancelled() for p in ready))
        tokenizer = self.model.tokenizer
        for item, output, tracker in zip(ready, outputs, trackers, strict=True):
            if item.future.cancelled():
                continue
            text = tokenizer.decode(list(output.token_ids))
            text, stopped = compute_stop_truncation(text, item.request.stop)
            reason = "stop" if stopped else output.finish_reason
            attribution, error = self._attribute(item.request, text)
            _resolve(
                item.future,
                GenerationResult(
                    adapter_id=item.request.adapter_id,
                    text=text,
                    finish_reason=reason,
                    prompt_tokens=len(item.prompt_ids),
                    completion_tokens=len(output.token_ids),
                    attribution=attribution,
                    attribution_error=error,
                    tokens=tracker.final_tokens(len(text)) if tracker is not None else (),
                    prompt_token_infos=self._prompt_infos(item, output.prompt_logprobs),
                ),
            )

    def _tracker(self, item: _Pending) -> RowTracker | None:
        """A RowTracker for a request that streams, has stop strings or wants logprobs."""
        request = item.request
        stops = tuple(s for s in request.stop if s)
        logprobs = request.top_logprobs is not None
        if not stops and not logprobs and item.listener is None:
            return None
        return RowTracker(self.renderer, stops, logprobs, item.listener, item.future.cancelled)

    @staticmethod
    def _on_token(trackers: list[RowTracker | None]) -> Any:
        """The engine's token callback feeding the trackers (None when no row has one)."""
        if all(t is None for t in trackers):
            return None

        def on_token(row: int, token_id: int, logprob: TokenLogprob | None) -> bool:
            tracker = trackers[row]
            return tracker is not None and tracker.add(token_id, logprob)

        return on_token

    def _on_prompt(self, ready: list[_Pending]) -> Any:
        """The engine's prompt callback: streaming requests get their prompt scores first."""

        def on_prompt(row: int, scored: tuple[TokenLogprob, ...]) -> None:
            item = ready[row]
            if item.listener is not None:
                item.listener(TextDelta("", self._prompt_infos(item, scored), prompt=True))

        return on_prompt

    def _prompt_infos(
        self, item: _Pending, scored: tuple[TokenLogprob, ...]
    ) -> tuple[TokenInfo, ...]:
        """TokenInfo of the prompt's text tokens (BOS dropped; an unscored first token)."""
        if not item.request.prompt_logprobs:
            return ()
        ids = item.prompt_ids
        logprobs: list[TokenLogprob | None] = [None, *scored]
        if self.model.tokenizer.bos_token_id is not None:
            ids, logprobs = ids[1:], logprobs[1:]
        return self.renderer.infos(ids, logprobs)

    def _attribute(self, request: GenerationRequest, text: str) -> tuple[Any, str | None]:
        if self.attribution is None or not request.attribute:
            return None, None
        started = time.perf_counter()
        try:
            attribution = self.attribution.attribute(request.adapter_id, request.prompt, text)
        except Exception as exc:  # noqa: BLE001 - an answer without attribution, said why
            log.warning("attribution for %s failed: %s", request.adapter_id, exc)
            self.metrics.record_attribution(time.perf_counter() - started, failed=True)
            return None, str(exc)
        self.metrics.record_attribution(time.perf_counter() - started, failed=False)
        return attribution, None
