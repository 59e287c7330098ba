"""Prepaid requests over the worker's OpenAI-compatible endpoint: answered at once, settled
later in batches.

`POST /v1/prepaid/completions` (added to the serving endpoint by subclassing its server, so
the OpenAI routes are untouched) takes

    {"model": "<model id>", "prompt": "...", "max_tokens": N,
     "receipt": "<base64 PrepaidReceipt>", "receipt_signature": "<base64>"}

where the requester signed the receipt (sha256("aichain/attribution/v1/receipt" || receipt),
`client/inference.py`'s `make_receipt`) naming `request_hash` = sha256 of the request's input
bytes (`encode_input(prompt, max_tokens)`), the price and a fresh nonce. Checks, cheapest
first, each a 4xx with a message: the model is served (404); the receipt parses and is for
this chain and model (400 invalid_receipt); the hash matches this prompt (400); the price is
at least the model's (402); the nonce was not used with this worker (409); the signature is the
requester account's (401); the prepaid balance covers it and every receipt this worker holds
unsettled (402). Then the answer is generated and attributed like an on-chain one, the result
signed with the receipt attached and journaled; `WorkerDaemon.flush` settles it in the next
batch. The input bytes go to the content store, so the request hash also fetches the input
(a committee can re-run a challenged prepaid result).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import threading
import time
from http import HTTPStatus
from typing import Any

from aiohttp import web

from aichain.client.blobs import BlobError
from aichain.gpu_worker.chain_client import ChainError
from aichain.gpu_worker.daemon.journal import prepaid_key
from aichain.gpu_worker.daemon.results import (
    InputError,
    build_result,
    compute_entries,
    compute_request_hash,
    encode_input,
)
from aichain.gpu_worker.serving.http import OpenAIServer, compute_api_error
from aichain.gpu_worker.serving.openai_format import ApiError
from aichain.modules.attribution import signing

PREPAID_ROUTE = "/v1/prepaid/completions"
"""Where prepaid requests are served."""


def _error(status: int, message: str, code: str, param: str | None = None) -> ApiError:
    return ApiError(status, message, "invalid_request_error", code, param)


class PrepaidServer(OpenAIServer):
    """The serving endpoint plus the prepaid route (handled by `prepaid`, set by the daemon)."""

    prepaid: PrepaidHandler | None = None

    def _application(self) -> web.Application:
        app = super()._application()
        app.router.add_post(PREPAID_ROUTE, self._post_prepaid)
        return app

    async def _post_prepaid(self, request: web.Request) -> web.Response:
        if self.prepaid is None:
            raise _error(HTTPStatus.SERVICE_UNAVAILABLE, "prepaid serving is not ready", "busy")
        try:
            body = await request.json()
        except ValueError as exc:
            raise _error(
                HTTPStatus.BAD_REQUEST, f"body is not JSON: {exc}", "invalid_json"
            ) from None
        return web.json_response(await self.prepaid.handle(body))


class PrepaidHandler:
    """Checks receipts, answers, and journals the signed results for settlement."""

    def __init__(self, daemon: Any) -> None:
        self.daemon = daemon
        self._lock = threading.Lock()
        self._reserved: set[str] = set()
        self._in_flight: dict[tuple[str, int], int] = {}
        self._pubkeys: dict[str, bytes] = {}

    def _parse(self, body: Any) -> tuple[int, str, int, Any, bytes, bytes]:
        from aichain.attribution.v1 import attribution_pb2

        if not isinstance(body, dict):
            raise _error(HTTPStatus.BAD_REQUEST, "body must be a JSON object", "invalid_body")
        try:
            model_id = int(str(body.get("model", "")))
        except ValueError:
            raise _error(
                HTTPStatus.BAD_REQUEST, "model must be a model id", "invalid_model", "model"
            ) from None
        prompt, max_tokens = body.get("prompt"), body.get("max_tokens", 32)
        if not isinstance(prompt, str):
            raise _error(HTTPStatus.BAD_REQUEST, "prompt must be a string", "invalid_prompt")
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
            raise _error(
                HTTPStatus.BAD_REQUEST,
                "max_tokens must be a positive integer",
                "invalid_max_tokens",
            )
        try:
            raw = base64.b64decode(str(body.get("receipt", "")), validate=True)
            signature = base64.b64decode(str(body.get("receipt_signature", "")), validate=True)
            receipt = attribution_pb2.PrepaidReceipt.FromString(raw)
        except (binascii.Error, ValueError, Exception) as exc:  # noqa: BLE001 - DecodeError too
            raise _error(
                HTTPStatus.BAD_REQUEST, f"malformed receipt: {exc}", "invalid_receipt", "receipt"
            ) from None
        if not raw or not receipt.requester:
            raise _error(
                HTTPStatus.BAD_REQUEST,
                "malformed receipt: empty or without requester",
                "invalid_receipt",
                "receipt",
            )
        return model_id, prompt, max_tokens, receipt, raw, signature

    def _pubkey(self, address: str) -> bytes:
        if address not in self._pubkeys:
            key = self.daemon.chain.account_pubkey(address)
            if key:
                self._pubkeys[address] = key
            return key
        return self._pubkeys[address]

    def _check(
        self,
        model_id: int,
        prompt: str,
        max_tokens: int,
        receipt: Any,
        raw: bytes,
        signature: bytes,
    ) -> tuple[str, int]:
        """Chain-side checks of a receipt (blocking); returns (journal key, price)."""
        daemon = self.daemon
        served = daemon.served.get(model_id)
        if served is None:
            raise _error(
                HTTPStatus.NOT_FOUND,
                f"model {model_id} is not served by this worker",
                "model_not_found",
                "model",
            )
        if receipt.chain_id != daemon.chain.chain_id() or receipt.model_id != model_id:
            raise _error(
                HTTPStatus.BAD_REQUEST,
                f"receipt is for chain {receipt.chain_id!r} "
                f"model {receipt.model_id}, not this chain's model {model_id}",
                "invalid_receipt",
                "receipt",
            )
        if receipt.request_hash != compute_request_hash(prompt, max_tokens):
            raise _error(
                HTTPStatus.BAD_REQUEST,
                "receipt request_hash is not sha256 of this "
                "request's input (encode_input(prompt, max_tokens))",
                "invalid_receipt",
                "receipt",
            )
        try:
            price = int(receipt.price)
        except ValueError:
            raise _error(
                HTTPStatus.BAD_REQUEST,
                f"receipt price {receipt.price!r}",
                "invalid_receipt",
                "receipt",
            ) from None
        model_price = int(served.model.price_per_request or 0)
        if price < model_price:
            raise _error(
                HTTPStatus.PAYMENT_REQUIRED,
                f"receipt price {price} is below model {model_id}'s price {model_price}",
                "price_too_low",
            )
        key = prepaid_key(receipt.requester, receipt.nonce)
        if key in self._reserved or daemon.journal.has_result(key):
            raise _error(
                HTTPStatus.CONFLICT,
                f"receipt nonce {receipt.nonce} was already used",
                "receipt_replayed",
                "receipt",
            )
        pubkey = self._pubkey(receipt.requester)
        if not pubkey or not signing.verify_receipt(pubkey, raw, signature):
            raise _error(
                HTTPStatus.UNAUTHORIZED,
                f"receipt signature is not {receipt.requester}'s",
                "invalid_signature",
                "receipt_signature",
            )
        balance = daemon.chain.prepaid_balance(receipt.requester, model_id)
        held = sum(
            int(e.fee or 0)
            for e in daemon.journal.results_in("computed", "broadcast")
            if e.key.startswith(f"p:{receipt.requester}:") and e.model_id == model_id
        )
        if balance - held < price:
            raise _error(
                HTTPStatus.PAYMENT_REQUIRED,
                f"prepaid balance {balance} (of which "
                f"{held} held by unsettled receipts) does not cover {price}: fund it "
                "with `aichain tx attribution fund-prepaid`",
                "insufficient_prepaid",
            )
        account = (receipt.requester, model_id)
        with self._lock:  # answers in flight hold their price too (no overspending at once)
            if key in self._reserved:
                raise _error(HTTPStatus.CONFLICT, "receipt nonce in use", "receipt_replayed")
            in_flight = self._in_flight.get(account, 0)
            if balance - held - in_flight < price:
                raise _error(
                    HTTPStatus.PAYMENT_REQUIRED,
                    f"prepaid balance {balance} is held by receipts being answered or not yet "
                    f"settled ({held + in_flight}); {price} more is not covered",
                    "insufficient_prepaid",
                )
            self._reserved.add(key)
            self._in_flight[account] = in_flight + price
        return key, price

    async def handle(self, body: Any) -> dict[str, Any]:
        """Answers one prepaid request (raises ApiError with the refusal)."""
        model_id, prompt, max_tokens, receipt, raw, signature = self._parse(body)
        loop = asyncio.get_running_loop()
        daemon = self.daemon
        try:
            key, price = await loop.run_in_executor(
                None, self._check, model_id, prompt, max_tokens, receipt, raw, signature
            )
        except ChainError as exc:
            raise _error(
                HTTPStatus.SERVICE_UNAVAILABLE,
                f"cannot check the receipt: {exc}",
                "chain_unavailable",
            ) from None
        try:
            started = time.monotonic()
            try:
                future = daemon.runtime.submit(model_id, prompt, max_tokens)
            except (ValueError, KeyError) as exc:  # context length, unknown adapter
                raise compute_api_error(exc) from None
            try:
                result = await asyncio.wrap_future(future)
            except Exception as exc:  # noqa: BLE001 - the serving loop's error, as HTTP
                raise compute_api_error(exc) from None
            if result.attribution is None:
                raise _error(
                    HTTPStatus.INTERNAL_SERVER_ERROR,
                    f"attribution failed: {result.attribution_error}",
                    "attribution_error",
                )
            served = daemon.served[model_id]
            try:
                entries = compute_entries(
                    result.attribution,
                    served.datanet_id,
                    served.version,
                    int(daemon.params.max_attributions or 10),
                )
            except InputError as exc:
                raise _error(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc), "no_attribution") from None
            try:
                await loop.run_in_executor(
                    None,
                    self._store,
                    prompt,
                    max_tokens,
                    result.text,
                    result.attribution["evidence_sha256"],
                )
            except BlobError as exc:
                raise _error(
                    HTTPStatus.SERVICE_UNAVAILABLE,
                    f"content store unavailable: {exc}",
                    "store_unavailable",
                ) from None
            body_msg = build_result(
                chain_id=daemon.chain.chain_id(),
                request_id=0,
                worker=daemon.operator,
                model=served.model,
                base_weights_hash=daemon.base_hashes[model_id],
                text=result.text,
                prompt_tokens=result.prompt_tokens,
                completion_tokens=result.completion_tokens,
                method=daemon.runtime.engine,
                evidence_hash=result.attribution["evidence_sha256"],
                entries=entries,
                max_inline_output_bytes=int(daemon.params.max_inline_output_bytes),
            )
            bundle = signing.make_bundle(
                daemon.config.hot, body_msg, receipt=raw, receipt_signature=signature
            )
            daemon.journal.add_computed(key, 0, model_id, bundle.SerializeToString(), str(price))
            daemon.answered_times.append(time.time())
        finally:
            with self._lock:
                self._reserved.discard(key)
                account = (receipt.requester, model_id)
                self._in_flight[account] = self._in_flight.get(account, 0) - price
        daemon.journal.record(
            "prepaid", key=key, price=price, seconds=round(time.monotonic() - started, 3)
        )
        return {
            "id": f"prepaid-{hashlib.sha256(raw).hexdigest()[:16]}",
            "object": "text_completion",
            "model": str(model_id),
            "choices": [{"index": 0, "text": result.text, "finish_reason": result.finish_reason}],
            "usage": {
                "prompt_tokens": result.prompt_tokens,
                "completion_tokens": result.completion_tokens,
                "total_tokens": result.prompt_tokens + result.completion_tokens,
            },
            "attribution": result.attribution,
            "settlement": {
                "status": "queued",
                "price": str(price),
                "nonce": str(receipt.nonce),
                "output_hash": body_msg.output_hash,
            },
        }

    def _store(self, prompt: str, max_tokens: int, text: str, evidence_hash: str) -> None:
        self.daemon.store.put(encode_input(prompt, max_tokens))
        self.daemon.store.put(text.encode("utf-8"))
        self.daemon.runtime.upload_pending_evidence(evidence_hash)


def receipt_json(receipt: bytes, signature: bytes) -> dict[str, str]:
    """The receipt fields of a prepaid request body."""
    return {
        "receipt": base64.b64encode(receipt).decode(),
        "receipt_signature": base64.b64encode(signature).decode(),
    }


def request_body(
    model_id: int, prompt: str, max_tokens: int, receipt: bytes, signature: bytes
) -> bytes:
    """A prepaid request's JSON body."""
    doc = {"model": str(model_id), "prompt": prompt, "max_tokens": max_tokens}
    return json.dumps({**doc, **receipt_json(receipt, signature)}).encode()
