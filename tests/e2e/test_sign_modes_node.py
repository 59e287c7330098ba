"""End to end on a real node: a send signed in SIGN_MODE_LEGACY_AMINO_JSON lands, and a 2-of-3
multisig send lands through the offline flow (generate-only, each member's `tx sign
--multisig` looked up on the node, `tx multisign`, `tx broadcast`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aichain.app.crypto import PrivateKey, account_address

from .conftest import Node, run_cli

pytestmark = pytest.mark.e2e

OPTS = ("-y", "--keyring-backend", "test", "--output", "json")


def _balance(node: Node, address: str) -> int:
    out = node.cli("query", "bank", "balances", address, "--denom", "uaic", "--output", "json")
    return int(json.loads(out.stdout)["balance"]["amount"])


def _keys(node: Node, *args: str) -> str:
    return run_cli("keys", *args, "--keyring-backend", "test", "--home", str(node.home)).stdout


def test_amino_json_send_lands(node: Node) -> None:
    to = account_address(PrivateKey.generate().address)
    memo = "signed <as> a ledger would"
    out = node.cli("tx", "bank", "send", "faucet", to, "1000uaic", "--fees", "5000uaic",
                   "--sign-mode", "amino-json", "--memo", memo, *OPTS)  # fmt: skip
    result = json.loads(out.stdout)
    assert result["code"] == 0, result
    assert _balance(node, to) == 1000


def test_two_of_three_multisig_send_through_the_offline_flow(node: Node, tmp_path: Path) -> None:
    for member in ("ms1", "ms2", "ms3"):
        _keys(node, "add", member)
    team = json.loads(_keys(node, "add", "team", "--multisig", "ms1,ms2,ms3",
                            "--multisig-threshold", "2", "--output", "json"))  # fmt: skip
    funded = node.cli("tx", "bank", "send", "faucet", team["address"], "1000000uaic", "--fees",
                      "5000uaic", *OPTS)  # fmt: skip
    assert json.loads(funded.stdout)["code"] == 0

    to = account_address(PrivateKey.generate().address)
    unsigned = tmp_path / "unsigned.json"
    unsigned.write_text(node.cli("tx", "bank", "send", "team", to, "777uaic", "--fees",
                                 "5000uaic", "--generate-only", "--keyring-backend",
                                 "test").stdout)  # fmt: skip
    signatures = []
    for member in ("ms1", "ms3"):
        path = tmp_path / f"{member}.json"
        path.write_text(node.cli("tx", "sign", str(unsigned), "--from", member, "--multisig",
                                 "team", "--keyring-backend", "test").stdout)  # fmt: skip
        signatures.append(str(path))
    signed = tmp_path / "signed.json"
    signed.write_text(node.cli("tx", "multisign", str(unsigned), "team", *signatures,
                               "--keyring-backend", "test").stdout)  # fmt: skip
    out = node.cli("tx", "broadcast", str(signed), "--output", "json")
    result = json.loads(out.stdout)
    assert result["code"] == 0 and int(result["height"]) > 0, result
    assert _balance(node, to) == 777
    assert _balance(node, team["address"]) == 1_000_000 - 777 - 5000
