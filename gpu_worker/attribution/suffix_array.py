"""A suffix array over the datanet text and longest-match queries on it (infini-gram style).

The corpus is the UTF-8 bytes of every record joined by a 0x00 separator. Queries never
contain 0x00 (an output is split there first), so no match crosses a record boundary.
Construction is prefix doubling with numpy sorts, O(N log^2 N); a query of m bytes does a
constant number of binary searches per output position, O(m log N) comparisons of at most
`max_span` bytes each (`dense_spans` also collects the distinct records of each match, at most
`max_occurrences` suffix positions per match).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SEPARATOR = b"\x00"
"""Byte that joins records in the corpus; matches never contain it."""


def compute_suffix_array(text: bytes) -> np.ndarray:
    """Start offsets of all suffixes of text in lexicographic byte order (int64)."""
    n = len(text)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    rank = np.frombuffer(text, dtype=np.uint8).astype(np.int64)
    base = max(n, 256) + 2
    step = 1
    while True:
        second = np.zeros(n, dtype=np.int64)
        if step < n:
            second[: n - step] = rank[step:] + 1
        key = rank * base + second
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        fresh = np.zeros(n, dtype=np.int64)
        fresh[1:] = np.cumsum(sorted_key[1:] != sorted_key[:-1])
        rank = np.empty(n, dtype=np.int64)
        rank[order] = fresh
        if fresh[-1] == n - 1 or step >= n:
            return order
        step *= 2


def compute_common_prefix_length(a: bytes, b: bytes) -> int:
    """Length of the longest common prefix of a and b (binary search on C slice compares)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


@dataclass(frozen=True, slots=True)
class Span:
    """A maximal span of the output found verbatim in the corpus, and where it occurs."""

    start: int
    length: int
    occurrences: int
    records: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class SpanHit:
    """One match of dense_spans: output[start:start+length] occurs in the corpus.

    `occurrences` counts its positions in the corpus, `records` the distinct records holding
    it (ascending record indices, int64).
    """

    start: int
    length: int
    occurrences: int
    records: np.ndarray


DEFAULT_MAX_OCCURRENCES = 4096
"""dense_spans leaves out a match found at more corpus positions than this (a stop-span)."""


