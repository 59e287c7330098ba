"""Garbage-collector settings for a node process.

A block of thousands of txs allocates millions of short-lived objects, none of them cyclic;
CPython's default gen-0 threshold (700) then runs a collection every few txs and rescans the
long-lived caches each time a collection reaches the older generations. Measured with
bench/inprocess_throughput.py: about 1.6x more txs/s with these settings (docs/benchmarks.md).
"""

import gc

GEN0_THRESHOLD = 50_000
"""Allocations between gen-0 collections (default 700)."""

GEN1_THRESHOLD = 20
"""Gen-0 collections between gen-1 collections (default 10)."""

GEN2_THRESHOLD = 1_000
"""Gen-1 collections between full collections (default 10)."""


def tune_gc() -> None:
    """Applies the node's GC thresholds and freezes what startup allocated."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GEN0_THRESHOLD, GEN1_THRESHOLD, GEN2_THRESHOLD)
