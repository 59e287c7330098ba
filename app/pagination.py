"""cosmos.base.query.v1beta1 pagination over an ordered list of items."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from cosmos.base.query.v1beta1 import pagination_pb2

from aichain.app.errors import InvalidRequestError

T = TypeVar("T")

DEFAULT_LIMIT = 100
"""Page size when the request gives none."""

MAX_LIMIT = 1000
"""Largest page a query returns."""


def paginate(
    items: Sequence[T], page: pagination_pb2.PageRequest, key: Callable[[T], bytes]
) -> tuple[Sequence[T], pagination_pb2.PageResponse]:
    """The requested page of items (ordered by key) and its PageResponse.

    Raises InvalidRequestError if both key and offset are set.
    """
    if page.key and page.offset:
        raise InvalidRequestError("pagination: set either key or offset, not both")
    ordered = list(reversed(items)) if page.reverse else list(items)
    start = page.offset
    if page.key:
        start = next(
            (
                i
                for i, item in enumerate(ordered)
                if (key(item) >= page.key if not page.reverse else key(item) <= page.key)
            ),
            len(ordered),
        )
    limit = min(page.limit or DEFAULT_LIMIT, MAX_LIMIT)
    chosen = ordered[start : start + limit]
    response = pagination_pb2.PageResponse()
    if start + limit < len(ordered):
        response.next_key = key(ordered[start + limit])
    if page.count_total:
        response.total = len(ordered)
    return chosen, response
