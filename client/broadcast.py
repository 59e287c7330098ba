"""Sign, broadcast and wait: the shared path of every tx the CLI (and workers) send."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from cosmos.auth.v1beta1 import auth_pb2
from cosmos.auth.v1beta1 import query_pb2 as auth_query_pb2
from cosmos.tx.v1beta1 import service_pb2
from google.protobuf.message import Message

from aichain.app.coins import Coin
from aichain.app.crypto import PrivateKey, account_address
from aichain.app.tx import tx_hash
from aichain.client.rpc import CometRPC, RPCError
from aichain.client.txbuilder import SignerData, build_tx

SIMULATE_GAS_LIMIT = 10_000_000
"""Gas limit put in the tx that is simulated to estimate gas."""

DEFAULT_GAS = 200_000
"""Gas limit when neither --gas N nor --gas auto is given."""


class TxError(Exception):
    """The tx could not be built, simulated or broadcast."""


@dataclass(frozen=True, slots=True)
class TxResult:
    """What happened to a broadcast tx."""

    txhash: str
    code: int
    codespace: str
    log: str
    height: int
    gas_wanted: int
    gas_used: int

    def to_dict(self) -> dict[str, object]:
        """As the JSON the CLI prints (the Cosmos SDK's field names)."""
        return {
            "txhash": self.txhash,
            "code": self.code,
            "codespace": self.codespace,
            "raw_log": self.log,
            "height": str(self.height),
            "gas_wanted": str(self.gas_wanted),
            "gas_used": str(self.gas_used),
        }


def query_signer(rpc: CometRPC, address: bytes) -> SignerData:
    """Account number and sequence from the chain. Raises TxError if the account is missing."""
    bech = account_address(address)
    req = auth_query_pb2.QueryAccountRequest(address=bech).SerializeToString()
    result = rpc.abci_query("/cosmos.auth.v1beta1.Query/Account", req)
    if result.code != 0:
        raise TxError(f"account {bech} not found on chain ({result.log}); fund it first")
    any_msg = auth_query_pb2.QueryAccountResponse.FromString(result.value).account
    if any_msg.type_url.endswith("ModuleAccount"):
        base = auth_pb2.ModuleAccount.FromString(any_msg.value).base_account
    else:
        base = auth_pb2.BaseAccount.FromString(any_msg.value)
    return SignerData(base.account_number, base.sequence)


def simulate_gas(rpc: CometRPC, tx: bytes) -> int:
    """Gas used by tx when simulated on the node. Raises TxError with the failure."""
    result = rpc.abci_query("/app/simulate", tx)
    if result.code != 0:
        raise TxError(f"simulation failed: {result.log}")
    return service_pb2.SimulateResponse.FromString(result.value).gas_info.gas_used


def sign_and_broadcast(
    rpc: CometRPC,
    key: PrivateKey,
    msgs: Sequence[Message],
    *,
    chain_id: str,
    fees: Sequence[Coin],
    gas: int | None = None,
    gas_adjustment: float = 1.3,
    memo: str = "",
    wait: bool = True,
    timeout: float = 30.0,
) -> TxResult:
    """Signs msgs with key, broadcasts (sync) and, if wait, waits for the block.

    gas=None means estimate by simulation (times gas_adjustment, client side only).
    Raises TxError, RPCError.
    """
    signer = query_signer(rpc, key.address)
    if gas is None:
        probe = build_tx(msgs, key, signer, chain_id, fees, SIMULATE_GAS_LIMIT, memo)
        gas = math.ceil(simulate_gas(rpc, probe) * gas_adjustment)
    raw = build_tx(msgs, key, signer, chain_id, fees, gas, memo)
    digest = tx_hash(raw)
    sync = rpc.broadcast_tx_sync(raw)
    code = int(sync.get("code", 0))
    txhash = digest.hex().upper()
    if code != 0 or not wait:
        return TxResult(txhash, code, sync.get("codespace", ""), sync.get("log", ""), 0, gas, 0)
    try:
        committed = rpc.wait_for_tx(digest, timeout)
    except RPCError as exc:
        raise TxError(str(exc)) from None
    res = committed["tx_result"]
    return TxResult(
        txhash,
        int(res.get("code", 0)),
        res.get("codespace", ""),
        res.get("log", ""),
        int(committed["height"]),
        int(res.get("gas_wanted", 0)),
        int(res.get("gas_used", 0)),
    )
