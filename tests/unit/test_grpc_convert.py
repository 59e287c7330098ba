"""CometBFT JSON -> Cosmos gRPC messages (node.cosmos_convert)."""

from __future__ import annotations

import base64

import pytest
from cosmos.crypto.secp256k1 import keys_pb2 as secp_pb2

from aichain.node import cosmos_convert as conv


@pytest.mark.parametrize(
    ("text", "seconds", "nanos"),
    [
        ("2023-11-14T22:13:20Z", 1_700_000_000, 0),
        ("2023-11-14T22:13:20.5Z", 1_700_000_000, 500_000_000),
        ("2023-11-14T22:13:20.123456789Z", 1_700_000_000, 123_456_789),
        ("2023-11-15T00:13:20.000000001+02:00", 1_700_000_000, 1),
    ],
)
def test_parse_time(text: str, seconds: int, nanos: int) -> None:
    ts = conv.parse_time(text)
    assert (ts.seconds, ts.nanos) == (seconds, nanos)


@pytest.mark.parametrize("bad", ["", "yesterday", "2023-11-14 22:13:20Z", "2023-11-14T22:13:20"])
def test_parse_time_rejects_non_rfc3339(bad: str) -> None:
    with pytest.raises(ValueError):
        conv.parse_time(bad)


def test_format_time_rfc3339_drops_fractions() -> None:
    assert conv.format_time_rfc3339("2023-11-14T22:13:20.999Z") == "2023-11-14T22:13:20Z"
    assert conv.format_time_rfc3339("") == ""


def test_block_id_and_empty_fields() -> None:
    block_id = conv.block_id_from_json({"hash": "ab" * 32, "parts": {"total": 2, "hash": "CD"}})
    assert block_id.hash == b"\xab" * 32
    assert (block_id.part_set_header.total, block_id.part_set_header.hash) == (2, b"\xcd")
    assert conv.block_id_from_json(None).hash == b""
    empty = conv.block_from_json({"header": {"height": "1"}, "data": {"txs": None}})
    assert empty.header.height == 1 and list(empty.data.txs) == []


def test_secp256k1_validator_key() -> None:
    key = bytes([2]) + bytes(32)
    validator = conv.validator_from_json(
        {
            "address": "00" * 20,
            "pub_key": {
                "type": "tendermint/PubKeySecp256k1",
                "value": base64.b64encode(key).decode(),
            },
            "voting_power": "7",
            "proposer_priority": "-3",
        }
    )
    assert validator.pub_key.type_url == "/cosmos.crypto.secp256k1.PubKey"
    assert secp_pb2.PubKey.FromString(validator.pub_key.value).key == key
    assert (validator.voting_power, validator.proposer_priority) == (7, -3)
    assert validator.address.startswith("aicvalcons1")


def test_tx_response_of_a_failed_tx() -> None:
    resp = conv.tx_response_from_json(
        {
            "hash": "ab" * 32,
            "height": "9",
            "tx": base64.b64encode(b"\x0a\x00").decode(),
            "tx_result": {
                "code": 5, "codespace": "sdk", "log": "insufficient funds",
                "gas_wanted": "100", "gas_used": "40", "data": None, "events": None,
            },
        },
        "2023-11-14T22:13:20Z",
    )
    assert (resp.txhash, resp.height, resp.code, resp.codespace) == ("AB" * 32, 9, 5, "sdk")
    assert (resp.gas_wanted, resp.gas_used, resp.raw_log) == (100, 40, "insufficient funds")
    assert resp.data == "" and list(resp.events) == []
    assert resp.tx.type_url == "/cosmos.tx.v1beta1.Tx"
    assert resp.timestamp == "2023-11-14T22:13:20Z"
