"""Gas: every store read and write and every byte of a tx costs gas (Cosmos SDK costs)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from aichain.app.errors import OutOfGasError
from aichain.app.store.kv import KVStore


@dataclass(frozen=True, slots=True)
class GasConfig:
    """Per-operation store gas costs (the Cosmos SDK's KVGasConfig)."""

    has_cost: int = 1000
    delete_cost: int = 1000
    read_cost_flat: int = 1000
    read_cost_per_byte: int = 3
    write_cost_flat: int = 2000
    write_cost_per_byte: int = 30
    iter_next_cost_flat: int = 30


KV_GAS = GasConfig()
"""The store gas schedule used by the chain."""


class GasMeter:
    """Counts gas against a limit; raises OutOfGasError past it."""

    __slots__ = ("limit", "consumed")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.consumed = 0

    def consume(self, amount: int, descriptor: str) -> None:
        """Adds amount; raises OutOfGasError when the total passes the limit."""
        self.consumed += amount
        if self.consumed > self.limit:
            raise OutOfGasError(
                f"out of gas in location: {descriptor}; gasWanted: {self.limit}, "
                f"gasUsed: {self.consumed}; raise the gas limit (--gas auto simulates it)"
            )

    @property
    def remaining(self) -> int:
        """Gas left before the limit."""
        return max(0, self.limit - self.consumed)


INFINITE_GAS = 2**63 - 1
"""Limit of a meter that never runs out (genesis, begin/end block, queries)."""


class GasKVStore:
    """Charges a gas meter for every operation on the wrapped store."""

    __slots__ = ("_parent", "_meter", "_cfg")

    def __init__(self, parent: KVStore, meter: GasMeter, cfg: GasConfig = KV_GAS) -> None:
        self._parent = parent
        self._meter = meter
        self._cfg = cfg

    def get(self, key: bytes) -> bytes | None:
        """Reads, charging flat + per byte of key and value."""
        cfg = self._cfg
        value = self._parent.get(key)
        size = len(key) + (len(value) if value is not None else 0)
        self._meter.consume(cfg.read_cost_flat + cfg.read_cost_per_byte * size, "ReadFlat")
        return value

    def has(self, key: bytes) -> bool:
        """Checks presence, charging the has cost."""
        self._meter.consume(self._cfg.has_cost, "Has")
        return self._parent.has(key)

    def set(self, key: bytes, value: bytes) -> None:
        """Writes, charging flat + per byte of key and value."""
        cfg = self._cfg
        self._meter.consume(
            cfg.write_cost_flat + cfg.write_cost_per_byte * (len(key) + len(value)), "WriteFlat"
        )
        self._parent.set(key, value)

    def delete(self, key: bytes) -> None:
        """Deletes, charging the delete cost."""
        self._meter.consume(self._cfg.delete_cost, "Delete")
        self._parent.delete(key)

    def iterate(self, prefix: bytes = b"", reverse: bool = False) -> Iterator[tuple[bytes, bytes]]:
        """Iterates, charging per item returned."""
        cfg = self._cfg
        for key, value in self._parent.iterate(prefix, reverse):
            self._meter.consume(
                cfg.iter_next_cost_flat + cfg.read_cost_per_byte * (len(key) + len(value)),
                "IterNext",
            )
            yield key, value
