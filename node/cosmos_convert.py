"""CometBFT RPC JSON -> the protobuf messages the Cosmos SDK's gRPC services return.

CometBFT v0.38's JSON encodes int64 as decimal strings, hashes and addresses (HexBytes) as
upper-case hex, raw bytes ([]byte: txs, signatures, ExecTxResult.data) as base64, and times as
RFC 3339 with nanoseconds in UTC. Each function here takes one JSON object as the RPC returns
it and builds the matching message; missing fields become zero values.
"""

from __future__ import annotations

import base64
import calendar
import re
from typing import Any

from cosmos.base.abci.v1beta1 import abci_pb2 as abci_types
from cosmos.base.tendermint.v1beta1 import query_pb2 as tm_query_pb2
from cosmos.base.tendermint.v1beta1 import types_pb2 as sdk_types_pb2
from cosmos.crypto.ed25519 import keys_pb2 as ed25519_pb2
from cosmos.crypto.secp256k1 import keys_pb2 as secp_pb2
from cosmos.tx.v1beta1 import tx_pb2
from google.protobuf import any_pb2, timestamp_pb2
from tendermint.abci import types_pb2 as abci_pb2
from tendermint.p2p import types_pb2 as p2p_pb2
from tendermint.types import block_pb2, types_pb2
from tendermint.version import types_pb2 as version_pb2

from aichain.app.crypto import VALCONS_PREFIX, bech32_encode

JsonObj = dict[str, Any]
"""A decoded JSON object as the CometBFT RPC returns it."""

_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$"
)
"""RFC 3339 with up to nanosecond precision (CometBFT writes UTC, 'Z')."""

PUBKEY_TYPES = {
    "tendermint/PubKeyEd25519": ("/cosmos.crypto.ed25519.PubKey", ed25519_pb2.PubKey),
    "tendermint/PubKeySecp256k1": ("/cosmos.crypto.secp256k1.PubKey", secp_pb2.PubKey),
}
"""CometBFT amino-JSON key types -> the Cosmos SDK's PubKey type URL and message."""


def parse_time(text: str) -> timestamp_pb2.Timestamp:
    """An RFC 3339 time (nanosecond precision kept) as a Timestamp. Raises ValueError."""
    match = _TIME.match(text or "")
    if match is None:
        raise ValueError(f"not an RFC 3339 time: {text!r}")
    year, month, day, hour, minute, second, frac, zone = match.groups()
    seconds = calendar.timegm(
        (int(year), int(month), int(day), int(hour), int(minute), int(second), 0, 0, 0)
    )
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        seconds -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    nanos = int((frac or "0").ljust(9, "0"))
    return timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos)


def format_time_rfc3339(text: str) -> str:
    """A CometBFT time as the SDK's TxResponse.timestamp writes it (seconds, 'Z')."""
    if not text:
        return ""
    ts = parse_time(text)
    return ts.ToDatetime().strftime("%Y-%m-%dT%H:%M:%SZ")


def hex_bytes(text: str | None) -> bytes:
    """HexBytes JSON (hex, any case; empty or null -> b'')."""
    return bytes.fromhex(text) if text else b""


def b64_bytes(text: str | None) -> bytes:
    """[]byte JSON (base64; empty or null -> b'')."""
    return base64.b64decode(text) if text else b""


def _int(value: Any) -> int:
    """An int64 JSON value (decimal string or number; null -> 0)."""
    return int(value) if value not in (None, "") else 0


def block_id_from_json(obj: JsonObj | None) -> types_pb2.BlockID:
    """A BlockID from {hash, parts: {total, hash}}."""
    obj = obj or {}
    parts = obj.get("parts") or {}
    return types_pb2.BlockID(
        hash=hex_bytes(obj.get("hash")),
        part_set_header=types_pb2.PartSetHeader(
            total=_int(parts.get("total")), hash=hex_bytes(parts.get("hash"))
        ),
    )


def _header_fields(obj: JsonObj) -> dict[str, Any]:
    """The header fields shared by tendermint.types.Header and the SDK's Header."""
    version = obj.get("version") or {}
    return {
        "version": version_pb2.Consensus(
            block=_int(version.get("block")), app=_int(version.get("app"))
        ),
        "chain_id": obj.get("chain_id", ""),
        "height": _int(obj.get("height")),
        "time": parse_time(obj["time"]) if obj.get("time") else timestamp_pb2.Timestamp(),
        "last_block_id": block_id_from_json(obj.get("last_block_id")),
        "last_commit_hash": hex_bytes(obj.get("last_commit_hash")),
        "data_hash": hex_bytes(obj.get("data_hash")),
        "validators_hash": hex_bytes(obj.get("validators_hash")),
        "next_validators_hash": hex_bytes(obj.get("next_validators_hash")),
        "consensus_hash": hex_bytes(obj.get("consensus_hash")),
        "app_hash": hex_bytes(obj.get("app_hash")),
        "last_results_hash": hex_bytes(obj.get("last_results_hash")),
        "evidence_hash": hex_bytes(obj.get("evidence_hash")),
    }


def header_from_json(obj: JsonObj) -> types_pb2.Header:
    """A tendermint.types.Header (proposer address as raw bytes)."""
    return types_pb2.Header(
        proposer_address=hex_bytes(obj.get("proposer_address")), **_header_fields(obj)
    )


def sdk_header_from_json(obj: JsonObj) -> sdk_types_pb2.Header:
    """A cosmos.base.tendermint.v1beta1.Header (proposer address as a valcons bech32)."""
    proposer = hex_bytes(obj.get("proposer_address"))
    return sdk_types_pb2.Header(
        proposer_address=bech32_encode(VALCONS_PREFIX, proposer) if proposer else "",
        **_header_fields(obj),
    )


