"""Rollup maintenance: every level (rollup_levels.py) kept exact as events arrive, always in
the same DuckDB transaction as the events it reflects.

* A flush (:func:`flush_step`) recomputes, from ``events``, the rows of every
  (website, session, hour) its batch touched in each level — delete + insert, so a session
  that grows over several flushes still collapses — then the session facts of every row of
  the touched sessions (older hours included) from the just-replaced ``sessions`` rows, then
  the neighbour hours of the touched sessions' rows and of the touched visitors' rows from the
  first touched hour on (a visitor's previous row may be anywhere: that step scans the visitor
  keys of the whole level, the flush's dearest part on a big file).
* :func:`rebuild` recomputes every level from ``events``; :func:`insert_from` appends the rows
  of a table of new events (the seeder's bulk path).

Retention and website deletion cut the levels too: retention.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from appliance.analytics.warehouse.rollup_levels import LEVELS, floor_hour, int_key, text_key
from appliance.analytics.warehouse.transactions import transaction

if TYPE_CHECKING:  # DuckDB loads when analytics.duckdb opens (database.py)
    import duckdb

_TOUCHED = (
    "SELECT unnest(?::VARCHAR[]) AS website_id, unnest(?::VARCHAR[]) AS session_id, "
    "unnest(?::TIMESTAMP[]) AS hour"
)


def _touched_keys(key: str) -> str:
    """Subquery: (website_id, {key}_key, {key}_text) of two parallel lists of ids."""
    return (
        f"SELECT DISTINCT website_id, {int_key('id')} AS {key}_key, "  # noqa: S608
        f"{text_key('id')} AS {key}_text "
        "FROM (SELECT unnest(?::VARCHAR[]) AS website_id, unnest(?::VARCHAR[]) AS id)"
    )


def _source_keys(key: str, source: str) -> str:
    """Subquery: the (website_id, {key}_key, {key}_text) of the events in ``source``."""
    return (
        f"SELECT DISTINCT website_id, {int_key(key + '_id')} AS {key}_key, "  # noqa: S608
        f"{text_key(key + '_id')} AS {key}_text FROM {source}"
    )


_BEGINNING = datetime(1970, 1, 1)  # before any event: the visitor windows see every row

_TOUCHED_EVENTS = (
    f"(SELECT e.* FROM events e SEMI JOIN ({_TOUCHED}) t "  # noqa: S608
    "ON e.website_id = t.website_id AND e.session_id = t.session_id "
    "AND date_trunc('hour', e.created_at) = t.hour "
    "WHERE e.created_at >= ? AND e.created_at < ?)"
)


def refresh_touched(
    connection: duckdb.DuckDBPyConnection,
    touched: set[tuple[str, str, datetime]],
    visitors: set[tuple[str, str]] | None = None,
) -> None:
    """Recompute the rows of these (website, session, hour) keys from ``events`` in every
    level, then the session facts of every row of those sessions, then the previous-row hours
    of the visit level for those sessions and these (website, visitor) pairs (every visitor
    of the touched sessions must be listed)."""
    if not touched:
        return
    websites, sessions, hours = (list(column) for column in zip(*sorted(touched), strict=True))
    first = min(hours)
    after = max(hours) + timedelta(hours=1)
    for level in LEVELS:
        connection.execute(level.delete_touched(_TOUCHED), [websites, sessions, hours, first])
        connection.execute(
            level.insert(_TOUCHED_EVENTS, facts=False), [websites, sessions, hours, first, after]
        )
    ids = sorted(set(sessions))
    # every touched session has an event at or after ``first``, so last_seen >= first
    row = connection.execute(
        "SELECT min(first_seen) FROM sessions "
        "WHERE last_seen >= ? AND session_id IN (SELECT unnest(?::VARCHAR[]))",
        [first, ids],
    ).fetchone()
    # without a sessions row (never in a flush) the session's rows could lie anywhere
    since = floor_hour(row[0]) if row and row[0] is not None else _BEGINNING
    for level in LEVELS:
        connection.execute(level.refresh_facts(), [first, ids, since])
    site_sessions = sorted({(website, session) for website, session, _ in touched})
    site_visitors = sorted(visitors or ())
    for level in LEVELS:
        if not level.flags:
            continue
        # a session's rows all lie after its first_seen; its next-row hours may change
        # anywhere in it
        connection.execute(
            level.refresh_neighbours("session", _touched_keys("session")),
            [[w for w, _ in site_sessions], [s for _, s in site_sessions], since, since, since],
        )
        if site_visitors:
            # a visitor's rows lie anywhere, but only previous-row hours at or after the
            # first hour the flush touched can have changed
            connection.execute(
                level.refresh_neighbours("visitor", _touched_keys("visitor")),
                [
                    [w for w, _ in site_visitors],
                    [v for _, v in site_visitors],
                    _BEGINNING,
                    first,
                    first,
                ],
            )


def flush_step(connection: duckdb.DuckDBPyConnection, assigned: str) -> None:
    """A flush step (batches.FlushStep): runs inside the flush's transaction, after its
    inserts; ``assigned`` is the temp table of the batch's new events and their sessions."""
    touched = connection.execute(
        f"SELECT DISTINCT website_id, session_id, date_trunc('hour', created_at) "  # noqa: S608
        f"FROM {assigned}"
    ).fetchall()
    visitors = connection.execute(
        f"SELECT DISTINCT website_id, visitor_id FROM {assigned}"  # noqa: S608
    ).fetchall()
    refresh_touched(connection, set(touched), set(visitors))


def rebuild(connection: duckdb.DuckDBPyConnection, website_id: str | None = None) -> None:
    """Recompute every level from events (all websites or one); used by the seeder and tests."""
    with transaction(connection):
        for level in LEVELS:
            if website_id is None:
                connection.execute(f"DELETE FROM {level.table}")  # noqa: S608
                connection.execute(level.insert("events"))
            else:
                connection.execute(
                    f"DELETE FROM {level.table} WHERE website_id = ?",  # noqa: S608
                    [website_id],
                )
                connection.execute(level.insert("events", "WHERE website_id = ?"), [website_id])


def insert_from(connection: duckdb.DuckDBPyConnection, source: str) -> None:
    """Append the rows of every level for the events in ``source`` (a constant table name),
    within the caller's transaction, after their ``sessions`` rows (the seeder's bulk path).
    Their sessions and visitors may have rows already: their previous-row hours are redone."""
    for level in LEVELS:
        connection.execute(level.insert(source))
    for level in LEVELS:
        for key in ("session", "visitor") if level.flags else ():
            connection.execute(
                level.refresh_neighbours(key, _source_keys(key, source)), [_BEGINNING] * 3
            )
