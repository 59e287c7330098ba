"""Registered errors of the store: codespace "store", codes from 2, never renumbered.

A pruned or future height is the root codespace's InvalidHeightError (sdk/26), as in the
Cosmos SDK, so clients that switch on it keep working.
"""

from __future__ import annotations

import grpc

from aichain.app.errors import AppError


class StoreError(AppError, abstract=True):
    """Base of the store's errors."""

    codespace = "store"


class StoreCorruptError(StoreError):
    code = 2
    short = "store corrupt"
    grpc_status = grpc.StatusCode.DATA_LOSS


class SnapshotError(StoreError):
    code = 3
    short = "bad snapshot"


class PruningConfigError(StoreError):
    code = 4
    short = "invalid pruning options"


class ReadOnlyStoreError(StoreError):
    code = 5
    short = "read-only store"
