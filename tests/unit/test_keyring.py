"""The keyring: both backends, passphrases, export/import armor, errors, file permissions."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from aichain.app.crypto import account_address, bech32_decode, verify_signature
from aichain.client import keyring as kr
from aichain.client.keyring import Keyring, ScryptParams

FAST = ScryptParams(n=16, r=1, p=1)
"""Cheap scrypt so tests stay fast; real keyrings use DEFAULT_SCRYPT."""

PASSPHRASE = "correct horse"
EXPORT_PASSPHRASE = "export battery"
ABANDON = "abandon " * 11 + "about"
ABANDON_RAW = bech32_decode("cosmos19rl4cm2hmr8afy4kldpxz3fka4jguq0auqdal4", "cosmos")
"""Address bytes of ABANDON at m/44'/118'/0'/0/0 (a published Cosmos vector)."""


def provider(
    passphrase: str = PASSPHRASE, calls: list[bool] | None = None
) -> Callable[[bool], str]:
    """A passphrase provider that records the `new` flag of each call."""

    def ask(new: bool) -> str:
        if calls is not None:
            calls.append(new)
        return passphrase

    return ask


def make(home: Path, backend: str = "test", passphrase: str = PASSPHRASE) -> Keyring:
    """A keyring with fast scrypt."""
    return Keyring(home, backend, provider(passphrase), scrypt_params=FAST)


