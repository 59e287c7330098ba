"""The light-client check of header H+1 behind `aichain query store --prove`, against a real
single-validator aichain node: the CLI reports the header verified (signatures, voting power)
and the proof verified; a wrong --trust-validators-hash is refused; and the node's own /commit
and /validators answers, recorded here and tampered with, fail the check in process."""

from __future__ import annotations

import base64
import copy
import json

import pytest

from aichain.client import light
from aichain.client.light import LightClientError
from aichain.modules.bank.keys import supply_key

pytestmark = pytest.mark.e2e

HEIGHT = 2
"""The queried height; its app hash is checked against header HEIGHT + 1."""


def _query(node, *extra: str, check: bool = True):
    return node.cli(
        "query",
        "store",
        "bank",
        supply_key("uaic").hex(),
        "--prove",
        "--height",
        str(HEIGHT),
        *extra,
        check=check,
    )


def test_query_store_prove_verifies_the_header(node) -> None:
    out = json.loads(_query(node, "-o", "json").stdout)
    assert out["exists"] and out["verified"], out
    assert out["proof"] == "membership proof verified"
    header = out["header"]
    assert header["verified"] and header["height"] == HEIGHT + 1
    assert header["chain_id"] == node.chain_id
    assert header["signatures_verified"] == header["signatures_total"] == 1
    assert 3 * header["voting_power_verified"] > 2 * header["voting_power_total"] > 0
    assert not header["validators_trusted"]
    assert "taken from the RPC node" in header["validator_set"]
    block = node.client.block(HEIGHT + 1)
    assert header["hash"] == block["block_id"]["hash"]
    assert header["validators_hash"] == block["block"]["header"]["validators_hash"]
    assert out["app_hash"] == block["block"]["header"]["app_hash"]

    # the anchor a user would keep: the same set is accepted and reported as trusted
    trusted = _query(node, "--trust-validators-hash", header["validators_hash"], "-o", "json")
    trusted_header = json.loads(trusted.stdout)["header"]
    assert trusted_header["validators_trusted"]
    assert "matches --trust-validators-hash" in trusted_header["validator_set"]

    text = _query(node).stdout
    assert "VERIFIED against app hash" in text
    assert f"header: block {HEIGHT + 1} light-client VERIFIED" in text
    assert "1/1 signatures" in text
    assert "taken from the RPC node" in text


def test_wrong_trusted_validators_hash_is_refused(node) -> None:
    wrong = _query(node, "--trust-validators-hash", "AB" * 32, "-o", "json", check=False)
    assert wrong.returncode == 1, wrong.stdout
    assert "untrusted validator set" in wrong.stderr
    assert f"header of block {HEIGHT + 1} not verified" in wrong.stderr
    assert "AB" * 32 in wrong.stderr
    malformed = _query(node, "--trust-validators-hash", "xyz", check=False)
    assert malformed.returncode == 1
    assert "not a 32-byte hex hash" in malformed.stderr


def test_recorded_node_data_tampered_fails(node) -> None:
    height = HEIGHT + 1
    signed_header = node.client.call("commit", height=str(height))["signed_header"]
    validators = light.fetch_validators(node.client, height)
    check = light.verify_signed_header(signed_header, validators, height=height)
    assert check.signatures_verified == 1
    assert light.verify_signed_header(signed_header, validators, check.validators_hash)

    bad = copy.deepcopy(signed_header)
    app_hash = bad["header"]["app_hash"]
    bad["header"]["app_hash"] = ("00" if app_hash[:2] != "00" else "11") + app_hash[2:]
    with pytest.raises(LightClientError, match="header hash mismatch"):
        light.verify_signed_header(bad, validators)

    bad_vals = copy.deepcopy(validators)
    bad_vals[0]["voting_power"] = str(int(bad_vals[0]["voting_power"]) * 2)
    with pytest.raises(LightClientError, match="validators_hash mismatch"):
        light.verify_signed_header(signed_header, bad_vals)

    bad = copy.deepcopy(signed_header)
    entry = bad["commit"]["signatures"][0]
    sig = bytearray(base64.b64decode(entry["signature"]))
    sig[0] ^= 0x01
    entry["signature"] = base64.b64encode(sig).decode()
    with pytest.raises(
        LightClientError, match=f"bad signature from validator {validators[0]['address']}"
    ):
        light.verify_signed_header(bad, validators)

    absent = copy.deepcopy(signed_header)
    absent["commit"]["signatures"][0] = {
        "block_id_flag": light.BLOCK_ID_FLAG_ABSENT,
        "validator_address": "",
        "timestamp": "0001-01-01T00:00:00Z",
        "signature": None,
    }
    with pytest.raises(LightClientError, match="not enough voting power.*more than 2/3"):
        light.verify_signed_header(absent, validators)

    with pytest.raises(LightClientError, match="untrusted validator set"):
        light.verify_signed_header(signed_header, validators, b"\xab" * 32)
