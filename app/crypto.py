"""Keys, addresses and signatures as the Cosmos SDK defines them.

Accounts use secp256k1: a 33-byte compressed public key, signatures of 64 bytes (r || s,
low-S) over sha256 of the signed bytes, addresses = ripemd160(sha256(pubkey)) as bech32.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import coincurve
from coincurve._libsecp256k1 import lib as _secp256k1
from Crypto.Hash import RIPEMD160

from aichain.app import bech32 as _bech32
from aichain.app.errors import InvalidAddressError, InvalidPubKeyError

ACCOUNT_PREFIX = "aic"
"""Bech32 prefix of account addresses."""

VALOPER_PREFIX = "aicvaloper"
"""Bech32 prefix of validator operator addresses."""

VALCONS_PREFIX = "aicvalcons"
"""Bech32 prefix of validator consensus addresses."""

ADDRESS_LENGTH = 20
"""Length in bytes of an account address."""

PUBKEY_LENGTH = 33
"""Length in bytes of a compressed secp256k1 public key."""

ADDRESS_CACHE_SIZE = 1 << 17
"""Entries memoised by the pure address functions (bech32 is pure Python and hot on every tx)."""


SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
"""Order n of the secp256k1 group; a low-S signature has s <= n/2."""


@lru_cache(maxsize=ADDRESS_CACHE_SIZE)
def address_from_pubkey(pubkey: bytes) -> bytes:
    """ripemd160(sha256(pubkey)) of a compressed secp256k1 key. Raises InvalidPubKeyError."""
    if len(pubkey) != PUBKEY_LENGTH or pubkey[0] not in (2, 3):
        raise InvalidPubKeyError(
            f"secp256k1 public key must be {PUBKEY_LENGTH} bytes compressed, got {len(pubkey)}"
        )
    return RIPEMD160.new(hashlib.sha256(pubkey).digest()).digest()


@lru_cache(maxsize=ADDRESS_CACHE_SIZE)
def bech32_encode(prefix: str, data: bytes) -> str:
    """Encodes bytes as a bech32 string with the given human-readable prefix."""
    return _bech32.encode(prefix, data)


@lru_cache(maxsize=ADDRESS_CACHE_SIZE)
def bech32_decode(text: str, prefix: str = ACCOUNT_PREFIX) -> bytes:
    """Decodes a bech32 address and checks its prefix. Raises InvalidAddressError."""
    if not text:
        raise InvalidAddressError("empty address string is not allowed")
    decoded = _bech32.decode(text)
    if decoded is None:
        raise InvalidAddressError(
            f"{text!r} is not a valid bech32 address (bad checksum or characters)"
        )
    hrp, words = decoded
    if hrp != prefix:
        raise InvalidAddressError(f"address {text} has prefix {hrp!r}, expected {prefix!r}")
    data = _bech32.from_words(words)
    if data is None or not 1 <= len(data) <= 255:
        raise InvalidAddressError(f"address {text} does not decode to 1..255 bytes")
    return data


def module_address(name: str) -> bytes:
    """The address of a module account: sha256(name)[:20], as the Cosmos SDK derives it."""
    return hashlib.sha256(name.encode()).digest()[:20]


def account_address(raw: bytes) -> str:
    """The bech32 account address of raw address bytes."""
    return bech32_encode(ACCOUNT_PREFIX, raw)


def parse_address(text: str, prefix: str) -> bytes:
    """Decodes a bech32 address with prefix to its 20 bytes. Raises InvalidAddressError."""
    raw = bech32_decode(text, prefix)
    if len(raw) != ADDRESS_LENGTH:
        raise InvalidAddressError(f"address {text} has {len(raw)} bytes, expected {ADDRESS_LENGTH}")
    return raw


def parse_account_address(text: str) -> bytes:
    """Decodes an `aic1...` address to its 20 bytes. Raises InvalidAddressError."""
    return parse_address(text, ACCOUNT_PREFIX)


class PrivateKey:
    """A secp256k1 private key that signs the way the Cosmos SDK verifies."""

    __slots__ = ("_key",)

    def __init__(self, secret: bytes) -> None:
        self._key = coincurve.PrivateKey(secret)

    @classmethod
    def generate(cls) -> PrivateKey:
        """A fresh key from the OS's random source (client side only, never in consensus)."""
        return cls(coincurve.PrivateKey().secret)

    @property
    def secret(self) -> bytes:
        """The 32-byte secret."""
        return self._key.secret

    @property
    def pubkey(self) -> bytes:
        """The 33-byte compressed public key."""
        return self._key.public_key.format(compressed=True)

    @property
    def address(self) -> bytes:
        """The 20-byte account address."""
        return address_from_pubkey(self.pubkey)

    def sign(self, message: bytes) -> bytes:
        """A 64-byte low-S signature over sha256(message)."""
        der = self._key.sign(message, hasher=lambda m: hashlib.sha256(m).digest())
        compact = coincurve.ecdsa.der_to_cdata(der)
        return coincurve.ecdsa.serialize_compact(compact)


