"""The flags every tx command shares (aichain.cli.common.tx_options) and the one broadcaster:
--generate-only prints the unsigned tx, --dry-run simulates without broadcasting, and bad
--gas / --fees / --gas-prices values exit non-zero with a message saying what to write."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from aichain.app.crypto import PrivateKey, account_address, valoper_address
from aichain.cli.main import cli
from aichain.client.gas import DEFAULT_GAS
from aichain.client.rpc import QueryResult


def run(*args: str) -> Result:
    """Invokes `aichain ARGS`."""
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home with one test-keyring key, alice."""
    result = run("keys", "add", "alice", "--keyring-backend", "test", "--home", str(tmp_path))
    assert result.exit_code == 0, result.output
    return tmp_path


def alice(home: Path) -> str:
    """alice's address."""
    out = run("keys", "show", "alice", "--home", str(home), "--output", "json").stdout
    return json.loads(out)["address"]


def test_generate_only_prints_the_unsigned_tx_json(home: Path) -> None:
    to = account_address(PrivateKey.generate().address)
    result = run("tx", "bank", "send", "alice", to, "1234uaic", "--fees", "5000uaic",
                 "--memo", "hello", "--generate-only", "--home", str(home))  # fmt: skip
    assert result.exit_code == 0, result.output
    tx = json.loads(result.stdout)
    [msg] = tx["body"]["messages"]
    assert msg["@type"] == "/cosmos.bank.v1beta1.MsgSend"
    assert msg["from_address"] == alice(home) and msg["to_address"] == to
    assert msg["amount"] == [{"denom": "uaic", "amount": "1234"}]
    assert tx["body"]["memo"] == "hello"
    assert tx["auth_info"]["fee"] == {
        "amount": [{"denom": "uaic", "amount": "5000"}],
        "gas_limit": str(DEFAULT_GAS),
        "payer": "",
        "granter": "",
    }
    assert tx["signatures"] == [] and tx["auth_info"]["signer_infos"] == []


def test_generate_only_takes_an_address_not_in_the_keyring(tmp_path: Path) -> None:
    sender = account_address(PrivateKey.generate().address)
    validator = valoper_address(PrivateKey.generate().address)
    flags = ("--gas", "100000", "--gas-prices", "0.025uaic", "--generate-only")
    result = run("tx", "staking", "delegate", sender, validator, "5uaic", *flags,
                 "--home", str(tmp_path))  # fmt: skip
    assert result.exit_code == 0, result.output
    tx = json.loads(result.stdout)
    [msg] = tx["body"]["messages"]
    assert msg["@type"] == "/cosmos.staking.v1beta1.MsgDelegate"
    assert msg["delegator_address"] == sender and msg["validator_address"] == validator
    # --gas-prices: fee = price x gas, rounded up
    assert tx["auth_info"]["fee"]["amount"] == [{"denom": "uaic", "amount": "2500"}]
    assert tx["auth_info"]["fee"]["gas_limit"] == "100000"


def test_every_module_tx_command_takes_the_shared_flags() -> None:
    from aichain.cli.tx import tx

    run("tx", "--help")  # loads the module commands
    shared = {"--fees", "--gas-prices", "--gas", "--gas-adjustment", "--dry-run",
              "--generate-only", "--output", "--yes", "--chain-id", "--keyring-backend",
              "--node", "--home", "--no-wait", "--memo"}  # fmt: skip
    commands = [
        (group.name, command)
        for group in tx.commands.values()
        if hasattr(group, "commands")  # module groups; not tx sign/broadcast/encode/...
        for command in group.commands.values()  # type: ignore[attr-defined]
    ]
    assert len(commands) >= 9
    for group_name, command in commands:
        opts = {o for p in command.params for o in p.opts}
        assert shared <= opts, (group_name, command.name, shared - opts)
        gas = next(p for p in command.params if p.name == "gas")
        assert gas.default == str(DEFAULT_GAS), (group_name, command.name)


