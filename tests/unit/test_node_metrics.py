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