class SuffixIndex:
    """The corpus, its suffix array and record boundaries, answering span queries."""

    __slots__ = ("_owners", "corpus", "sa", "starts")

    def __init__(self, corpus: bytes, sa: np.ndarray, starts: np.ndarray) -> None:
        """Wraps a corpus, its suffix array and the start offset of each record."""
        self.corpus = corpus
        self.sa = sa
        self.starts = starts
        self._owners: np.ndarray | None = None

    @classmethod
    def build(cls, texts: Sequence[bytes]) -> SuffixIndex:
        """Index over texts joined by SEPARATOR (record i starts at starts[i])."""
        starts = np.zeros(len(texts), dtype=np.int64)
        offset = 0
        for i, text in enumerate(texts):
            starts[i] = offset
            offset += len(text) + 1
        corpus = SEPARATOR.join(texts)
        return cls(corpus, compute_suffix_array(corpus), starts)

    def _key(self, length: int):  # noqa: ANN202 - a bisect key
        """The bisect key comparing the first `length` bytes of a suffix."""
        corpus, sa = self.corpus, self.sa
        return lambda i: corpus[sa[i] : sa[i] + length]

    def find_range(self, pattern: bytes) -> tuple[int, int]:
        """[lo, hi) of suffix-array ranks whose suffix starts with pattern."""
        key = self._key(len(pattern))
        n = len(self.sa)
        lo = bisect.bisect_left(range(n), pattern, key=key)
        hi = bisect.bisect_right(range(n), pattern, lo=lo, key=key)
        return lo, hi

    def count(self, pattern: bytes) -> int:
        """Number of occurrences of pattern in the corpus."""
        lo, hi = self.find_range(pattern)
        return hi - lo

    def longest_match(self, pattern: bytes) -> int:
        """Length of the longest prefix of pattern that occurs somewhere in the corpus."""
        n = len(self.sa)
        if n == 0 or not pattern:
            return 0
        pos = bisect.bisect_left(range(n), pattern, key=self._key(len(pattern)))
        best = 0
        for rank in (pos - 1, pos):
            if 0 <= rank < n:
                start = int(self.sa[rank])
                suffix = self.corpus[start : start + len(pattern)]
                best = max(best, compute_common_prefix_length(pattern, suffix))
        return best

    def owners(self) -> np.ndarray:
        """Record index of the suffix at each suffix-array rank (computed once, then kept)."""
        if self._owners is None:
            owners = np.searchsorted(self.starts, self.sa, side="right") - 1
            self._owners = owners.astype(np.int32 if len(self.starts) < 2**31 else np.int64)
        return self._owners

    def dense_spans(
        self,
        output: bytes,
        min_length: int,
        max_span: int = 512,
        max_occurrences: int = DEFAULT_MAX_OCCURRENCES,
    ) -> list[SpanHit]:
        """Every output position's matches: its min_length-byte n-gram and its longest match.

        For each position i whose next min_length bytes occur in the corpus, one hit for that
        n-gram and, when the longest match from i (at most max_span bytes) is longer, one hit
        for it; hits occurring more than max_occurrences times are left out. In output order,
        the n-gram before the longer match. Each position costs five binary searches: two over
        the whole suffix array for the n-gram's rank range, three inside that range.
        """
        if min_length < 1 or max_span < min_length or max_occurrences < 1:
            raise ValueError(
                f"need 1 <= min_length <= max_span and max_occurrences >= 1, got "
                f"min_length={min_length}, max_span={max_span}, max_occurrences={max_occurrences}"
            )
        hits: list[SpanHit] = []
        n = len(self.sa)
        for piece_start, piece in _split_pieces(output):
            for i in range(len(piece) - min_length + 1):
                window = piece[i : i + max_span]
                gram = window[:min_length]
                key = self._key(min_length)
                lo = bisect.bisect_left(range(n), gram, key=key)
                hi = bisect.bisect_right(range(n), gram, lo=lo, key=key)
                if lo == hi:
                    continue
                length = self._longest_in(window, lo, hi)
                start = piece_start + i
                if hi - lo <= max_occurrences:
                    hits.append(SpanHit(start, min_length, hi - lo, self.distinct_records(lo, hi)))
                if length > min_length:
                    key = self._key(length)
                    pattern = window[:length]
                    llo = bisect.bisect_left(range(n), pattern, lo=lo, hi=hi, key=key)
                    lhi = bisect.bisect_right(range(n), pattern, lo=llo, hi=hi, key=key)
                    if lhi - llo <= max_occurrences:
                        hits.append(
                            SpanHit(start, length, lhi - llo, self.distinct_records(llo, lhi))
                        )
        return hits

    def _longest_in(self, window: bytes, lo: int, hi: int) -> int:
        """Longest match of window among the suffixes of ranks [lo, hi) (all share a prefix)."""
        pos = bisect.bisect_left(
            range(len(self.sa)), window, lo=lo, hi=hi, key=self._key(len(window))
        )
        best = 0
        for rank in (pos - 1, pos):
            if lo <= rank < hi:
                start = int(self.sa[rank])
                suffix = self.corpus[start : start + len(window)]
                best = max(best, compute_common_prefix_length(window, suffix))
        return best

    def distinct_records(self, lo: int, hi: int) -> np.ndarray:
        """Distinct record indices (ascending, int64) holding the suffixes of ranks [lo, hi)."""
        return np.unique(self.owners()[lo:hi]).astype(np.int64)

    def records_at(self, lo: int, hi: int) -> tuple[int, ...]:
        """Distinct record indices holding the suffixes of ranks [lo, hi), ascending."""
        positions = self.sa[lo:hi]
        owners = np.searchsorted(self.starts, positions, side="right") - 1
        return tuple(int(x) for x in np.unique(owners))

    def maximal_spans(self, output: bytes, min_length: int, max_span: int = 512) -> list[Span]:
        """Maximal spans (not inside an earlier one) of output, >= min_length, in the corpus."""
        spans: list[Span] = []
        best_end = 0
        for piece_start, piece in _split_pieces(output):
            for i in range(len(piece)):
                if len(piece) - i < min_length:
                    break
                length = self.longest_match(piece[i : i + max_span])
                start = piece_start + i
                if length < min_length or start + length <= best_end:
                    continue
                best_end = start + length
                lo, hi = self.find_range(piece[i : i + length])
                spans.append(Span(start, length, hi - lo, self.records_at(lo, hi)))
        return spans


def _split_pieces(output: bytes) -> list[tuple[int, bytes]]:
    """(offset, piece) of output split at SEPARATOR bytes."""
    pieces: list[tuple[int, bytes]] = []
    offset = 0
    for piece in output.split(SEPARATOR):
        pieces.append((offset, piece))
        offset += len(piece) + 1
    return pieces
