"""Signature verification straight into libsecp256k1 (parsed keys cached) answers exactly as
coincurve's public DER path does: valid, tampered, high-S, malformed signatures and keys."""

from __future__ import annotations

import hashlib
import random

import coincurve
import pytest

from aichain.app.crypto import SECP256K1_ORDER, PrivateKey, verify_signature


def _reference(pubkey: bytes, message: bytes, signature: bytes) -> bool:
    """The verification as written before: compact -> DER -> coincurve.PublicKey.verify."""
    if len(signature) != 64 or len(pubkey) != 33:
        return False
    if int.from_bytes(signature[32:], "big") > SECP256K1_ORDER // 2:
        return False
    try:
        der = coincurve.ecdsa.cdata_to_der(coincurve.ecdsa.deserialize_compact(signature))
        return coincurve.PublicKey(pubkey).verify(
            der, message, hasher=lambda m: hashlib.sha256(m).digest()
        )
    except (ValueError, TypeError):
        return False


def _variants(seed: int) -> list[tuple[bytes, bytes, bytes]]:
    rng = random.Random(seed)
    key = PrivateKey((seed + 7).to_bytes(32, "big"))
    message = rng.randbytes(rng.randint(0, 300))
    sig, pub = key.sign(message), key.pubkey
    high_s = (SECP256K1_ORDER - int.from_bytes(sig[32:], "big")).to_bytes(32, "big")
    return [
        (pub, message, sig),  # valid
        (pub, message + b"x", sig),  # another message
        (pub, message, sig[:63] + bytes([sig[63] ^ 1])),  # tampered s
        (pub, message, sig[:32] + high_s),  # the same signature with high S
        (pub, message, bytes(64)),  # r = s = 0
        (pub, message, b"\xff" * 64),  # r, s beyond the group order
        (pub, message, sig[:63]),  # short
        (bytes([pub[0] ^ 1]) + pub[1:], message, sig),  # the other point with this x
        (b"\x04" + pub[1:], message, sig),  # not a compressed prefix
        (b"\x02" + b"\xff" * 32, message, sig),  # x not on the curve
        (pub[:32], message, sig),  # short key
        (PrivateKey((seed + 8).to_bytes(32, "big")).pubkey, message, sig),  # another key
    ]


@pytest.mark.parametrize("seed", range(40))
def test_verify_signature_agrees_with_coincurves_der_path(seed: int) -> None:
    cases = _variants(seed)
    got = [verify_signature(*case) for case in cases]
    assert got == [_reference(*case) for case in cases]
    assert got[0] is True and not any(got[1:])


def test_a_cached_key_still_verifies_only_its_own_signatures() -> None:
    key, other = PrivateKey((3).to_bytes(32, "big")), PrivateKey((4).to_bytes(32, "big"))
    for i in range(3):  # the second and third calls use the parsed key from the cache
        message = f"m{i}".encode()
        assert verify_signature(key.pubkey, message, key.sign(message))
        assert not verify_signature(key.pubkey, message, other.sign(message))
