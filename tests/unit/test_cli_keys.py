"""`aichain keys` through click's CliRunner: every command, JSON output and error exits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from aichain.app.crypto import account_address, bech32_decode, parse_account_address
from aichain.cli.keys import EXPORT_PASSPHRASE_ENV, KEYRING_PASSPHRASE_ENV, SCRYPT_PARAMS_KEY
from aichain.cli.main import cli
from aichain.client.keyring import ScryptParams

FAST = ScryptParams(n=16, r=1, p=1)
"""Cheap scrypt, passed through click's context object so tests stay fast."""

ABANDON = "abandon " * 11 + "about"
ABANDON_ADDRESS = account_address(
    bech32_decode("cosmos19rl4cm2hmr8afy4kldpxz3fka4jguq0auqdal4", "cosmos")
)
"""The aic1 address of ABANDON at m/44'/118'/0'/0/0 (a published Cosmos vector)."""


def run(home: Path, *args: str, input: str | None = None, **env: str) -> Result:
    """Invokes `aichain keys ARGS --home HOME` with the passphrase variables cleared."""
    environ: dict[str, str | None] = {KEYRING_PASSPHRASE_ENV: None, EXPORT_PASSPHRASE_ENV: None}
    environ.update(env)
    return CliRunner().invoke(
        cli,
        ["keys", *args, "--home", str(home)],
        input=input,
        env=environ,
        obj={SCRYPT_PARAMS_KEY: FAST},
    )


def ok(result: Result) -> Result:
    """The result, after checking that the command succeeded."""
    assert result.exit_code == 0, (result.output, result.stderr, result.exception)
    return result


def failed(result: Result, message: str) -> None:
    """Checks a non-zero exit with message on stderr (and not a traceback)."""
    assert result.exit_code != 0, result.output
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_add_prints_address_pubkey_and_mnemonic(tmp_path: Path) -> None:
    out = ok(run(tmp_path, "add", "alice")).stdout
    assert "name: alice" in out and "address: aic1" in out
    assert "/cosmos.crypto.secp256k1.PubKey" in out
    assert "write this mnemonic phrase in a safe place" in out
    assert len(out.strip().splitlines()[-1].split()) == 24


def test_add_json_has_cosmos_fields(tmp_path: Path) -> None:
    data = json.loads(ok(run(tmp_path, "add", "alice", "--output", "json")).stdout)
    assert set(data) == {"name", "type", "address", "pubkey", "mnemonic"}
    assert (data["name"], data["type"]) == ("alice", "local")
    parse_account_address(data["address"])
    assert json.loads(data["pubkey"])["@type"] == "/cosmos.crypto.secp256k1.PubKey"
    assert len(data["mnemonic"].split()) == 24


def test_add_recover_reads_mnemonic_from_stdin(tmp_path: Path) -> None:
    result = ok(run(tmp_path, "add", "alice", "--recover", "-o", "json", input=ABANDON + "\n"))
    data = json.loads(result.stdout)
    assert data["address"] == ABANDON_ADDRESS
    assert "mnemonic" not in data


def test_add_recover_with_account_and_index(tmp_path: Path) -> None:
    args = ("add", "alice", "--recover", "--account", "0", "--index", "1", "-o", "json")
    data = json.loads(ok(run(tmp_path, *args, input=ABANDON + "\n")).stdout)
    assert data["address"] != ABANDON_ADDRESS


def test_add_then_recover_gives_the_same_address(tmp_path: Path) -> None:
    new = json.loads(ok(run(tmp_path / "a", "add", "alice", "-o", "json")).stdout)
    again = run(tmp_path / "b", "add", "alice", "--recover", "-o", "json", input=new["mnemonic"])
    assert json.loads(ok(again).stdout)["address"] == new["address"]


def test_add_rejects_duplicate_name(tmp_path: Path) -> None:
    ok(run(tmp_path, "add", "alice"))
    failed(run(tmp_path, "add", "alice"), "key 'alice' already exists")


def test_add_recover_rejects_duplicate_name_before_asking(tmp_path: Path) -> None:
    ok(run(tmp_path, "add", "alice"))
    failed(run(tmp_path, "add", "alice", "--recover", input=""), "already exists")


