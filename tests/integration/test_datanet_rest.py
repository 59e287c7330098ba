"""The datanet and modelreg queries on the REST gateway: routes come from the google.api.http
annotations of their protos; a published datanet answers over HTTP/JSON."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from aichain.node.grpc_server import node_services, start_grpc_server
from aichain.node.rest import routes_of, start_rest_server
from tests.integration.test_datanet_abci import chain, setup_published


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    c = chain()
    setup_published(c)
    grpc_server = start_grpc_server(c.app, "127.0.0.1:0", None)
    rest = start_rest_server(
        list(c.app.router.queries), node_services(), "tcp://127.0.0.1:0", grpc_server.port
    )
    try:
        yield f"http://127.0.0.1:{rest.port}"
    finally:
        rest.stop()
        grpc_server.stop(grace=None)


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_routes_come_from_the_annotations() -> None:
    routes = routes_of(
        ["/aichain.datanet.v1.Query/RecordProof", "/aichain.modelreg.v1.Query/Lineage"]
    )
    assert [(r.http_method, r.path) for r in routes] == [
        ("GET", "/aichain/datanet/v1/datanets/{datanet_id}/versions/{version}/records/"
                "{record_id}/proof"),
        ("GET", "/aichain/modelreg/v1/models/{id}/lineage"),
    ]  # fmt: skip


def test_datanet_answers_over_http(base_url: str) -> None:
    status, body = get(f"{base_url}/aichain/datanet/v1/datanets/1/versions/1/records")
    assert status == 200
    assert [e["record_id"] for e in body["entries"]] == ["1", "2", "3"]
    status, body = get(f"{base_url}/aichain/datanet/v1/datanets/1/history?pagination.limit=2")
    assert status == 200 and [e["action"] for e in body["entries"]] == ["create", "contribute"]
    status, body = get(f"{base_url}/aichain/datanet/v1/datanets/7")
    assert status == 404 and "datanet 7 does not exist" in body["message"]
