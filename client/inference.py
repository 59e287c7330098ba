"""Asking the chain for an inference and reading the answer: who shaped it and who got paid.

    from aichain.client.inference import InferenceClient

    client = InferenceClient("tcp://127.0.0.1:26657", key)        # key: app.crypto.PrivateKey
    answer = client.ask(model_id=3, prompt="Fact: the season of java is", max_tokens=24)
    print(answer.text)
    for record in answer.records:       # the records that shaped it, heaviest first
        print(record.datanet_id, record.record_id, record.weight_ppm, record.contributor,
              record.paid)

`ask` = `request` (MsgRequestInference: the fee escrowed, a worker assigned) + `wait` (polls
the Inference query until the request is answered, or settled with `settled=True`, or timed
out and refunded). The input is the JSON document `{"max_tokens": N, "prompt": ...}`
(`encode_input`), inline when small enough (params.max_inline_input_bytes), else put in the
content store (pass `blobs`, e.g. a GrpcBlobStore of the node) and named by its hash. Every
failure is an `InferenceError` with the chain's message.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aichain.app.crypto import PrivateKey, account_address
from aichain.client.broadcast import TxError, sign_and_broadcast
from aichain.client.rpc import CometRPC, RPCError

DEFAULT_MAX_TOKENS = 32
"""Completion tokens asked for unless told."""

STATUS_NAMES = {
    1: "pending",
    2: "answered",
    3: "settled",
    4: "timed_out",
    5: "disputed",
    6: "refunded",
}
"""attribution.v1 RequestStatus values by number."""


class InferenceError(Exception):
    """The request could not be made, or did not end in an answer."""


def encode_input(prompt: str, max_tokens: int = DEFAULT_MAX_TOKENS) -> bytes:
    """The canonical input bytes of a prompt: `{"max_tokens": N, "prompt": "..."}`."""
    return json.dumps(
        {"max_tokens": max_tokens, "prompt": prompt}, sort_keys=True, separators=(",", ":")
    ).encode()


def make_receipt(
    key: PrivateKey,
    chain_id: str,
    model_id: int,
    prompt: str,
    max_tokens: int,
    price: int,
    nonce: int,
) -> tuple[bytes, bytes]:
    """A signed prepaid receipt (receipt bytes, signature) for a request to a worker's
    `/v1/prepaid/completions`: it names sha256 of the request's input bytes, the price and a
    nonce never used before by this requester."""
    import hashlib

    from aichain.attribution.v1 import attribution_pb2
    from aichain.modules.attribution.signing import sign_receipt

    receipt = attribution_pb2.PrepaidReceipt(
        chain_id=chain_id,
        requester=account_address(key.address),
        model_id=model_id,
        request_hash=hashlib.sha256(encode_input(prompt, max_tokens)).hexdigest(),
        price=str(price),
        nonce=nonce,
    ).SerializeToString()
    return receipt, sign_receipt(key, receipt)


def prepaid_completion(
    url: str,
    key: PrivateKey,
    chain_id: str,
    model_id: int,
    prompt: str,
    *,
    price: int,
    nonce: int,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    timeout: float = 120.0,
) -> tuple[int, dict[str, Any]]:
    """POSTs a prepaid request (with a fresh signed receipt) to a worker at url; returns the
    HTTP status and the JSON answer (the completion, or the refusal's error)."""
    import urllib.error
    import urllib.request

    receipt, signature = make_receipt(key, chain_id, model_id, prompt, max_tokens, price, nonce)
    body = json.dumps(
        {
            "model": str(model_id),
            "prompt": prompt,
            "max_tokens": max_tokens,
            "receipt": base64.b64encode(receipt).decode(),
            "receipt_signature": base64.b64encode(signature).decode(),
        }
    ).encode()
    request = urllib.request.Request(
        url.rstrip("/") + "/v1/prepaid/completions",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


@dataclass(frozen=True, slots=True)
class AttributedRecord:
    """One record that shaped an answer, its weight, contributor and what it was paid."""

    datanet_id: int
    version: int
    record_id: int
    weight_ppm: int
    contributor: str
    paid: int


@dataclass(frozen=True, slots=True)
class InferenceAnswer:
    """A request and what became of it."""

    request_id: int
    status: str
    model_id: int
    fee: int
    worker: str
    text: str | None
    output_hash: str
    method: str
    records: tuple[AttributedRecord, ...]
    payouts: tuple[dict[str, Any], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """As JSON-ready data."""
        return {
            "request_id": self.request_id,
            "status": self.status,
            "model_id": self.model_id,
            "fee": str(self.fee),
            "worker": self.worker,
            "text": self.text,
            "output_hash": self.output_hash,
            "method": self.method,
            "records": [
                {
                    "datanet_id": r.datanet_id,
                    "version": r.version,
                    "record_id": r.record_id,
                    "weight_ppm": r.weight_ppm,
                    "contributor": r.contributor,
                    "paid": str(r.paid),
                }
                for r in self.records
            ],
            "payouts": list(self.payouts),
        }


class InferenceClient:
    """Requests inferences as the account of `key` on the node at `node`."""

    def __init__(
        self,
        node: str,
        key: PrivateKey,
        *,
        blobs: Any = None,
        gas_prices: str = "0.025uaic",
        chain_id: str | None = None,
    ) -> None:
        from aichain.app.ante import parse_min_gas_prices

        self.rpc = CometRPC(node)
        self.key = key
        self.address = account_address(key.address)
        self.blobs = blobs
        self.gas_prices = parse_min_gas_prices(gas_prices)
        self._chain_id = chain_id

    def _query(self, method: str, request: Any, response_type: Any) -> Any:
        try:
            res = self.rpc.abci_query(f"/aichain.{method}", request.SerializeToString())
        except RPCError as exc:
            raise InferenceError(str(exc)) from None
        if res.code != 0:
            raise InferenceError(f"{res.codespace}/{res.code}: {res.log}")
        return response_type.FromString(res.value)

    def chain_id(self) -> str:
        """The node's chain id."""
        if self._chain_id is None:
            try:
                self._chain_id = str(self.rpc.status()["node_info"]["network"])
            except RPCError as exc:
                raise InferenceError(str(exc)) from None
        return self._chain_id

    def model_price(self, model_id: int) -> int:
        """The model's price per request (uaic). Raises InferenceError if it is unknown."""
        from aichain.modelreg.v1 import query_pb2 as mq

        model = self._query(
            "modelreg.v1.Query/Model", mq.QueryModelRequest(id=model_id), mq.QueryModelResponse
        ).model
        return int(model.price_per_request or 0)

    def request(
        self,
        model_id: int,
        prompt: str,
        *,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        max_fee: int | None = None,
        timeout_height: int = 0,
    ) -> int:
        """Sends MsgRequestInference (max_fee escrowed; default: the model's price); returns
        the request id. Raises InferenceError with the chain's refusal."""
        from aichain.attribution.v1 import query_pb2, tx_pb2

        params = self._query(
            "attribution.v1.Query/Params",
            query_pb2.QueryParamsRequest(),
            query_pb2.QueryParamsResponse,
        ).params
        data = encode_input(prompt, max_tokens)
        fee = self.model_price(model_id) if max_fee is None else max_fee
        msg = tx_pb2.MsgRequestInference(
            requester=self.address,
            model_id=model_id,
            max_fee=str(fee),
            timeout_height=timeout_height,
        )
        if len(data) <= int(params.max_inline_input_bytes):
            msg.input_inline = data
        elif self.blobs is not None:
            msg.input_hash = self.blobs.put(data)
        else:
            raise InferenceError(
                f"the input is {len(data)} bytes, over the chain's inline limit of "
                f"{params.max_inline_input_bytes}: pass a content store (blobs=...)"
            )
        try:
            result = sign_and_broadcast(
                self.rpc,
                self.key,
                [msg],
                chain_id=self.chain_id(),
                fees=(),
                gas_prices=self.gas_prices,
            )
        except (TxError, RPCError) as exc:
            raise InferenceError(str(exc)) from None
        if result.code != 0:
            raise InferenceError(f"request refused: {result.codespace}/{result.code} {result.log}")
        return self._request_id(result.txhash)

    def _request_id(self, txhash: str) -> int:
        from cosmos.base.abci.v1beta1 import abci_pb2

        from aichain.attribution.v1 import tx_pb2

        found = self.rpc.tx(bytes.fromhex(txhash))
        data = base64.b64decode(found["tx_result"].get("data") or "")
        responses = abci_pb2.TxMsgData.FromString(data).msg_responses
        return int(tx_pb2.MsgRequestInferenceResponse.FromString(responses[0].value).request_id)

    def inference(self, request_id: int) -> Any:
        """The chain's Inference record of request_id."""
        from aichain.attribution.v1 import query_pb2

        return self._query(
            "attribution.v1.Query/Inference",
            query_pb2.QueryInferenceRequest(id=request_id),
            query_pb2.QueryInferenceResponse,
        ).inference

    def wait(
        self, request_id: int, *, timeout: float = 180.0, settled: bool = False, poll: float = 0.5
    ) -> InferenceAnswer:
        """Polls until the request is answered (settled, when asked), or ends without an
        answer (timed out / refunded: InferenceError says so)."""
        deadline = time.monotonic() + timeout
        want = {3} if settled else {2, 3, 5}
        while True:
            inference = self.inference(request_id)
            status = inference.request.status
            if status in want:
                return self.describe(inference)
            if status in (4, 6):
                raise InferenceError(
                    f"request {request_id} ended {STATUS_NAMES[status]}: the fee was refunded"
                )
            if time.monotonic() > deadline:
                raise InferenceError(
                    f"request {request_id} still {STATUS_NAMES.get(status, status)} after "
                    f"{timeout:.0f}s"
                )
            time.sleep(poll)

    def ask(self, model_id: int, prompt: str, **kwargs: Any) -> InferenceAnswer:
        """request + wait (kwargs: max_tokens, max_fee, timeout_height / timeout, settled)."""
        wait_args = {k: kwargs.pop(k) for k in ("timeout", "settled") if k in kwargs}
        return self.wait(self.request(model_id, prompt, **kwargs), **wait_args)

    def describe(self, inference: Any) -> InferenceAnswer:
        """An Inference record as an answer: text (inline, or from the content store), the
        records with their contributors, and what each was paid."""
        from aichain.datanet.v1 import query_pb2 as dq

        result = inference.result
        text: str | None = None
        if result.output_inline:
            text = bytes(result.output_inline).decode("utf-8", errors="replace")
        elif result.output_hash and self.blobs is not None:
            try:
                text = self.blobs.get(result.output_hash).decode("utf-8", errors="replace")
            except Exception:  # noqa: BLE001 - the hash is still shown
                text = None
        paid: dict[tuple[int, int, int], int] = {}
        for p in inference.payouts:
            if p.role == "data":
                k = (p.datanet_id, p.version, p.record_id)
                paid[k] = paid.get(k, 0) + int(p.amount or 0)
        records = []
        for entry in sorted(result.attributions, key=lambda e: (-e.weight_ppm, e.record_id)):
            try:
                contributor = self._query(
                    "datanet.v1.Query/Record",
                    dq.QueryRecordRequest(datanet_id=entry.datanet_id, record_id=entry.record_id),
                    dq.QueryRecordResponse,
                ).record.contributor
            except InferenceError:
                contributor = ""
            key = (entry.datanet_id, entry.version, entry.record_id)
            records.append(
                AttributedRecord(
                    entry.datanet_id,
                    entry.version,
                    entry.record_id,
                    entry.weight_ppm,
                    contributor,
                    paid.get(key, 0),
                )
            )
        payouts = tuple(
            {
                "role": p.role,
                "recipient": p.recipient,
                "amount": p.amount,
                **({"record": f"{p.datanet_id}@{p.version}/{p.record_id}"} if p.record_id else {}),
            }
            for p in inference.payouts
        )
        return InferenceAnswer(
            request_id=inference.request.id,
            status=STATUS_NAMES.get(inference.request.status, str(inference.request.status)),
            model_id=inference.request.model_id,
            fee=int(inference.request.fee or 0),
            worker=inference.worker,
            text=text,
            output_hash=result.output_hash,
            method=result.method,
            records=tuple(records),
            payouts=payouts,
        )