def test_add_overwrite_replaces_the_key(tmp_path: Path) -> None:
    ok(run(tmp_path, "add", "alice"))
    ok(run(tmp_path, "add", "alice", "--recover", "--overwrite", input=ABANDON))
    assert ok(run(tmp_path, "show", "alice", "-a")).stdout.strip() == ABANDON_ADDRESS


def test_add_recover_rejects_invalid_mnemonic(tmp_path: Path) -> None:
    failed(run(tmp_path, "add", "alice", "--recover", input="abandon " * 12), "checksum")


def test_add_recover_rejects_empty_stdin(tmp_path: Path) -> None:
    failed(run(tmp_path, "add", "alice", "--recover", input=""), "no input on stdin")


def test_add_rejects_invalid_name(tmp_path: Path) -> None:
    failed(run(tmp_path, "add", "../evil"), "path separators")


def test_list_is_sorted_in_text_and_json(tmp_path: Path) -> None:
    for name in ("bob", "alice"):
        ok(run(tmp_path, "add", name))
    text = ok(run(tmp_path, "list")).stdout
    assert text.index("name: alice") < text.index("name: bob")
    data = json.loads(ok(run(tmp_path, "list", "-o", "json")).stdout)
    assert [r["name"] for r in data] == ["alice", "bob"]
    assert set(data[0]) == {"name", "type", "address", "pubkey"}


def test_list_empty_keyring(tmp_path: Path) -> None:
    result = ok(run(tmp_path, "list"))
    assert result.stdout == ""
    assert "aichain keys add" in result.stderr
    assert json.loads(ok(run(tmp_path, "list", "-o", "json")).stdout) == []


def test_show_by_name_and_address(tmp_path: Path) -> None:
    ok(run(tmp_path, "add", "alice", "--recover", input=ABANDON))
    by_name = json.loads(ok(run(tmp_path, "show", "alice", "-o", "json")).stdout)
    by_address = json.loads(ok(run(tmp_path, "show", ABANDON_ADDRESS, "-o", "json")).stdout)
    assert by_name == by_address
    assert by_name["address"] == ABANDON_ADDRESS
    assert ok(run(tmp_path, "show", "alice", "--address")).stdout == ABANDON_ADDRESS + "\n"
    pubkey = json.loads(ok(run(tmp_path, "show", "alice", "--pubkey")).stdout)
    assert pubkey == json.loads(by_name["pubkey"])


def test_show_rejects_missing_key(tmp_path: Path) -> None:
    failed(run(tmp_path, "show", "alice"), "key 'alice' not found in keyring 'test'")
    failed(run(tmp_path, "show", "alice"), "aichain keys list")


def test_show_rejects_both_address_and_pubkey(tmp_path: Path) -> None:
    ok(run(tmp_path, "add", "alice"))
    failed(run(tmp_path, "show", "alice", "-a", "-p"), "not both")


def test_delete_with_yes(tmp_path: Path) -> None:
    ok(run(tmp_path, "add", "alice"))
    assert "deleted" in ok(run(tmp_path, "delete", "alice", "-y")).stderr
    failed(run(tmp_path, "show", "alice"), "not found")


def test_delete_after_confirmation(tmp_path: Path) -> None:
    ok(run(tmp_path, "add", "alice"))
    ok(run(tmp_path, "delete", "alice", input="y\n"))
    failed(run(tmp_path, "show", "alice"), "not found")


def test_delete_rejects_declined_confirmation(tmp_path: Path) -> None:
    ok(run(tmp_path, "add", "alice"))
    failed(run(tmp_path, "delete", "alice", input="n\n"), "nothing was deleted")
    ok(run(tmp_path, "show", "alice"))


def test_delete_rejects_missing_key(tmp_path: Path) -> None:
    failed(run(tmp_path, "delete", "alice", "-y"), "not found")


