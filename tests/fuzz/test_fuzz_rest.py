"""The REST gateway under malformed requests (Hypothesis): every route it serves, with its path
variables and query parameters (pagination, heights, addresses, numbers) filled with edge
values and random text, and POST routes with random bodies. Each answer is a 4xx with a JSON
message or a 200, never a 5xx (503 only for the node services when no CometBFT is attached,
as here), and the gateway keeps serving."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aichain.node.grpc_server import node_services, start_grpc_server
from aichain.node.rest import routes_of, served_methods, start_rest_server

from .chain import start
from .mutate import EXTREME_TEXT
from .test_fuzz_txs import LONG

REST = settings(
    max_examples=LONG or 150,
    deadline=None,
    derandomize=not LONG,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
"""150 requests per property, the same every run."""

PARAMS = (
    "pagination.key", "pagination.offset", "pagination.limit", "pagination.count_total",
    "pagination.reverse", "height", "denom", "status", "address", "delegator_addr",
    "validator_addr", "events", "query", "order_by", "page", "limit",
)  # fmt: skip
"""Query parameters the routes read (and a few they do not)."""

NODE_SERVICES = ("/cosmos.tx.v1beta1.Service/", "/cosmos.base.tendermint.v1beta1.Service/")
"""Methods that need CometBFT: without it they answer 503 with a message."""


@pytest.fixture(scope="module")
def gateway() -> Iterator[tuple[str, list]]:
    chain = start()
    grpc_server = start_grpc_server(chain.app, "127.0.0.1:0", None)
    routes = routes_of(served_methods(list(chain.app.router.queries), node_services()))
    rest = start_rest_server(
        list(chain.app.router.queries), node_services(), "tcp://127.0.0.1:0", grpc_server.port
    )
    try:
        yield f"http://127.0.0.1:{rest.port}", routes
    finally:
        rest.stop()
        grpc_server.stop(grace=None)


def _text() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(EXTREME_TEXT), st.text(max_size=30))


def _call(base: str, method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
    request = urllib.request.Request(
        base + path, data=body, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _judge(route, status: int, payload: bytes) -> None:
    if status == 503 and route.grpc_path.startswith(NODE_SERVICES):
        return  # no CometBFT behind this gateway
    assert status < 500, (route.path, status, payload[:300])
    if status >= 400:
        message = json.loads(payload).get("message")
        assert message, (route.path, status, payload[:300])


@REST
@given(data=st.data())
def test_every_route_answers_bad_parameters_with_a_4xx_and_a_message(gateway, data) -> None:
    base, routes = gateway
    route = data.draw(st.sampled_from(routes), label="route")

    def fill(match: re.Match[str]) -> str:
        return urllib.parse.quote(data.draw(_text(), label=match.group(1)), safe="")

    path = re.sub(r"\{([^}=]+)(?:=[^}]*)?\}", fill, route.path)
    params = data.draw(st.dictionaries(st.sampled_from(PARAMS), _text(), max_size=4))
    if params:
        path += "?" + urllib.parse.urlencode(params)
    body = None
    if route.http_method.upper() == "POST":
        body = data.draw(
            st.one_of(
                st.binary(max_size=200),
                st.sampled_from([b"{}", b"[]", b"null", b'{"tx_bytes": "!!"}', b'{"mode": 9}']),
            )
        )
    status, payload = _call(base, route.http_method.upper(), path, body)
    _judge(route, status, payload)


@REST
@given(path=st.text(max_size=60))
def test_unknown_paths_are_404_not_a_crash(gateway, path: str) -> None:
    base, _ = gateway
    status, _ = _call(base, "GET", "/" + urllib.parse.quote(path), None)
    assert status < 500 or status == 501


def test_the_gateway_still_serves_after_the_fuzzing(gateway) -> None:
    base, _ = gateway
    status, payload = _call(base, "GET", "/cosmos/bank/v1beta1/params", None)
    assert status == 200, payload
