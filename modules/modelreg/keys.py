"""Store layout of the modelreg module (every key of its store is built and decoded here).

u64 = 8-byte big-endian; addr = len(1) | address bytes.

0x00                          -> Params bytes
0x01                          -> next model id, u64
0x02 | id                     -> Model bytes
0x03 | id                     -> Usage bytes
0x04 | addr(operator)         -> Worker bytes
0x05 | addr(hot key address)  -> operator address (hot keys are unique)
0x06 | time u64 | addr(op)    -> b"" (unbonding queue, by completion time in unix seconds)
0x07 | sha256(32)             -> model id (weights hashes are unique)
"""

from __future__ import annotations

from aichain.app.store.keyparts import KeyPartError as KeyError_
from aichain.app.store.keyparts import length_prefixed as _addr
from aichain.app.store.keyparts import read_u64, u64

STORE_KEY = "modelreg"
"""The modelreg module's store key."""

PARAMS = b"\x00"
"""Singleton: params."""
NEXT_MODEL_ID = b"\x01"
"""Singleton: the next model id."""
MODELS = b"\x02"
"""Collection: models by id."""
USAGE = b"\x03"
"""Collection: usage counters by model id."""
WORKERS = b"\x04"
"""Collection: workers by operator."""
HOT_KEYS = b"\x05"
"""Collection: operator by hot key address."""
UNBONDING = b"\x06"
"""Queue: unbonding workers by completion time."""
WEIGHTS = b"\x07"
"""Collection: model id by weights hash."""


def model_key(model_id: int) -> bytes:
    """Key of a model."""
    return MODELS + u64(model_id)


def model_id_from_key(key: bytes) -> int:
    """The id of a model key."""
    return read_u64(key[1:9])


def usage_key(model_id: int) -> bytes:
    """Key of a model's usage."""
    return USAGE + u64(model_id)


def worker_key(operator: bytes) -> bytes:
    """Key of a worker."""
    return WORKERS + _addr(operator)


def hot_key_key(hot_address: bytes) -> bytes:
    """Key of a hot key's operator."""
    return HOT_KEYS + _addr(hot_address)


def unbonding_key(completion: int, operator: bytes) -> bytes:
    """Key of a worker in the unbonding queue."""
    return UNBONDING + u64(completion) + _addr(operator)


def split_unbonding_key(key: bytes) -> tuple[int, bytes]:
    """(completion time, operator) of an unbonding key."""
    n = key[9]
    return read_u64(key[1:9]), key[10 : 10 + n]


def weights_key(weights_hash: bytes) -> bytes:
    """Key of the model registered with a weights hash."""
    if len(weights_hash) != 32:
        raise KeyError_(f"weights hash of {len(weights_hash)} bytes")
    return WEIGHTS + weights_hash
