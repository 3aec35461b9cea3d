"""The one wall clock of the appliance, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Now, as naive UTC: the form of every timestamp in the stores (SQLite and DuckDB)."""
    return datetime.now(UTC).replace(tzinfo=None)


def utc_now_aware() -> datetime:
    """Now, as an aware UTC datetime (for ISO 8601 text with ``+00:00`` and epoch maths)."""
    return datetime.now(UTC)
