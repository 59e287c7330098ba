"""Ed25519 signature verification (RFC 8032, section 5.1.7), in pure Python.

Verification only: no secret is ever handled here, so constant time does not matter. It is
written out rather than taken from pycryptodome (a dependency already) because pycryptodome
verifies with the cofactored equation [8][S]B = [8]R + [8][k]A, which accepts some signatures
that CometBFT (Go's crypto/ed25519, cofactorless) rejects; a light client must not accept more
than the chain does. The rules, matching Go's crypto/ed25519 except where marked stricter:

- the public key is 32 bytes and decodes to a curve point with a canonical y (< p) and a
  canonical sign bit (stricter than Go, which accepts y >= p: no honest key is affected);
- the signature is 64 bytes, R || S, with S < L (non-canonical S is rejected);
- k = SHA-512(R || A || M) mod L and the signature holds when the encoding of [S]B - [k]A equals
  the 32 bytes R exactly (so a non-canonical or off-curve R never verifies).
"""

from __future__ import annotations

import hashlib

P = 2**255 - 19
"""The field prime."""

L = 2**252 + 27742317777372353535851937790883648493
"""The order of the prime-order subgroup (and the bound S must stay below)."""

D = -121665 * pow(121666, P - 2, P) % P
"""The curve constant d of -x^2 + y^2 = 1 + d x^2 y^2."""

SQRT_M1 = pow(2, (P - 1) // 4, P)
"""A square root of -1 mod p."""

PUBLIC_KEY_SIZE = 32
"""Bytes in an encoded public key."""

SIGNATURE_SIZE = 64
"""Bytes in a signature (R || S)."""

Point = tuple[int, int, int, int]
"""A point in extended coordinates (X, Y, Z, T) with x = X/Z, y = Y/Z, x*y = T/Z."""

IDENTITY: Point = (0, 1, 1, 0)
"""The neutral element."""


def _recover_x(y: int, sign: int) -> int | None:
    """The x with the given parity on the curve at y, or None (RFC 8032 5.1.3 steps 2-4)."""
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if x & 1 != sign:
        x = P - x
    return x


_BY = 4 * pow(5, P - 2, P) % P
_BX = _recover_x(_BY, 0)
if _BX is None:  # pragma: no cover - a constant: y = 4/5 is on the curve
    raise RuntimeError("ed25519: the base point does not decode; the constants are wrong")
B: Point = (_BX, _BY, 1, _BX * _BY % P)
"""The base point (y = 4/5, x even)."""


def _add(p: Point, q: Point) -> Point:
    """p + q (RFC 8032 5.1.4, extended coordinates, a = -1)."""
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * t1 * t2 * D % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _double(p: Point) -> Point:
    """2p (RFC 8032 5.1.4 doubling)."""
    x1, y1, z1, _ = p
    a = x1 * x1 % P
    b = y1 * y1 % P
    c = 2 * z1 * z1 % P
    h = a + b
    e = h - (x1 + y1) * (x1 + y1)
    g = a - b
    f = c + g
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _multiply(k: int, p: Point) -> Point:
    """[k]p by double-and-add from the top bit (k is public here)."""
    q = IDENTITY
    for bit in bin(k)[2:]:
        q = _double(q)
        if bit == "1":
            q = _add(q, p)
    return q


def _negate(p: Point) -> Point:
    """-p."""
    x, y, z, t = p
    return (-x % P, y, z, -t % P)


def compute_point_encoding(p: Point) -> bytes:
    """The 32-byte encoding of p: y little-endian with the parity of x in the top bit."""
    x, y, z, _ = p
    zi = pow(z, P - 2, P)
    x, y = x * zi % P, y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def compute_point_decoding(data: bytes) -> Point | None:
    """The point a 32-byte encoding stands for, or None when it is not a canonical curve point."""
    if len(data) != 32:
        return None
    n = int.from_bytes(data, "little")
    y, sign = n & ((1 << 255) - 1), n >> 255
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether signature is public_key's Ed25519 signature of message (rules in the module doc).

    Raises ValueError when the key is not 32 bytes or the signature not 64: those are caller
    mistakes, not forgeries. Every well-formed but invalid input returns False.
    """
    if len(public_key) != PUBLIC_KEY_SIZE:
        raise ValueError(f"an ed25519 public key is {PUBLIC_KEY_SIZE} bytes, got {len(public_key)}")
    if len(signature) != SIGNATURE_SIZE:
        raise ValueError(f"an ed25519 signature is {SIGNATURE_SIZE} bytes, got {len(signature)}")
    a = compute_point_decoding(public_key)
    if a is None:
        return False
    r_bytes, s = signature[:32], int.from_bytes(signature[32:], "little")
    if s >= L:
        return False
    k = int.from_bytes(hashlib.sha512(r_bytes + public_key + message).digest(), "little") % L
    r = _add(_multiply(s, B), _multiply(k, _negate(a)))
    return compute_point_encoding(r) == r_bytes
