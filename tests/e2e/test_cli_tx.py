"""End to end: the shared tx flags of every module's tx command against a real node
(--dry-run, --generate-only, --gas auto with --gas-prices)."""

from __future__ import annotations

import json

import pytest

from aichain.app.crypto import PrivateKey, account_address, valoper_address

from .conftest import Node

pytestmark = pytest.mark.e2e

OPTS = ("-y", "--keyring-backend", "test", "--output", "json")


def _account(node: Node, address: str) -> dict:
    return json.loads(node.cli("query", "auth", "account", address, "--output", "json").stdout)


def _balance(node: Node, address: str) -> int:
    out = node.cli("query", "bank", "balances", address, "--denom", "uaic", "--output", "json")
    return int(json.loads(out.stdout)["balance"]["amount"])


def test_dry_run_estimates_gas_and_changes_nothing(node: Node) -> None:
    faucet = account_address(node.faucet.address)
    to = account_address(PrivateKey.generate().address)
    before = (_account(node, faucet).get("sequence", "0"), _balance(node, faucet))
    out = node.cli("tx", "bank", "send", "faucet", to, "1000uaic", "--fees", "5000uaic",
                   "--dry-run", *OPTS)  # fmt: skip
    estimate = json.loads(out.stdout)
    assert 0 < int(estimate["gas_used"]) < int(estimate["gas_estimate"]) < 200_000
    # a message the chain refuses: the simulation's error, non-zero, nothing sent
    nobody = valoper_address(PrivateKey.generate().address)
    refused = node.cli("tx", "staking", "delegate", "faucet", nobody, "1000uaic", "--fees",
                       "5000uaic", "--dry-run", *OPTS, check=False)  # fmt: skip
    assert refused.returncode != 0 and "simulation failed" in refused.stderr
    node.wait_height(node.client.latest_height() + 1)
    assert (_account(node, faucet).get("sequence", "0"), _balance(node, faucet)) == before
    assert _balance(node, to) == 0


def test_generate_only_with_gas_auto_prints_the_simulated_unsigned_tx(node: Node) -> None:
    to = account_address(PrivateKey.generate().address)
    out = node.cli("tx", "bank", "send", "faucet", to, "7uaic", "--gas", "auto",
                   "--gas-prices", "0.025uaic", "--generate-only", *OPTS)  # fmt: skip
    tx = json.loads(out.stdout)
    [msg] = tx["body"]["messages"]
    assert msg["@type"] == "/cosmos.bank.v1beta1.MsgSend"
    assert msg["to_address"] == to and msg["amount"] == [{"denom": "uaic", "amount": "7"}]
    gas = int(tx["auth_info"]["fee"]["gas_limit"])
    assert 0 < gas < 200_000  # simulated on the node, times the adjustment
    assert tx["auth_info"]["fee"]["amount"] == [{"denom": "uaic", "amount": str(-(-gas // 40))}]
    assert tx["signatures"] == []


def test_gas_auto_with_gas_prices_pays_price_times_gas(node: Node) -> None:
    faucet = account_address(node.faucet.address)
    to = account_address(PrivateKey.generate().address)
    before = _balance(node, faucet)
    out = node.cli("tx", "bank", "send", "faucet", to, "500uaic", "--gas", "auto",
                   "--gas-prices", "0.025uaic", *OPTS)  # fmt: skip
    result = json.loads(out.stdout)
    assert result["code"] == 0, result
    gas_wanted = int(result["gas_wanted"])
    assert 0 < int(result["gas_used"]) <= gas_wanted < 200_000
    fee = -(-gas_wanted // 40)  # 0.025uaic per gas, rounded up
    assert _balance(node, to) == 500
    assert _balance(node, faucet) == before - 500 - fee


def test_mint_queries_come_from_the_mint_module_cli(node: Node) -> None:
    params = json.loads(node.cli("query", "mint", "params", "--output", "json").stdout)
    assert params["params"]["mint_denom"] == "uaic"
    inflation = json.loads(node.cli("query", "mint", "inflation", "--output", "json").stdout)
    whole, frac = inflation["inflation"].split(".")
    assert whole.isdigit() and len(frac) == 18 and frac.isdigit()
    provisions = node.cli("query", "mint", "annual-provisions").stdout.strip()
    assert provisions.replace(".", "").isdigit()
