"""Rollup maintenance: every level (rollup_levels.py) kept exact as events arrive, always in
the same DuckDB transaction as the events it reflects.

* A flush (:func:`flush_step`, :func:`add_events`) adds its batch's events to every level:
  they are grouped once into wide-level rows (which every level but the page one groups
  further), each level's rows of them are added to the stored rows of the same key — so a
  session that grows over several flushes still collapses, and no stored event is read
  again — or appended; then the session facts of every row of the batch's sessions (older
  hours included) come from the just-replaced ``sessions`` rows, and the neighbour hours of
  the visitors that got new rows are recomputed (a visitor's previous row may be anywhere:
  that step reads the visitor keys of the whole level, the flush's dearest part on a big
  file).
* :func:`rebuild` recomputes every level from ``events``; :func:`insert_from` appends the rows
  of a table of new events (the seeder's bulk path).

Retention and website deletion cut the levels too: retention.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from appliance.analytics.warehouse import counts
from appliance.analytics.warehouse.batches import TEMP
from appliance.analytics.warehouse.rollup_levels import (
    LEVELS,
    PAGES,
    WIDE,
    floor_hour,
    int_key,
    text_key,
)
from appliance.analytics.warehouse.transactions import transaction

if TYPE_CHECKING:  # DuckDB loads when analytics.duckdb opens (database.py)
    import duckdb


def _source_keys(of: str, source: str) -> str:
    """Subquery: the (website_id, {of}_key, {of}_text) of the sessions or visitors (``of``)
    of the events in ``source``."""
    return (
        f"(SELECT DISTINCT website_id, {int_key(of + '_id')} AS {of}_key, "  # noqa: S608
        f"{text_key(of + '_id')} AS {of}_text FROM {source})"
    )


# the levels that have count tables (counts.py), by table
COUNTED = {entry.level.table: entry for entry in counts.COUNTS}


_BEGINNING = datetime(1970, 1, 1)  # before any event
# temp tables of one flush or seeded day
_ROWS_TABLE = "rollup_wide_rows"
_NEW_TABLE = "rollup_new_rows"
_FRESH_TABLE = "rollup_fresh_rows"


def _insert_levels(connection: duckdb.DuckDBPyConnection, events: str) -> None:
    """Append every level's rows of the events in ``events`` (a constant table name), with
    their sessions' facts. The events are grouped once into wide-level rows, whose key holds
    every level's but the page level's: those levels group these far fewer rows (sums of sums
    are exact); the page level groups the events."""
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {_ROWS_TABLE} AS {WIDE.select(events, facts=False)}"
    )
    for level in LEVELS:
        # no neighbour hours yet: the caller's refresh_neighbours computes them
        rows = level.select(
            events if level is PAGES else _ROWS_TABLE, rolled=level is not PAGES, windows=False
        )
        connection.execute(level.insert(rows))
    connection.execute(f"DROP TABLE {_ROWS_TABLE}")


def add_events(
    connection: duckdb.DuckDBPyConnection, events: str, sessions: list[str], first: datetime
) -> None:
    """Count the events of ``events`` (a constant subquery: events never counted before, with
    their sessions, the earliest in the hour ``first``; ``sessions``: their session ids) in
    every level, within the caller's transaction, after their ``sessions`` rows. Each level's
    rows of those events are added to the stored rows of the same key (sums, minimums and
    maximums merge exactly) or appended; then the session facts of every row of those
    sessions (older hours included) are refreshed, and the neighbour hours of the visitors
    that got new rows (a row merged into keeps its hour, so its neighbours stay)."""
    # every session of the events has one at or after ``first``, so last_seen >= first
    row = connection.execute(
        "SELECT min(first_seen) FROM sessions "
        "WHERE last_seen >= ? AND session_id IN (SELECT unnest(?::VARCHAR[]))",
        [first, sessions],
    ).fetchone()
    # a session's rows all lie from its first_seen on: its next-row hours may change there
    since = floor_hour(row[0]) if row and row[0] is not None else _BEGINNING
    connection.execute(
        f"CREATE OR REPLACE TEMP TABLE {_ROWS_TABLE} AS {WIDE.select(events, facts=False)}"
    )
    touched = f"(SELECT DISTINCT website_id, session_key, session_text FROM {_NEW_TABLE})"  # noqa: S608
    fresh = f"(SELECT DISTINCT website_id, visitor_key, visitor_text FROM {_FRESH_TABLE})"  # noqa: S608
    for level in LEVELS:
        rows = level.select(
            events if level is PAGES else _ROWS_TABLE,
            facts=False,
            rolled=level is not PAGES,
            windows=False,
        )
        counted = COUNTED.get(level.table)
        connection.execute(f"CREATE OR REPLACE TEMP TABLE {_NEW_TABLE} AS {rows}")
        if counted:  # the groups of the touched sessions change; so may their visitors'
            counts.cells_before(connection, counted, "groups", touched, since)
        connection.execute(level.add_rows(_NEW_TABLE), [first])
        connection.execute(
            f"CREATE OR REPLACE TEMP TABLE {_FRESH_TABLE} AS {level.fresh_rows(_NEW_TABLE)}",
            [first],
        )
        found = connection.execute(f"SELECT count(*) FROM {_FRESH_TABLE}").fetchone()  # noqa: S608
        appended = bool(found and found[0])
        if counted and appended:
            counts.cells_before(connection, counted, "visitors", fresh, since)
        connection.execute(f"INSERT INTO {level.table} BY NAME FROM {_FRESH_TABLE}")
        connection.execute(level.refresh_facts(), [first, sessions, since])
        if level.flags and appended:
            connection.execute(level.refresh_neighbours(fresh), [since])
        if counted:
            counts.cells_after(connection, counted, "groups", touched, since)
            if appended:
                counts.cells_after(connection, counted, "visitors", fresh, since)
    for table in (_ROWS_TABLE, _NEW_TABLE, _FRESH_TABLE):
        connection.execute(f"DROP TABLE {table}")


def flush_step(connection: duckdb.DuckDBPyConnection, assigned: str) -> None:
    """A flush step (batches.FlushStep): runs inside the flush's transaction, after its
    inserts; ``assigned`` is the temp table of the batch's new events and their sessions, the
    events themselves (every column) are in ``batches.TEMP.batch``."""
    row = connection.execute(
        f"SELECT min(created_at), list(DISTINCT session_id) FROM {assigned}"  # noqa: S608
    ).fetchone()
    if not row or row[0] is None:
        return
    events = (
        f"(SELECT b.* REPLACE (a.session_id AS session_id) FROM {TEMP.batch} b "  # noqa: S608
        f"JOIN {assigned} a USING (id))"
    )
    add_events(connection, events, sorted(row[1]), floor_hour(row[0]))


def rebuild(connection: duckdb.DuckDBPyConnection, website_id: str | None = None) -> None:
    """Recompute every level from events (all websites or one); used by the seeder and tests."""
    with transaction(connection):
        for level in LEVELS:
            if website_id is None:
                connection.execute(f"DELETE FROM {level.table}")  # noqa: S608
                connection.execute(level.insert(level.select("events")))
            else:
                connection.execute(
                    f"DELETE FROM {level.table} WHERE website_id = ?",  # noqa: S608
                    [website_id],
                )
                connection.execute(
                    level.insert(level.select("events", "WHERE website_id = ?")), [website_id]
                )
        counts.rebuild(connection, website_id)


def insert_from(connection: duckdb.DuckDBPyConnection, source: str) -> None:
    """Append the rows of every level for the events in ``source`` (a constant table name),
    within the caller's transaction, after their ``sessions`` rows (the seeder's bulk path).
    Their sessions and visitors may have rows already: their previous-row hours are redone."""
    # the first hour whose rows can change: the earliest first_seen of the sessions
    row = connection.execute(
        "SELECT min(first_seen) FROM sessions "  # noqa: S608
        f"WHERE session_id IN (SELECT session_id FROM {source})"
    ).fetchone()
    since = floor_hour(row[0]) if row and row[0] is not None else _BEGINNING
    sessions, visitors = _source_keys("session", source), _source_keys("visitor", source)
    for counted in counts.COUNTS:
        counts.cells_before(connection, counted, "groups", sessions, since)
        counts.cells_before(connection, counted, "visitors", visitors, since)
    _insert_levels(connection, source)
    for level in LEVELS:
        if level.flags:
            connection.execute(level.refresh_neighbours(visitors), [since])
    for counted in counts.COUNTS:
        counts.cells_after(connection, counted, "groups", sessions, since)
        counts.cells_after(connection, counted, "visitors", visitors, since)
