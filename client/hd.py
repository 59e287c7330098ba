"""BIP-39 mnemonics and BIP-32 derivation of secp256k1 keys, as the Cosmos SDK derives them.

A mnemonic (BIP-39, English word list) and an optional passphrase give a 64-byte seed; the
seed gives a master key (HMAC-SHA512 keyed "Bitcoin seed"); child keys follow a path such as
the Cosmos default m/44'/118'/0'/0/0 (purpose 44, coin type 118, account, change, index).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

import coincurve
from mnemonic import Mnemonic

from aichain.app.crypto import SECP256K1_ORDER

COIN_TYPE = 118
"""SLIP-44 coin type of Cosmos SDK chains; aichain keeps it so wallets derive the same keys."""

DEFAULT_PATH = "m/44'/118'/0'/0/0"
"""Derivation path of the first account, as `aichain keys add` uses by default."""

HARDENED_OFFSET = 0x80000000
"""Child indexes at or above this are hardened (written with an apostrophe or H)."""

MNEMONIC_STRENGTH_BITS = 256
"""Entropy of a new mnemonic: 256 bits, 24 words (the Cosmos SDK default)."""

_MASTER_HMAC_KEY = b"Bitcoin seed"
_WORDLIST = Mnemonic("english")


class InvalidMnemonicError(ValueError):
    """A mnemonic that is not a valid BIP-39 English phrase."""


class InvalidPathError(ValueError):
    """A derivation path that cannot be parsed or derived."""


@dataclass(frozen=True, slots=True)
class ExtendedKey:
    """A BIP-32 extended private key: a 32-byte secret and a 32-byte chain code."""

    secret: bytes
    chain_code: bytes


def generate_mnemonic(strength: int = MNEMONIC_STRENGTH_BITS) -> str:
    """A fresh BIP-39 mnemonic from the OS's random source (24 words at 256 bits)."""
    return _WORDLIST.generate(strength=strength)


def normalize_mnemonic(mnemonic: str) -> str:
    """The mnemonic lower-cased with single spaces between words."""
    return " ".join(mnemonic.lower().split())


def validate_mnemonic(mnemonic: str) -> str:
    """The normalised mnemonic if it is valid BIP-39 English. Raises InvalidMnemonicError."""
    words = normalize_mnemonic(mnemonic).split()
    if len(words) not in (12, 15, 18, 21, 24):
        raise InvalidMnemonicError(
            f"mnemonic has {len(words)} words; expected 12, 15, 18, 21 or 24"
        )
    unknown = [word for word in words if word not in _WORDLIST.wordlist]
    if unknown:
        raise InvalidMnemonicError(
            f"mnemonic contains words not in the BIP-39 English list: {', '.join(unknown)}; "
            "check the spelling"
        )
    phrase = " ".join(words)
    if not _WORDLIST.check(phrase):
        raise InvalidMnemonicError(
            "mnemonic checksum does not match; a word is probably wrong or out of order"
        )
    return phrase


def compute_seed(mnemonic: str, passphrase: str = "") -> bytes:
    """The 64-byte BIP-39 seed of a valid mnemonic. Raises InvalidMnemonicError."""
    return Mnemonic.to_seed(validate_mnemonic(mnemonic), passphrase)


def parse_path(path: str) -> list[int]:
    """Child indexes of a path like m/44'/118'/0'/0/0, hardened ones offset by 2^31."""
    parts = path.strip().split("/")
    if not parts or parts[0] != "m":
        raise InvalidPathError(
            f"derivation path {path!r} must start with 'm/' (e.g. {DEFAULT_PATH})"
        )
    indexes = []
    for part in parts[1:]:
        hardened = part.endswith(("'", "h", "H"))
        digits = part[:-1] if hardened else part
        if not digits.isdigit() or int(digits) >= HARDENED_OFFSET:
            raise InvalidPathError(
                f"derivation path {path!r} has an invalid component {part!r}; "
                f"use numbers below 2^31, optionally followed by ' (e.g. {DEFAULT_PATH})"
            )
        indexes.append(int(digits) + (HARDENED_OFFSET if hardened else 0))
    return indexes


def compute_master_key(seed: bytes) -> ExtendedKey:
    """The BIP-32 master key of a seed. Raises InvalidPathError if the seed gives no valid key."""
    digest = hmac.new(_MASTER_HMAC_KEY, seed, hashlib.sha512).digest()
    secret, chain_code = digest[:32], digest[32:]
    if not 0 < int.from_bytes(secret, "big") < SECP256K1_ORDER:
        raise InvalidPathError("seed gives an invalid master key (probability 2^-127); use another")
    return ExtendedKey(secret, chain_code)


def compute_child_key(parent: ExtendedKey, index: int) -> ExtendedKey:
    """The BIP-32 private child at index (hardened if index >= 2^31). Raises InvalidPathError."""
    if index >= HARDENED_OFFSET:
        data = b"\x00" + parent.secret + index.to_bytes(4, "big")
    else:
        pubkey = coincurve.PrivateKey(parent.secret).public_key.format(compressed=True)
        data = pubkey + index.to_bytes(4, "big")
    digest = hmac.new(parent.chain_code, data, hashlib.sha512).digest()
    tweak = int.from_bytes(digest[:32], "big")
    child = (tweak + int.from_bytes(parent.secret, "big")) % SECP256K1_ORDER
    if tweak >= SECP256K1_ORDER or child == 0:
        raise InvalidPathError(f"child index {index} gives an invalid key; use the next index")
    return ExtendedKey(child.to_bytes(32, "big"), digest[32:])


def derive_from_seed(seed: bytes, path: str = DEFAULT_PATH) -> ExtendedKey:
    """The extended key at path below the seed's master key. Raises InvalidPathError."""
    key = compute_master_key(seed)
    for index in parse_path(path):
        key = compute_child_key(key, index)
    return key


def derive_private_key(mnemonic: str, passphrase: str = "", path: str = DEFAULT_PATH) -> bytes:
    """The 32-byte secp256k1 secret at path. Raises InvalidMnemonicError, InvalidPathError."""
    return derive_from_seed(compute_seed(mnemonic, passphrase), path).secret


def cosmos_path(account: int = 0, index: int = 0) -> str:
    """The path m/44'/118'/ACCOUNT'/0/INDEX. Raises InvalidPathError on out-of-range numbers."""
    for label, value in (("account", account), ("index", index)):
        if not 0 <= value < HARDENED_OFFSET:
            raise InvalidPathError(
                f"{label} must be between 0 and {HARDENED_OFFSET - 1}, got {value}"
            )
    return f"m/44'/{COIN_TYPE}'/{account}'/0/{index}"
