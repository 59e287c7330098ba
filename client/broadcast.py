"""Sign, broadcast and wait: the shared path of every tx the CLI (and workers) send.

Also the two ways a tx is looked at without being sent: simulated for its gas (`--dry-run`,
`--gas auto`) and printed unsigned as JSON (`--generate-only`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cosmos.auth.v1beta1 import auth_pb2
from cosmos.auth.v1beta1 import query_pb2 as auth_query_pb2
from cosmos.tx.v1beta1 import service_pb2
from google.protobuf import json_format
from google.protobuf.message import Message

from aichain.app.coins import Coin
from aichain.app.crypto import PrivateKey, account_address
from aichain.app.tx import tx_hash
from aichain.client.gas import DEFAULT_GAS, DEFAULT_GAS_ADJUSTMENT, SIMULATE_GAS_LIMIT
from aichain.client.rpc import CometRPC, RPCError
from aichain.client.txbuilder import SIGN_MODE_DIRECT, SignerData, build_tx, pack

if TYPE_CHECKING:
    from aichain.app.ante import MinGasPrice


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


@dataclass(frozen=True, slots=True)
class GasEstimate:
    """A simulation's gas: what it used, and the limit to ask for (used x adjustment)."""

    gas_used: int
    gas_estimate: int

    def to_dict(self) -> dict[str, object]:
        """As the JSON `--dry-run` prints."""
        return {"gas_estimate": str(self.gas_estimate), "gas_used": str(self.gas_used)}


def compute_fee(
    gas: int, fees: Sequence[Coin], gas_prices: Sequence[MinGasPrice] = ()
) -> tuple[Coin, ...]:
    """The fee of a tx with this gas limit: fees as given, else each gas price times the gas
    (rounded up, the rule CheckTx applies)."""
    if fees or not gas_prices:
        return tuple(fees)
    from aichain.app.ante import compute_required_fee

    return tuple(
        sorted(
            (Coin(p.denom, compute_required_fee(gas, p)) for p in gas_prices),
            key=lambda c: c.denom,
        )
    )


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


def estimate_gas(
    rpc: CometRPC,
    key: PrivateKey,
    msgs: Sequence[Message],
    signer: SignerData,
    *,
    chain_id: str,
    fees: Sequence[Coin],
    gas_prices: Sequence[MinGasPrice] = (),
    gas_adjustment: float = DEFAULT_GAS_ADJUSTMENT,
    memo: str = "",
    sign_mode: int = SIGN_MODE_DIRECT,
) -> GasEstimate:
    """Simulates msgs signed by key and returns the gas used and the adjusted limit.

    With gas prices the probe pays the fee of DEFAULT_GAS (a fee the account can likely
    afford, so the simulation takes the same fee path as the real tx). Raises TxError.
    """
    probe_fee = compute_fee(DEFAULT_GAS, fees, gas_prices)
    probe = build_tx(
        msgs, key, signer, chain_id, probe_fee, SIMULATE_GAS_LIMIT, memo, sign_mode=sign_mode
    )
    used = simulate_gas(rpc, probe)
    return GasEstimate(used, math.ceil(used * gas_adjustment))


def unsigned_tx_json(
    msgs: Sequence[Message], fee: Sequence[Coin], gas: int, memo: str = ""
) -> dict[str, Any]:
    """The unsigned tx as the Cosmos SDK's `--generate-only` prints it: body (messages with
    their type URLs), auth_info (fee, no signer infos) and no signatures."""
    import cosmos.crypto.ed25519.keys_pb2  # noqa: F401  (Any-packed keys must be known to JSON)
    import cosmos.crypto.secp256k1.keys_pb2  # noqa: F401

    return {
        "body": {
            "messages": [
                json_format.MessageToDict(pack(m), preserving_proto_field_name=True) for m in msgs
            ],
            "memo": memo,
            "timeout_height": "0",
            "extension_options": [],
            "non_critical_extension_options": [],
        },
        "auth_info": {
            "signer_infos": [],
            "fee": {
                "amount": [{"denom": c.denom, "amount": str(c.amount)} for c in fee],
                "gas_limit": str(gas),
                "payer": "",
                "granter": "",
            },
        },
        "signatures": [],
    }


def sign_and_broadcast(
    rpc: CometRPC,
    key: PrivateKey,
    msgs: Sequence[Message],
    *,
    chain_id: str,
    fees: Sequence[Coin],
    gas: int | None = None,
    gas_adjustment: float = DEFAULT_GAS_ADJUSTMENT,
    gas_prices: Sequence[MinGasPrice] = (),
    memo: str = "",
    wait: bool = True,
    timeout: float = 30.0,
    sign_mode: int = SIGN_MODE_DIRECT,
) -> TxResult:
    """Signs msgs with key (in sign_mode), broadcasts (sync) and, if wait, waits for the block.

    gas=None means estimate by simulation (times gas_adjustment, client side only). The fee is
    fees, else gas_prices times the gas limit. Raises TxError, RPCError.
    """
    signer = query_signer(rpc, key.address)
    if gas is None:
        gas = estimate_gas(
            rpc,
            key,
            msgs,
            signer,
            chain_id=chain_id,
            fees=fees,
            gas_prices=gas_prices,
            gas_adjustment=gas_adjustment,
            memo=memo,
            sign_mode=sign_mode,
        ).gas_estimate
    fee = compute_fee(gas, fees, gas_prices)
    raw = build_tx(msgs, key, signer, chain_id, fee, gas, memo, sign_mode=sign_mode)
    return broadcast_raw(rpc, raw, gas, wait, timeout)


def broadcast_raw(
    rpc: CometRPC, raw: bytes, gas: int = 0, wait: bool = True, timeout: float = 30.0
) -> TxResult:
    """Broadcasts signed tx bytes (sync) and, if wait, waits for the block. Raises TxError,
    RPCError."""
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
