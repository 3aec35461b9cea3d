"""One DuckDB transaction as a ``with`` block: every multi-statement write of the warehouse
(migrations, a flush batch, retention, rebuilds) commits whole or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # DuckDB loads when analytics.duckdb opens (database.py)
    import duckdb


@contextmanager
def transaction(connection: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN; COMMIT when the block ends, ROLLBACK when it raises (anything, interrupts too)."""
    connection.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