@pytest.fixture(params=kr.BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


def test_recover_known_mnemonic_gives_known_address(tmp_path: Path) -> None:
    record = make(tmp_path).recover_key("alice", ABANDON)
    assert record.address == account_address(ABANDON_RAW)
    assert record.type == "local"
    assert record.path == "m/44'/118'/0'/0/0"
    assert len(record.pubkey) == 33


def test_round_trip_through_a_new_instance(tmp_path: Path, backend: str) -> None:
    new = make(tmp_path, backend).add_key("alice")
    assert len(new.mnemonic.split()) == 24
    again = make(tmp_path, backend)
    assert again.get_key("alice") == new.record
    assert again.get_key(new.record.address) == new.record
    key = again.private_key("alice")
    assert key.pubkey == new.record.pubkey
    assert verify_signature(key.pubkey, b"msg", key.sign(b"msg"))


def test_add_then_recover_from_mnemonic_gives_same_key(tmp_path: Path, backend: str) -> None:
    keyring = make(tmp_path, backend)
    new = keyring.add_key("alice")
    keyring.delete_key("alice")
    assert keyring.recover_key("alice", new.mnemonic) == new.record


def test_account_and_index_change_the_path(tmp_path: Path) -> None:
    keyring = make(tmp_path)
    first = keyring.recover_key("a0", ABANDON)
    other = keyring.recover_key("a1", ABANDON, account=1, index=2)
    assert other.path == "m/44'/118'/1'/0/2"
    assert other.address != first.address


def test_list_is_sorted_by_name(tmp_path: Path, backend: str) -> None:
    keyring = make(tmp_path, backend)
    assert keyring.list_keys() == []
    for name in ("carol", "alice", "bob"):
        keyring.add_key(name)
    assert [r.name for r in keyring.list_keys()] == ["alice", "bob", "carol"]


def test_delete_removes_the_key(tmp_path: Path, backend: str) -> None:
    keyring = make(tmp_path, backend)
    record = keyring.add_key("alice").record
    assert keyring.delete_key("alice") == record
    assert not keyring.has_key("alice")
    assert keyring.list_keys() == []


def test_to_output_has_cosmos_shape(tmp_path: Path) -> None:
    record = make(tmp_path).recover_key("alice", ABANDON)
    out = record.to_output()
    assert set(out) == {"name", "type", "address", "pubkey"}
    assert json.loads(out["pubkey"]) == {
        "@type": "/cosmos.crypto.secp256k1.PubKey",
        "key": record.pubkey_base64,
    }


def test_files_are_private(tmp_path: Path, backend: str) -> None:
    keyring = make(tmp_path, backend)
    keyring.add_key("alice")
    assert stat.S_IMODE(keyring.directory.stat().st_mode) == 0o700
    for path in keyring.directory.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert keyring.directory == tmp_path / f"keyring-{backend}"


def test_file_backend_keeps_no_plaintext_secret(tmp_path: Path) -> None:
    keyring = make(tmp_path, "file")
    keyring.recover_key("alice", ABANDON)
    secret = keyring.private_key("alice").secret.hex()
    text = (keyring.directory / "alice.json").read_text()
    assert secret not in text
    assert "private_key" not in json.loads(text)


def test_file_backend_asks_to_confirm_only_the_first_time(tmp_path: Path) -> None:
    calls: list[bool] = []
    Keyring(tmp_path, "file", provider(calls=calls), scrypt_params=FAST).add_key("alice")
    Keyring(tmp_path, "file", provider(calls=calls), scrypt_params=FAST).private_key("alice")
    assert calls == [True, False]


def test_file_backend_passphrase_is_asked_once_per_instance(tmp_path: Path) -> None:
    calls: list[bool] = []
    keyring = Keyring(tmp_path, "file", provider(calls=calls), scrypt_params=FAST)
    keyring.add_key("alice")
    keyring.add_key("bob")
    keyring.private_key("alice")
    assert calls == [True]


def test_file_backend_list_and_show_need_no_passphrase(tmp_path: Path) -> None:
    make(tmp_path, "file").add_key("alice")
    keyring = Keyring(tmp_path, "file", None, scrypt_params=FAST)
    assert [r.name for r in keyring.list_keys()] == ["alice"]
    assert keyring.get_key("alice").name == "alice"


def test_file_backend_recovers_a_lost_keyhash(tmp_path: Path) -> None:
    make(tmp_path, "file").recover_key("alice", ABANDON)
    (tmp_path / "keyring-file" / kr.PASSPHRASE_CHECK_FILE).unlink()
    calls: list[bool] = []
    keyring = Keyring(tmp_path, "file", provider(calls=calls), scrypt_params=FAST)
    assert keyring.private_key("alice").address == ABANDON_RAW
    assert calls == [False]
    assert (tmp_path / "keyring-file" / kr.PASSPHRASE_CHECK_FILE).is_file()


def test_private_key_rejects_wrong_passphrase(tmp_path: Path) -> None:
    make(tmp_path, "file").add_key("alice")
    with pytest.raises(kr.WrongPassphraseError, match="wrong passphrase"):
        make(tmp_path, "file", passphrase="not the one").private_key("alice")


def test_add_rejects_wrong_passphrase(tmp_path: Path) -> None:
    make(tmp_path, "file").add_key("alice")
    with pytest.raises(kr.WrongPassphraseError):
        make(tmp_path, "file", passphrase="not the one").add_key("bob")
    assert [r.name for r in make(tmp_path, "file").list_keys()] == ["alice"]


def test_add_rejects_weak_new_passphrase(tmp_path: Path) -> None:
    with pytest.raises(kr.WeakPassphraseError, match="at least 8"):
        make(tmp_path, "file", passphrase="short").add_key("alice")


def test_private_key_rejects_missing_passphrase_provider(tmp_path: Path) -> None:
    make(tmp_path, "file").add_key("alice")
    with pytest.raises(kr.PassphraseRequiredError, match="AICHAIN_KEYRING_PASSPHRASE"):
        Keyring(tmp_path, "file", None, scrypt_params=FAST).private_key("alice")


def test_private_key_rejects_swapped_encrypted_blob(tmp_path: Path) -> None:
    keyring = make(tmp_path, "file")
    keyring.add_key("alice")
    keyring.add_key("bob")
    alice = json.loads((keyring.directory / "alice.json").read_text())
    bob_path = keyring.directory / "bob.json"
    bob = json.loads(bob_path.read_text())
    bob["encrypted_private_key"] = alice["encrypted_private_key"]
    bob_path.write_text(json.dumps(bob))
    with pytest.raises(kr.WrongPassphraseError, match="modified"):
        make(tmp_path, "file").private_key("bob")


def test_add_rejects_duplicate_name(tmp_path: Path, backend: str) -> None:
    keyring = make(tmp_path, backend)
    first = keyring.add_key("alice").record
    with pytest.raises(kr.KeyExistsError, match="'alice' already exists"):
        keyring.add_key("alice")
    assert keyring.get_key("alice") == first


def test_add_overwrites_when_asked(tmp_path: Path) -> None:
    keyring = make(tmp_path)
    first = keyring.add_key("alice").record
    second = keyring.add_key("alice", overwrite=True).record
    assert second != first
    assert keyring.get_key("alice") == second


def test_recover_rejects_duplicate_address(tmp_path: Path) -> None:
    keyring = make(tmp_path)
    keyring.recover_key("alice", ABANDON)
    with pytest.raises(kr.KeyExistsError, match="already stored as key 'alice'"):
        keyring.recover_key("bob", ABANDON)


def test_recover_rejects_invalid_mnemonic(tmp_path: Path) -> None:
    with pytest.raises(kr.InvalidMnemonicError, match="checksum"):
        make(tmp_path).recover_key("alice", "abandon " * 12)


def test_recover_rejects_negative_index(tmp_path: Path) -> None:
    with pytest.raises(kr.InvalidPathError):
        make(tmp_path).recover_key("alice", ABANDON, index=-1)


def test_get_rejects_missing_key(tmp_path: Path, backend: str) -> None:
    keyring = make(tmp_path, backend)
    with pytest.raises(kr.KeyNotFoundError) as info:
        keyring.get_key("alice")
    message = str(info.value)
    assert f"key 'alice' not found in keyring '{backend}' at {keyring.directory}" in message
    assert "aichain keys list" in message


def test_get_rejects_unknown_address(tmp_path: Path) -> None:
    with pytest.raises(kr.KeyNotFoundError, match="no key with address"):
        make(tmp_path).get_key(account_address(ABANDON_RAW))


def test_delete_rejects_missing_key(tmp_path: Path) -> None:
    with pytest.raises(kr.KeyNotFoundError):
        make(tmp_path).delete_key("alice")


@pytest.mark.parametrize("name", ["", "  ", "a/b", "a\\b", "..", ".hidden", "x" * 65, "a\nb"])
def test_add_rejects_invalid_name(tmp_path: Path, name: str) -> None:
    with pytest.raises(kr.InvalidKeyNameError):
        make(tmp_path).add_key(name)


def test_keyring_rejects_unknown_backend(tmp_path: Path) -> None:
    with pytest.raises(kr.UnknownBackendError, match="test, file"):
        Keyring(tmp_path, "os")


def test_list_rejects_corrupt_key_file(tmp_path: Path) -> None:
    keyring = make(tmp_path)
    keyring.add_key("alice")
    (keyring.directory / "alice.json").write_text("{not json")
    with pytest.raises(kr.CorruptKeyFileError, match="alice.json"):
        keyring.list_keys()


def test_private_key_rejects_mismatched_secret(tmp_path: Path) -> None:
    keyring = make(tmp_path)
    keyring.add_key("alice")
    path = keyring.directory / "alice.json"
    data = json.loads(path.read_text())
    data["private_key"] = "11" * 32
    path.write_text(json.dumps(data))
    with pytest.raises(kr.CorruptKeyFileError, match="does not match"):
        keyring.private_key("alice")


@pytest.mark.parametrize("target", kr.BACKENDS)
def test_export_import_round_trip(tmp_path: Path, backend: str, target: str) -> None:
    source = make(tmp_path / "a", backend)
    record = source.recover_key("alice", ABANDON)
    armor = source.export_key("alice", EXPORT_PASSPHRASE)
    assert armor.startswith(kr.ARMOR_BEGIN) and armor.rstrip().endswith(kr.ARMOR_END)
    assert source.private_key("alice").secret.hex() not in armor
    imported = make(tmp_path / "b", target).import_key("bob", armor, EXPORT_PASSPHRASE)
    assert (imported.address, imported.pubkey, imported.path) == (
        record.address,
        record.pubkey,
        None,
    )
    assert make(tmp_path / "b", target).private_key("bob").address == ABANDON_RAW


def test_export_rejects_weak_passphrase(tmp_path: Path) -> None:
    keyring = make(tmp_path)
    keyring.add_key("alice")
    with pytest.raises(kr.WeakPassphraseError):
        keyring.export_key("alice", "short")


def test_import_rejects_wrong_passphrase(tmp_path: Path) -> None:
    keyring = make(tmp_path)
    keyring.add_key("alice")
    armor = keyring.export_key("alice", EXPORT_PASSPHRASE)
    with pytest.raises(kr.WrongPassphraseError):
        keyring.import_key("bob", armor, "wrong passphrase")
    assert not keyring.has_key("bob")


def test_import_rejects_duplicate_name(tmp_path: Path) -> None:
    keyring = make(tmp_path)
    keyring.add_key("alice")
    armor = keyring.export_key("alice", EXPORT_PASSPHRASE)
    with pytest.raises(kr.KeyExistsError):
        keyring.import_key("alice", armor, EXPORT_PASSPHRASE)


def _armor(tmp_path: Path) -> str:
    """An exported key to tamper with."""
    keyring = make(tmp_path / "src")
    keyring.recover_key("alice", ABANDON)
    return keyring.export_key("alice", EXPORT_PASSPHRASE)


def _flip_body(armor: str) -> str:
    """The armor with one base64 character of its body changed."""
    lines = armor.splitlines()
    body = lines[-2]
    lines[-2] = ("B" if body[0] == "A" else "A") + body[1:]
    return "\n".join(lines)


def _edit_header(armor: str, key: str, value: str) -> str:
    """The armor with one header's value replaced."""
    return "\n".join(
        f"{key}: {value}" if line.startswith(f"{key}: ") else line for line in armor.splitlines()
    )


@pytest.mark.parametrize(
    "tamper",
    [
        _flip_body,
        lambda a: _edit_header(a, "scrypt-n", "32"),
        lambda a: _edit_header(a, "nonce", "00" * 12),
        lambda a: _edit_header(a, "salt", "00" * 16),
    ],
    ids=["body", "scrypt-n", "nonce", "salt"],
)
def test_import_rejects_tampered_armor(tmp_path: Path, tamper: Callable[[str], str]) -> None:
    armor = tamper(_armor(tmp_path))
    with pytest.raises(kr.WrongPassphraseError, match="modified"):
        make(tmp_path).import_key("bob", armor, EXPORT_PASSPHRASE)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda a: a.replace(kr.ARMOR_BEGIN, "-----BEGIN SOMETHING-----"),
        lambda a: a.replace(kr.ARMOR_END, ""),
        lambda a: _edit_header(a, "cipher", "aes-128-cbc"),
        lambda a: "\n".join(line for line in a.splitlines() if not line.startswith("salt")),
        lambda a: a.replace("\n\n", "\n"),
        lambda a: _edit_header(a, "scrypt-n", "1000"),
        lambda a: a.replace(a.splitlines()[-2], "!!!notbase64!!!"),
        lambda a: "",
    ],
    ids=["begin", "end", "cipher", "missing-header", "no-blank", "n-not-pow2", "body", "empty"],
)
def test_import_rejects_malformed_armor(tmp_path: Path, tamper: Callable[[str], str]) -> None:
    armor = tamper(_armor(tmp_path))
    with pytest.raises(kr.InvalidArmorError):
        make(tmp_path).import_key("bob", armor, EXPORT_PASSPHRASE)


def test_errors_share_one_base() -> None:
    for name in dir(kr):
        value = getattr(kr, name)
        if (
            isinstance(value, type)
            and issubclass(value, Exception)
            and value.__module__ == kr.__name__
        ):
            assert issubclass(value, kr.KeyringError), name


def test_scrypt_params_rejects_non_power_of_two() -> None:
    with pytest.raises(ValueError, match="power of two"):
        ScryptParams(n=1000)


def test_private_key_rejects_wrong_passphrase_after_lost_keyhash(tmp_path: Path) -> None:
    make(tmp_path, "file").recover_key("alice", ABANDON)
    check = tmp_path / "keyring-file" / kr.PASSPHRASE_CHECK_FILE
    check.unlink()
    with pytest.raises(kr.WrongPassphraseError):
        make(tmp_path, "file", passphrase="not the one").private_key("alice")
    assert not check.exists()
