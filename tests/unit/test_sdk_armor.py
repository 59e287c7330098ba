"""The Cosmos SDK's private key armor ("TENDERMINT PRIVATE KEY") both ways, against vectors
the SDK's own code made (tests/sdkvectors): an argon2 armor from SDK v0.53's
EncryptArmorPrivKey, a bcrypt armor from the SDK's bcrypt + xsalsa20 primitives, and an armor
aichain wrote that the SDK's UnarmorDecryptPrivKey decrypted. Bad files are clear errors and
store nothing."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from aichain.app.crypto import PrivateKey, account_address
from aichain.cli.keys import EXPORT_PASSPHRASE_ENV
from aichain.cli.main import cli
from aichain.client import keyring as kr
from aichain.client import sdk_armor

VECTORS = json.loads((Path(__file__).parents[1] / "sdkvectors" / "vectors.json").read_text())
SDK_CASES = ["armor", "armor_bcrypt"]
"""argon2 (SDK v0.53 export) and bcrypt (what every SDK version reads)."""


def test_crc24_is_openpgps() -> None:
    assert sdk_armor.compute_crc24(b"") == 0xB704CE
    assert sdk_armor.compute_crc24(b"123456789") == 0x21CF02


@pytest.mark.parametrize("case", SDK_CASES)
def test_reads_armor_the_sdk_wrote(case: str) -> None:
    vector = VECTORS[case]
    secret = sdk_armor.decode_sdk_armor(vector["armor"], vector["passphrase"])
    assert secret.hex() == vector["secret_hex"]


def test_the_sdk_read_the_armor_aichain_wrote() -> None:
    vector = VECTORS["python_armor"]
    assert "kdf: bcrypt" in vector["armor"] and vector["algo"] == "secp256k1"
    secret = sdk_armor.decode_sdk_armor(vector["armor"], vector["passphrase"])
    assert secret.hex() == vector["sdk_decrypted_secret_hex"]


def test_writes_the_sdk_layout() -> None:
    secret = bytes(31) + b"\x07"
    armor = sdk_armor.encode_sdk_armor(secret, "passphrase!", salt=bytes(range(16)))
    lines = armor.splitlines()
    assert lines[:5] == [
        sdk_armor.SDK_ARMOR_BEGIN,
        "kdf: bcrypt",
        "salt: 000102030405060708090A0B0C0D0E0F",
        "type: secp256k1",
        "",
    ]
    assert lines[-1] == sdk_armor.SDK_ARMOR_END and lines[-2].startswith("=")
    body = base64.b64decode("".join(lines[5:-2]))
    assert len(body) == 24 + 16 + 37  # nonce, MAC, amino prefix + length + 32 key bytes
    assert all(len(line) <= 64 for line in lines[5:-2])
    assert sdk_armor.decode_sdk_armor(armor, "passphrase!") == secret


def test_keyring_round_trip_and_cli_default(tmp_path: Path) -> None:
    source = kr.Keyring(tmp_path / "a", "test")
    record = source.add_key("alice").record
    armor = source.export_key("alice", "export battery", "sdk")
    assert armor.startswith(sdk_armor.SDK_ARMOR_BEGIN)
    imported = kr.Keyring(tmp_path / "b", "test").import_key("bob", armor, "export battery")
    assert imported.address == record.address
    # the CLI writes the SDK format by default and reads the SDK's own files
    result = CliRunner().invoke(
        cli,
        ["keys", "import", "sdk", "-", "--home", str(tmp_path / "c"), "-o", "json"],
        input=VECTORS["armor"]["armor"],
        env={EXPORT_PASSPHRASE_ENV: VECTORS["armor"]["passphrase"]},
    )
    assert result.exit_code == 0, result.stderr
    expected = PrivateKey(bytes.fromhex(VECTORS["armor"]["secret_hex"])).address
    assert json.loads(result.stdout)["address"] == account_address(expected)


def _flip(armor: str, line: int) -> str:
    lines = armor.splitlines()
    text = lines[line]
    lines[line] = text[:10] + ("A" if text[10] != "A" else "B") + text[11:]
    return "\n".join(lines)


def _without_checksum(armor: str) -> str:
    return "\n".join(line for line in armor.splitlines() if not line.startswith("="))


BAD = {
    "wrong passphrase (bcrypt)": ("armor_bcrypt", lambda a: a, "not it", kr.WrongPassphraseError),
    "wrong passphrase (argon2)": ("armor", lambda a: a, "not it", kr.WrongPassphraseError),
    "corrupted body (checksum)": ("armor", lambda a: _flip(a, 5), None, kr.InvalidArmorError),
    "corrupted body, no checksum": (
        "armor_bcrypt", lambda a: _without_checksum(_flip(a, 5)), None, kr.WrongPassphraseError,
    ),
    "unknown kdf": ("armor", lambda a: a.replace("kdf: argon2", "kdf: scrypt"), None,
                    kr.InvalidArmorError),
    "ed25519 key type": ("armor", lambda a: a.replace("type: secp256k1", "type: ed25519"), None,
                         kr.InvalidArmorError),
    "no salt": ("armor", lambda a: "\n".join(x for x in a.splitlines() if "salt" not in x), None,
                kr.InvalidArmorError),
    "truncated": ("armor_bcrypt", lambda a: "\n".join(a.splitlines()[:5] + a.splitlines()[-1:]),
                  None, kr.InvalidArmorError),
    "no end line": ("armor", lambda a: a.replace(sdk_armor.SDK_ARMOR_END, ""), None,
                    kr.InvalidArmorError),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD.values()), ids=list(BAD))
def test_bad_sdk_armor_is_a_clear_error_and_stores_nothing(tmp_path: Path, case: tuple) -> None:
    name, tamper, passphrase, error = case
    vector = VECTORS[name]
    keyring = kr.Keyring(tmp_path, "test")
    with pytest.raises(error) as info:
        keyring.import_key("bob", tamper(vector["armor"]), passphrase or vector["passphrase"])
    assert str(info.value)
    assert keyring.list_keys() == []
