"""End to end: proof of stake on a real 4-validator localnet (gentx genesis), driven by the CLI.

Delegation changes voting power in CometBFT; undelegated funds come back only after the
unbonding period; a 5th validator joins by transaction from a fresh node, signs blocks and
leaves when it unbonds; a stopped validator is jailed and slashed for downtime and unjailing
brings it back.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aichain.client.rpc import CometRPC
from aichain.node.home import Home, configure_cometbft
from aichain.node.localnet import (
    Localnet,
    NodeSpec,
    init_localnet,
    load_localnet,
    start_localnet,
    start_node,
    stop_localnet,
    stop_node,
    wait_for_height,
)

from .conftest import AICHAIN, free_base_port, free_port, run_cli

pytestmark = pytest.mark.e2e

UNBONDING_S = 8
JAIL_S = 5
FEES = "20000uaic"
PARAMS = {
    "staking": {"unbonding_time": f"{UNBONDING_S}s"},
    "slashing": {
        "signed_blocks_window": 10,
        "min_signed_per_window": "0.500000000000000000",
        "downtime_jail_duration": f"{JAIL_S}s",
    },
}


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Localnet]:
    root = tmp_path_factory.mktemp("pos")
    init_localnet(root, 4, chain_id="aichain-pos", base_port=free_base_port(4), params=PARAMS)
    net = load_localnet(root)
    start_localnet(net)
    try:
        wait_for_height(net, 2, timeout=180)
        yield net
    finally:
        stop_localnet(net)
        for name in ("node4", "double"):
            if (root / name / "aichain.pid").exists():
                stop_node(NodeSpec(0, name, str(root / name), "", 0, 0, 0, 0, ""))


def cli(spec: NodeSpec, *args: str, node: str | None = None) -> dict:
    """Runs an aichain command with this node's home; returns its JSON output."""
    out = run_cli(*args, "--home", spec.home, "--node", node or spec.rpc, "--output", "json")
    return json.loads(out.stdout)


def tx(spec: NodeSpec, *args: str, node: str | None = None) -> dict:
    """A tx command that must succeed (code 0, included in a block)."""
    result = cli(
        spec,
        "tx",
        *args,
        "--fees",
        FEES,
        "-y",
        "--keyring-backend",
        "test",
        "--chain-id",
        "aichain-pos",
        node=node,
    )
    assert result["code"] == 0, result
    return result


def powers(net: Localnet) -> dict[str, int]:
    """CometBFT's validator set: consensus address -> voting power."""
    vals = CometRPC(net.nodes[0].rpc).validators()["validators"]
    return {v["address"]: int(v["voting_power"]) for v in vals}


def cons_address(home: Path) -> str:
    """The consensus address (hex, upper) of a home's validator key."""
    return json.loads((home / "config" / "priv_validator_key.json").read_text())["address"]


def valoper(net: Localnet, index: int) -> str:
    """The operator (aicvaloper) address of node index's validator."""
    validators = cli(net.nodes[0], "query", "staking", "validators")["validators"]
    moniker = net.nodes[index].moniker
    return next(v["operator_address"] for v in validators if v["description"]["moniker"] == moniker)


def wait_blocks(net: Localnet, n: int) -> int:
    """Waits for n more blocks on node0; returns the new height."""
    target = CometRPC(net.nodes[0].rpc).latest_height() + n
    wait_for_height(Localnet(net.root, net.chain_id, net.nodes[:1], net.faucet), target, 120)
    return target


def balance(net: Localnet, address: str) -> int:
    data = cli(net.nodes[0], "query", "bank", "balances", address, "--denom", "uaic")
    return int(data["balance"]["amount"])


def extra_node(
    net: Localnet,
    name: str,
    index: int,
    settings: dict[str, str] | None = None,
    validator_key_from: Path | None = None,
) -> NodeSpec:
    """A new full node of the localnet in ROOT/name on free ports, peered with every node
    (optionally with another home's validator key); not started."""
    home = net.root / name
    ports = {k: free_port() for k in ("rpc", "p2p", "grpc", "api", "metrics")}
    run_cli("init", name, "--chain-id", "aichain-pos", "--home", str(home), "--overwrite")
    h = Home(home)
    h.genesis.write_text(Home(Path(net.nodes[0].home)).genesis.read_text())
    if validator_key_from is not None:
        key = (validator_key_from / "config" / "priv_validator_key.json").read_text()
        (home / "config" / "priv_validator_key.json").write_text(key)
    peers = ",".join(f"{s.node_id}@127.0.0.1:{s.p2p_port}" for s in net.nodes)
    configure_cometbft(
        h,
        {
            "rpc.laddr": json.dumps(f"tcp://127.0.0.1:{ports['rpc']}"),
            "p2p.laddr": json.dumps(f"tcp://127.0.0.1:{ports['p2p']}"),
            "p2p.persistent_peers": json.dumps(peers),
            **(settings or {}),
        },
    )
    app_toml = h.app_toml.read_text()
    app_toml = app_toml.replace('"127.0.0.1:9090"', f'"127.0.0.1:{ports["grpc"]}"')
    app_toml = app_toml.replace('"tcp://127.0.0.1:1317"', f'"tcp://127.0.0.1:{ports["api"]}"')
    app_toml = app_toml.replace('"tcp://127.0.0.1:26661"', f'"tcp://127.0.0.1:{ports["metrics"]}"')
    h.app_toml.write_text(app_toml)
    return NodeSpec(index, name, str(home), "", 0, ports["rpc"], h.abci_address(), 0, "")


def test_genesis_validators_come_from_gentxs(net: Localnet) -> None:
    assert sorted(powers(net).values()) == [1_000_000] * 4
    for spec in net.nodes:
        assert powers(net)[cons_address(Path(spec.home))] == 1_000_000


