"""aichain against vectors the Cosmos SDK's own code made (tests/sdkvectors/main.go, SDK
v0.53.8 with x/tx's aminojson handler): SIGN_MODE_LEGACY_AMINO_JSON sign bytes of the standard
modules' messages, multisig (LegacyAminoPubKey) amino bytes and addresses.

Regenerate with `cd tests/sdkvectors && go run . > vectors.json` (see that file)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cosmos.base.v1beta1 import coin_pb2
from google.protobuf import any_pb2

from aichain.app.amino import amino_sign_bytes
from aichain.app.app import memory_app
from aichain.app.multisig import LegacyAminoPubKey, compute_multisig_key

VECTORS = json.loads((Path(__file__).parents[1] / "sdkvectors" / "vectors.json").read_text())


@pytest.fixture(scope="module", autouse=True)
def _message_types() -> None:
    memory_app()  # every routed message type is in the descriptor pool


@pytest.mark.parametrize("case", VECTORS["amino_json"], ids=lambda c: c["name"])
def test_amino_json_sign_bytes_match_the_sdk(case: dict) -> None:
    fee = [coin_pb2.Coin(denom=case["fee_denom"], amount=case["fee_amount"])]
    msgs = [any_pb2.Any.FromString(base64.b64decode(m)) for m in case["msgs"]]
    got = amino_sign_bytes(
        chain_id=case["chain_id"],
        account_number=case["account_number"],
        sequence=case["sequence"],
        timeout_height=case["timeout_height"],
        memo=case["memo"],
        fee_amount=fee if case["fee_denom"] else [],
        gas=case["gas"],
        msgs=msgs,
        unordered=case["unordered"],
        timeout_timestamp=(
            (case["timeout_timestamp_seconds"], case["timeout_timestamp_nanos"])
            if case["unordered"]
            else None
        ),
    )
    assert got.decode() == case["sign_bytes"]


@pytest.mark.parametrize("case", VECTORS["multisig"], ids=lambda c: f"{c['threshold']}-of-n")
def test_multisig_key_bytes_and_address_match_the_sdk(case: dict) -> None:
    key = compute_multisig_key(case["threshold"], [bytes.fromhex(k) for k in case["pubkeys"]])
    assert key.amino_bytes().hex() == case["amino_hex"]
    assert key.address.hex() == case["address_hex"]
    assert key.to_any().value.hex() == case["proto_hex"]
    assert (
        LegacyAminoPubKey.FromString(bytes.fromhex(case["proto_hex"])).threshold
        == (case["threshold"])
    )
