"""Fuzzing the worker's OpenAI-compatible endpoint (issue 13): random paths, methods, headers and
bodies — malformed JSON, wrong types, extreme numbers, unknown models — get a 4xx with a JSON
error message or a 200, never a 5xx, and the server keeps serving. The server is the worker
daemon's (PrepaidServer), so `/v1/prepaid/completions` is fuzzed too: bodies near its schema
with receipts that are random bytes or real receipts with one field off (chain, model, hash,
price, requester) and signatures that are not the requester's, checked against a stand-in of
the daemon's chain view (one served model, one known account); each gets a 4xx naming the
problem."""

from __future__ import annotations

import base64
import http.client
import json
import os
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from aichain.app.crypto import account_address  # noqa: E402
from aichain.attribution.v1 import attribution_pb2  # noqa: E402
from aichain.gpu_worker.daemon.prepaid import PREPAID_ROUTE, PrepaidHandler, PrepaidServer  # noqa: E402
from aichain.gpu_worker.daemon.results import compute_request_hash  # noqa: E402
from tests.helpers import make_key  # noqa: E402
from tests.serving_stack import tiny_service  # noqa: E402

pytestmark = pytest.mark.ml

EXAMPLES = int(os.environ.get("AICHAIN_FUZZ_EXAMPLES", "60"))
"""Examples per property (raise it for a long run)."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    service = tiny_service(tmp_path_factory.mktemp("fuzz-adapters"), 1, 2)
    running = PrepaidServer(service)
    running.prepaid = PrepaidHandler(StandInDaemon())
    running.start()
    yield running, service.registry.ids()[0]
    running.close(grace_s=0)


REQUESTER = make_key(5)
"""The one account the stand-in chain knows (its public key is on chain)."""

CHAIN_ID, MODEL_ID, PRICE = "aichain-fuzz", 7, 1000


class StandInChain:
    """The daemon's chain view for one served model and one account, never unreachable."""

    def chain_id(self) -> str:
        return CHAIN_ID

    def account_pubkey(self, address: str) -> bytes:
        return REQUESTER.pubkey if address == account_address(REQUESTER.address) else b""

    def prepaid_balance(self, requester: str, model_id: int) -> int:
        return 10**9


class StandInDaemon:
    """What PrepaidHandler reads of the daemon before it answers: the served models, the chain
    view and the journal (empty). No runtime: a receipt no fuzzer can sign never reaches it."""

    def __init__(self) -> None:
        model = SimpleNamespace(price_per_request=str(PRICE))
        self.served = {MODEL_ID: SimpleNamespace(model=model)}
        self.chain = StandInChain()
        self.journal = SimpleNamespace(has_result=lambda key: False, results_in=lambda *s: [])
        self.runtime = None


