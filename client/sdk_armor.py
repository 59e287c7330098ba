"""The Cosmos SDK's ASCII-armored private key ("TENDERMINT PRIVATE KEY"), both ways.

`simd keys export` / `gaiad keys export` write, and `keys import` reads, an OpenPGP-style
armor (headers, a blank line, base64 lines of 64 characters, `=` + the base64 CRC-24):

    -----BEGIN TENDERMINT PRIVATE KEY-----
    kdf: bcrypt
    salt: 6F1D1C...           (16 bytes, upper-case hex)
    type: secp256k1

    <base64 of the encrypted key>
    =XXXX
    -----END TENDERMINT PRIVATE KEY-----

The encrypted key is the amino binary private key (prefix e1b0f79b, length 32, the secret):
- kdf bcrypt (every SDK version reads it; written here): key = sha256(bcrypt(passphrase,
  salt, cost 12) as its "$2a$12$..." string); the body is a 24-byte random nonce followed by
  the xsalsa20-poly1305 secretbox of the key bytes.
- kdf argon2 (what SDK v0.53 writes; read here): key = argon2id(passphrase, salt, time 1,
  memory 64 MiB, 4 lanes, 32 bytes); the body is the chacha20-poly1305 seal under a zero
  nonce (the salt is fresh for each export).

docs/signing.md describes the format; tests/sdkvectors checks it against the SDK's own code.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets

ARMOR_TYPE = "TENDERMINT PRIVATE KEY"
"""The armor block type of an SDK private key."""

SDK_ARMOR_BEGIN = f"-----BEGIN {ARMOR_TYPE}-----"
"""First line of an SDK key file."""

SDK_ARMOR_END = f"-----END {ARMOR_TYPE}-----"
"""Last line of an SDK key file."""

BCRYPT_COST = 12
"""The SDK's bcrypt security parameter."""

ARGON2_TIME, ARGON2_MEMORY_KIB, ARGON2_LANES = 1, 64 * 1024, 4
"""The SDK's argon2id parameters (time, memory in KiB, parallelism)."""

AMINO_PRIVKEY_SECP256K1 = bytes.fromhex("e1b0f79b") + b"\x20"
"""Amino prefix and length byte of a "tendermint/PrivKeySecp256k1" (then 32 key bytes)."""

_BCRYPT_ALPHABET = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_STD_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_LINE = 64


class SdkArmorError(ValueError):
    """Text that is not a well-formed SDK private key armor."""


class SdkPassphraseError(ValueError):
    """Decryption failed: wrong passphrase, or the encrypted body was modified."""


def is_sdk_armor(text: str) -> bool:
    """Whether text looks like an SDK private key armor (by its first line)."""
    return text.lstrip().startswith(SDK_ARMOR_BEGIN)


def encode_sdk_armor(secret: bytes, passphrase: str, *, salt: bytes | None = None) -> str:
    """A 32-byte secp256k1 secret as the SDK's armor (kdf bcrypt), as `simd keys import`
    reads it."""
    from nacl.secret import SecretBox

    salt = secrets.token_bytes(16) if salt is None else salt
    key = _bcrypt_key(passphrase, salt)
    body = bytes(SecretBox(key).encrypt(AMINO_PRIVKEY_SECP256K1 + secret))  # nonce || box
    headers = {"kdf": "bcrypt", "salt": salt.hex().upper(), "type": "secp256k1"}
    return encode_openpgp_armor(ARMOR_TYPE, headers, body)


def decode_sdk_armor(text: str, passphrase: str) -> bytes:
    """The 32-byte secret inside an SDK armor (kdf bcrypt or argon2).

    Raises SdkArmorError (malformed, another key type), SdkPassphraseError.
    """
    block, headers, body = decode_openpgp_armor(text)
    if block != ARMOR_TYPE:
        raise SdkArmorError(f"armor type is {block!r}; a private key is {ARMOR_TYPE!r}")
    kdf = headers.get("kdf", "")
    if kdf not in ("bcrypt", "argon2"):
        raise SdkArmorError(f"unrecognized KDF type {kdf!r}; expected bcrypt or argon2")
    key_type = headers.get("type", "secp256k1")
    if key_type != "secp256k1":
        raise SdkArmorError(f"key type {key_type!r} is not supported; aichain keys are secp256k1")
    try:
        salt = bytes.fromhex(headers.get("salt", ""))
    except ValueError:
        raise SdkArmorError("armor salt is not hex") from None
    if not salt:
        raise SdkArmorError("armor has no salt header")
    plain = (
        _open_bcrypt(body, passphrase, salt)
        if kdf == "bcrypt"
        else _open_argon2(body, passphrase, salt)
    )
    if len(plain) != len(AMINO_PRIVKEY_SECP256K1) + 32 or not plain.startswith(
        AMINO_PRIVKEY_SECP256K1
    ):
        raise SdkArmorError("the decrypted key is not an amino-encoded secp256k1 private key")
    return plain[len(AMINO_PRIVKEY_SECP256K1) :]


