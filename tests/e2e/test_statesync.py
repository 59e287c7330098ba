"""State sync end to end: a second node joins a running single-validator chain from the first
node's snapshot (CometBFT [statesync] with a trusted height and hash) and ends with the same
app hashes. On the way, `aichain query store --prove` verifies values and absences at past
heights against the headers that follow them."""

from __future__ import annotations

import json

from aichain.modules.bank.keys import balance_key, supply_key
from aichain.node.home import Home, configure_cometbft

from .conftest import make_node

SNAPSHOT_INTERVAL = 5
"""Blocks between snapshots on the first node."""


def _enable_snapshots(home) -> None:
    h = Home(home)
    text = h.app_toml.read_text()
    assert "snapshot-interval = 0" in text
    text = text.replace("snapshot-interval = 0", f"snapshot-interval = {SNAPSHOT_INTERVAL}")
    # blocks come every ~0.2 s here: keep snapshots long enough for discovery and fetching
    h.app_toml.write_text(text.replace("snapshot-keep-recent = 2", "snapshot-keep-recent = 500"))


def _query_store(node, key: bytes, height: int, check: bool = True):
    return node.cli(
        "query",
        "store",
        "bank",
        key.hex(),
        "--height",
        str(height),
        "--prove",
        "-o",
        "json",
        check=check,
    )


def test_query_store_prove_and_state_sync_join(fresh_root) -> None:
    first = make_node(fresh_root, "validator")
    _enable_snapshots(first.home)
    first.start(wait_height=2)
    joiner = None
    try:
        # proofs at a past height, checked against header H+1
        supply = json.loads(_query_store(first, supply_key("uaic"), 2).stdout)
        assert supply["exists"] and supply["verified"], supply
        faucet = balance_key(first.faucet.address, "uaic")
        assert json.loads(_query_store(first, faucet, 1).stdout)["verified"]
        absent = json.loads(_query_store(first, b"\x02nobody", 2).stdout)
        assert not absent["exists"] and absent["verified"]
        assert "non-membership" in absent["proof"]
        future = _query_store(first, faucet, 10_000, check=False)
        assert future.returncode != 0 and "not committed yet" in future.stderr
        text = first.cli("query", "store", "bank", faucet.hex(), "--prove", "--height", "2")
        assert "VERIFIED against app hash" in text.stdout

        # a second node joins by state sync
        first.wait_height(2 * SNAPSHOT_INTERVAL + 2)
        trust_height = 2
        trust_hash = first.client.block(trust_height)["block_id"]["hash"]
        joiner = make_node(fresh_root, "joiner", genesis_from=first)
        rpc = first.rpc.replace("tcp://", "http://")
        configure_cometbft(
            Home(joiner.home),
            {
                "statesync.enable": "true",
                "statesync.rpc_servers": json.dumps(f"{rpc},{rpc}"),
                "statesync.trust_height": str(trust_height),
                "statesync.trust_hash": json.dumps(trust_hash),
                "statesync.trust_period": '"168h0m0s"',
                "statesync.discovery_time": '"5s"',
                "p2p.persistent_peers": json.dumps(f"{first.node_id()}@127.0.0.1:{first.p2p_port}"),
            },
        )
        target = first.client.latest_height() + 2
        joiner.start(wait_height=target, timeout=150)
        status = joiner.client.status()["sync_info"]
        earliest = int(status["earliest_block_height"])
        assert earliest > 1, "the joiner replayed from genesis instead of restoring a snapshot"
        log = (joiner.home / "logs" / "cometbft.log").read_text(errors="replace")
        assert "Snapshot restored" in log or "snapshot restored" in log.lower()
        for h in range(earliest + 1, target + 1):
            a = first.client.block(h)["block"]["header"]["app_hash"]
            b = joiner.client.block(h)["block"]["header"]["app_hash"]
            assert a == b, f"app hash differs at height {h}"
        # the restored node serves proofs too
        got = json.loads(_query_store(joiner, faucet, earliest).stdout)
        assert got["verified"]
    finally:
        if joiner is not None:
            joiner.stop()
        first.stop()