def test_export_import_round_trip_with_env(tmp_path: Path) -> None:
    ok(run(tmp_path, "add", "alice", "--recover", input=ABANDON))
    env = {EXPORT_PASSPHRASE_ENV: "export battery"}
    armor = ok(run(tmp_path, "export", "alice", **env)).stdout
    assert armor.startswith("-----BEGIN TENDERMINT PRIVATE KEY-----")  # the SDK's format
    path = tmp_path / "alice.armor"
    path.write_text(armor)
    other = tmp_path / "other"
    data = json.loads(ok(run(other, "import", "bob", str(path), "-o", "json", **env)).stdout)
    assert (data["name"], data["address"]) == ("bob", ABANDON_ADDRESS)


def test_export_import_round_trip_with_stdin(tmp_path: Path) -> None:
    ok(run(tmp_path, "add", "alice", "--recover", input=ABANDON))
    armor = ok(run(tmp_path, "export", "alice", input="export battery\n")).stdout
    path = tmp_path / "alice.armor"
    path.write_text(armor)
    ok(run(tmp_path / "other", "import", "bob", str(path), input="export battery\n"))


def test_import_rejects_wrong_passphrase(tmp_path: Path) -> None:
    ok(run(tmp_path, "add", "alice"))
    path = tmp_path / "alice.armor"
    path.write_text(ok(run(tmp_path, "export", "alice", input="export battery\n")).stdout)
    failed(run(tmp_path, "import", "bob", str(path), input="wrong one\n"), "wrong passphrase")


def test_import_rejects_tampered_armor(tmp_path: Path) -> None:
    ok(run(tmp_path, "add", "alice"))
    export = ("export", "alice", "--format", "aichain")
    armor = ok(run(tmp_path, *export, input="export battery\n")).stdout
    path = tmp_path / "alice.armor"
    path.write_text(armor.replace("cipher: aes-256-gcm", "cipher: none"))
    failed(run(tmp_path, "import", "bob", str(path), input="export battery\n"), "cipher")


def test_import_rejects_missing_file(tmp_path: Path) -> None:
    result = run(tmp_path, "import", "bob", str(tmp_path / "nope.armor"))
    assert result.exit_code != 0
    assert "No such file" in result.stderr


def test_export_rejects_weak_passphrase(tmp_path: Path) -> None:
    ok(run(tmp_path, "add", "alice"))
    failed(run(tmp_path, "export", "alice", input="short\n"), "at least 8")


def test_file_backend_with_env_passphrase(tmp_path: Path) -> None:
    env = {KEYRING_PASSPHRASE_ENV: "correct horse", EXPORT_PASSPHRASE_ENV: "export battery"}
    add = run(tmp_path, "add", "alice", "--keyring-backend", "file", "-o", "json", **env)
    address = json.loads(ok(add).stdout)["address"]
    assert (tmp_path / "keyring-file" / "alice.json").is_file()
    listed = ok(run(tmp_path, "list", "--keyring-backend", "file", "-o", "json"))
    assert [r["address"] for r in json.loads(listed.stdout)] == [address]
    ok(run(tmp_path, "export", "alice", "--keyring-backend", "file", **env))


def test_file_backend_reads_passphrase_from_stdin(tmp_path: Path) -> None:
    args = ("add", "alice", "--recover", "--keyring-backend", "file", "-o", "json")
    result = ok(run(tmp_path, *args, input=f"{ABANDON}\ncorrect horse\n"))
    assert json.loads(result.stdout)["address"] == ABANDON_ADDRESS


def test_export_rejects_wrong_keyring_passphrase(tmp_path: Path) -> None:
    ok(run(tmp_path, "add", "alice", "--keyring-backend", "file", input="correct horse\n"))
    result = run(
        tmp_path,
        "export",
        "alice",
        "--keyring-backend",
        "file",
        **{KEYRING_PASSPHRASE_ENV: "wrong horse", EXPORT_PASSPHRASE_ENV: "export battery"},
    )
    failed(result, "wrong passphrase for keyring 'file'")


def test_keyring_backend_rejects_unknown_value(tmp_path: Path) -> None:
    result = run(tmp_path, "list", "--keyring-backend", "os")
    assert result.exit_code == 2
    assert "'os' is not one of" in result.stderr


@pytest.mark.parametrize("command", ["add", "list", "show", "delete", "export", "import"])
def test_help_has_examples(command: str) -> None:
    result = CliRunner().invoke(cli, ["keys", command, "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert f"aichain keys {command}" in result.stdout