def test_delegate_changes_power_and_undelegation_waits_for_unbonding(net: Localnet) -> None:
    node0 = net.nodes[0]
    target = valoper(net, 1)
    cons = cons_address(Path(net.nodes[1].home))
    tx(node0, "staking", "delegate", "faucet", target, "2000000000000uaic")
    wait_blocks(net, 2)
    assert powers(net)[cons] == 3_000_000
    before = balance(net, net.faucet)
    result = tx(node0, "staking", "unbond", "faucet", target, "2000000000000uaic")
    wait_blocks(net, 2)
    assert powers(net)[cons] == 1_000_000
    # the unbonded principal is locked: only the fee left and the accrued rewards came in
    locked = balance(net, net.faucet)
    assert before - 20_000 <= locked < before + 10**9
    unbonding = cli(node0, "query", "staking", "unbonding-delegations", net.faucet)
    assert unbonding["unbonding_responses"], unbonding
    time.sleep(UNBONDING_S + 1)
    wait_blocks(net, 2)
    assert balance(net, net.faucet) >= before + 2_000_000_000_000 - 20_000
    assert int(result["height"]) > 0


def test_fifth_validator_joins_signs_and_leaves(net: Localnet) -> None:
    spec = extra_node(net, "node4", 4)
    home = Path(spec.home)
    start_node(spec)
    height = CometRPC(net.nodes[0].rpc).latest_height()
    wait_for_height(Localnet(net.root, net.chain_id, (spec,), net.faucet), height, 120)
    operator = json.loads(
        subprocess.run(
            [
                AICHAIN,
                "keys",
                "add",
                "val4",
                "--keyring-backend",
                "test",
                "--home",
                str(home),
                "--output",
                "json",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )["address"]
    tx(net.nodes[0], "bank", "send", "faucet", operator, "1000000000000uaic")
    tx(
        spec,
        "staking",
        "create-validator",
        "val4",
        "--amount",
        "500000000000uaic",
        "--pubkey",
        str(home / "config" / "priv_validator_key.json"),
        "--moniker",
        "node4",
        node=net.nodes[0].rpc,
    )
    cons = cons_address(home)
    height = wait_blocks(net, 3)
    assert powers(net).get(cons) == 500_000
    block = CometRPC(net.nodes[0].rpc).block(height)
    signers = {
        s["validator_address"]
        for s in block["block"]["last_commit"]["signatures"]
        if s["block_id_flag"] == 2
    }
    assert cons in signers, "the new validator does not sign blocks"
    new_valoper = next(
        v["operator_address"]
        for v in cli(net.nodes[0], "query", "staking", "validators")["validators"]
        if v["description"]["moniker"] == "node4"
    )
    tx(spec, "staking", "unbond", "val4", new_valoper, "500000000000uaic", node=net.nodes[0].rpc)
    wait_blocks(net, 3)
    assert cons not in powers(net)
    stop_node(spec)


def test_downtime_jails_and_slashes_then_unjail_restores(net: Localnet) -> None:
    victim = net.nodes[3]
    cons = cons_address(Path(victim.home))
    target = valoper(net, 3)
    tokens_before = int(
        cli(net.nodes[0], "query", "staking", "validator", target)["validator"]["tokens"]
    )
    stop_node(victim)
    deadline = time.monotonic() + 90
    while cons in powers(net) and time.monotonic() < deadline:
        time.sleep(1)
    assert cons not in powers(net), "the offline validator was not removed from the set"
    validator = cli(net.nodes[0], "query", "staking", "validator", target)["validator"]
    assert validator["jailed"] is True
    assert int(validator["tokens"]) < tokens_before  # slashed for downtime
    start_node(victim)
    wait_for_height(net, CometRPC(net.nodes[0].rpc).latest_height(), 120)
    time.sleep(JAIL_S + 1)
    wait_blocks(net, 1)
    tx(victim, "slashing", "unjail", "val3")
    wait_blocks(net, 3)
    assert cons in powers(net)
    assert (
        cli(net.nodes[0], "query", "staking", "validator", target)["validator"].get("jailed", False)
        is False
    )


def test_double_signing_copy_is_slashed_and_tombstoned(net: Localnet) -> None:
    """A second process signs with node2's key; its hasty nil prevotes conflict with node2's
    votes for the proposed blocks, CometBFT turns that into evidence, the app slashes."""
    from aichain.app.crypto import VALCONS_PREFIX, bech32_encode

    victim = net.nodes[2]
    cons = cons_address(Path(victim.home))
    target = valoper(net, 2)
    tokens_before = int(
        cli(net.nodes[0], "query", "staking", "validator", target)["validator"]["tokens"]
    )
    # the copy gives up on proposals at once and prevotes nil: a conflicting vote
    hasty = {"consensus.timeout_propose": '"1ms"', "consensus.timeout_propose_delta": '"1ms"'}
    spec = extra_node(net, "double", 5, hasty, validator_key_from=Path(victim.home))
    start_node(spec)
    try:
        deadline = time.monotonic() + 150
        while cons in powers(net) and time.monotonic() < deadline:
            time.sleep(1)
    finally:
        stop_node(spec)
    assert cons not in powers(net), "no equivocation evidence removed the double signer"
    validator = cli(net.nodes[0], "query", "staking", "validator", target)["validator"]
    assert validator["jailed"] is True
    assert int(validator["tokens"]) < tokens_before
    valcons = bech32_encode(VALCONS_PREFIX, bytes.fromhex(cons))
    info = cli(net.nodes[0], "query", "slashing", "signing-info", valcons)
    assert info["val_signing_info"]["tombstoned"] is True
    wait_blocks(net, 2)  # the other validators keep making blocks
