"""Event types and attributes the datanet module emits (one constructor per event)."""

from __future__ import annotations

from aichain.app.context import Context

DATANET_CREATED = "datanet_created"
"""A datanet was created."""
RECORD_CONTRIBUTED = "record_contributed"
"""A record was contributed (its bond escrowed)."""
RECORD_REVIEWED = "record_reviewed"
"""A curator accepted or rejected a record."""
RECORD_WITHDRAWN = "record_withdrawn"
"""A contributor withdrew a pending record."""
VERSION_PUBLISHED = "version_published"
"""A version was published."""
ACCESS_GRANTED = "access_granted"
"""An account was granted (or paid for) access."""
DATANET_UPDATED = "datanet_updated"
"""Owner, curators, open/closed state or a record's metadata changed."""
REWARDS_CLAIMED = "rewards_claimed"
"""A contributor claimed rewards."""
VERSION_CREDITED = "version_credited"
"""A version's contributors were credited."""


def emit_created(ctx: Context, datanet_id: int, owner: str) -> None:
    """datanet_created."""
    ctx.emit(DATANET_CREATED, ("datanet_id", str(datanet_id)), ("owner", owner))


def emit_contributed(
    ctx: Context, datanet_id: int, record_id: int, contributor: str, content_hash: str
) -> None:
    """record_contributed (skipped in CheckTx)."""
    if ctx.records_events:
        ctx.emit(
            RECORD_CONTRIBUTED,
            ("datanet_id", str(datanet_id)),
            ("record_id", str(record_id)),
            ("contributor", contributor),
            ("content_hash", content_hash),
        )


def emit_reviewed(
    ctx: Context, datanet_id: int, record_id: int, curator: str, accepted: bool, burned: int
) -> None:
    """record_reviewed."""
    ctx.emit(
        RECORD_REVIEWED,
        ("datanet_id", str(datanet_id)),
        ("record_id", str(record_id)),
        ("curator", curator),
        ("accepted", "true" if accepted else "false"),
        ("burned", str(burned)),
    )


def emit_withdrawn(ctx: Context, datanet_id: int, record_id: int) -> None:
    """record_withdrawn."""
    ctx.emit(RECORD_WITHDRAWN, ("datanet_id", str(datanet_id)), ("record_id", str(record_id)))


def emit_published(ctx: Context, datanet_id: int, version: int, root: str, size: int) -> None:
    """version_published."""
    ctx.emit(
        VERSION_PUBLISHED,
        ("datanet_id", str(datanet_id)),
        ("version", str(version)),
        ("root", root),
        ("size", str(size)),
    )


def emit_access(ctx: Context, datanet_id: int, grantee: str, how: str) -> None:
    """access_granted."""
    ctx.emit(ACCESS_GRANTED, ("datanet_id", str(datanet_id)), ("grantee", grantee), ("how", how))


def emit_updated(ctx: Context, datanet_id: int, action: str, detail: str) -> None:
    """datanet_updated."""
    ctx.emit(
        DATANET_UPDATED, ("datanet_id", str(datanet_id)), ("action", action), ("detail", detail)
    )


def emit_credited(ctx: Context, datanet_id: int, version: int, amount: int) -> None:
    """version_credited."""
    ctx.emit(
        VERSION_CREDITED,
        ("datanet_id", str(datanet_id)),
        ("version", str(version)),
        ("amount", str(amount)),
    )


def emit_claimed(ctx: Context, datanet_id: int, contributor: str, amount: int) -> None:
    """rewards_claimed."""
    ctx.emit(
        REWARDS_CLAIMED,
        ("datanet_id", str(datanet_id)),
        ("contributor", contributor),
        ("amount", str(amount)),
    )
