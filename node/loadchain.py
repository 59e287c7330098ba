"""The aichain side of `aichain bench load`: a node home with funded senders, pre-signed bank
sends dealt to the generator's threads, and the app's time per ABCI phase from its metrics."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

from aichain.app.coins import Coin
from aichain.app.crypto import PrivateKey, account_address
from aichain.client.txbuilder import SignerData, build_tx
from aichain.config.app_config import AppToml
from aichain.modules.bank.cli import msg_send
from aichain.node.home import configure_cometbft
from aichain.node.init import init_home
from aichain.node.loadtest import CHAIN_ID, COMET_SETTINGS, free_port

FUNDS = 10**12
"""uaic each sender gets in genesis."""

FEE = 2_500
"""uaic each send pays (its gas limit times the node's minimum gas price)."""

GAS = 100_000
"""Gas limit of each send."""


def make_keys(n: int) -> list[PrivateKey]:
    """n deterministic sender keys."""
    return [PrivateKey((i + 1).to_bytes(32, "big")) for i in range(n)]


def aichain_home(
    root: Path, accounts: int, timeout_commit: str
) -> tuple[Path, str, str, list[int]]:
    """A node home funding `accounts` senders in genesis, on free loopback ports; returns
    (home, rpc address, metrics URL, each sender's account number)."""
    ports = {k: free_port() for k in ("rpc", "p2p", "grpc", "api", "metrics")}
    app = AppToml(
        minimum_gas_prices="0.025uaic",
        grpc_address=f"127.0.0.1:{ports['grpc']}",
        api_address=f"tcp://127.0.0.1:{ports['api']}",
        telemetry_address=f"tcp://127.0.0.1:{ports['metrics']}",
    )
    home = init_home(root, "load", CHAIN_ID, app=app)
    configure_cometbft(
        home,
        {
            "rpc.laddr": json.dumps(f"tcp://127.0.0.1:{ports['rpc']}"),
            "p2p.laddr": json.dumps(f"tcp://127.0.0.1:{ports['p2p']}"),
            "consensus.timeout_commit": json.dumps(timeout_commit),
            **COMET_SETTINGS,
        },
    )
    genesis = json.loads(home.genesis.read_text())
    addrs = sorted(account_address(k.address) for k in make_keys(accounts))
    number = {a: i for i, a in enumerate(addrs)}
    genesis["app_state"]["auth"]["accounts"] = [
        {
            "@type": "/cosmos.auth.v1beta1.BaseAccount",
            "address": a,
            "account_number": str(i),
            "sequence": "0",
        }
        for i, a in enumerate(addrs)
    ]
    genesis["app_state"]["bank"]["balances"] = [
        {"address": a, "coins": [{"denom": "uaic", "amount": str(FUNDS)}]} for a in addrs
    ]
    home.genesis.write_text(json.dumps(genesis))
    numbers = [number[account_address(k.address)] for k in make_keys(accounts)]
    return (
        home.root,
        f"tcp://127.0.0.1:{ports['rpc']}",
        f"http://127.0.0.1:{ports['metrics']}/metrics",
        numbers,
    )


def fund_genesis_senders(genesis: dict, accounts: int) -> list[int]:
    """Adds the `accounts` load senders to a genesis (an account each, numbered after the
    accounts already there, FUNDS uaic each, the supply raised to match); returns each
    sender's account number in `make_keys` order. Raises ValueError if a sender is there."""
    state = genesis["app_state"]
    known = state["auth"].setdefault("accounts", [])
    taken = {entry["address"] for entry in known}
    first = 1 + max((int(entry["account_number"]) for entry in known), default=-1)
    addrs = sorted(account_address(k.address) for k in make_keys(accounts))
    if taken & set(addrs):
        raise ValueError("the genesis already holds a load sender; start from a fresh one")
    number = {a: first + i for i, a in enumerate(addrs)}
    known.extend(
        {
            "@type": "/cosmos.auth.v1beta1.BaseAccount",
            "address": a,
            "account_number": str(number[a]),
            "sequence": "0",
        }
        for a in addrs
    )
    bank = state["bank"]
    bank["balances"] = sorted(
        bank.get("balances", [])
        + [{"address": a, "coins": [{"denom": "uaic", "amount": str(FUNDS)}]} for a in addrs],
        key=lambda b: b["address"],
    )
    supply = bank.get("supply") or []
    if supply:
        for coin in supply:
            if coin["denom"] == "uaic":
                coin["amount"] = str(int(coin["amount"]) + FUNDS * accounts)
                break
        else:
            supply.append({"denom": "uaic", "amount": str(FUNDS * accounts)})
            supply.sort(key=lambda c: c["denom"])
    return [number[account_address(k.address)] for k in make_keys(accounts)]


def bank_send_shards(
    accounts: int, numbers: list[int], per_account: int, workers: int
) -> list[list[bytes]]:
    """Signed sends, per_account from each sender, dealt so that each sender's txs stay with
    one thread in sequence order (a thread sends its senders' txs round-robin by sequence)."""
    keys = make_keys(accounts)
    recipient = account_address(PrivateKey((10**9).to_bytes(32, "big")).address)
    per_worker: list[list[list[bytes]]] = [[] for _ in range(workers)]
    for i, key in enumerate(keys):
        sender = account_address(key.address)
        txs = [
            build_tx(
                [msg_send(sender, recipient, [Coin("uaic", 1)])],
                key,
                SignerData(numbers[i], seq),
                CHAIN_ID,
                [Coin("uaic", FEE)],
                GAS,
            )
            for seq in range(per_account)
        ]
        per_worker[i % workers].append(txs)
    return [[txs[s] for s in range(per_account) for txs in senders] for senders in per_worker]


_PHASE = re.compile(r'^aichain_abci_seconds_(sum|count)\{phase="([a-z_]+)"\} (\S+)$', re.M)

_READS = re.compile(
    r'^aichain_abci_read_requests_(sum|count)\{connection="([a-z]+)"\} (\S+)$', re.M
)


def scrape_phases(url: str) -> dict[str, tuple[float, int]]:
    """phase -> (seconds, calls) so far, from the node's metrics endpoint; also
    "reads:CONNECTION" -> (requests, socket reads) of each ABCI connection."""
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    for kind, conn, value in _READS.findall(text):
        target = sums if kind == "sum" else counts
        target["reads:" + conn] = float(value) if kind == "sum" else int(float(value))
    for kind, phase, value in _PHASE.findall(text):
        if kind == "sum":
            sums[phase] = float(value)
        else:
            counts[phase] = int(float(value))
    return {phase: (sums.get(phase, 0.0), counts.get(phase, 0)) for phase in counts}
