"""The REST gateway over a real gRPC server and an in-process app: routes from the proto
annotations, the SDK's JSON shapes, pagination parameters, the height header, and errors in
the gateway's shape."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from aichain.app.crypto import account_address
from aichain.node.grpc_server import node_services, start_grpc_server
from aichain.node.rest import aiohttp_path, routes_of, served_methods, start_rest_server
from tests.helpers import DENOM, Chain, make_key

ALICE, BOB = make_key(41), make_key(42)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Chain, str]]:
    chain = Chain.start([(ALICE, 10**9), (BOB, 5 * 10**8)])
    chain.block([chain.send_tx(ALICE, BOB.address, 1_000)])
    grpc_server = start_grpc_server(chain.app, "127.0.0.1:0", None)
    rest = start_rest_server(
        list(chain.app.router.queries), node_services(), "tcp://127.0.0.1:0", grpc_server.port
    )
    try:
        yield chain, f"http://127.0.0.1:{rest.port}"
    finally:
        rest.stop()
        grpc_server.stop(grace=None)


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def post(url: str, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_routes_come_from_the_annotations() -> None:
    routes = routes_of(
        ["/cosmos.bank.v1beta1.Query/AllBalances", "/cosmos.tx.v1beta1.Service/BroadcastTx"]
    )
    assert [(r.http_method, r.path, r.body) for r in routes] == [
        ("GET", "/cosmos/bank/v1beta1/balances/{address}", ""),
        ("POST", "/cosmos/tx/v1beta1/txs", "*"),
    ]
    assert aiohttp_path("/a/{denom=**}/b/{pagination.key}") == "/a/{denom:.+}/b/{pagination__key}"
    methods = served_methods([], node_services())
    assert "/cosmos.tx.v1beta1.Service/Simulate" in methods
    assert "/cosmos.tx.v1beta1.Service/TxEncodeAmino" not in methods  # not implemented here


def test_balances_answer_as_the_sdk_gateway_does(served) -> None:
    chain, base = served
    bob = account_address(BOB.address)
    status, body = get(f"{base}/cosmos/bank/v1beta1/balances/{bob}")
    assert status == 200
    assert body == {
        "balances": [{"denom": DENOM, "amount": str(5 * 10**8 + 1_000)}],
        "pagination": {"next_key": None, "total": "0"},
    }
    status, body = get(f"{base}/cosmos/bank/v1beta1/balances/{bob}/by_denom?denom={DENOM}")
    assert (status, body["balance"]["amount"]) == (200, str(5 * 10**8 + 1_000))


def test_account_route_packs_the_account_type(served) -> None:
    chain, base = served
    alice = account_address(ALICE.address)
    status, body = get(f"{base}/cosmos/auth/v1beta1/accounts/{alice}")
    assert status == 200
    assert body["account"]["@type"] == "/cosmos.auth.v1beta1.BaseAccount"
    assert body["account"]["address"] == alice and body["account"]["sequence"] == "1"


def test_pagination_parameters_page_the_supply_and_accounts(served) -> None:
    chain, base = served
    status, first = get(
        f"{base}/cosmos/auth/v1beta1/accounts?pagination.limit=2&pagination.count_total=true"
    )
    assert status == 200 and len(first["accounts"]) == 2
    total = int(first["pagination"]["total"])
    assert total >= 4  # two users and the module accounts
    key = first["pagination"]["next_key"]
    status, second = get(
        f"{base}/cosmos/auth/v1beta1/accounts?pagination.limit=2&pagination.key={key}"
    )
    assert status == 200
    seen = [
        a.get("address") or a["base_account"]["address"]
        for a in first["accounts"] + second["accounts"]
    ]
    assert len(set(seen)) == 4


def test_the_height_header_reads_an_earlier_state(served) -> None:
    chain, base = served
    bob = account_address(BOB.address)
    url = f"{base}/cosmos/bank/v1beta1/balances/{bob}/by_denom?denom={DENOM}"
    status, body = get(url, {"x-cosmos-block-height": "1"})
    assert (status, body["balance"]["amount"]) == (200, str(5 * 10**8))


def test_simulate_over_rest(served) -> None:
    chain, base = served
    raw = chain.send_tx(ALICE, BOB.address, 5, sequence=chain.sequences[ALICE.address])
    status, body = post(
        f"{base}/cosmos/tx/v1beta1/simulate",
        json.dumps({"tx_bytes": base64.b64encode(raw).decode()}).encode(),
    )
    assert status == 200, body
    assert int(body["gas_info"]["gas_used"]) > 0


def test_node_info_routes(served) -> None:
    chain, base = served
    for path in ("/cosmos/base/tendermint/v1beta1/node_info", "/node_info"):
        status, body = get(base + path)
        assert status in (200, 503)  # no CometBFT here: the service says it is unavailable
        assert set(body) >= ({"default_node_info"} if status == 200 else {"code", "message"})


BAD = [
    ("/cosmos/bank/v1beta1/balances/notanaddress", 400, 3, "address"),
    ("/cosmos/bank/v1beta1/nothing/here", 404, 5, "no route"),
    ("/cosmos/auth/v1beta1/accounts?pagination.limit=ten", 400, 3, "parameter limit"),
    ("/cosmos/auth/v1beta1/accounts?pagination.key=a", 400, 3, "parameter key"),
    ("/cosmos/auth/v1beta1/accounts?pagination.frobnicate=1", 400, 3, "unknown parameter"),
    (
        "/cosmos/auth/v1beta1/accounts?pagination.key=AQ==&pagination.offset=2",
        400,
        3,
        "key or offset",
    ),
]


@pytest.mark.parametrize(("path", "status", "code", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_requests_get_the_gateway_error_shape(served, path, status, code, words) -> None:
    chain, base = served
    got_status, body = get(base + path)
    assert got_status == status
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code and words in body["message"]


def test_malformed_bodies_are_refused(served) -> None:
    chain, base = served
    for raw in (b"{not json", b"[1, 2]", json.dumps({"no_such_field": 1}).encode()):
        status, body = post(f"{base}/cosmos/tx/v1beta1/simulate", raw)
        assert status == 400 and body["code"] == 3, body


def test_module_accounts_and_address_conversions(served) -> None:
    chain, base = served
    status, body = get(f"{base}/cosmos/auth/v1beta1/module_accounts")
    assert status == 200
    names = [a["name"] for a in body["accounts"]]
    assert names == sorted(chain.app.manager.module_accounts)
    status, mint = get(f"{base}/cosmos/auth/v1beta1/module_accounts/mint")
    assert status == 200 and mint["account"]["permissions"] == ["minter"]
    status, missing = get(f"{base}/cosmos/auth/v1beta1/module_accounts/gov2")
    assert status == 400 and "not declared" in missing["message"]
    alice = account_address(ALICE.address)
    status, raw = get(f"{base}/cosmos/auth/v1beta1/bech32/{alice}")
    assert status == 200 and base64.b64decode(raw["address_bytes"]) == ALICE.address


def test_every_query_the_app_serves_has_a_rest_route() -> None:
    from aichain.app.app import memory_app

    app = memory_app()
    methods = served_methods(list(app.router.queries), node_services())
    routed = {r.grpc_path for r in routes_of(methods)}
    assert sorted(set(app.router.queries) - routed) == []  # add google.api.http to the proto
    assert any(p.startswith("/aichain.gov.v1.Query/") for p in routed)
