"""The CSV export of a website's raw events (analytics-api.md 11.6).

Everything is checked (400s) before the first byte; then the CSV streams in batches, each
batch one short read on a reader thread (keyset pagination on ``(created_at, id)``), so memory
stays bounded and a slow client never holds a DuckDB thread. Text a spreadsheet would run as a
formula gets a leading ``'``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from appliance.analytics.query.dates import DateRange

if TYPE_CHECKING:  # DuckDB loads when analytics.duckdb opens (warehouse/database.py)
    import duckdb

    from appliance.analytics.warehouse.database import Warehouse

EXPORT_MAX_ROWS = 500_000
EXPORT_BATCH_ROWS = 5_000
EXPORT_COLUMNS = (
    "id",
    "website_id",
    "event_type",
    "url",
    "referrer_domain",
    "event_name",
    "country",
    "browser",
    "os",
    "device_type",
    "language",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "created_at",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# the columns of the CSV, then the sort key (created_at, id) of the keyset pagination
_EXPORT_SELECT = (
    "SELECT CAST(id AS VARCHAR), website_id, event_type, url, referrer_domain, event_name, "
    "country, browser, os, device_type, language, utm_source, utm_medium, utm_campaign, "
    "CAST(created_at AS VARCHAR), created_at, id FROM events "
    "WHERE website_id = ? AND created_at >= ? AND created_at < ?"
)


@dataclass(frozen=True, slots=True)
class Export:
    filename: str
    chunks: AsyncIterator[bytes]


def csv_cell(value: Any) -> str:
    """One CSV cell; text a spreadsheet would run as a formula gets a leading ``'``."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_lines(rows: list[tuple[Any, ...]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode()


def count_events(connection: duckdb.DuckDBPyConnection, website_id: str, span: DateRange) -> int:
    row = connection.execute(
        "SELECT count(*) FROM events WHERE website_id = ? AND created_at >= ? AND created_at < ?",
        [website_id, span.start_at, span.end_before],
    ).fetchone()
    return int(row[0]) if row else 0


def _batch(
    connection: duckdb.DuckDBPyConnection,
    website_id: str,
    span: DateRange,
    after: tuple[datetime, Any] | None,
    size: int,
) -> list[tuple[Any, ...]]:
    sql = _EXPORT_SELECT
    values: list[Any] = [website_id, span.start_at, span.end_before]
    if after is not None:
        sql += " AND (created_at > ? OR (created_at = ? AND id > ?))"
        values += [after[0], after[0], after[1]]
    return connection.execute(f"{sql} ORDER BY created_at, id LIMIT ?", [*values, size]).fetchall()


async def export_chunks(
    warehouse: Warehouse, website_id: str, span: DateRange
) -> AsyncIterator[bytes]:
    """The header, then one chunk per batch, each a heavy read (the semaphore of
    warehouse/database.py)."""
    yield csv_lines([EXPORT_COLUMNS])
    sent = 0
    after: tuple[datetime, Any] | None = None
    while sent < EXPORT_MAX_ROWS:
        size = min(EXPORT_BATCH_ROWS, EXPORT_MAX_ROWS - sent)
        key = after
        batch: list[tuple[Any, ...]] = await warehouse.read(
            lambda connection, key=key, size=size: _batch(  # type: ignore[misc]
                connection, website_id, span, key, size
            ),
            heavy=True,
        )
        if not batch:
            return
        after = (batch[-1][-2], batch[-1][-1])
        sent += len(batch)
        yield csv_lines([row[: len(EXPORT_COLUMNS)] for row in batch])
        if len(batch) < size:
            return
