"""The REST gateway of a real node: the same figures as gRPC and the CLI, broadcast over REST,
tx lookup and search by sender."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from aichain.app.coins import Coin
from aichain.app.crypto import PrivateKey, account_address
from aichain.client.txbuilder import SignerData, build_tx
from aichain.modules.bank.cli import msg_send

from .conftest import Node

pytestmark = pytest.mark.e2e


def rest(node: Node, path: str, body: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        node.rest + path, data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_rest_balances_match_the_cli(node: Node) -> None:
    faucet = account_address(node.faucet.address)
    status, body = rest(node, f"/cosmos/bank/v1beta1/balances/{faucet}/by_denom?denom=uaic")
    assert status == 200
    cli = node.cli("query", "bank", "balances", faucet, "--denom", "uaic", "--output", "json")
    assert body["balance"] == json.loads(cli.stdout)["balance"]
    status, latest = rest(node, "/cosmos/base/tendermint/v1beta1/blocks/latest")
    assert status == 200 and int(latest["block"]["header"]["height"]) >= 1
    status, info = rest(node, "/node_info")
    assert status == 200 and info["default_node_info"]["network"] == node.chain_id


def test_broadcast_lookup_and_search_over_rest(node: Node) -> None:
    faucet = account_address(node.faucet.address)
    status, account = rest(node, f"/cosmos/auth/v1beta1/accounts/{faucet}")
    assert status == 200
    number, sequence = (
        int(account["account"]["account_number"]),
        int(account["account"]["sequence"]),
    )
    to = account_address(PrivateKey.generate().address)
    raw = build_tx(
        [msg_send(faucet, to, [Coin("uaic", 77)])],
        node.faucet,
        SignerData(number, sequence),
        node.chain_id,
        [Coin("uaic", 5000)],
        200_000,
    )
    tx_bytes = base64.b64encode(raw).decode()
    status, sim = rest(node, "/cosmos/tx/v1beta1/simulate", {"tx_bytes": tx_bytes})
    assert status == 200 and int(sim["gas_info"]["gas_used"]) > 0
    status, sent = rest(
        node, "/cosmos/tx/v1beta1/txs", {"tx_bytes": tx_bytes, "mode": "BROADCAST_MODE_SYNC"}
    )
    assert status == 200 and sent["tx_response"]["code"] == 0, sent
    tx_hash = sent["tx_response"]["txhash"]
    deadline = time.monotonic() + 30
    while True:
        status, found = rest(node, f"/cosmos/tx/v1beta1/txs/{tx_hash}")
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert status == 200 and found["tx_response"]["code"] == 0
    status, balance = rest(node, f"/cosmos/bank/v1beta1/balances/{to}/by_denom?denom=uaic")
    assert balance["balance"]["amount"] == "77"
    query = urllib.parse.quote(f"transfer.recipient='{to}'")
    status, search = rest(node, f"/cosmos/tx/v1beta1/txs?query={query}")
    assert status == 200, search
    assert [r["txhash"] for r in search["tx_responses"]] == [tx_hash]


def test_rest_errors_on_a_real_node(node: Node) -> None:
    status, body = rest(node, "/cosmos/bank/v1beta1/balances/aic1bad")
    assert status == 400 and body["code"] == 3
    status, body = rest(
        node, "/cosmos/tx/v1beta1/txs", {"tx_bytes": "AAAA", "mode": "BROADCAST_MODE_SYNC"}
    )
    assert status in (200, 400)
    if status == 200:
        assert body["tx_response"]["code"] != 0


def test_cli_finds_txs_by_event_and_shows_block_results(node: Node) -> None:
    faucet = account_address(node.faucet.address)
    to = account_address(PrivateKey.generate().address)
    sent = node.cli(
        "tx", "bank", "send", "faucet", to, "31uaic", "--fees", "5000uaic",
        "--chain-id", node.chain_id, "--keyring-backend", "test", "-y", "--output", "json",
    )  # fmt: skip
    sent_hash = json.loads(sent.stdout)["txhash"]
    query = f"message.sender='{faucet}' AND transfer.recipient='{to}'"
    deadline = time.monotonic() + 20
    while True:  # the tx indexer catches up a moment after the block commits
        found = json.loads(node.cli("query", "txs", "--query", query, "--output", "json").stdout)
        if found["total_count"] != "0" or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert found["total_count"] == "1"  # two event types: CometBFT alone finds nothing
    exists = f"message.sender='{faucet}' AND transfer.amount EXISTS"
    everything = json.loads(node.cli("query", "txs", "--query", exists, "--output", "json").stdout)
    assert (
        sent_hash in [t["txhash"] for t in everything["txs"]] or int(everything["total_count"]) > 30
    )
    tx = found["txs"][0]
    assert tx["txhash"] == sent_hash and tx["code"] == 0
    attributes = {(e["type"], a["key"]) for e in tx["events"] for a in e["attributes"]}
    assert {("message", "action"), ("message", "sender"), ("message", "module"),
            ("tx", "fee"), ("tx", "acc_seq"), ("tx", "signature")} <= attributes  # fmt: skip
    height = int(tx["height"])
    block = json.loads(node.cli("query", "block-results", str(height), "--output", "json").stdout)
    assert block["height"] == str(height)
    assert any(r["code"] == 0 for r in block["txs_results"])
    bad = node.cli("query", "txs", "--query", "message.sender=", check=False)
    assert bad.returncode != 0 and "tx search failed" in bad.stderr


def test_app_metrics_count_what_the_node_did(node: Node) -> None:
    with urllib.request.urlopen(node.metrics, timeout=10) as response:
        text = response.read().decode()
        assert response.headers["Content-Type"].startswith("text/plain")
    lines = dict(
        line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#")
    )
    assert float(lines['aichain_abci_seconds_count{phase="finalize_block"}']) >= 1
    assert float(lines['aichain_abci_seconds_count{phase="commit"}']) >= 1
    assert int(lines["aichain_height"]) >= 1
    delivered_ok = lines.get('aichain_txs_total{phase="deliver",codespace="",code="0"}')
    assert delivered_ok is not None and float(delivered_ok) >= 1  # the sends above
    assert "# TYPE aichain_store_cache_hits_total gauge" in text