def commit_from_json(obj: JsonObj | None) -> types_pb2.Commit:
    """A Commit with its signatures (absent validators keep an empty signature)."""
    obj = obj or {}
    sigs = []
    for sig in obj.get("signatures") or []:
        stamp = sig.get("timestamp")
        sigs.append(
            types_pb2.CommitSig(
                block_id_flag=_int(sig.get("block_id_flag")),
                validator_address=hex_bytes(sig.get("validator_address")),
                timestamp=parse_time(stamp) if stamp else timestamp_pb2.Timestamp(),
                signature=b64_bytes(sig.get("signature")),
            )
        )
    return types_pb2.Commit(
        height=_int(obj.get("height")),
        round=_int(obj.get("round")),
        block_id=block_id_from_json(obj.get("block_id")),
        signatures=sigs,
    )


def data_from_json(obj: JsonObj | None) -> types_pb2.Data:
    """A block's Data: the raw txs."""
    return types_pb2.Data(txs=[b64_bytes(t) for t in (obj or {}).get("txs") or []])


def block_from_json(obj: JsonObj) -> block_pb2.Block:
    """A tendermint.types.Block (evidence is left empty: this chain reports none yet)."""
    return block_pb2.Block(
        header=header_from_json(obj.get("header") or {}),
        data=data_from_json(obj.get("data")),
        last_commit=commit_from_json(obj.get("last_commit")),
    )


def sdk_block_from_json(obj: JsonObj) -> sdk_types_pb2.Block:
    """A cosmos.base.tendermint.v1beta1.Block (evidence left empty, as in block_from_json)."""
    return sdk_types_pb2.Block(
        header=sdk_header_from_json(obj.get("header") or {}),
        data=data_from_json(obj.get("data")),
        last_commit=commit_from_json(obj.get("last_commit")),
    )


def node_info_from_json(obj: JsonObj) -> p2p_pb2.DefaultNodeInfo:
    """/status node_info as a tendermint.p2p.DefaultNodeInfo."""
    proto = obj.get("protocol_version") or {}
    other = obj.get("other") or {}
    return p2p_pb2.DefaultNodeInfo(
        protocol_version=p2p_pb2.ProtocolVersion(
            p2p=_int(proto.get("p2p")), block=_int(proto.get("block")), app=_int(proto.get("app"))
        ),
        default_node_id=obj.get("id", ""),
        listen_addr=obj.get("listen_addr", ""),
        network=obj.get("network", ""),
        version=obj.get("version", ""),
        channels=hex_bytes(obj.get("channels")),
        moniker=obj.get("moniker", ""),
        other=p2p_pb2.DefaultNodeInfoOther(
            tx_index=other.get("tx_index", ""), rpc_address=other.get("rpc_address", "")
        ),
    )


def pubkey_any_from_json(obj: JsonObj | None) -> any_pb2.Any:
    """An amino-JSON {type, value} public key as the Cosmos SDK's PubKey Any."""
    if not obj:
        return any_pb2.Any()
    type_url, message = PUBKEY_TYPES.get(obj.get("type", ""), ("", None))
    if message is None:
        return any_pb2.Any()
    key = message(key=b64_bytes(obj.get("value")))
    return any_pb2.Any(type_url=type_url, value=key.SerializeToString())


def validator_from_json(obj: JsonObj) -> tm_query_pb2.Validator:
    """One /validators entry as the SDK's Validator (address as a valcons bech32)."""
    return tm_query_pb2.Validator(
        address=bech32_encode(VALCONS_PREFIX, hex_bytes(obj.get("address"))),
        pub_key=pubkey_any_from_json(obj.get("pub_key")),
        voting_power=_int(obj.get("voting_power")),
        proposer_priority=_int(obj.get("proposer_priority")),
    )


def events_from_json(items: list[JsonObj] | None) -> list[abci_pb2.Event]:
    """ABCI events (v0.38 writes attribute keys and values as plain strings)."""
    return [
        abci_pb2.Event(
            type=event.get("type", ""),
            attributes=[
                abci_pb2.EventAttribute(
                    key=a.get("key") or "", value=a.get("value") or "", index=bool(a.get("index"))
                )
                for a in event.get("attributes") or []
            ],
        )
        for event in items or []
    ]


def decode_tx_proto(raw: bytes) -> tx_pb2.Tx:
    """TxRaw bytes as a cosmos.tx.v1beta1.Tx (same field numbers). Raises DecodeError."""
    return tx_pb2.Tx.FromString(raw)


def tx_response_from_json(obj: JsonObj, timestamp: str = "") -> abci_types.TxResponse:
    """A /tx result as the SDK's TxResponse (hash upper hex, data upper hex, tx as an Any)."""
    result = obj.get("tx_result") or {}
    raw = b64_bytes(obj.get("tx"))
    return abci_types.TxResponse(
        height=_int(obj.get("height")),
        txhash=(obj.get("hash") or "").upper(),
        codespace=result.get("codespace", ""),
        code=_int(result.get("code")),
        data=b64_bytes(result.get("data")).hex().upper(),
        raw_log=result.get("log", ""),
        info=result.get("info", ""),
        gas_wanted=_int(result.get("gas_wanted")),
        gas_used=_int(result.get("gas_used")),
        tx=any_pb2.Any(type_url="/cosmos.tx.v1beta1.Tx", value=raw) if raw else None,
        timestamp=timestamp,
        events=events_from_json(result.get("events")),
    )
