"""`aichain start` refuses a home that keeps private keys unprotected (the plaintext `test`
keyring, CometBFT key files others can read) unless it is a localnet (P2P on loopback only)
or --allow-test-keyring is given (node/keyguard.py)."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from aichain.cli.main import cli
from aichain.client.keyring import Keyring, ScryptParams
from aichain.node.home import Home
from aichain.node.keyguard import (
    UnsafeKeysError,
    check_start_keys,
    compute_network_exposure,
    find_key_problems,
    is_loopback_host,
    is_test_grade_key_file,
)

FAST_SCRYPT = ScryptParams(n=16, r=1, p=1)

EXPOSED_P2P = '[p2p]\nladdr = "tcp://0.0.0.0:26656"\npersistent_peers = ""\n'
LOOPBACK_P2P = '[p2p]\nladdr = "tcp://127.0.0.1:26656"\npersistent_peers = "ab@127.0.0.1:1"\n'


def make_home(root: Path, p2p: str = EXPOSED_P2P) -> Home:
    """A minimal node home: config.toml with the given [p2p], a genesis, owner-only keys."""
    home = Home(root)
    home.config_dir.mkdir(parents=True)
    home.config_toml.write_text('moniker = "m"\n\n' + p2p)
    home.genesis.write_text(json.dumps({"chain_id": "c"}))
    for name in ("priv_validator_key.json", "node_key.json"):
        path = home.config_dir / name
        write_key_file(path, os.urandom(32))
        path.chmod(0o600)
    return home


def write_key_file(path: Path, seed: bytes) -> None:
    """A CometBFT key file's shape: priv_key.value is base64(seed || public key)."""
    value = base64.b64encode(seed + bytes(32)).decode()
    path.write_text(json.dumps({"priv_key": {"type": "tendermint/PrivKeyEd25519", "value": value}}))


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.5", False),
        ("node.example.org", False),
        ("", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_a_loopback_only_p2p_is_a_localnet() -> None:
    assert compute_network_exposure(LOOPBACK_P2P) == []
    assert compute_network_exposure('[p2p]\nladdr = "tcp://[::1]:26656"\nseeds = ""\n') == []


def test_every_way_of_reaching_beyond_loopback_is_named() -> None:
    text = (
        "[p2p]\n"
        'laddr = "tcp://0.0.0.0:26656"\n'
        'external_address = "203.0.113.5:26656"\n'
        'persistent_peers = "aa@127.0.0.1:1,bb@10.0.0.7:26656"\n'
        'seeds = "cc@seed.example.org:26656"\n'
    )
    assert compute_network_exposure(text) == [
        "P2P listens on tcp://0.0.0.0:26656",
        "P2P advertises 203.0.113.5:26656",
        "p2p.persistent_peers names bb@10.0.0.7:26656",
        "p2p.seeds names cc@seed.example.org:26656",
    ]
    assert compute_network_exposure("") == ["P2P listens on tcp://0.0.0.0:26656"]  # CometBFT's


def test_a_config_that_does_not_parse_is_reported() -> None:
    with pytest.raises(ValueError, match="config.toml does not parse"):
        compute_network_exposure("[p2p\n")


def test_test_keyring_keys_on_a_networked_node_are_refused_with_the_fix(tmp_path) -> None:
    home = make_home(tmp_path / "h")
    Keyring(home.root, "test").add_key("alice")
    Keyring(home.root, "test").add_key("val")
    with pytest.raises(UnsafeKeysError) as info:
        check_start_keys(home, allow_test_keys=False)
    message = str(info.value)
    assert "not a localnet (P2P listens on tcp://0.0.0.0:26656)" in message
    assert "2 private key(s) unencrypted" in message and "alice, val" in message
    assert f"aichain keys export alice --home {home.root} > alice.armor" in message
    assert "--keyring-backend file" in message
    assert "--allow-test-keyring" in message and "AICHAIN_ALLOW_TEST_KEYRING=1" in message


def test_the_same_home_starts_when_forced_or_on_a_localnet(tmp_path) -> None:
    home = make_home(tmp_path / "h")
    Keyring(home.root, "test").add_key("alice")
    check_start_keys(home, allow_test_keys=True)
    local = make_home(tmp_path / "local", LOOPBACK_P2P)
    Keyring(local.root, "test").add_key("alice")
    assert find_key_problems(local)  # the keys are there ...
    check_start_keys(local, allow_test_keys=False)  # ... and a localnet may use them


def test_a_home_with_only_file_keyring_keys_starts(tmp_path) -> None:
    home = make_home(tmp_path / "h")
    Keyring(home.root, "file", lambda _new: "a long passphrase 123", FAST_SCRYPT).add_key("alice")
    (home.root / "keyring-test").mkdir()  # an empty test keyring holds nothing to steal
    assert find_key_problems(home) == []
    check_start_keys(home, allow_test_keys=False)


def test_public_keys_alone_in_the_test_keyring_are_no_problem(tmp_path) -> None:
    home = make_home(tmp_path / "h")
    ring = Keyring(home.root, "test")
    members = [ring.add_key(name).record.address for name in ("m1", "m2")]
    ring.add_multisig("multi", members, 2)
    for name in ("m1", "m2"):
        ring.delete_key(name)
    assert [r.name for r in ring.list_keys()] == ["multi"]
    check_start_keys(home, allow_test_keys=False)


def test_validator_and_node_keys_readable_by_others_are_refused(tmp_path) -> None:
    home = make_home(tmp_path / "h")
    (home.config_dir / "priv_validator_key.json").chmod(0o644)
    (home.config_dir / "node_key.json").chmod(0o660)
    with pytest.raises(UnsafeKeysError) as info:
        check_start_keys(home, allow_test_keys=False)
    message = str(info.value)
    assert "priv_validator_key.json is readable or writable by other users (mode 644)" in message
    assert f"chmod 600 {home.config_dir / 'node_key.json'}" in message
    (home.config_dir / "priv_validator_key.json").chmod(0o600)
    (home.config_dir / "node_key.json").chmod(0o600)
    check_start_keys(home, allow_test_keys=False)


def test_validator_and_node_keys_made_from_small_numbers_are_refused(tmp_path) -> None:
    home = make_home(tmp_path / "h")
    validator = home.config_dir / "priv_validator_key.json"
    write_key_file(validator, (7).to_bytes(32, "big"))
    write_key_file(home.config_dir / "node_key.json", bytes(16) + os.urandom(16))
    with pytest.raises(UnsafeKeysError) as info:
        check_start_keys(home, allow_test_keys=False)
    message = str(info.value)
    assert f"{validator} holds a test key" in message
    assert "node_key.json holds a test key" in message
    assert f"run `cometbft init --home {home.root}`" in message
    write_key_file(validator, bytes(15) + b"\x01" + os.urandom(16))  # 15 zero bytes: not judged
    write_key_file(home.config_dir / "node_key.json", os.urandom(32))
    check_start_keys(home, allow_test_keys=False)


@pytest.mark.parametrize(
    "content",
    ["", "{}", '{"priv_key": {"value": "not base64!"}}', '{"priv_key": {"value": "AAAA"}}'],
)
def test_key_files_that_do_not_parse_are_not_called_test_keys(tmp_path, content: str) -> None:
    path = tmp_path / "priv_validator_key.json"
    path.write_text(content)
    assert not is_test_grade_key_file(path)


def test_a_real_cometbft_home_passes(tmp_path) -> None:
    """Keys from `aichain init` (CometBFT's own): mode 600, random, so even a networked home
    with no test keyring starts."""
    from aichain.node.home import CometBFTNotFoundError, find_cometbft
    from aichain.node.init import init_home

    try:
        find_cometbft()
    except CometBFTNotFoundError as exc:
        pytest.skip(str(exc))
    home = init_home(tmp_path / "h", "m", "aichain-guard")
    assert compute_network_exposure(home.config_toml.read_text())  # P2P on 0.0.0.0
    assert find_key_problems(home) == []
    check_start_keys(home, allow_test_keys=False)


def test_start_refuses_before_opening_anything_and_the_flag_and_env_are_read(tmp_path) -> None:
    home = make_home(tmp_path / "h")
    Keyring(home.root, "test").add_key("alice")
    runner = CliRunner()
    refused = runner.invoke(cli, ["start", "--home", str(home.root)])
    assert refused.exit_code == 1
    assert "refusing to start" in refused.output and "--allow-test-keyring" in refused.output
    assert not (home.root / "data").exists() and not home.pid_file.exists()  # nothing opened
    # forced, the guard lets it through to the node (which then fails on this stub home's
    # missing app.toml: the point is that the refusal is gone)
    for args, env in (
        (["--allow-test-keyring"], {}),
        ([], {"AICHAIN_ALLOW_TEST_KEYRING": "1"}),
    ):
        forced = runner.invoke(cli, ["start", "--home", str(home.root), *args], env=env)
        assert "refusing to start" not in forced.output, forced.output
