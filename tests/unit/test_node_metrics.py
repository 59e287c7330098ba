"""The app's metrics: exposition format and what InstrumentedApp records."""

from __future__ import annotations

import tendermint.abci.types_pb2 as abci_pb

from aichain.node.metrics import AppMetrics, Counter, InstrumentedApp, Registry, Summary
from tests.helpers import Chain, make_key

ALICE, BOB = make_key(51), make_key(52)


def test_exposition_is_prometheus_text() -> None:
    registry = Registry()
    counter = registry.add(Counter("things_total", "Things.", ("kind",)))
    summary = registry.add(Summary("wait_seconds", "Waits."))
    counter.inc('a"b')
    counter.inc('a"b', amount=2)
    summary.observe(0.25)
    summary.observe(0.5)
    assert registry.exposition().splitlines() == [
        "# HELP aichain_things_total Things.",
        "# TYPE aichain_things_total counter",
        'aichain_things_total{kind="a\\"b"} 3',
        "# HELP aichain_wait_seconds Waits.",
        "# TYPE aichain_wait_seconds summary",
        "aichain_wait_seconds_sum 0.75",
        "aichain_wait_seconds_count 2",
    ]


def test_instrumented_app_counts_checks_rechecks_and_deliveries() -> None:
    chain = Chain.start([(ALICE, 10**9)])
    registry = Registry()
    app = InstrumentedApp(chain.app, AppMetrics(registry, chain.app))
    good = chain.send_tx(ALICE, BOB.address, 5)
    bad = chain.send_tx(ALICE, BOB.address, 10**12)
    app.check_tx(abci_pb.RequestCheckTx(tx=good))
    app.check_tx(abci_pb.RequestCheckTx(tx=good, type=abci_pb.CheckTxType.Value("RECHECK")))
    chain.app = app  # type: ignore[assignment]  (the chain drives the wrapped app)
    chain.block([good, bad])
    text = registry.exposition()
    assert 'aichain_txs_total{phase="check",codespace="",code="0"} 1' in text
    # the recheck sees the check state after good's own check: its sequence is used up
    assert 'aichain_txs_total{phase="recheck",codespace="sdk",code="3"} 1' in text
    assert 'aichain_txs_total{phase="deliver",codespace="",code="0"} 1' in text
    assert 'aichain_txs_total{phase="deliver",codespace="sdk",code="5"} 1' in text
    assert 'aichain_abci_seconds_count{phase="finalize_block"} 1' in text
    assert "aichain_block_txs_sum 2" in text
    assert f"aichain_height {chain.height}" in text


def test_queue_depth_and_read_batches_of_the_mempool_connection_and_the_read_cache() -> None:
    """A real ABCIServer serving the instrumented app: a pipelined batch of CheckTx requests is
    reported per connection (requests per read, depth back to 0 once answered), and the read
    cache in front of the committed state counts its hits."""
    import asyncio
    import os
    import tempfile

    from aichain.abci.client import ABCIClient
    from aichain.abci.server import ABCIServer

    chain = Chain.start([(ALICE, 10**9)])
    registry = Registry()
    app = InstrumentedApp(chain.app, AppMetrics(registry, chain.app))
    txs = [chain.send_tx(ALICE, BOB.address, 1, sequence=s) for s in range(20)]
    path = os.path.join(tempfile.mkdtemp(prefix="abci-"), "app.sock")

    async def body() -> list[int]:
        server = ABCIServer(app, f"unix://{path}")  # type: ignore[arg-type]
        await server.start()
        client = await ABCIClient.connect(server.bound_address)
        requests = [abci_pb.Request(check_tx=abci_pb.RequestCheckTx(tx=tx)) for tx in txs]
        await client.send(*requests, abci_pb.Request(flush=abci_pb.RequestFlush()))
        codes = [(await client.recv()).check_tx.code for _ in txs]
        assert (await client.recv()).WhichOneof("value") == "flush"
        await client.close()
        await server.stop()
        return codes

    assert asyncio.run(asyncio.wait_for(body(), 30)) == [0] * 20
    text = registry.exposition()
    assert 'aichain_abci_read_requests_sum{connection="mempool"} 21' in text
    assert 'aichain_abci_queue_depth{connection="mempool"} 0' in text
    hits = [line for line in text.splitlines() if line.startswith("aichain_store_read_cache_hits")]
    assert hits and int(hits[0].split()[1]) > 0
