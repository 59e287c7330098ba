"""The load tool's pieces: tx dealing keeps each sender's sequence order, refusal reasons,
percentiles and the metrics scrape; the steady mode's sends, pacing and exactly-once check."""

from __future__ import annotations

import threading
import time

import pytest
from cosmos.bank.v1beta1 import tx_pb2 as bank_tx
from cosmos.tx.v1beta1 import tx_pb2

from aichain.node.loadchain import _PHASE, FEE, bank_send_shards, make_keys
from aichain.node.loadtest import (
    STEADY_AMOUNT,
    Pacer,
    SenderTally,
    SteadyLoad,
    _reason,
    compute_exactly_once_problems,
    kvstore_shards,
    percentile,
    steady_recipient,
    steady_send,
)


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


def test_a_steady_send_is_the_same_bytes_for_the_same_sequence() -> None:
    key = make_keys(1)[0]
    to = steady_recipient([key])
    assert steady_send(key, 7, 3, to, "c") == steady_send(key, 7, 3, to, "c")
    assert steady_send(key, 7, 3, to, "c") != steady_send(key, 7, 4, to, "c")
    assert steady_send(key, 7, 3, to, "c") != steady_send(key, 7, 3, to, "other-chain")
    raw = tx_pb2.TxRaw.FromString(steady_send(key, 7, 3, to, "c"))
    assert tx_pb2.AuthInfo.FromString(raw.auth_info_bytes).signer_infos[0].sequence == 3


def test_two_steady_loads_with_different_senders_have_different_recipients() -> None:
    keys = make_keys(4)
    assert steady_recipient(keys[:2]) != steady_recipient(keys[2:])
    assert steady_recipient(keys[:2]) not in {k.address for k in keys}


def test_the_pacer_spaces_slots_across_threads() -> None:
    pacer, stop, rate, per_thread = Pacer(200.0), threading.Event(), 200.0, 10
    start = time.monotonic()
    threads = [
        threading.Thread(target=lambda: [pacer.wait(stop) for _ in range(per_thread)])
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert time.monotonic() - start >= (3 * per_thread - 1) / rate
    stop.set()
    assert pacer.wait(stop) is False  # a stopped load hands out no more slots


def test_a_steady_load_refuses_no_rpc_no_sender_no_rate_or_no_thread() -> None:
    keys = make_keys(1)
    cases = (([], keys, 1.0, 1), (["x"], [], 1.0, 1), (["x"], keys, 0, 1), (["x"], keys, 1.0, 0))
    for rpcs, ks, rate, threads in cases:
        with pytest.raises(ValueError, match="a sender, a rate above 0 and a thread"):
            SteadyLoad(rpcs, ks, "c", rate, threads)


def _tally(executed: list[int], sequence: int, balance: int | None = None) -> SenderTally:
    change = -len(executed) * (STEADY_AMOUNT + FEE) if balance is None else balance
    return SenderTally("aic1x", 2, sequence, executed, 0, change)


def test_exactly_once_holds_when_each_sequence_executed_once() -> None:
    tallies = [_tally([2, 3, 4], 5), _tally([], 2)]
    assert compute_exactly_once_problems(tallies, FEE, 3 * STEADY_AMOUNT) == []


def test_exactly_once_names_a_tx_executed_twice_or_missing() -> None:
    twice = compute_exactly_once_problems([_tally([2, 3, 3], 4)], FEE, 3)
    assert len(twice) == 1 and "twice: [3]" in twice[0] and "beyond the sequence: []" in twice[0]
    missing = compute_exactly_once_problems([_tally([2], 4)], FEE, 1)
    assert len(missing) == 1 and "not in a block: [3]" in missing[0]


def test_exactly_once_names_a_balance_that_does_not_match_the_sends() -> None:
    (problem,) = compute_exactly_once_problems([_tally([2], 3, balance=-1)], FEE, 1)
    assert "balance moved by -1uaic" in problem
    (problem,) = compute_exactly_once_problems([_tally([2], 3)], FEE, 2)
    assert "the recipient got 2uaic from 1uaic" in problem


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--rate", "5", "--compare-kvstore", "--rounds", "2"],
            "--compare-kvstore, --rounds belong to the pre-signed run",
        ),
        (["--rate", "5", "--txs-per-account", "3"], "--txs-per-account belong to the pre-signed"),
        (["--duration", "3"], "--duration is the length of a steady stream: give --rate too"),
        (["--rate", "0"], "Invalid value for '--rate'"),
        (["--rate", "5", "--duration", "-1"], "Invalid value for '--duration'"),
    ],
)
def test_bench_load_refuses_a_steady_run_mixed_with_the_pre_signed_one(
    args: list[str], message: str
) -> None:
    from click.testing import CliRunner

    from aichain.cli.bench import bench

    result = CliRunner().invoke(bench, ["load", *args])
    assert result.exit_code == 2 and message in result.output, result.output
