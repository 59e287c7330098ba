"""The explorer's pure shaping (node/explorer/aggregate.py), its settings, and its JSON API over
a stand-in REST gateway that answers with attribution messages as the real gateway writes them
(sdk_json of the generated protos). The real node and browser: tests/e2e/test_explorer.py."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from aichain.attribution.v1 import attribution_pb2 as pb
from aichain.node.explorer.aggregate import (
    PPM,
    compute_attribution_chart,
    compute_earnings_series,
    compute_tally,
    record_keys,
)
from aichain.node.explorer.server import explorer_app
from aichain.node.explorer.settings import ExplorerSettings, parse_loopback, read_settings
from aichain.node.rest import sdk_json

ALICE, BOB, WORKER, OWNER = "aic1alice", "aic1bob", "aic1worker", "aic1owner"
CONTRIBUTORS = {(1, 1): ALICE, (1, 2): BOB, (1, 3): ALICE}
"""Record (datanet, id) -> its contributor."""


def inference(iid: int, height: int, data: list[tuple[str, int, int, int]]) -> dict[str, Any]:
    """An Inference as the REST gateway prints it: data = [(contributor, record, ppm, paid)].
    As settlement writes them, data shares name the record (its contributor claims them) and
    community and burn shares name no recipient."""
    msg = pb.Inference(
        request=pb.InferenceRequest(id=iid, requester="aic1user", model_id=2, fee="1000"),
        result=pb.InferenceResult(
            request_id=iid,
            worker=WORKER,
            model_id=2,
            method="span-gain-v1",
            attributions=[
                pb.AttributionEntry(datanet_id=1, version=1, record_id=r, weight_ppm=w)
                for _, r, w, _ in data
            ],
        ),
        worker=WORKER,
        result_height=height,
        payouts=[pb.Payout(role="worker", recipient=WORKER, amount="500"),
                 pb.Payout(role="owner", recipient=OWNER, amount="200"),
                 pb.Payout(role="community", amount="1")]
        + [pb.Payout(role="data", amount=str(paid), datanet_id=1, version=1, record_id=r)
           for _, r, _, paid in data],
    )  # fmt: skip
    return sdk_json(msg)


def test_compute_attribution_chart_orders_records_and_sums_payouts() -> None:
    inf = inference(7, 40, [(ALICE, 1, 250_000, 50), (BOB, 2, 600_000, 120),
                            (ALICE, 3, 150_000, 30)])  # fmt: skip
    chart = compute_attribution_chart(inf, CONTRIBUTORS)
    assert [r["record_id"] for r in chart["records"]] == [2, 1, 3]  # by weight, descending
    assert chart["records"][0] == {"label": "datanet 1 v1 #2", "datanet_id": 1, "version": 1,
                                   "record_id": 2, "weight_ppm": 600_000, "paid": 120,
                                   "contributor": BOB}  # fmt: skip
    assert chart["total_ppm"] == PPM
    assert chart["total_paid"] == 500 + 200 + 1 + 50 + 120 + 30
    assert chart["roles"] == {"community": 1, "data": 200, "owner": 200, "worker": 500}
    by_address = {r["address"]: r for r in chart["recipients"]}
    assert by_address[ALICE]["amount"] == 80 and by_address[ALICE]["roles"] == ["data"]
    assert [r["address"] for r in chart["recipients"]][0] == WORKER  # most paid first
    assert by_address["(community)"]["amount"] == 1
    unknown = compute_attribution_chart(inf, {})  # a record not looked up: named by its role
    assert {r["address"] for r in unknown["recipients"]} == {WORKER, OWNER, "(community)",
                                                             "(data)"}  # fmt: skip


def test_compute_attribution_chart_of_an_unanswered_request_is_empty() -> None:
    chart = compute_attribution_chart(sdk_json(pb.Inference(request=pb.InferenceRequest(id=1))))
    assert chart["records"] == [] and chart["recipients"] == [] and chart["total_paid"] == 0


def test_compute_earnings_series_cumulates_data_payouts_by_height() -> None:
    infs = [
        inference(3, 30, [(ALICE, 1, 500_000, 10), (BOB, 2, 500_000, 10)]),
        inference(1, 10, [(ALICE, 1, 1_000_000, 20)]),
        inference(2, 10, [(ALICE, 3, 1_000_000, 5)]),
    ]
    assert record_keys(infs) == [(1, 1), (1, 2), (1, 3)]
    series = compute_earnings_series(infs, CONTRIBUTORS)
    assert series["heights"] == [10, 30]
    assert series["series"] == [
        {"address": ALICE, "points": [[10, 25], [30, 35]], "total": 35},
        {"address": BOB, "points": [[30, 10]], "total": 10},
    ]  # worker and owner payouts are not contributors' earnings
    assert compute_earnings_series([]) == {"heights": [], "series": []}


def test_compute_tally_reads_the_gov_v1_fields() -> None:
    tally = {"yes_count": "7", "no_count": "2", "abstain_count": "0", "no_with_veto_count": "1"}
    assert compute_tally(tally) == {"yes": 7, "abstain": 0, "no": 2, "no_with_veto": 1,
                                    "total": 10}  # fmt: skip
    assert compute_tally(None)["total"] == 0


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:26680", "127.0.0.1:1", "tcp://[::1]:80",
                                     "tcp://localhost:26680"])  # fmt: skip
def test_parse_loopback_accepts_loopback(address: str) -> None:
    assert parse_loopback(address)[1] > 0


@pytest.mark.parametrize("address", ["tcp://0.0.0.0:26680", "tcp://10.1.2.3:80",
                                     "tcp://example.org:80", "tcp://127.0.0.1", "127.0.0.1:x",
                                     "tcp://127.0.0.1:70000"])  # fmt: skip
def test_parse_loopback_rejects_anything_else(address: str) -> None:
    with pytest.raises(ValueError, match="explorer address"):
        parse_loopback(address)


def test_read_settings_defaults_and_refuses_a_public_address(tmp_path: Path) -> None:
    app_toml = tmp_path / "app.toml"
    app_toml.write_text('minimum-gas-prices = "0.025uaic"\n')
    assert read_settings(app_toml) == ExplorerSettings()
    app_toml.write_text('[explorer]\nenable = true\naddress = "tcp://127.0.0.1:9999"\n')
    assert read_settings(app_toml) == ExplorerSettings(True, "tcp://127.0.0.1:9999")
    app_toml.write_text('[explorer]\nenable = true\naddress = "tcp://0.0.0.0:9999"\n')
    with pytest.raises(ValueError, match="loopback only"):
        read_settings(app_toml)


def stand_in_gateway(inferences: list[dict[str, Any]] | None) -> web.Application:
    """A REST gateway with the attribution routes (None: a node without the module)."""
    app = web.Application()

    def not_found(path: str) -> web.Response:
        return web.json_response({"code": 5, "message": f"no route {path}"}, status=404)

    async def list_(request: web.Request) -> web.Response:
        if inferences is None:
            return not_found(request.path)
        return web.json_response({"inferences": inferences,
                                  "pagination": {"next_key": None, "total": "0"}})  # fmt: skip

    async def one(request: web.Request) -> web.Response:
        if inferences is None:
            return not_found(request.path)
        wanted = request.match_info["id"]
        for inf in inferences:
            if inf["request"]["id"] == wanted:
                return web.json_response({"inference": inf})
        return web.json_response({"code": 5, "message": "inference not found"}, status=404)

    async def record(request: web.Request) -> web.Response:
        key = (int(request.match_info["dn"]), int(request.match_info["id"]))
        record = {"datanet_id": str(key[0]), "id": str(key[1]), "contributor": CONTRIBUTORS[key]}
        return web.json_response({"record": record})

    app.router.add_get("/aichain/datanet/v1/datanets/{dn}/records/{id}", record)
    app.router.add_get("/aichain/attribution/v1/inferences", list_)
    app.router.add_get("/aichain/attribution/v1/inferences/{id}", one)
    return app


def call(inferences: list[dict[str, Any]] | None, *paths: str) -> list[tuple[int, Any]]:
    """GETs paths from an explorer over the stand-in gateway; [(status, json)]."""

    async def run() -> list[tuple[int, Any]]:
        gateway = TestServer(stand_in_gateway(inferences))
        await gateway.start_server()
        rest = f"http://127.0.0.1:{gateway.port}"
        client = TestClient(TestServer(explorer_app(rest, "tcp://127.0.0.1:9", follow=False)))
        await client.start_server()
        try:
            out = []
            for path in paths:
                resp = await client.get(path)
                out.append((resp.status, await resp.json()))
            return out
        finally:
            await client.close()
            await gateway.close()

    return asyncio.run(run())


def test_api_inference_and_earnings_from_the_gateway() -> None:
    infs = [inference(2, 20, [(BOB, 2, 1_000_000, 40)]), inference(1, 10, [(ALICE, 1, PPM, 9)])]
    (s1, one), (s2, listing), (s3, earnings) = call(
        infs, "/api/inferences/2", "/api/inferences", "/api/earnings"
    )
    assert s1 == s2 == s3 == 200
    assert one["chart"]["records"][0]["paid"] == 40 and one["chart"]["total_ppm"] == PPM
    assert one["chart"]["records"][0]["contributor"] == BOB
    assert listing["served"] is True and len(listing["inferences"]) == 2
    assert earnings["served"] is True and earnings["inferences"] == 2
    assert [s["address"] for s in earnings["series"]] == [BOB, ALICE]


def test_api_without_the_attribution_module_says_not_served() -> None:
    (s1, listing), (s2, earnings), (s3, missing) = call(
        None, "/api/inferences", "/api/earnings", "/api/inferences/1"
    )
    assert (s1, listing) == (200, {"served": False, "inferences": []})
    assert s2 == 200 and earnings["served"] is False and earnings["series"] == []
    assert s3 == 404 and "no route" in missing["message"]


def test_api_rejects_bad_path_parameters_before_calling_the_node() -> None:
    results = call([], "/api/inferences/-1", "/api/accounts/<script>", "/api/txs/abc",
                   "/api/blocks/1e3")  # fmt: skip
    for status, body in results:
        assert status == 400 and body["message"]
