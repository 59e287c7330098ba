"""`aichain init` and `aichain genesis add-account`: a node home and its genesis file."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aichain.app.app import memory_app
from aichain.app.coins import Coin
from aichain.app.crypto import account_address
from aichain.config.app_config import AppToml, write_app_toml
from aichain.config.defaults import DENOM_METADATA, TIMEOUT_COMMIT
from aichain.node.home import Home, configure_cometbft, find_cometbft


class InitError(RuntimeError):
    """The home cannot be initialised or edited as asked."""


def init_home(
    root: Path, moniker: str, chain_id: str, overwrite: bool = False, app: AppToml | None = None
) -> Home:
    """Creates config, genesis (default app_state), validator and node keys. Raises InitError."""
    app = app or AppToml()
    home = Home(root)
    if home.genesis.exists() and not overwrite:
        raise InitError(f"{home.genesis} already exists; use --overwrite to replace it")
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [find_cometbft(), "init", "--home", str(root)],
        check=True,
        capture_output=True,
        text=True,
    )
    genesis = json.loads(home.genesis.read_text())
    genesis["chain_id"] = chain_id
    genesis["initial_height"] = "1"
    app_state = memory_app().manager.default_genesis()
    app_state["bank"]["denom_metadata"] = [DENOM_METADATA]
    genesis["app_state"] = app_state
    write_genesis(home, genesis)
    configure_cometbft(
        home,
        {
            "moniker": json.dumps(moniker),
            "proxy_app": json.dumps(home.abci_address(app.abci_address)),
            "consensus.timeout_commit": json.dumps(TIMEOUT_COMMIT),
            "p2p.addr_book_strict": "false",
            "p2p.allow_duplicate_ip": "true",
            "mempool.size": "50000",
            "mempool.max_txs_bytes": "268435456",
            "mempool.cache_size": "100000",
        },
    )
    write_app_toml(home.app_toml, app)
    return home


def write_genesis(home: Home, genesis: dict[str, Any]) -> None:
    """Writes genesis.json (indented, stable key order)."""
    home.genesis.write_text(json.dumps(genesis, indent=2) + "\n")


def add_genesis_account(home: Home, address: bytes, coins: Sequence[Coin]) -> None:
    """Adds an account and its balance to genesis (merging coins if it already has some).

    Raises InitError when the home is not initialised or no coins are given.
    """
    if not home.is_initialised():
        raise InitError(f"{home.root} is not a node home; run `aichain init` first")
    if not coins:
        raise InitError("give at least one positive amount, e.g. 1000000uaic")
    genesis = json.loads(home.genesis.read_text())
    state = genesis.setdefault("app_state", {})
    auth = state.setdefault("auth", {})
    bank = state.setdefault("bank", {})
    bech = account_address(address)
    accounts = auth.setdefault("accounts", [])
    if not any(a.get("address") == bech for a in accounts):
        number = max((int(a.get("account_number", 0)) for a in accounts), default=-1) + 1
        accounts.append(
            {
                "@type": "/cosmos.auth.v1beta1.BaseAccount",
                "address": bech,
                "account_number": str(number),
                "sequence": "0",
            }
        )
    balances = bank.setdefault("balances", [])
    entry = next((b for b in balances if b["address"] == bech), None)
    if entry is None:
        entry = {"address": bech, "coins": []}
        balances.append(entry)
    held = {c["denom"]: int(c["amount"]) for c in entry["coins"]}
    for coin in coins:
        held[coin.denom] = held.get(coin.denom, 0) + coin.amount
    entry["coins"] = [{"denom": d, "amount": str(held[d])} for d in sorted(held)]
    balances.sort(key=lambda b: b["address"])
    total: dict[str, int] = {}
    for balance in balances:
        for coin in balance["coins"]:
            total[coin["denom"]] = total.get(coin["denom"], 0) + int(coin["amount"])
    bank["supply"] = [{"denom": d, "amount": str(total[d])} for d in sorted(total)]
    write_genesis(home, genesis)
