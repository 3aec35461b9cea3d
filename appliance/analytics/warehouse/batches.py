"""Storing one flush batch: a JSON lines file of events into ``events`` and ``sessions``, in one
transaction with the flush steps (the rollups) that must commit or roll back with it.

The batch lives in temp tables while it is stored; they are declared here, once (:data:`TEMP`),
handed by name to the code that fills them (sessions.py) or reads them (the flush steps), and
dropped by the same names when the batch is done. Run on the warehouse's writer thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from appliance.analytics.warehouse import schema, sessions
from appliance.analytics.warehouse.transactions import transaction

if TYPE_CHECKING:  # DuckDB loads when analytics.duckdb opens (database.py)
    import duckdb

FlushStep = Callable[["duckdb.DuckDBPyConnection", str], None]
"""Runs inside a flush's DuckDB transaction, after its inserts (e.g. to maintain rollups), with
the name of the temp table of the batch's new events (already in ``events``): id, website_id,
visitor_id, created_at, session_id and ``late`` (it counted in its session without moving its
clock); the events' other columns are in :data:`TEMP`'s ``batch``. It commits or rolls back
with the events."""


@dataclass(frozen=True)
class TempTables:
    """The temp tables of one batch (constant names, never input)."""

    batch: str  # the events as loaded from the file, no session id
    current: str  # the stored session each (website, visitor) of the batch would continue
    assigned: str  # each new event's keys and session (what the flush steps read)


TEMP = TempTables(batch="flush_batch", current="flush_current", assigned="flush_assigned")

# The statements are built from the constant column lists of schema.py, never from input.
_EVENT_NAMES = ", ".join(name for name, _ in schema.EVENT_COLUMNS)
_LOAD_BATCH = (
    f"CREATE OR REPLACE TEMP TABLE {TEMP.batch} AS SELECT {_EVENT_NAMES} FROM read_json(?, "  # noqa: S608
    f"format = 'newline_delimited', columns = {schema.json_columns(schema.EVENT_COLUMNS)})"
)
# UUIDv7 ids are time-ordered, so the BETWEEN lets DuckDB skip every row group outside the
# batch's span.
_DROP_STORED = (
    f"DELETE FROM {TEMP.batch} WHERE id IN (SELECT id FROM events WHERE id BETWEEN "  # noqa: S608
    f"(SELECT min(id) FROM {TEMP.batch}) AND (SELECT max(id) FROM {TEMP.batch}))"
)


def store_batch(
    connection: duckdb.DuckDBPyConnection,
    events_file: Path,
    *,
    skip_stored: bool,
    steps: Sequence[FlushStep],
) -> int:
    """In one transaction: load the events of ``events_file`` (JSON lines with the events
    table's columns, no session id), drop those already stored when ``skip_stored`` (a
    replay), insert them with their sessions and update ``sessions`` (sessions.py), then run
    each step with the name of the temp table that holds the new events' keys and session
    ids. Returns the events inserted."""
    with transaction(connection):
        connection.execute(_LOAD_BATCH, [str(events_file)])
        if skip_stored:
            connection.execute(_DROP_STORED)
        row = connection.execute(f"SELECT count(*) FROM {TEMP.batch}").fetchone()  # noqa: S608
        fresh = int(row[0]) if row else 0
        if fresh:
            sessions.assign(
                connection, batch=TEMP.batch, current=TEMP.current, assigned=TEMP.assigned
            )
            for step in steps:
                step(connection, TEMP.assigned)
        for table in astuple(TEMP):  # their memory goes back now, not at the next flush
            connection.execute(f"DROP TABLE IF EXISTS {table}")
    return fresh
