"""The gentx format (the Cosmos SDK's genutil): signed MsgCreateValidator txs in
app_state.genutil.gen_txs, delivered at InitChain so the chain starts with those validators.

A gentx is signed with SIGN_MODE_DIRECT over account number 0 (as simd does: account numbers
are not known before genesis), and may pay no fee. Each entry of gen_txs is the tx as
cosmos.tx.v1beta1.Tx proto JSON (what `gentx_json` returns) or the base64 of its TxRaw bytes.
"""

from __future__ import annotations

import base64
from typing import Any

from cosmos.tx.v1beta1 import tx_pb2
from google.protobuf import json_format

from aichain.app.crypto import PrivateKey
from aichain.modules.genutil.errors import InvalidGenTxError

GENTX_ACCOUNT_NUMBER = 0
"""Account number every gentx is signed with."""

DEFAULT_GENTX_GAS = 400_000
"""Gas limit written into a gentx (no fee is paid at genesis)."""


def build_gentx(
    key: PrivateKey,
    consensus_pubkey: bytes,
    moniker: str,
    amount: int,
    chain_id: str,
    account_number: int = GENTX_ACCOUNT_NUMBER,
    sequence: int = 0,
    denom: str = "uaic",
    commission_rate: str = "0.10",
    commission_max_rate: str = "0.20",
    commission_max_change_rate: str = "0.01",
    min_self_delegation: int = 1,
    details: str = "",
    memo: str = "",
) -> bytes:
    """Signed TxRaw bytes of a gentx: key's account creates a validator with consensus key
    consensus_pubkey (32 ed25519 bytes) and self-delegates amount of denom."""
    from aichain.client.txbuilder import SignerData, build_tx
    from aichain.modules.staking.cli import msg_create_validator

    msg = msg_create_validator(
        key.address,
        consensus_pubkey,
        moniker,
        amount,
        denom,
        commission_rate,
        commission_max_rate,
        commission_max_change_rate,
        min_self_delegation,
        details,
    )
    signer = SignerData(account_number, sequence)
    return build_tx([msg], key, signer, chain_id, [], DEFAULT_GENTX_GAS, memo=memo)


def gentx_json(raw: bytes) -> dict[str, Any]:
    """A gentx as cosmos.tx.v1beta1.Tx proto JSON, for app_state.genutil.gen_txs."""
    tx = tx_pb2.TxRaw.FromString(raw)
    full = tx_pb2.Tx(
        body=tx_pb2.TxBody.FromString(tx.body_bytes),
        auth_info=tx_pb2.AuthInfo.FromString(tx.auth_info_bytes),
        signatures=tx.signatures,
    )
    return json_format.MessageToDict(full, preserving_proto_field_name=True)


def gentx_raw(entry: dict[str, Any] | str) -> bytes:
    """TxRaw bytes of a gen_txs entry (Tx JSON or base64 TxRaw). Raises InvalidGenTxError."""
    try:
        if isinstance(entry, str):
            return base64.b64decode(entry, validate=True)
        tx = json_format.ParseDict(entry, tx_pb2.Tx())
    except (ValueError, json_format.ParseError) as exc:
        raise InvalidGenTxError(f"gentx does not parse: {exc}") from None
    return tx_pb2.TxRaw(
        body_bytes=tx.body.SerializeToString(),
        auth_info_bytes=tx.auth_info.SerializeToString(),
        signatures=tx.signatures,
    ).SerializeToString()
