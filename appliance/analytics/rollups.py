"""Hourly rollups of ``events``: the table most analytics queries read instead of raw events.

Design (exact by construction). ``event_rollups`` holds one row per
(website, UTC hour, session, visitor, is_bot, every groupable/filterable dimension except the
URL) with ``events`` (all event types), ``pageviews`` (type ``pageview``) and the first/last
event time of the group. Because the visitor and session ids are part of the key, every
answer the API gives is a decomposable aggregate of these rows:

* counts are ``sum(events)`` / ``sum(pageviews)``;
* distinct visitors / sessions are ``count(DISTINCT ...)`` over the rows (never estimated);
* per-(value, session) spans are ``max(last_at) - min(first_at)`` over the group's rows;
* range limits and time buckets are whole hours (the API's day boundaries are UTC midnights,
  or the midnights of a time zone whose offsets are whole hours), so a row is either entirely
  in or entirely out of a range/bucket.

None of that needs a key to be unique: two rows with the same key give the same answers as
their merge. Queries that need the URL (``filter_page``, ``filter_hostname``, ``type=page``)
or a time zone with a non-hour offset fall back to raw events (``queries.py`` decides).

Maintenance, always in the same DuckDB transaction as the events it reflects:

* the flusher (:func:`flush_step`) recomputes, from ``events``, the rows of every
  (website, session, hour) its batch touched — delete + insert, so a session that grows
  over several flushes still collapses into one row per dimension combination;
* retention (:func:`delete_older_than`) cuts events at a whole hour, and the rollup rows of
  the hours before it;
* :func:`delete_website_data` deletes events, sessions and rollups of one website.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:  # pipeline → warehouse → schema → this module: no import cycle at run time
    from appliance.analytics.pipeline import FlushBatch

ROLLUP_TABLE = "event_rollups"
# The dimension columns the rollup keeps (metric types and filters other than url/hostname).
DIMENSIONS: tuple[str, ...] = (
    "referrer_domain",
    "country",
    "region",
    "city",
    "browser",
    "os",
    "device_type",
    "screen",
    "language",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "event_name",
)
_KEY = ("website_id", "hour", "session_id", "visitor_id", "is_bot", *DIMENSIONS)
_KEY_LIST = ", ".join(_KEY)
_INSERT_COLUMNS = f"{_KEY_LIST}, events, pageviews, first_at, last_at"

CREATE_TABLE = (
    f"CREATE TABLE {ROLLUP_TABLE} (\n"
    "    website_id VARCHAR NOT NULL,\n"
    "    hour TIMESTAMP NOT NULL,\n"
    "    session_id VARCHAR NOT NULL,\n"
    "    visitor_id VARCHAR NOT NULL,\n"
    "    is_bot BOOLEAN,\n"
    + "".join(f"    {name} VARCHAR,\n" for name in DIMENSIONS)
    + "    events BIGINT NOT NULL,\n"
    "    pageviews BIGINT NOT NULL,\n"
    "    first_at TIMESTAMP NOT NULL,\n"
    "    last_at TIMESTAMP NOT NULL\n"
    ")"
)


def rollup_select(source: str, where: str = "") -> str:
    """``SELECT`` of rollup rows from ``source`` (a constant table name or subquery, never
    input), ordered by hour so zone maps on ``hour`` stay tight."""
    group = ", ".join(
        (
            "website_id",
            "date_trunc('hour', created_at)",
            "session_id",
            "visitor_id",
            "is_bot",
            *DIMENSIONS,
        )
    )
    return (
        f"SELECT website_id, date_trunc('hour', created_at) AS hour, session_id, visitor_id, "  # noqa: S608
        f"is_bot, {', '.join(DIMENSIONS)}, count(*) AS events, "
        "count(*) FILTER (WHERE event_type = 'pageview') AS pageviews, "
        "min(created_at) AS first_at, max(created_at) AS last_at "
        f"FROM {source} {where} GROUP BY {group} ORDER BY hour"
    )


# Schema migration 2 (schema.py): create and backfill from the events already stored.
MIGRATION: list[str] = [
    CREATE_TABLE,
    f"INSERT INTO {ROLLUP_TABLE} ({_INSERT_COLUMNS}) {rollup_select('events')}",
]

_TOUCHED = (
    "SELECT unnest(?::VARCHAR[]) AS website_id, unnest(?::VARCHAR[]) AS session_id, "
    "unnest(?::TIMESTAMP[]) AS hour"
)
_DELETE_TOUCHED = (
    f"DELETE FROM {ROLLUP_TABLE} r USING ({_TOUCHED}) t "  # noqa: S608
    "WHERE r.hour >= ? AND r.website_id = t.website_id AND r.session_id = t.session_id "
    "AND r.hour = t.hour"
)
_TOUCHED_EVENTS = (
    f"(SELECT e.* FROM events e SEMI JOIN ({_TOUCHED}) t "  # noqa: S608
    "ON e.website_id = t.website_id AND e.session_id = t.session_id "
    "AND date_trunc('hour', e.created_at) = t.hour "
    "WHERE e.created_at >= ? AND e.created_at < ?)"
)
_INSERT_TOUCHED = f"INSERT INTO {ROLLUP_TABLE} ({_INSERT_COLUMNS}) " + rollup_select(
    _TOUCHED_EVENTS
)


def hour_of(timestamp: str) -> datetime:
    """The UTC hour of a stored timestamp text ``YYYY-MM-DD HH:MM:SS[.ffffff]``."""
    return datetime.fromisoformat(timestamp[:13] + ":00:00")


def refresh_touched(
    connection: duckdb.DuckDBPyConnection, touched: set[tuple[str, str, datetime]]
) -> None:
    """Recompute the rollup rows of these (website, session, hour) keys from ``events``."""
    if not touched:
        return
    websites, sessions, hours = (list(column) for column in zip(*sorted(touched), strict=True))
    first = min(hours)
    after = max(hours) + timedelta(hours=1)
    connection.execute(_DELETE_TOUCHED, [websites, sessions, hours, first])
    connection.execute(_INSERT_TOUCHED, [websites, sessions, hours, first, after])


def flush_step(connection: duckdb.DuckDBPyConnection, batch: FlushBatch) -> None:
    """A :data:`pipeline.FlushStep`: runs inside the flush's transaction, after its inserts."""
    refresh_touched(
        connection,
        {
            (event["website_id"], event["session_id"], hour_of(event["created_at"]))
            for event in batch.events
        },
    )


def floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def delete_older_than(connection: duckdb.DuckDBPyConnection, cutoff: datetime) -> int:
    """Retention: events before ``cutoff`` rounded down to the hour (so rollup rows are whole),
    the sessions that ended before it, and their rollup rows; returns events deleted."""
    cutoff = floor_hour(cutoff)
    connection.execute("BEGIN TRANSACTION")
    try:
        row = connection.execute("DELETE FROM events WHERE created_at < ?", [cutoff]).fetchone()
        connection.execute("DELETE FROM sessions WHERE last_seen < ?", [cutoff])
        connection.execute(f"DELETE FROM {ROLLUP_TABLE} WHERE hour < ?", [cutoff])  # noqa: S608
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return int(row[0]) if row else 0


def delete_website_data(connection: duckdb.DuckDBPyConnection, website_id: str) -> int:
    """Delete every event, session and rollup row of a website in one transaction (run it on
    the warehouse's writer: ``await warehouse.write(lambda c: delete_website_data(c, id))``);
    returns events deleted."""
    connection.execute("BEGIN TRANSACTION")
    try:
        row = connection.execute("DELETE FROM events WHERE website_id = ?", [website_id]).fetchone()
        connection.execute("DELETE FROM sessions WHERE website_id = ?", [website_id])
        connection.execute(
            f"DELETE FROM {ROLLUP_TABLE} WHERE website_id = ?",  # noqa: S608
            [website_id],
        )
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return int(row[0]) if row else 0


def rebuild(connection: duckdb.DuckDBPyConnection, website_id: str | None = None) -> None:
    """Recompute the rollups from events (all websites or one); used by the seeder and tests."""
    connection.execute("BEGIN TRANSACTION")
    try:
        if website_id is None:
            connection.execute(f"DELETE FROM {ROLLUP_TABLE}")  # noqa: S608
            connection.execute(
                f"INSERT INTO {ROLLUP_TABLE} ({_INSERT_COLUMNS}) " + rollup_select("events")
            )
        else:
            connection.execute(
                f"DELETE FROM {ROLLUP_TABLE} WHERE website_id = ?",  # noqa: S608
                [website_id],
            )
            connection.execute(
                f"INSERT INTO {ROLLUP_TABLE} ({_INSERT_COLUMNS}) "
                + rollup_select("events", "WHERE website_id = ?"),
                [website_id],
            )
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def insert_from(connection: duckdb.DuckDBPyConnection, source: str) -> None:
    """Append the rollup rows of the events in ``source`` (a constant table name), within the
    caller's transaction (the seeder's bulk path)."""
    connection.execute(f"INSERT INTO {ROLLUP_TABLE} ({_INSERT_COLUMNS}) " + rollup_select(source))
