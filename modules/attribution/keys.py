"""Store layout of the attribution module (every key of its store is built and decoded here).

u64 = 8-byte big-endian; addr = len(1) | address bytes.

0x00                             -> Params bytes
0x01                             -> next request (= inference) id, u64
0x02 | id                        -> Inference bytes (request, result, payouts, dispute id)
0x03 | height | id               -> b"" (pending requests by timeout height)
0x04 | height | id               -> b"" (answered inferences by challenge-window end)
0x05 | addr(worker) | id         -> b"" (pending requests by assigned worker)
0x06 | addr(account)             -> Earning bytes (claimable, pending, claimed)
0x07 | addr(account) | model    -> credited to the account from the model, decimal
0x08 | datanet                   -> DatanetRevenue: revenue decimal ":" inferences
0x09 | model                     -> ModelStats: disputes ":" upheld disputes
0x0A                             -> next dispute id, u64
0x0B | id                        -> Dispute bytes
0x0C | id                        -> b"" (disputes whose committee the next begin-block draws)
0x0D | height | id               -> b"" (dispute phase deadlines: commit end, reveal end)
0x0E | addr(requester) | model   -> prepaid balance, decimal
0x0F | addr(requester) | nonce   -> b"" (spent receipt nonces)
0x10                             -> assignment seed: sha256 of the last block's hash and height
0x11                             -> Totals (escrow accounting), decimals joined by ":"
0x12 | addr(worker)              -> consecutive misses, u64
"""

from __future__ import annotations

from aichain.app.store.keyparts import KeyPartError as KeyError_
from aichain.app.store.keyparts import length_prefixed as _addr
from aichain.app.store.keyparts import read_u64, u64

__all__ = ["KeyError_", "read_u64", "u64"]

MAX_ID = 2**64 - 1
"""Largest id a u64 key part holds."""

STORE_KEY = "attribution"
"""The attribution module's store key."""

PARAMS = b"\x00"
"""Singleton: params."""
NEXT_ID = b"\x01"
"""Singleton: the next request id."""
INFERENCES = b"\x02"
"""Collection: inferences (requests and results) by id."""
TIMEOUTS = b"\x03"
"""Queue: pending requests by timeout height."""
MATURITY = b"\x04"
"""Queue: answered inferences by challenge-window end."""
PENDING_BY_WORKER = b"\x05"
"""Index: pending requests by assigned worker."""
EARNINGS = b"\x06"
"""Collection: earnings by account."""
MODEL_EARNINGS = b"\x07"
"""Collection: credited amount by (account, model)."""
DATANET_REVENUE = b"\x08"
"""Collection: revenue and inference count by datanet."""
MODEL_STATS = b"\x09"
"""Collection: dispute counts by model."""
NEXT_DISPUTE_ID = b"\x0a"
"""Singleton: the next dispute id."""
DISPUTES = b"\x0b"
"""Collection: disputes by id."""
DRAWS = b"\x0c"
"""Queue: disputes waiting for their committee."""
DEADLINES = b"\x0d"
"""Queue: dispute phase ends by height."""
PREPAID = b"\x0e"
"""Collection: prepaid balances by (requester, model)."""
NONCES = b"\x0f"
"""Collection: spent receipt nonces by (requester, nonce)."""
SEED = b"\x10"
"""Singleton: the seed of worker assignment and committee draws."""
TOTALS = b"\x11"
"""Singleton: escrow accounting."""
MISSES = b"\x12"
"""Collection: consecutive missed requests by worker."""


def inference_key(inference_id: int) -> bytes:
    """Key of an inference."""
    return INFERENCES + u64(inference_id)


def id_from_inference_key(key: bytes) -> int:
    """The id of an inference key."""
    return read_u64(key[1:9])


def height_queue_key(queue: bytes, height: int, item_id: int) -> bytes:
    """Key of an item in a height queue (TIMEOUTS, MATURITY, DEADLINES)."""
    if queue not in (TIMEOUTS, MATURITY, DEADLINES):
        raise KeyError_(f"{queue!r} is not a height queue")
    return queue + u64(height) + u64(item_id)


def split_height_queue_key(key: bytes) -> tuple[int, int]:
    """(height, id) of a height queue key."""
    if len(key) != 17:
        raise KeyError_(f"height queue key of {len(key)} bytes")
    return read_u64(key[1:9]), read_u64(key[9:17])


def pending_by_worker_prefix(worker: bytes) -> bytes:
    """Prefix of a worker's pending requests."""
    return PENDING_BY_WORKER + _addr(worker)


def pending_by_worker_key(worker: bytes, request_id: int) -> bytes:
    """Key of a pending request in its worker's index."""
    return pending_by_worker_prefix(worker) + u64(request_id)


def id_from_pending_key(key: bytes) -> int:
    """The request id of a pending-by-worker key."""
    return read_u64(key[-8:])


def earning_key(account: bytes) -> bytes:
    """Key of an account's earnings."""
    return EARNINGS + _addr(account)


def model_earnings_prefix(account: bytes) -> bytes:
    """Prefix of an account's per-model credits."""
    return MODEL_EARNINGS + _addr(account)


def model_earning_key(account: bytes, model_id: int) -> bytes:
    """Key of what an account was credited from a model."""
    return model_earnings_prefix(account) + u64(model_id)


def model_from_earning_key(key: bytes) -> int:
    """The model id of a per-model credit key."""
    return read_u64(key[-8:])


def datanet_revenue_key(datanet_id: int) -> bytes:
    """Key of a datanet's revenue."""
    return DATANET_REVENUE + u64(datanet_id)


def model_stats_key(model_id: int) -> bytes:
    """Key of a model's dispute counters."""
    return MODEL_STATS + u64(model_id)


def dispute_key(dispute_id: int) -> bytes:
    """Key of a dispute."""
    return DISPUTES + u64(dispute_id)


def draw_key(dispute_id: int) -> bytes:
    """Key of a dispute waiting for its committee."""
    return DRAWS + u64(dispute_id)


def prepaid_key(requester: bytes, model_id: int) -> bytes:
    """Key of a prepaid balance."""
    return PREPAID + _addr(requester) + u64(model_id)


def split_prepaid_key(key: bytes) -> tuple[bytes, int]:
    """(requester, model id) of a prepaid key."""
    n = key[1]
    return key[2 : 2 + n], read_u64(key[2 + n : 10 + n])


def nonce_key(requester: bytes, nonce: int) -> bytes:
    """Key of a spent receipt nonce."""
    return NONCES + _addr(requester) + u64(nonce)


def misses_key(worker: bytes) -> bytes:
    """Key of a worker's consecutive misses."""
    return MISSES + _addr(worker)
