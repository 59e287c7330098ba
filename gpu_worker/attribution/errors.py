"""Errors raised by the attribution engines: bad input, missing or corrupted features."""

from __future__ import annotations


class AttributionError(ValueError):
    """An attribution request or its inputs cannot be used; the message says what to fix."""


class FeaturesError(AttributionError):
    """The per-record features of an adapter are missing, corrupted or for another adapter."""
