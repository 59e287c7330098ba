"""Node-local store settings: pruning of old versions, state-sync snapshots, block retention,
the tree-node cache.

Pruning strategies follow the Cosmos SDK's names: "default" keeps the last 362880 versions and
prunes every 10 blocks, "nothing" keeps every version, "everything" keeps the last 2 and prunes
every 10 blocks, and "custom" takes keep-recent and interval from the config.
"""

from __future__ import annotations

from dataclasses import dataclass

from aichain.app.store.errors import PruningConfigError

STRATEGIES = {
    "default": (362_880, 10),
    "nothing": (0, 0),
    "everything": (2, 10),
}
"""Strategy name -> (keep_recent, interval); keep_recent 0 means keep everything."""


@dataclass(frozen=True, slots=True)
class StoreOptions:
    """How many versions to keep, when to snapshot, and what CometBFT may prune."""

    pruning: str = "nothing"
    keep_recent: int = 0
    interval: int = 0
    snapshot_interval: int = 0
    snapshot_keep_recent: int = 2
    min_retain_blocks: int = 0
    node_cache_bytes: int = 256 << 20
    """Bound of the in-memory cache of tree nodes (app.toml `node-cache-size`, in MiB there);
    0 disables it. About 170 MiB holds every internal node of a 10^6-key state."""

    def prune_target(self, height: int) -> int:
        """The earliest version to keep after committing height (0: prune nothing now)."""
        if self.keep_recent == 0 or self.interval == 0 or height % self.interval != 0:
            return 0
        return max(0, height - self.keep_recent + 1)


def parse_store_options(
    pruning: str,
    keep_recent: int = 0,
    interval: int = 0,
    snapshot_interval: int = 0,
    snapshot_keep_recent: int = 2,
    min_retain_blocks: int = 0,
    node_cache_bytes: int = 256 << 20,
) -> StoreOptions:
    """Validated options. Raises PruningConfigError with what to change."""
    if pruning in STRATEGIES:
        keep_recent, interval = STRATEGIES[pruning]
    elif pruning == "custom":
        if keep_recent < 2:
            raise PruningConfigError(
                f"pruning-keep-recent must be at least 2 with custom pruning, got {keep_recent}"
            )
        if interval < 1:
            raise PruningConfigError(
                f"pruning-interval must be at least 1 with custom pruning, got {interval}"
            )
    else:
        raise PruningConfigError(
            f'pruning {pruning!r} is unknown; use "default", "nothing", "everything" or "custom"'
        )
    if snapshot_interval < 0 or snapshot_keep_recent < 1 or min_retain_blocks < 0:
        raise PruningConfigError(
            "snapshot-interval and min-retain-blocks must be >= 0, snapshot-keep-recent >= 1"
        )
    if node_cache_bytes < 0:
        raise PruningConfigError("node-cache-size must be >= 0 (MiB; 0 disables the cache)")
    return StoreOptions(
        pruning,
        keep_recent,
        interval,
        snapshot_interval,
        snapshot_keep_recent,
        min_retain_blocks,
        node_cache_bytes,
    )


def compute_retain_height(height: int, options: StoreOptions, earliest_version: int) -> int:
    """Commit's retain_height: the lowest block CometBFT must keep (0: keep every block).

    Like the Cosmos SDK: 0 unless min-retain-blocks is set; then the lowest of height -
    min-retain-blocks, the oldest snapshot's height, and the oldest state version kept (so a
    query at any kept version can be checked against the header that follows it).
    """
    if options.min_retain_blocks == 0:
        return 0
    retain = height - options.min_retain_blocks
    if options.snapshot_interval:
        retain = min(retain, height - options.snapshot_interval * options.snapshot_keep_recent)
    retain = min(retain, earliest_version)
    return max(retain, 0)
