"""`bench load`'s senders funded in an existing genesis (a localnet's): numbered after the
accounts there, balances in address order, the supply raised by what they got."""

from __future__ import annotations

import copy

import pytest

from aichain.app.crypto import account_address
from aichain.node.loadchain import FUNDS, fund_genesis_senders, make_keys

EXISTING = "aic1x7t8wtzqn9lpgp2keraqzs2ynrt2qfexp6dgug"


def _genesis() -> dict:
    return {
        "app_state": {
            "auth": {
                "accounts": [
                    {
                        "@type": "/cosmos.auth.v1beta1.BaseAccount",
                        "address": EXISTING,
                        "account_number": "4",
                        "sequence": "0",
                    }
                ]
            },
            "bank": {
                "balances": [{"address": EXISTING, "coins": [{"denom": "uaic", "amount": "7"}]}],
                "supply": [{"denom": "uaic", "amount": "7"}],
            },
        }
    }


def test_senders_are_numbered_after_the_existing_accounts_and_funded() -> None:
    genesis = _genesis()
    numbers = fund_genesis_senders(genesis, 5)
    assert sorted(numbers) == [5, 6, 7, 8, 9]
    auth = genesis["app_state"]["auth"]["accounts"]
    by_address = {a["address"]: int(a["account_number"]) for a in auth}
    for key, number in zip(make_keys(5), numbers, strict=True):
        assert by_address[account_address(key.address)] == number
    balances = genesis["app_state"]["bank"]["balances"]
    assert [b["address"] for b in balances] == sorted(b["address"] for b in balances)
    assert len(balances) == 6
    assert genesis["app_state"]["bank"]["supply"] == [
        {"denom": "uaic", "amount": str(7 + 5 * FUNDS)}
    ]


def test_a_genesis_that_already_holds_the_senders_is_refused_unchanged() -> None:
    genesis = _genesis()
    fund_genesis_senders(genesis, 3)
    before = copy.deepcopy(genesis)
    with pytest.raises(ValueError, match="already holds a load sender"):
        fund_genesis_senders(genesis, 3)
    assert genesis == before
