"""End to end: a parameter change passes on a real node, driven by the CLI. A one-validator
localnet (gentx genesis: governance needs bonded stake to tally, which the shared `node`
fixture, run by CometBFT's genesis validator, does not have) with a 6 s voting period set in
genesis: a proposal file drafted by `tx gov draft-proposal` is filled in and submitted, the
validator votes yes, and once the period ends the new staking param is in force."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aichain.app.authority import default_authority
from aichain.node.localnet import (
    Localnet,
    NodeSpec,
    init_localnet,
    load_localnet,
    start_localnet,
    stop_localnet,
    wait_for_height,
)

from .conftest import free_base_port, run_cli

pytestmark = pytest.mark.e2e

CHAIN_ID = "aichain-gov"
VOTING_S = 6
GOV_PARAMS = {
    "voting_period": f"{VOTING_S}s",
    "expedited_voting_period": "3s",
    "min_deposit": [{"denom": "uaic", "amount": "1000000"}],
    "expedited_min_deposit": [{"denom": "uaic", "amount": "5000000"}],
}
TX = ("--fees", "20000uaic", "--gas", "400000", "-y", "--keyring-backend", "test",
      "--chain-id", CHAIN_ID)  # fmt: skip


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Localnet]:
    root = tmp_path_factory.mktemp("gov")
    init_localnet(root, 1, chain_id=CHAIN_ID, base_port=free_base_port(1),
                  params={"gov": GOV_PARAMS})  # fmt: skip
    net = load_localnet(root)
    start_localnet(net)
    try:
        wait_for_height(net, 2, timeout=60)
        yield net
    finally:
        stop_localnet(net)


def cli(spec: NodeSpec, *args: str) -> dict:
    """An aichain command against the node, with its home; returns its JSON output."""
    out = run_cli(*args, "--home", spec.home, "--node", spec.rpc, "--output", "json")
    return json.loads(out.stdout)


def wait_status(spec: NodeSpec, proposal_id: int, status: str, timeout: float) -> dict:
    """Polls the proposal until it has status; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        proposal = cli(spec, "query", "gov", "proposal", str(proposal_id))["proposal"]
        if proposal["status"] == status or time.monotonic() > deadline:
            return proposal
        time.sleep(0.5)


def test_a_param_change_passes_on_a_real_node(net: Localnet, tmp_path: Path) -> None:
    node = net.nodes[0]
    params = cli(node, "query", "staking", "params")["params"]
    assert params["max_entries"] == 7
    draft = tmp_path / "proposal.json"
    run_cli("tx", "gov", "draft-proposal", "--type", "/cosmos.staking.v1beta1.MsgUpdateParams",
            "--output-file", str(draft))  # fmt: skip
    proposal = json.loads(draft.read_text())
    assert proposal["messages"][0]["authority"] == default_authority()
    proposal["messages"][0]["params"] = {**params, "max_entries": 5}
    proposal.update(title="Fewer unbonding entries", summary="max_entries 7 -> 5",
                    deposit="1000000uaic")  # fmt: skip
    draft.write_text(json.dumps(proposal, indent=2))

    result = cli(node, "tx", "gov", "submit-proposal", "val0", str(draft), *TX)
    assert result["code"] == 0, result
    voting = cli(node, "query", "gov", "proposal", "1")["proposal"]
    assert voting["status"] == "PROPOSAL_STATUS_VOTING_PERIOD"
    assert voting["messages"][0]["@type"] == "/cosmos.staking.v1beta1.MsgUpdateParams"
    assert cli(node, "tx", "gov", "vote", "val0", "1", "yes", *TX)["code"] == 0
    tally = cli(node, "query", "gov", "tally", "1")["tally"]
    assert int(tally["yes_count"]) > 0 and tally["no_count"] == "0"

    passed = wait_status(node, 1, "PROPOSAL_STATUS_PASSED", timeout=VOTING_S + 20)
    assert passed["status"] == "PROPOSAL_STATUS_PASSED", passed
    assert cli(node, "query", "staking", "params")["params"]["max_entries"] == 5
    deposits = cli(node, "query", "gov", "deposits", "1")
    assert deposits.get("deposits", []) == []  # refunded
    bad = run_cli("tx", "gov", "vote", "val0", "1", "yes", *TX, "--home", node.home,
                  "--node", node.rpc, check=False)  # fmt: skip
    assert bad.returncode != 0 and "gov/3" in bad.stderr + bad.stdout