PARSED_KEY_CACHE_SIZE = 1 << 16
"""Parsed public keys kept (parsing decompresses the point, a fifth of a verification)."""


@lru_cache(maxsize=PARSED_KEY_CACHE_SIZE)
def _parsed_pubkey(pubkey: bytes) -> coincurve.PublicKey:
    """libsecp256k1's parsed form of a compressed key. Raises ValueError if it is not one
    (not cached then)."""
    return coincurve.PublicKey(pubkey)


def verify_signature(pubkey: bytes, message: bytes, signature: bytes) -> bool:
    """Checks a 64-byte secp256k1 signature over sha256(message); high-S is rejected.

    The compact signature goes to libsecp256k1's verify as parsed (coincurve's `verify` takes
    DER, which would be built here and parsed again), and each key is parsed once."""
    if len(signature) != 64 or len(pubkey) != PUBKEY_LENGTH:
        return False
    if int.from_bytes(signature[32:], "big") > SECP256K1_ORDER // 2:
        return False
    try:
        key = _parsed_pubkey(pubkey)
        cdata = coincurve.ecdsa.deserialize_compact(signature)
    except (ValueError, TypeError):
        return False
    digest = hashlib.sha256(message).digest()
    return _secp256k1.secp256k1_ecdsa_verify(key.context.ctx, cdata, digest, key.public_key) == 1


def valoper_address(raw: bytes) -> str:
    """The bech32 validator operator address (aicvaloper1...) of raw address bytes."""
    return bech32_encode(VALOPER_PREFIX, raw)


def parse_valoper_address(text: str) -> bytes:
    """Decodes an `aicvaloper1...` address to its 20 bytes. Raises InvalidAddressError."""
    return parse_address(text, VALOPER_PREFIX)


def valcons_address(raw: bytes) -> str:
    """The bech32 consensus address (aicvalcons1...) of raw consensus address bytes."""
    return bech32_encode(VALCONS_PREFIX, raw)


def parse_valcons_address(text: str) -> bytes:
    """Decodes an `aicvalcons1...` address to its 20 bytes. Raises InvalidAddressError."""
    return parse_address(text, VALCONS_PREFIX)


ED25519_PUBKEY_LENGTH = 32
"""Length in bytes of an ed25519 consensus public key."""


def consensus_address(ed25519_pubkey: bytes) -> bytes:
    """CometBFT's address of an ed25519 key: sha256(pubkey)[:20]."""
    if len(ed25519_pubkey) != ED25519_PUBKEY_LENGTH:
        raise InvalidPubKeyError(
            f"ed25519 public key must be {ED25519_PUBKEY_LENGTH} bytes, got {len(ed25519_pubkey)}"
        )
    return hashlib.sha256(ed25519_pubkey).digest()[:ADDRESS_LENGTH]