def _open_bcrypt(body: bytes, passphrase: str, salt: bytes) -> bytes:
    """Opens a bcrypt-armored body: 24-byte nonce, then the secretbox."""
    from nacl.exceptions import CryptoError
    from nacl.secret import SecretBox

    if len(body) <= SecretBox.NONCE_SIZE + SecretBox.MACBYTES:
        raise SdkArmorError("armor body is too short to hold an encrypted key")
    try:
        return SecretBox(_bcrypt_key(passphrase, salt)).decrypt(body)
    except CryptoError:
        raise SdkPassphraseError(
            "wrong passphrase (invalid account password), or the key file was modified"
        ) from None


def _open_argon2(body: bytes, passphrase: str, salt: bytes) -> bytes:
    """Opens an argon2-armored body: chacha20-poly1305 under a zero nonce."""
    from argon2.low_level import Type, hash_secret_raw
    from Crypto.Cipher import ChaCha20_Poly1305

    if len(body) <= 16:
        raise SdkArmorError("armor body is too short to hold an encrypted key")
    key = hash_secret_raw(
        passphrase.encode(), salt, time_cost=ARGON2_TIME, memory_cost=ARGON2_MEMORY_KIB,
        parallelism=ARGON2_LANES, hash_len=32, type=Type.ID,
    )  # fmt: skip
    cipher = ChaCha20_Poly1305.new(key=key, nonce=bytes(12))
    try:
        return cipher.decrypt_and_verify(body[:-16], body[-16:])
    except ValueError:
        raise SdkPassphraseError(
            "wrong passphrase (invalid account password), or the key file was modified"
        ) from None


def _bcrypt_key(passphrase: str, salt: bytes) -> bytes:
    """sha256 of the bcrypt hash string ($2a$12$ + salt + hash), as the SDK derives it."""
    import bcrypt

    if len(salt) != 16:
        raise SdkArmorError(f"a bcrypt salt has 16 bytes, got {len(salt)}")
    # bcrypt reads at most 72 bytes of the password; the SDK's Go bcrypt ignores the rest
    setting = b"$2a$%02d$" % BCRYPT_COST + _bcrypt_base64(salt)
    return hashlib.sha256(bcrypt.hashpw(passphrase.encode()[:72], setting)).digest()


def _bcrypt_base64(data: bytes) -> bytes:
    """bcrypt's base64 (its own alphabet, no padding)."""
    std = base64.b64encode(data).rstrip(b"=")
    return std.translate(bytes.maketrans(_STD_ALPHABET, _BCRYPT_ALPHABET))


def compute_crc24(data: bytes) -> int:
    """The OpenPGP CRC-24 of data (RFC 4880, 6.1)."""
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def encode_openpgp_armor(block: str, headers: dict[str, str], body: bytes) -> str:
    """An OpenPGP armor as Go's x/crypto/openpgp/armor writes it (sorted headers)."""
    text = base64.b64encode(body).decode()
    lines = [f"-----BEGIN {block}-----", *(f"{k}: {headers[k]}" for k in sorted(headers)), ""]
    lines += [text[i : i + _LINE] for i in range(0, len(text), _LINE)]
    lines.append("=" + base64.b64encode(compute_crc24(body).to_bytes(3, "big")).decode())
    lines.append(f"-----END {block}-----")
    return "\n".join(lines)


def decode_openpgp_armor(text: str) -> tuple[str, dict[str, str], bytes]:
    """(block type, headers, body) of an OpenPGP armor; the CRC-24 is checked when present.
    Raises SdkArmorError."""
    lines = [line.strip() for line in text.strip().splitlines()]
    if len(lines) < 3 or not lines[0].startswith("-----BEGIN ") or not lines[0].endswith("-----"):
        raise SdkArmorError("not an ASCII armor: the first line must be -----BEGIN ...-----")
    block = lines[0][len("-----BEGIN ") : -len("-----")]
    if lines[-1] != f"-----END {block}-----":
        raise SdkArmorError(f"armor does not end with -----END {block}-----")
    try:
        blank = lines.index("")
    except ValueError:
        raise SdkArmorError("armor has no blank line between headers and body") from None
    headers: dict[str, str] = {}
    for line in lines[1:blank]:
        key, sep, value = line.partition(": ")
        if not sep or key in headers:
            raise SdkArmorError(f"armor header line {line!r} is malformed or repeated")
        headers[key] = value
    body_lines = lines[blank + 1 : -1]
    checksum = None
    if body_lines and body_lines[-1].startswith("="):
        checksum = body_lines.pop()[1:]
    try:
        body = base64.b64decode("".join(body_lines), validate=True)
        expected = base64.b64decode(checksum, validate=True) if checksum is not None else None
    except (binascii.Error, ValueError) as exc:
        raise SdkArmorError(f"armor body is not base64: {exc}") from None
    if expected is not None and expected != compute_crc24(body).to_bytes(3, "big"):
        raise SdkArmorError("armor checksum does not match: the key file is corrupted")
    return block, headers, body
