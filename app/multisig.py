"""Multisig accounts as the Cosmos SDK defines them (cosmos.crypto.multisig).

A multisig key is a `LegacyAminoPubKey` {threshold, public_keys}: k of n secp256k1 keys.
Its address is sha256 of its legacy amino binary encoding, cut to 20 bytes. A multisig
signature is a `MultiSignature` {signatures} with, in the signer's mode info, a
`CompactBitArray` saying which members signed (one bit per key, most significant bit first)
and each signature's own mode. It verifies when at least `threshold` bits are set, there is
one signature per set bit, and each verifies under its member's key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from cosmos.crypto.multisig import keys_pb2 as multisig_keys_pb2
from cosmos.crypto.multisig.v1beta1 import multisig_pb2
from cosmos.crypto.secp256k1 import keys_pb2 as secp_pb2
from google.protobuf import any_pb2
from google.protobuf.message import DecodeError

from aichain.app.errors import InvalidPubKeyError, TxDecodeError, UnauthorizedError

MULTISIG_PUBKEY_URL = "/cosmos.crypto.multisig.LegacyAminoPubKey"
"""The Any type URL of a multisig public key."""

SECP256K1_PUBKEY_URL = "/cosmos.crypto.secp256k1.PubKey"
"""The Any type URL of a secp256k1 public key (the only member key type verified here)."""

MAX_MULTISIG_KEYS = 20
"""Most member keys a multisig key may have."""

AMINO_PREFIX_MULTISIG = bytes.fromhex("22c1f7e2")
"""Amino prefix of "tendermint/PubKeyMultisigThreshold"."""

AMINO_PREFIX_SECP256K1 = bytes.fromhex("eb5ae987")
"""Amino prefix of "tendermint/PubKeySecp256k1"."""


LegacyAminoPubKey = multisig_keys_pb2.LegacyAminoPubKey
"""The cosmos.crypto.multisig.LegacyAminoPubKey message class (generated from the pinned SDK)."""


@dataclass(frozen=True, slots=True)
class MultisigKey:
    """A k-of-n multisig public key over compressed secp256k1 keys (order matters)."""

    threshold: int
    pubkeys: tuple[bytes, ...]

    def amino_bytes(self) -> bytes:
        """The legacy amino binary encoding (what the address hashes)."""
        out = bytearray(AMINO_PREFIX_MULTISIG)
        out += b"\x08" + _uvarint(self.threshold)
        for key in self.pubkeys:
            inner = AMINO_PREFIX_SECP256K1 + _uvarint(len(key)) + key
            out += b"\x12" + _uvarint(len(inner)) + inner
        return bytes(out)

    @property
    def address(self) -> bytes:
        """The 20-byte account address: sha256(amino bytes)[:20]."""
        return hashlib.sha256(self.amino_bytes()).digest()[:20]

    def to_any(self) -> any_pb2.Any:
        """The key as the Any a signer info carries."""
        msg = LegacyAminoPubKey(threshold=self.threshold)
        for key in self.pubkeys:
            msg.public_keys.add(  # type: ignore[attr-defined]
                type_url=SECP256K1_PUBKEY_URL,
                value=secp_pb2.PubKey(key=key).SerializeToString(),
            )
        return any_pb2.Any(type_url=MULTISIG_PUBKEY_URL, value=msg.SerializeToString())


def compute_multisig_key(threshold: int, pubkeys: Sequence[bytes]) -> MultisigKey:
    """A checked multisig key. Raises InvalidPubKeyError (threshold outside [1, n], too many
    or repeated members, a member that is not a compressed secp256k1 key)."""
    from aichain.app.crypto import address_from_pubkey

    keys = tuple(pubkeys)
    if not keys or len(keys) > MAX_MULTISIG_KEYS:
        raise InvalidPubKeyError(
            f"a multisig key needs 1 to {MAX_MULTISIG_KEYS} keys, got {len(keys)}"
        )
    if not 1 <= threshold <= len(keys):
        raise InvalidPubKeyError(f"multisig threshold must be in [1, {len(keys)}], got {threshold}")
    if len(set(keys)) != len(keys):
        raise InvalidPubKeyError("a multisig key lists the same member key twice")
    for key in keys:
        address_from_pubkey(key)  # checks the key's form
    return MultisigKey(threshold, keys)


def decode_multisig_key(packed: any_pb2.Any) -> MultisigKey:
    """The multisig key inside a signer info's public key. Raises InvalidPubKeyError."""
    try:
        msg = LegacyAminoPubKey.FromString(packed.value)
        keys = []
        for member in msg.public_keys:  # type: ignore[attr-defined]
            if member.type_url != SECP256K1_PUBKEY_URL:
                raise InvalidPubKeyError(
                    f"multisig member key type {member.type_url} is not supported; members "
                    f"must be {SECP256K1_PUBKEY_URL}"
                )
            keys.append(secp_pb2.PubKey.FromString(member.value).key)
    except DecodeError:
        raise InvalidPubKeyError("multisig public key does not decode") from None
    return compute_multisig_key(msg.threshold, keys)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class BitArray:
    """Which members signed: bit i set means member i's signature is in the list."""

    bits: tuple[bool, ...]

    @property
    def count(self) -> int:
        """Number of bits (must equal the number of member keys)."""
        return len(self.bits)

    def set_indices(self) -> tuple[int, ...]:
        """The indices of the set bits, in order."""
        return tuple(i for i, bit in enumerate(self.bits) if bit)

    def to_proto(self) -> multisig_pb2.CompactBitArray:
        """As a CompactBitArray (extra_bits_stored = n % 8, most significant bit first)."""
        elems = bytearray((len(self.bits) + 7) // 8)
        for i, bit in enumerate(self.bits):
            if bit:
                elems[i >> 3] |= 1 << (7 - i % 8)
        return multisig_pb2.CompactBitArray(
            extra_bits_stored=len(self.bits) % 8, elems=bytes(elems)
        )


def decode_bit_array(compact: multisig_pb2.CompactBitArray) -> BitArray:
    """A CompactBitArray as bits. Raises TxDecodeError if it is malformed."""
    extra, elems = compact.extra_bits_stored, compact.elems
    if extra > 7 or (extra and not elems):
        raise TxDecodeError(
            f"multisig bit array is malformed: {extra} extra bits over {len(elems)} bytes"
        )
    count = len(elems) * 8 if extra == 0 else (len(elems) - 1) * 8 + extra
    return BitArray(tuple(bool(elems[i >> 3] & (1 << (7 - i % 8))) for i in range(count)))


def decode_multi_signature(raw: bytes) -> tuple[bytes, ...]:
    """The member signatures inside a MultiSignature. Raises TxDecodeError (also on unknown
    fields, which the SDK rejects)."""
    from google.protobuf import unknown_fields

    try:
        msg = multisig_pb2.MultiSignature.FromString(raw)
    except DecodeError as exc:
        raise TxDecodeError(f"multisig signature does not decode: {exc}") from None
    if len(unknown_fields.UnknownFieldSet(msg)):
        raise TxDecodeError("rejecting unrecognized fields found in MultiSignature")
    return tuple(msg.signatures)


def encode_multi_signature(signatures: Sequence[bytes]) -> bytes:
    """Member signatures (in member order) as MultiSignature bytes."""
    return multisig_pb2.MultiSignature(signatures=list(signatures)).SerializeToString()


def check_multisig_shape(key: MultisigKey, bits: BitArray, signatures: Sequence[bytes]) -> None:
    """The SDK's checks before any signature is verified: a bit per member, at least threshold
    signatures and bits, one signature per set bit. Raises UnauthorizedError."""
    n = len(key.pubkeys)
    if bits.count != n:
        raise UnauthorizedError(
            f"multisig bit array size is incorrect: {bits.count} bits for {n} member keys"
        )
    signed = len(bits.set_indices())
    if len(signatures) < key.threshold or len(signatures) > n:
        raise UnauthorizedError(
            f"multisig signature count is incorrect: {len(signatures)}, need {key.threshold} to {n}"
        )
    if signed < key.threshold:
        raise UnauthorizedError(
            f"not enough multisig signatures set: have {signed}, expected {key.threshold}"
        )
    if signed != len(signatures):
        raise UnauthorizedError(
            f"multisig has {len(signatures)} signatures but {signed} bits set; each signing "
            "member signs once"
        )


def _uvarint(value: int) -> bytes:
    """Unsigned LEB128 varint."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)
