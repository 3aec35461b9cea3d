"""Deleting analytics data: retention (everything before a whole hour) and one website's data.

Each deletion cuts ``events``, ``sessions``, every rollup level (rollup_levels.py) and their
count tables (counts.py) in one transaction, so the levels stay exact: retention cuts at a
whole hour, so no rollup row is left with part of its events, and clears the neighbour hours
that pointed before the cut (the rows left are then the first of their keys). Run on the
warehouse's writer thread.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from appliance.analytics.warehouse import counts
from appliance.analytics.warehouse.rollup_levels import LEVELS, floor_hour
from appliance.analytics.warehouse.transactions import transaction

if TYPE_CHECKING:  # DuckDB loads when analytics.duckdb opens (database.py)
    import duckdb


def delete_older_than(connection: duckdb.DuckDBPyConnection, cutoff: datetime) -> int:
    """Retention: events before ``cutoff`` rounded down to the hour (so rollup rows are whole),
    the sessions that ended before it, and the rollup rows of every level before it; returns
    events deleted."""
    cutoff = floor_hour(cutoff)
    with transaction(connection):
        row = connection.execute("DELETE FROM events WHERE created_at < ?", [cutoff]).fetchone()
        deleted = int(row[0]) if row else 0
        if not deleted:  # no event, so no rollup row, before the cut
            return 0
        connection.execute("DELETE FROM sessions WHERE last_seen < ?", [cutoff])
        counts.before_cut(connection, cutoff)
        for level in LEVELS:
            connection.execute(f"DELETE FROM {level.table} WHERE hour < ?", [cutoff])  # noqa: S608
        # the rows left are the first of their keys now wherever the previous one was cut
        for level in LEVELS:
            if level.flags:
                connection.execute(level.clear_neighbours(), [cutoff] * 2 * len(level.neighbours))
        counts.after_cut(connection, cutoff)
    return deleted


def delete_website_data(connection: duckdb.DuckDBPyConnection, website_id: str) -> int:
    """Delete every event, session and rollup row of a website in one transaction (run it on
    the warehouse's writer: ``await warehouse.write(lambda c: delete_website_data(c, id))``);
    returns events deleted."""
    with transaction(connection):
        row = connection.execute("DELETE FROM events WHERE website_id = ?", [website_id]).fetchone()
        connection.execute("DELETE FROM sessions WHERE website_id = ?", [website_id])
        for level in LEVELS:
            connection.execute(
                f"DELETE FROM {level.table} WHERE website_id = ?",  # noqa: S608
                [website_id],
            )
        counts.delete_website(connection, website_id)
    return int(row[0]) if row else 0