def request(server, method: str, path: str, body: bytes | None, ctype: str) -> tuple[int, bytes]:
    host, port = running_address(server)
    conn = http.client.HTTPConnection(host, port, timeout=120)
    try:
        headers = {"Content-Type": ctype} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def running_address(server) -> tuple[str, int]:
    running, _ = server
    return "127.0.0.1", running.port


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def body_strategy(model: str) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies near the real schema: each field present or not, of the right type or not."""
    fields = {
        "model": st.sampled_from([model, "no-such-model", "", "x" * 300]) | JSON_VALUES,
        "prompt": st.text(max_size=40) | JSON_VALUES,
        "messages": st.lists(
            st.fixed_dictionaries(
                {
                    "role": st.sampled_from(["user", "system", "bogus"]),
                    "content": st.text(max_size=20),
                }
            ),
            max_size=3,
        )
        | JSON_VALUES,  # fmt: skip
        "max_tokens": st.integers(min_value=-5, max_value=2) | st.just(10**12) | JSON_VALUES,
        "temperature": st.floats(min_value=-3, max_value=5, allow_nan=False) | JSON_VALUES,
        "stream": st.booleans() | JSON_VALUES,
        "n": st.integers(min_value=-1, max_value=3) | JSON_VALUES,
    }
    return st.fixed_dictionaries({}, optional=fields)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_json_bodies_near_the_schema_never_get_a_5xx(server, data) -> None:
    _, model = server
    path = data.draw(st.sampled_from(["/v1/completions", "/v1/chat/completions"]))
    body = data.draw(body_strategy(model))
    if isinstance(body.get("max_tokens"), int) and body["max_tokens"] > 2:
        body["max_tokens"] = 2  # keep generation short; huge values are drawn separately
    status, raw = request(server, "POST", path, json.dumps(body).encode(), "application/json")
    assert status < 500, (path, body, status, raw[:300])
    if status >= 400:
        assert "error" in json.loads(raw), raw[:300]


def receipt_strategy(prompt: str, max_tokens: Any) -> st.SearchStrategy[str]:
    """base64 of random bytes, or of a receipt for this request with one field maybe off."""
    tokens = max_tokens if isinstance(max_tokens, int) and not isinstance(max_tokens, bool) else 1
    near = st.builds(
        attribution_pb2.PrepaidReceipt,
        chain_id=st.sampled_from([CHAIN_ID, "aichain-other", ""]),
        requester=st.sampled_from([account_address(REQUESTER.address), account_address(b"\1" * 20),
                                   "aic1", "x" * 90]),
        model_id=st.sampled_from([MODEL_ID, 0, 2**64 - 1]),
        request_hash=st.sampled_from([compute_request_hash(prompt, max(tokens, 1)), "00" * 32, ""]),
        price=st.sampled_from([str(PRICE), str(PRICE - 1), "-1", "1e9", "", str(2**256)]),
        nonce=st.integers(0, 2**64 - 1),
    ).map(lambda r: r.SerializeToString())  # fmt: skip
    raw = st.one_of(near, st.binary(max_size=120))
    return st.one_of(raw.map(lambda b: base64.b64encode(b).decode()), st.text(max_size=30))


def prepaid_body(data: Any) -> dict[str, Any]:
    """A prepaid request for the served model with a receipt near a real one, then maybe one
    field dropped or replaced by any JSON value."""
    prompt = data.draw(st.text(max_size=30), label="prompt")
    max_tokens = data.draw(st.integers(1, 3), label="max_tokens")
    body: dict[str, Any] = {
        "model": data.draw(st.sampled_from([str(MODEL_ID), "8"]), label="model"),
        "prompt": prompt,
        "max_tokens": max_tokens,
        "receipt": data.draw(receipt_strategy(prompt, max_tokens), label="receipt"),
        "receipt_signature": base64.b64encode(data.draw(st.binary(min_size=64, max_size=64)))
        .decode(),
    }  # fmt: skip
    broken = data.draw(st.sampled_from([None, *body]), label="broken field")
    if broken is not None and data.draw(st.booleans(), label="drop"):
        del body[broken]
    elif broken is not None:
        body[broken] = data.draw(JSON_VALUES, label="value")
    return body


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_prepaid_bodies_near_the_schema_get_a_4xx_naming_the_problem(server, data) -> None:
    body = prepaid_body(data)
    status, raw = request(server, "POST", PREPAID_ROUTE, json.dumps(body).encode(),
                          "application/json")  # fmt: skip
    assert 400 <= status < 500, (body, status, raw[:300])
    error = json.loads(raw)["error"]
    assert error["message"] and error["code"], error


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
    path=st.sampled_from(
        [
            "/v1/completions",
            "/v1/chat/completions",
            "/v1/models",
            "/health",
            "/metrics",
            "/v1/models/x",
            PREPAID_ROUTE,
        ]
    )
    | st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=30).map(
        lambda p: "/" + p.replace("?", "")
    ),  # fmt: skip
    body=st.none() | st.binary(max_size=200),
    ctype=st.sampled_from(["application/json", "text/plain", "application/octet-stream"]),
)
def test_random_requests_never_get_a_5xx(server, method, path, body, ctype) -> None:
    status, raw = request(server, method, path, body, ctype)
    assert status < 500 or status == 503 and b"draining" in raw, (method, path, status, raw[:200])


def test_the_server_still_serves_after_the_fuzzing(server) -> None:
    status, raw = request(server, "GET", "/health", None, "application/json")
    assert status == 200
