"""cosmos.base.query.v1beta1 pagination, streamed over a store iterator.

A query hands `paginate` its collection as an iterator in key order (best: a function of
`reverse` that asks the store to iterate backwards), and a key function. The page is taken as
the iterator runs: items before the page are skipped one by one (each read is charged to the
query's gas), the page is kept, and the scan stops at the first item past it unless the
request asks for `count_total`. No query copies a whole collection into memory; the query gas
limit bounds how far any page may lie.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from cosmos.base.query.v1beta1 import pagination_pb2

from aichain.app.errors import InvalidRequestError

T = TypeVar("T")

DEFAULT_LIMIT = 100
"""Page size when the request gives none."""

MAX_LIMIT = 1000
"""Largest page a query returns."""

Source = Iterable[T] | Callable[[bool], Iterable[T]]
"""A collection in key order: an iterable (forward), or a function of reverse."""


def paginate(
    source: Source[T], page: pagination_pb2.PageRequest, key: Callable[[T], bytes]
) -> tuple[list[T], pagination_pb2.PageResponse]:
    """The requested page of a collection ordered by key, and its PageResponse.

    next_key is the key of the first item after the page (empty on the last page); total is
    set when count_total is asked. Raises InvalidRequestError if both key and offset are set.
    """
    if page.key and page.offset:
        raise InvalidRequestError("pagination: set either key or offset, not both")
    limit = min(page.limit or DEFAULT_LIMIT, MAX_LIMIT)
    chosen: list[T] = []
    response = pagination_pb2.PageResponse()
    total = 0
    skip = page.offset
    for item in _ordered(source, page.reverse):
        total += 1
        if page.key and (key(item) < page.key if not page.reverse else key(item) > page.key):
            continue
        if skip:
            skip -= 1
            continue
        if len(chosen) == limit:
            if not response.next_key:
                response.next_key = key(item)
            if not page.count_total:
                break
            continue
        chosen.append(item)
    if page.count_total:
        response.total = total
    return chosen, response


def _ordered(source: Source[T], reverse: bool) -> Iterable[T]:
    """The source in the asked order; a plain iterable is reversed in memory (only queries
    that cannot iterate backwards pay for that)."""
    if callable(source):
        return source(reverse)
    if reverse:
        return list(source)[::-1]
    return source