class FakeRPC:
    """A node that answers the account and simulate queries and refuses to broadcast."""

    calls: list[str] = []

    def __init__(self, node: str, timeout: float = 10.0) -> None:
        self.node = node

    def status(self) -> dict[str, Any]:
        return {"node_info": {"network": "aichain-test"}}

    def abci_query(self, path: str, data: bytes, height: int = 0, prove: bool = False):
        from cosmos.auth.v1beta1 import auth_pb2
        from cosmos.auth.v1beta1 import query_pb2 as auth_query
        from cosmos.base.abci.v1beta1 import abci_pb2
        from cosmos.tx.v1beta1 import service_pb2
        from google.protobuf import any_pb2

        FakeRPC.calls.append(path)
        if path == "/cosmos.auth.v1beta1.Query/Account":
            account = auth_pb2.BaseAccount(account_number=3, sequence=9)
            value = auth_query.QueryAccountResponse(
                account=any_pb2.Any(
                    type_url="/cosmos.auth.v1beta1.BaseAccount",
                    value=account.SerializeToString(),
                )
            ).SerializeToString()
        elif path == "/app/simulate":
            value = service_pb2.SimulateResponse(
                gas_info=abci_pb2.GasInfo(gas_used=50_000)
            ).SerializeToString()
        else:
            raise AssertionError(f"unexpected query {path}")
        return QueryResult(0, "", "", value, 1)

    def broadcast_tx_sync(self, tx: bytes) -> dict[str, Any]:
        FakeRPC.calls.append("broadcast")
        raise AssertionError("--dry-run must not broadcast")


@pytest.fixture
def fake_node(monkeypatch: pytest.MonkeyPatch) -> type[FakeRPC]:
    """CometRPC replaced by FakeRPC for the commands run in the test."""
    import aichain.client.rpc

    FakeRPC.calls = []
    monkeypatch.setattr(aichain.client.rpc, "CometRPC", FakeRPC)
    return FakeRPC


def test_dry_run_simulates_and_does_not_broadcast(home: Path, fake_node: type[FakeRPC]) -> None:
    to = account_address(PrivateKey.generate().address)
    result = run("tx", "bank", "send", "alice", to, "1uaic", "--fees", "5000uaic", "--dry-run",
                 "--home", str(home), "--output", "json")  # fmt: skip
    assert result.exit_code == 0, (result.output, result.exception)
    assert json.loads(result.stdout) == {"gas_estimate": "65000", "gas_used": "50000"}
    assert fake_node.calls == ["/cosmos.auth.v1beta1.Query/Account", "/app/simulate"]
    text = run("tx", "slashing", "unjail", "alice", "--fees", "5000uaic", "--dry-run",
               "--gas-adjustment", "2", "--home", str(home))  # fmt: skip
    assert text.exit_code == 0 and text.stdout.strip() == "gas estimate: 100000"
    assert "broadcast" not in fake_node.calls


def test_generate_only_with_gas_auto_simulates_for_the_limit(
    home: Path, fake_node: type[FakeRPC]
) -> None:
    to = account_address(PrivateKey.generate().address)
    result = run("tx", "bank", "send", "alice", to, "1uaic", "--gas", "auto", "--gas-prices",
                 "0.025uaic", "--generate-only", "--home", str(home))  # fmt: skip
    assert result.exit_code == 0, (result.output, result.exception)
    fee = json.loads(result.stdout)["auth_info"]["fee"]
    assert fee["gas_limit"] == "65000" and fee["amount"] == [{"denom": "uaic", "amount": "1625"}]
    assert "broadcast" not in fake_node.calls


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--gas", "lots"), "Invalid value for '--gas': invalid gas 'lots': use 'auto' or a"),
        (("--gas", "0"), "Invalid value for '--gas'"),
        (("--gas", "-5"), "Invalid value for '--gas'"),
        (("--fees", "5000"), "Invalid value for '--fees': invalid coin expression '5000'"),
        (("--fees", "5uaic,5uaic"), "duplicate denomination uaic"),
        (("--gas-prices", "cheap"), "Invalid value for '--gas-prices': invalid gas price"),
        (("--gas-adjustment", "0"), "Invalid value for '--gas-adjustment': must be a positive"),
        (("--fees", "5uaic", "--gas-prices", "0.1uaic"), "give --fees or --gas-prices, not both"),
        (("--dry-run", "--generate-only"), "give --dry-run or --generate-only, not both"),
    ],
)
def test_bad_tx_flags_exit_non_zero_with_a_clear_error(
    home: Path, fake_node: type[FakeRPC], flags: tuple[str, ...], message: str
) -> None:
    to = account_address(PrivateKey.generate().address)
    result = run("tx", "bank", "send", "alice", to, "1uaic", *flags, "-y", "--home", str(home))
    assert result.exit_code != 0
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert fake_node.calls == []  # refused before any node is asked


def test_generate_only_with_gas_auto_needs_a_key_to_simulate(
    tmp_path: Path, fake_node: type[FakeRPC]
) -> None:
    sender = account_address(PrivateKey.generate().address)
    result = run("tx", "bank", "send", sender, sender, "1uaic", "--gas", "auto",
                 "--generate-only", "--home", str(tmp_path))  # fmt: skip
    assert result.exit_code != 0
    assert "give --gas N instead" in result.stderr and "Traceback" not in result.stderr
    assert fake_node.calls == []
