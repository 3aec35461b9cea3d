"""Sessions (analytics-api.md 11.1): a website's sessions, newest first, a page at a time,
and one session with its events.

A session is listed when one of its events matches the range and the filters (raw events,
whole UTC days); pages follow a cursor on (last_seen, session_id), so a page never repeats or
skips a session while new events arrive.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from appliance.analytics.query.params import QueryParams, encode_cursor
from appliance.analytics.query.sources import RAW, utc_window, where

if TYPE_CHECKING:  # DuckDB loads when analytics.duckdb opens (warehouse/database.py)
    import duckdb

SESSION_EVENTS_MAX = 2000
_SESSION_COLUMNS = (
    "s.session_id, s.visitor_id, s.first_seen, s.last_seen, s.pageview_count, s.event_count, "
    "s.entry_page, s.exit_page, s.country, s.browser, s.os, s.device_type"
)
_EVENT_NAMES = ("id", "event_type", "url", "event_name", "event_data", "created_at")


def _timestamp(value: datetime) -> str:
    """As DuckDB prints a TIMESTAMP (1.2): microseconds only when there are some."""
    return value.isoformat(sep=" ")


def _session_row(row: tuple[Any, ...]) -> dict[str, Any]:
    first_seen: datetime = row[2]
    last_seen: datetime = row[3]
    return {
        "session_id": row[0],
        "visitor_id": row[1],
        "first_seen": _timestamp(first_seen),
        "last_seen": _timestamp(last_seen),
        "duration_seconds": int((last_seen - first_seen).total_seconds()),
        "pageview_count": row[4],
        "event_count": row[5],
        "entry_page": row[6],
        "exit_page": row[7],
        "country": row[8],
        "browser": row[9],
        "os": row[10],
        "device_type": row[11],
    }


def sessions_query(
    connection: duckdb.DuckDBPyConnection, website_id: str, params: QueryParams
) -> dict[str, Any]:
    """One page of sessions (``params.limit`` of them, after ``params.cursor``)."""
    clause, values = where(RAW, website_id, utc_window(params.range), params)
    sql = (
        f"SELECT {_SESSION_COLUMNS} FROM sessions s WHERE s.website_id = ? "  # noqa: S608
        f"AND s.session_id IN (SELECT DISTINCT session_id FROM events WHERE {clause})"
    )
    all_values: list[Any] = [website_id, *values]
    if params.cursor is not None:
        last_seen, session_id = params.cursor
        sql += " AND (s.last_seen < ? OR (s.last_seen = ? AND s.session_id < ?))"
        all_values += [last_seen, last_seen, session_id]
    sql += " ORDER BY s.last_seen DESC, s.session_id DESC LIMIT ?"
    rows = connection.execute(sql, [*all_values, params.limit + 1]).fetchall()
    page = rows[: params.limit]
    next_cursor = encode_cursor(page[-1][3], page[-1][0]) if len(rows) > params.limit else None
    return {
        "data": [_session_row(row) for row in page],
        "pagination": {
            "limit": params.limit,
            "next_cursor": next_cursor,
            "has_more": next_cursor is not None,
        },
    }


def session_query(
    connection: duckdb.DuckDBPyConnection, website_id: str, session_id: str
) -> dict[str, Any] | None:
    """The session with its first events, oldest first; None when there is no such session."""
    row = connection.execute(
        f"SELECT {_SESSION_COLUMNS} FROM sessions s "  # noqa: S608
        "WHERE s.website_id = ? AND s.session_id = ?",
        [website_id, session_id],
    ).fetchone()
    if row is None:
        return None
    events = connection.execute(
        "SELECT CAST(id AS VARCHAR), event_type, url, event_name, event_data, "
        "CAST(created_at AS VARCHAR) FROM events WHERE website_id = ? AND session_id = ? "
        "ORDER BY created_at, id LIMIT ?",
        [website_id, session_id, SESSION_EVENTS_MAX + 1],
    ).fetchall()
    return {
        "session": _session_row(row),
        "events": [
            dict(zip(_EVENT_NAMES, event, strict=True)) for event in events[:SESSION_EVENTS_MAX]
        ],
        "truncated": len(events) > SESSION_EVENTS_MAX,
    }
