"""A few thousand sends through a real node on the load path (issue 15): CometBFT pipelines
CheckTx on the mempool connection, the ABCI server answers each read's requests in one write,
the app reads committed state through its read cache, rechecks after every block. Afterwards
every sender's balance and sequence are exactly what its sends made them, the recipient got
every coin, and nothing was refused."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from cosmos.auth.v1beta1 import auth_pb2
from cosmos.auth.v1beta1 import query_pb2 as auth_query
from cosmos.bank.v1beta1 import query_pb2 as bank_query

from aichain.app.crypto import PrivateKey, account_address
from aichain.client.rpc import CometRPC
from aichain.node.loadchain import FEE, FUNDS, aichain_home, bank_send_shards, make_keys
from aichain.node.loadtest import drive, process, wait_height

pytestmark = pytest.mark.e2e

SENDERS = 250
"""Funded senders."""

PER_SENDER = 10
"""Sends from each sender: 2,500 txs, several blocks, each sender's txs in sequence order."""


def _balance(rpc: CometRPC, address: str) -> int:
    req = bank_query.QueryBalanceRequest(address=address, denom="uaic")
    result = rpc.abci_query("/cosmos.bank.v1beta1.Query/Balance", req.SerializeToString())
    assert result.code == 0, result.log
    return int(bank_query.QueryBalanceResponse.FromString(result.value).balance.amount or 0)


def _sequence(rpc: CometRPC, address: str) -> int:
    req = auth_query.QueryAccountRequest(address=address)
    result = rpc.abci_query("/cosmos.auth.v1beta1.Query/Account", req.SerializeToString())
    assert result.code == 0, result.log
    account = auth_pb2.BaseAccount()
    auth_query.QueryAccountResponse.FromString(result.value).account.Unpack(account)
    return account.sequence


def _failed_txs(rpc: CometRPC) -> list[tuple[int, int, str, str]]:
    """(height, code, codespace, log) of every tx a block included whose result is not OK."""
    failed = []
    for height in range(1, rpc.latest_height() + 1):
        results = rpc.call("block_results", height=str(height)).get("txs_results") or []
        for result in results:
            if int(result.get("code", 0)) != 0:
                failed.append((height, int(result["code"]), str(result.get("codespace", "")),
                               str(result.get("log", ""))[:200]))  # fmt: skip
    return failed


def test_thousands_of_pipelined_sends_leave_every_balance_and_sequence_exact(
    tmp_path: Path,
) -> None:
    home, rpc_addr, _metrics, numbers = aichain_home(tmp_path, SENDERS, "300ms")
    log = home / "node.log"
    aichain = str(Path(sys.executable).parent / "aichain")
    with process([aichain, "start", "--home", str(home), "--log-level", "warning"], log) as node:
        wait_height(rpc_addr, 2, node, log)
        shards = bank_send_shards(SENDERS, numbers, PER_SENDER, 16)
        result = drive("node path", rpc_addr, shards, timeout=300)
        assert not result.refusals, result.refusals
        assert result.committed == SENDERS * PER_SENDER, result.lines()
        rpc = CometRPC(rpc_addr)
        failed = _failed_txs(rpc)
        assert not failed, f"txs included but failed in FinalizeBlock: {failed[:5]}"
        for key in make_keys(SENDERS):
            address = account_address(key.address)
            assert _sequence(rpc, address) == PER_SENDER, address
            assert _balance(rpc, address) == FUNDS - PER_SENDER * (FEE + 1), address
        recipient = account_address(PrivateKey((10**9).to_bytes(32, "big")).address)
        assert _balance(rpc, recipient) == SENDERS * PER_SENDER
