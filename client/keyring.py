"""A local keyring: named secp256k1 keys derived from mnemonics, stored one file per key.

Backends (the directory is HOME/keyring-BACKEND/):
- ``test``: each key is plain JSON holding the private key (mode 0600). For tests and local
  chains only.
- ``file``: each key's private key is encrypted with the keyring passphrase (scrypt +
  AES-256-GCM); a ``.keyhash`` file lets a typo be caught before anything is written.

Name, address and public key stay readable in both backends, so ``list`` and ``show`` never
ask for the passphrase. Keys leave and enter a keyring as ASCII armor (see ``export_key``):
the Cosmos SDK's "TENDERMINT PRIVATE KEY" (aichain.client.sdk_armor), so keys move to and
from simd/gaiad, or aichain's own scrypt + AES-GCM armor, still read for keys exported
before. docs/keys.md and docs/signing.md describe every format.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from Crypto.Cipher import AES
from Crypto.Protocol.KDF import scrypt

from aichain.app.crypto import (
    PrivateKey,
    account_address,
    address_from_pubkey,
    parse_account_address,
)
from aichain.app.errors import AppError
from aichain.app.multisig import MultisigKey, compute_multisig_key
from aichain.client import hd, sdk_armor

BACKENDS = ("test", "file")
"""Keyring backends: 'test' (plaintext files) and 'file' (passphrase-encrypted files)."""

KEY_TYPE_LOCAL = "local"
"""Record type of a key whose private key is in this keyring (the Cosmos SDK's 'local')."""

KEY_TYPE_MULTI = "multi"
"""Record type of a multisig key: threshold and member public keys, no private key."""

MULTISIG_TYPE_URL = "/cosmos.crypto.multisig.LegacyAminoPubKey"
"""The Any type URL of a multisig public key."""

PUBKEY_TYPE_URL = "/cosmos.crypto.secp256k1.PubKey"
"""The Any type URL of a secp256k1 public key."""

RECORD_VERSION = 1
"""Version of the JSON key file format written by this module."""

MIN_PASSPHRASE_LENGTH = 8
"""Shortest keyring or export passphrase accepted."""

MAX_NAME_LENGTH = 64
"""Longest key name accepted."""

ARMOR_BEGIN = "-----BEGIN AICHAIN PRIVATE KEY-----"
"""First line of an exported key."""

ARMOR_END = "-----END AICHAIN PRIVATE KEY-----"
"""Last line of an exported key."""

ARMOR_FORMATS = ("sdk", "aichain")
"""Export formats: the Cosmos SDK's armor (bcrypt + xsalsa20-poly1305) or aichain's own."""

PASSPHRASE_CHECK_FILE = ".keyhash"
"""File (in the 'file' backend's directory) proving which passphrase the keyring uses."""

_PASSPHRASE_CHECK_PLAINTEXT = b"aichain keyring passphrase check v1"
_KEY_FILE_SUFFIX = ".json"
_ARMOR_HEADERS = (
    "version",
    "type",
    "kdf",
    "scrypt-n",
    "scrypt-r",
    "scrypt-p",
    "salt",
    "cipher",
    "nonce",
)

PassphraseProvider = Callable[[bool], str]
"""Returns the keyring passphrase; called with True when the keyring has none yet (confirm it)."""


class KeyringError(Exception):
    """Base of every keyring failure; the message says what to do next."""


class UnknownBackendError(KeyringError):
    """A backend other than 'test' or 'file'."""


class InvalidKeyNameError(KeyringError):
    """A key name that is empty, too long, or could escape the keyring directory."""


class KeyNotFoundError(KeyringError):
    """No key with that name or address."""


class KeyExistsError(KeyringError):
    """A key with that name (or that address) is already stored."""


class InvalidMnemonicError(KeyringError):
    """A mnemonic that is not valid BIP-39 English."""


class InvalidPathError(KeyringError):
    """An HD account or index out of range."""


class PassphraseRequiredError(KeyringError):
    """The 'file' backend needs a passphrase and no provider was given."""


class WeakPassphraseError(KeyringError):
    """A new passphrase shorter than MIN_PASSPHRASE_LENGTH."""


class WrongPassphraseError(KeyringError):
    """Decryption failed: the passphrase is wrong or the encrypted data was modified."""


class InvalidArmorError(KeyringError):
    """Text that is not a well-formed aichain private key armor."""


class CorruptKeyFileError(KeyringError):
    """A key file that cannot be read back."""


class NotLocalKeyError(KeyringError):
    """A key without a private key here (a multisig) asked to sign or export."""


class InvalidMultisigError(KeyringError):
    """A multisig key that cannot be made: bad threshold, missing or repeated members."""


@dataclass(frozen=True, slots=True)
class ScryptParams:
    """Cost parameters of scrypt: N (a power of two), r and p."""

    n: int = 2**15
    r: int = 8
    p: int = 1

    def __post_init__(self) -> None:
        if self.n < 2 or self.n & (self.n - 1) or self.n > 2**20:
            raise ValueError(f"scrypt n must be a power of two in [2, 2^20], got {self.n}")
        if not 1 <= self.r <= 32 or not 1 <= self.p <= 16:
            raise ValueError(
                f"scrypt r must be in [1, 32] and p in [1, 16], got {self.r}, {self.p}"
            )


DEFAULT_SCRYPT = ScryptParams()
"""scrypt N=2^15, r=8, p=1: about 32 MiB and a tenth of a second per key."""


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """The public part of a stored key: name, type, bech32 address and 33-byte public key."""

    name: str
    type: str
    address: str
    pubkey: bytes
    path: str | None = None
    multisig: MultisigKey | None = None
    """A multisig record's key (pubkey is then empty)."""

    @property
    def pubkey_base64(self) -> str:
        """The public key as standard base64."""
        return base64.b64encode(self.pubkey).decode()

    @property
    def pubkey_json(self) -> dict[str, Any]:
        """The public key in the Cosmos JSON form {"@type": ..., "key": base64} (a multisig:
        threshold and public_keys)."""
        if self.multisig is not None:
            return {
                "@type": MULTISIG_TYPE_URL,
                "threshold": self.multisig.threshold,
                "public_keys": [
                    {"@type": PUBKEY_TYPE_URL, "key": base64.b64encode(k).decode()}
                    for k in self.multisig.pubkeys
                ],
            }
        return {"@type": PUBKEY_TYPE_URL, "key": self.pubkey_base64}

    def to_output(self) -> dict[str, str]:
        """The record as `aichain keys show --output json` prints it (the Cosmos SDK's shape)."""
        return {
            "name": self.name,
            "type": self.type,
            "address": self.address,
            "pubkey": json.dumps(self.pubkey_json, separators=(",", ":")),
        }


@dataclass(frozen=True, slots=True)
class NewKey:
    """A freshly generated key and its mnemonic, which is shown once and never stored."""

    record: KeyRecord
    mnemonic: str


@dataclass(frozen=True, slots=True)
class Sealed:
    """A secret encrypted with a passphrase: scrypt parameters, salt, nonce, ciphertext+tag."""

    params: ScryptParams
    salt: bytes
    nonce: bytes
    ciphertext: bytes


def validate_key_name(name: str) -> str:
    """The name if it can name a key file. Raises InvalidKeyNameError."""
    if not name or not name.strip():
        raise InvalidKeyNameError("key name must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidKeyNameError(f"key name is {len(name)} characters; at most {MAX_NAME_LENGTH}")
    separators = {"/", "\\", os.sep} | ({os.altsep} if os.altsep else set())
    if any(sep in name for sep in separators) or name.startswith("."):
        raise InvalidKeyNameError(
            f"key name {name!r} must not contain path separators or start with '.'"
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise InvalidKeyNameError(f"key name {name!r} must not contain control characters")
    return name


def compute_record(name: str, key: PrivateKey, path: str | None) -> KeyRecord:
    """The public record of a private key."""
    return KeyRecord(name, KEY_TYPE_LOCAL, account_address(key.address), key.pubkey, path)


def seal(secret: bytes, passphrase: str, aad: bytes, params: ScryptParams) -> Sealed:
    """Encrypts secret with a key scrypt derives from passphrase (AES-256-GCM, aad bound)."""
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    cipher = AES.new(_derive_key(passphrase, salt, params), AES.MODE_GCM, nonce=nonce)
    cipher.update(aad)
    ciphertext, tag = cipher.encrypt_and_digest(secret)
    return Sealed(params, salt, nonce, ciphertext + tag)


def unseal(sealed: Sealed, passphrase: str, aad: bytes, what: str) -> bytes:
    """Decrypts a sealed secret. Raises WrongPassphraseError naming `what` on failure."""
    if len(sealed.ciphertext) < 16 or len(sealed.nonce) != 12 or len(sealed.salt) < 8:
        raise WrongPassphraseError(f"{what} is malformed (too short to decrypt)")
    key = _derive_key(passphrase, sealed.salt, sealed.params)
    cipher = AES.new(key, AES.MODE_GCM, nonce=sealed.nonce)
    cipher.update(aad)
    try:
        return cipher.decrypt_and_verify(sealed.ciphertext[:-16], sealed.ciphertext[-16:])
    except ValueError:
        raise WrongPassphraseError(
            f"could not decrypt {what}: wrong passphrase, or the data was modified"
        ) from None


def _derive_key(passphrase: str, salt: bytes, params: ScryptParams) -> bytes:
    """The 32-byte AES key scrypt derives from passphrase and salt."""
    key = scrypt(passphrase.encode(), salt, 32, N=params.n, r=params.r, p=params.p)
    assert isinstance(key, bytes)  # one key requested, so scrypt returns bytes
    return key


def encode_armor(secret: bytes, passphrase: str, params: ScryptParams = DEFAULT_SCRYPT) -> str:
    """A 32-byte private key as ASCII armor under passphrase. Raises WeakPassphraseError."""
    _check_new_passphrase(passphrase, "export passphrase")
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    headers = _armor_headers(params, salt, nonce)
    cipher = AES.new(_derive_key(passphrase, salt, params), AES.MODE_GCM, nonce=nonce)
    cipher.update(_armor_aad(headers))
    ciphertext, tag = cipher.encrypt_and_digest(secret)
    body = base64.b64encode(ciphertext + tag).decode()
    lines = [ARMOR_BEGIN, *(f"{k}: {headers[k]}" for k in _ARMOR_HEADERS), ""]
    lines += [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([*lines, ARMOR_END]) + "\n"


def decode_armor(armor: str, passphrase: str) -> bytes:
    """The private key inside an armor. Raises InvalidArmorError, WrongPassphraseError."""
    lines = [line.strip() for line in armor.strip().splitlines()]
    if len(lines) < 3 or lines[0] != ARMOR_BEGIN or lines[-1] != ARMOR_END:
        raise InvalidArmorError(
            f"not a private key armor: expected {sdk_armor.SDK_ARMOR_BEGIN!r} (Cosmos SDK) or "
            f"{ARMOR_BEGIN!r} ... {ARMOR_END!r} (create one with `aichain keys export`)"
        )
    try:
        blank = lines.index("")
    except ValueError:
        raise InvalidArmorError("armor has no blank line between headers and body") from None
    headers: dict[str, str] = {}
    for line in lines[1:blank]:
        key, sep, value = line.partition(": ")
        if not sep or key in headers:
            raise InvalidArmorError(f"armor header line {line!r} is malformed or repeated")
        headers[key] = value
    if set(headers) != set(_ARMOR_HEADERS):
        missing = sorted(set(_ARMOR_HEADERS) - set(headers))
        extra = sorted(set(headers) - set(_ARMOR_HEADERS))
        raise InvalidArmorError(f"armor headers wrong: missing {missing}, unexpected {extra}")
    expected = {"version": "1", "type": "secp256k1", "kdf": "scrypt", "cipher": "aes-256-gcm"}
    for key, value in expected.items():
        if headers[key] != value:
            raise InvalidArmorError(f"armor {key} is {headers[key]!r}; only {value!r} is supported")
    try:
        params = ScryptParams(
            int(headers["scrypt-n"]), int(headers["scrypt-r"]), int(headers["scrypt-p"])
        )
        salt, nonce = bytes.fromhex(headers["salt"]), bytes.fromhex(headers["nonce"])
        body = base64.b64decode("".join(lines[blank + 1 : -1]), validate=True)
    except (ValueError, binascii.Error) as exc:
        raise InvalidArmorError(f"armor is damaged: {exc}") from None
    sealed = Sealed(params, salt, nonce, body)
    secret = unseal(sealed, passphrase, _armor_aad(headers), "the exported key")
    if len(secret) != 32:
        raise InvalidArmorError(f"armor holds {len(secret)} bytes; a secp256k1 key has 32")
    return secret


def decode_any_armor(armor: str, passphrase: str) -> bytes:
    """The private key in an SDK armor or an aichain armor (told apart by the first line).

    Raises InvalidArmorError, WrongPassphraseError.
    """
    if not sdk_armor.is_sdk_armor(armor):
        return decode_armor(armor, passphrase)
    try:
        return sdk_armor.decode_sdk_armor(armor, passphrase)
    except sdk_armor.SdkPassphraseError as exc:
        raise WrongPassphraseError(f"could not decrypt the exported key: {exc}") from None
    except sdk_armor.SdkArmorError as exc:
        raise InvalidArmorError(f"not a readable SDK private key: {exc}") from None


def _armor_headers(params: ScryptParams, salt: bytes, nonce: bytes) -> dict[str, str]:
    """The header fields of an armor, in the order they are written."""
    return {
        "version": "1",
        "type": "secp256k1",
        "kdf": "scrypt",
        "scrypt-n": str(params.n),
        "scrypt-r": str(params.r),
        "scrypt-p": str(params.p),
        "salt": salt.hex(),
        "cipher": "aes-256-gcm",
        "nonce": nonce.hex(),
    }


def _armor_aad(headers: dict[str, str]) -> bytes:
    """Associated data of an armor: its header lines in fixed order, so edits are detected."""
    return "\n".join(f"{k}: {headers[k]}" for k in _ARMOR_HEADERS).encode()


def _check_new_passphrase(passphrase: str, what: str) -> None:
    """Raises WeakPassphraseError if a passphrase being set is too short."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise WeakPassphraseError(
            f"{what} must be at least {MIN_PASSPHRASE_LENGTH} characters, got {len(passphrase)}"
        )


def _sealed_to_json(sealed: Sealed) -> dict[str, Any]:
    """The JSON form of a sealed secret, as stored in 'file' backend key files."""
    return {
        "kdf": "scrypt",
        "n": sealed.params.n,
        "r": sealed.params.r,
        "p": sealed.params.p,
        "salt": sealed.salt.hex(),
        "cipher": "aes-256-gcm",
        "nonce": sealed.nonce.hex(),
        "ciphertext": sealed.ciphertext.hex(),
    }


def _sealed_from_json(data: dict[str, Any]) -> Sealed:
    """Parses _sealed_to_json's output. Raises ValueError, KeyError or TypeError."""
    if data["kdf"] != "scrypt" or data["cipher"] != "aes-256-gcm":
        raise ValueError(f"unsupported kdf/cipher {data['kdf']}/{data['cipher']}")
    params = ScryptParams(int(data["n"]), int(data["r"]), int(data["p"]))
    return Sealed(
        params,
        bytes.fromhex(data["salt"]),
        bytes.fromhex(data["nonce"]),
        bytes.fromhex(data["ciphertext"]),
    )


def _write_private_file(path: Path, content: str, overwrite: bool) -> bool:
    """Writes content (mode 0600) atomically; returns False if path exists and not overwrite."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
            return True
        try:
            os.link(tmp, path)  # atomic create-if-absent
        except FileExistsError:
            return False
        return True
    finally:
        tmp.unlink(missing_ok=True)


class Keyring:
    """Named keys under HOME/keyring-BACKEND/, one JSON file per key."""

    def __init__(
        self,
        home: Path,
        backend: str = "test",
        passphrase_provider: PassphraseProvider | None = None,
        scrypt_params: ScryptParams = DEFAULT_SCRYPT,
    ) -> None:
        if backend not in BACKENDS:
            raise UnknownBackendError(
                f"unknown keyring backend {backend!r}; use one of {', '.join(BACKENDS)}"
            )
        self.home = Path(home)
        self.backend = backend
        self.directory = self.home / f"keyring-{backend}"
        self.scrypt_params = scrypt_params
        self._provider = passphrase_provider
        self._passphrase: str | None = None

    # Reads

    def has_key(self, name: str) -> bool:
        """Whether a key with this name is stored. Raises InvalidKeyNameError."""
        return self._key_path(name).is_file()

    def list_keys(self) -> list[KeyRecord]:
        """Every stored key, sorted by name. Raises CorruptKeyFileError."""
        if not self.directory.is_dir():
            return []
        paths = sorted(
            p
            for p in self.directory.iterdir()
            if p.suffix == _KEY_FILE_SUFFIX and not p.name.startswith(".")
        )
        return sorted((self._load(p)[0] for p in paths), key=lambda r: r.name)

    def get_key(self, name_or_address: str) -> KeyRecord:
        """The key with this name, else with this aic1... address. Raises KeyNotFoundError."""
        return self._find(name_or_address)[0]

    def private_key(self, name_or_address: str) -> PrivateKey:
        """The signing key of a stored key (asks for the passphrase on 'file').

        Raises KeyNotFoundError, WrongPassphraseError, PassphraseRequiredError.
        """
        record, data = self._find(name_or_address)
        if record.type != KEY_TYPE_LOCAL:
            raise NotLocalKeyError(
                f"key '{record.name}' is a {record.type} key with no private key here; its "
                "members sign for it (`aichain tx sign --multisig ADDRESS --from MEMBER`)"
            )
        return self._open_secret(record, data)

    def export_key(
        self, name_or_address: str, export_passphrase: str, armor_format: str = "aichain"
    ) -> str:
        """The key's private key as ASCII armor encrypted with export_passphrase: the Cosmos
        SDK's format (armor_format "sdk", what `simd keys import` reads) or aichain's own.

        Raises KeyNotFoundError, NotLocalKeyError, WeakPassphraseError, WrongPassphraseError.
        """
        if armor_format not in ARMOR_FORMATS:
            raise ValueError(f"armor format must be one of {ARMOR_FORMATS}, got {armor_format!r}")
        _check_new_passphrase(export_passphrase, "export passphrase")
        key = self.private_key(name_or_address)
        if armor_format == "sdk":
            return sdk_armor.encode_sdk_armor(key.secret, export_passphrase) + "\n"
        return encode_armor(key.secret, export_passphrase, self.scrypt_params)

    def check_name_available(self, name: str, overwrite: bool = False) -> None:
        """Raises KeyExistsError if name is taken (and overwrite is off), InvalidKeyNameError."""
        if self._key_path(name).is_file() and not overwrite:
            raise KeyExistsError(
                f"key '{name}' already exists in {self._describe()}; choose another name, "
                "or delete it first with `aichain keys delete` (make sure it is backed up)"
            )

    # Writes

    def add_key(
        self,
        name: str,
        *,
        account: int = 0,
        index: int = 0,
        bip39_passphrase: str = "",
        overwrite: bool = False,
    ) -> NewKey:
        """Generates a 24-word mnemonic and stores the key it derives.

        Raises InvalidKeyNameError, KeyExistsError, InvalidPathError, WrongPassphraseError.
        """
        mnemonic = hd.generate_mnemonic()
        record = self.recover_key(
            name,
            mnemonic,
            account=account,
            index=index,
            bip39_passphrase=bip39_passphrase,
            overwrite=overwrite,
        )
        return NewKey(record, mnemonic)

    def recover_key(
        self,
        name: str,
        mnemonic: str,
        *,
        account: int = 0,
        index: int = 0,
        bip39_passphrase: str = "",
        overwrite: bool = False,
    ) -> KeyRecord:
        """Stores the key a mnemonic derives at m/44'/118'/ACCOUNT'/0/INDEX.

        Raises InvalidKeyNameError, KeyExistsError, InvalidMnemonicError, InvalidPathError,
        WrongPassphraseError.
        """
        self.check_name_available(name, overwrite)
        try:
            path = hd.cosmos_path(account, index)
            secret = hd.derive_private_key(mnemonic, bip39_passphrase, path)
        except hd.InvalidMnemonicError as exc:
            raise InvalidMnemonicError(f"invalid mnemonic: {exc}") from None
        except hd.InvalidPathError as exc:
            raise InvalidPathError(str(exc)) from None
        return self._store(name, PrivateKey(secret), path, overwrite)

    def import_key(
        self, name: str, armor: str, export_passphrase: str, *, overwrite: bool = False
    ) -> KeyRecord:
        """Stores the key inside an armor: the Cosmos SDK's (from `simd keys export`, kdf
        bcrypt or argon2) or aichain's own (from export_key).

        Raises InvalidKeyNameError, KeyExistsError, InvalidArmorError, WrongPassphraseError.
        """
        self.check_name_available(name, overwrite)
        secret = decode_any_armor(armor, export_passphrase)
        return self._store(name, PrivateKey(secret), None, overwrite)

    def add_multisig(
        self,
        name: str,
        members: list[str],
        threshold: int,
        *,
        sort: bool = True,
        overwrite: bool = False,
    ) -> KeyRecord:
        """Stores a multisig key over the member keys (names or addresses in this keyring),
        sorted by address unless sort is off (as the Cosmos SDK's `keys add --multisig`).

        Raises InvalidKeyNameError, KeyExistsError, KeyNotFoundError, InvalidMultisigError.
        """
        self.check_name_available(name, overwrite)
        records = [self.get_key(member) for member in members]
        for record in records:
            if record.multisig is not None:
                raise InvalidMultisigError(
                    f"member '{record.name}' is itself a multisig; nested multisigs are not "
                    "supported"
                )
        if sort:
            records.sort(key=lambda r: address_from_pubkey(r.pubkey))
        try:
            key = compute_multisig_key(threshold, [r.pubkey for r in records])
        except AppError as exc:
            raise InvalidMultisigError(f"cannot make multisig '{name}': {exc}") from None
        record = KeyRecord(name, KEY_TYPE_MULTI, account_address(key.address), b"", None, key)
        self._check_address_free(record)
        data: dict[str, Any] = {
            "version": RECORD_VERSION,
            "name": name,
            "type": KEY_TYPE_MULTI,
            "address": record.address,
            "threshold": threshold,
            "pubkeys": [base64.b64encode(k).decode() for k in key.pubkeys],
        }
        self._ensure_directory()
        content = json.dumps(data, indent=2, sort_keys=True) + "\n"
        if not _write_private_file(self._key_path(name), content, overwrite):
            self.check_name_available(name)
        return record

    def delete_key(self, name: str) -> KeyRecord:
        """Removes a key and returns what it was. Raises KeyNotFoundError."""
        record = self._load(self._existing_path(name))[0]
        self._key_path(name).unlink()
        return record

    # Internals

    def _describe(self) -> str:
        """'keyring 'test' at DIR', for messages."""
        return f"keyring '{self.backend}' at {self.directory}"

    def _hint(self) -> str:
        """The command that lists this keyring's keys."""
        return f"aichain keys list --keyring-backend {self.backend} --home {self.home}"

    def _key_path(self, name: str) -> Path:
        """The file of a key name. Raises InvalidKeyNameError."""
        return self.directory / f"{validate_key_name(name)}{_KEY_FILE_SUFFIX}"

    def _existing_path(self, name: str) -> Path:
        """The file of a stored key. Raises InvalidKeyNameError, KeyNotFoundError."""
        path = self._key_path(name)
        if not path.is_file():
            raise KeyNotFoundError(
                f"key '{name}' not found in {self._describe()}; list keys with `{self._hint()}`"
            )
        return path

    def _find(self, name_or_address: str) -> tuple[KeyRecord, dict[str, Any]]:
        """Record and raw file data by name, else by address. Raises KeyNotFoundError."""
        try:
            path = self._key_path(name_or_address)
        except InvalidKeyNameError:
            path = None
        if path is not None and path.is_file():
            return self._load(path)
        try:
            parse_account_address(name_or_address)
        except AppError:
            raise KeyNotFoundError(
                f"key '{name_or_address}' not found in {self._describe()}; "
                f"list keys with `{self._hint()}`"
            ) from None
        for record in self.list_keys():
            if record.address == name_or_address:
                return self._load(self._key_path(record.name))
        raise KeyNotFoundError(
            f"no key with address {name_or_address} in {self._describe()}; "
            f"list keys with `{self._hint()}`"
        )

    def _store(self, name: str, key: PrivateKey, path: str | None, overwrite: bool) -> KeyRecord:
        """Writes a key file. Raises KeyExistsError (name or address taken)."""
        record = compute_record(name, key, path)
        self._check_address_free(record)
        data: dict[str, Any] = {
            "version": RECORD_VERSION,
            "name": record.name,
            "type": record.type,
            "address": record.address,
            "pubkey": record.pubkey_base64,
            "path": path,
        }
        if self.backend == "test":
            data["private_key"] = key.secret.hex()
        else:
            passphrase = self._get_passphrase()
            sealed = seal(key.secret, passphrase, self._aad(record), self.scrypt_params)
            data["encrypted_private_key"] = _sealed_to_json(sealed)
        self._ensure_directory()
        content = json.dumps(data, indent=2, sort_keys=True) + "\n"
        if not _write_private_file(self._key_path(name), content, overwrite):
            self.check_name_available(name)
        return record

    def _check_address_free(self, record: KeyRecord) -> None:
        """Raises KeyExistsError if another key holds record's address."""
        for other in self.list_keys():
            if other.address == record.address and other.name != record.name:
                raise KeyExistsError(
                    f"address {record.address} is already stored as key '{other.name}' in "
                    f"{self._describe()}; use that name, or delete it first"
                )

    def _load(self, path: Path) -> tuple[KeyRecord, dict[str, Any]]:
        """Reads and checks one key file. Raises CorruptKeyFileError."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data["type"] == KEY_TYPE_MULTI:
                members = [base64.b64decode(k, validate=True) for k in data["pubkeys"]]
                key = compute_multisig_key(int(data["threshold"]), members)
                record = KeyRecord(data["name"], KEY_TYPE_MULTI, data["address"], b"", None, key)
                derived = account_address(key.address)
            else:
                pubkey = base64.b64decode(data["pubkey"], validate=True)
                record = KeyRecord(
                    data["name"], data["type"], data["address"], pubkey, data["path"]
                )
                derived = account_address(address_from_pubkey(pubkey))
            consistent = (
                data["version"] == RECORD_VERSION
                and f"{record.name}{_KEY_FILE_SUFFIX}" == path.name
                and record.address == derived
            )
        except (OSError, ValueError, KeyError, TypeError, AppError) as exc:
            raise CorruptKeyFileError(f"cannot read key file {path}: {exc}") from None
        if not consistent:
            raise CorruptKeyFileError(
                f"key file {path} is inconsistent (version, name or address does not match); "
                "restore it from a backup or delete it"
            )
        return record, data

    def _open_secret(self, record: KeyRecord, data: dict[str, Any]) -> PrivateKey:
        """The private key of a loaded record, checked against its public key."""
        where = self._key_path(record.name)
        try:
            if self.backend == "test":
                secret = bytes.fromhex(data["private_key"])
            else:
                sealed = _sealed_from_json(data["encrypted_private_key"])
                what = f"key '{record.name}' ({where})"
                secret = unseal(sealed, self._get_passphrase(), self._aad(record), what)
            key = PrivateKey(secret)
        except (ValueError, KeyError, TypeError) as exc:
            raise CorruptKeyFileError(f"cannot read the private key in {where}: {exc}") from None
        if key.pubkey != record.pubkey:
            raise CorruptKeyFileError(
                f"private key in {where} does not match its public key; restore it from a backup"
            )
        return key

    @staticmethod
    def _aad(record: KeyRecord) -> bytes:
        """Associated data binding an encrypted key to its name and address."""
        return f"aichain keyring v1|{record.name}|{record.address}".encode()

    def _get_passphrase(self) -> str:
        """The keyring passphrase, asked once and checked against .keyhash.

        Raises PassphraseRequiredError, WeakPassphraseError, WrongPassphraseError.
        """
        if self._passphrase is not None:
            return self._passphrase
        if self._provider is None:
            raise PassphraseRequiredError(
                f"{self._describe()} is encrypted and no passphrase was given; "
                "set AICHAIN_KEYRING_PASSPHRASE or run interactively"
            )
        check_path = self.directory / PASSPHRASE_CHECK_FILE
        if check_path.is_file():
            passphrase = self._provider(False)
            try:
                sealed = _sealed_from_json(json.loads(check_path.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise CorruptKeyFileError(f"cannot read {check_path}: {exc}") from None
            what = f"the passphrase check of {self._describe()}"
            try:
                unseal(sealed, passphrase, _PASSPHRASE_CHECK_PLAINTEXT, what)
            except WrongPassphraseError:
                raise WrongPassphraseError(
                    f"wrong passphrase for {self._describe()}; check AICHAIN_KEYRING_PASSPHRASE "
                    "or type it again"
                ) from None
        elif existing := [r for r in self.list_keys() if r.type == KEY_TYPE_LOCAL]:
            # .keyhash was lost: prove the passphrase on a stored key instead, then rewrite it.
            passphrase = self._provider(False)
            self._passphrase = passphrase
            try:
                self._open_secret(*self._load(self._key_path(existing[0].name)))
            except KeyringError:
                self._passphrase = None
                raise
            self._write_check_file(check_path, passphrase)
        else:
            passphrase = self._provider(True)
            _check_new_passphrase(passphrase, "keyring passphrase")
            self._write_check_file(check_path, passphrase)
        self._passphrase = passphrase
        return passphrase

    def _write_check_file(self, check_path: Path, passphrase: str) -> None:
        """Writes .keyhash: a constant sealed with the passphrase, to verify it later."""
        check = _PASSPHRASE_CHECK_PLAINTEXT
        sealed = seal(check, passphrase, check, self.scrypt_params)
        self._ensure_directory()
        content = json.dumps(_sealed_to_json(sealed), indent=2, sort_keys=True) + "\n"
        _write_private_file(check_path, content, overwrite=True)

    def _ensure_directory(self) -> None:
        """Creates the keyring directory, readable by its owner only (0700)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
