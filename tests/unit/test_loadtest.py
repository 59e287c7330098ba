"""The load tool's pieces: tx dealing keeps each sender's sequence order, refusal reasons,
percentiles and the metrics scrape."""

from __future__ import annotations

from cosmos.bank.v1beta1 import tx_pb2 as bank_tx
from cosmos.tx.v1beta1 import tx_pb2

from aichain.node.loadchain import _PHASE, bank_send_shards
from aichain.node.loadtest import _reason, kvstore_shards, percentile


def test_each_senders_sends_stay_on_one_thread_in_sequence_order() -> None:
    shards = bank_send_shards(accounts=5, numbers=[0, 1, 2, 3, 4], per_account=3, workers=2)
    assert sorted(len(s) for s in shards) == [6, 9]
    for shard in shards:
        last: dict[str, int] = {}
        for tx in shard:
            raw = tx_pb2.TxRaw.FromString(tx)
            sequence = tx_pb2.AuthInfo.FromString(raw.auth_info_bytes).signer_infos[0].sequence
            body = tx_pb2.TxBody.FromString(raw.body_bytes)
            signer = bank_tx.MsgSend.FromString(body.messages[0].value).from_address
            assert sequence == last.get(signer, -1) + 1
            last[signer] = sequence


def test_kvstore_txs_are_distinct_key_value_pairs() -> None:
    shards = kvstore_shards(10, 3, "t_")
    txs = [tx for s in shards for tx in s]
    assert len(set(txs)) == 10 and all(tx.count(b"=") == 1 for tx in txs)


def test_refusal_reasons_drop_numbers_and_addresses() -> None:
    a = _reason("account sequence mismatch, expected 4, got 2 at aic1qqqq")
    b = _reason("account sequence mismatch, expected 9, got 7 at aic1zzzz")
    assert a == b == "account sequence mismatch, expected N, got N at ADDR"


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 99), percentile([3.0], 95)) == (
        50.0,
        99.0,
        3.0,
    )


def test_phase_lines_are_read_from_the_metrics_text() -> None:
    text = (
        'aichain_abci_seconds_sum{phase="check_tx"} 0.5\n'
        'aichain_abci_seconds_count{phase="check_tx"} 20\n'
    )
    assert _PHASE.findall(text) == [("sum", "check_tx", "0.5"), ("count", "check_tx", "20")]
