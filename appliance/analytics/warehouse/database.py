"""The one owner of ``analytics.duckdb``: it opens and closes the file and runs every DuckDB call.

Every DuckDB call runs off the event loop: writes (flushes, retention, migrations) on one
dedicated thread that owns the connection, reads on a small pool, each with its own cursor of
the same connection (DuckDB runs them concurrently, with snapshot isolation against writes).
Nothing else in the process opens the file.

It opens on first use (a flush with events to move, a query, retention), not at start-up:
an appliance whose analytics nobody uses never loads DuckDB (~55 MB of RSS and its import
time). ``open_hooks`` run on the writer thread right after the schema is migrated.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from appliance.analytics.warehouse import schema

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger("sparkhouse.analytics")

DUCKDB_FILE = "analytics.duckdb"
T = TypeVar("T")


class Warehouse:
    def __init__(self, path: Path, memory_limit: str = "1GB", threads: int | None = None) -> None:
        self.path = path
        self.memory_limit = memory_limit
        # DuckDB's ``threads`` is one setting for the whole database (every cursor, the
        # writer's included): every core, so that one analytics query scans its row groups
        # in parallel. Flushes are small appends that barely use a second thread; queries
        # run on the reader pool, so a query and a flush run concurrently and neither waits
        # for the other (snapshot isolation).
        self.threads = threads or os.cpu_count() or 1
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="duckdb-writer")
        self._readers = ThreadPoolExecutor(self.threads, thread_name_prefix="duckdb-reader")
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._closed = False
        self.schema_version = 0
        self.open_hooks: list[Callable[[duckdb.DuckDBPyConnection], None]] = []

    @classmethod
    def in_dir(cls, data_dir: Path, memory_limit: str = "1GB") -> Warehouse:
        return cls(data_dir / DUCKDB_FILE, memory_limit)

    @property
    def is_open(self) -> bool:
        return self._connection is not None

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        if self._connection is None:
            raise RuntimeError("analytics.duckdb is not open")
        return self._connection

    # -- lifecycle -------------------------------------------------------------------------

    async def open(self) -> None:
        await self.write(lambda _: None)

    def _open(self) -> None:
        """On the writer thread."""
        if self._closed:
            raise RuntimeError("analytics.duckdb is closed (the server is stopping)")
        import duckdb

        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = duckdb.connect(
            str(self.path),
            config={
                "memory_limit": self.memory_limit,
                "threads": self.threads,
                # Self-contained (packaging): never read ~/.duckdb nor fetch extensions (json
                # and parquet are built in), so the binary, systemd's DynamicUser (no home)
                # and read-only containers behave alike.
                "home_directory": str(self.path.parent / ".duckdb"),
                "extension_directory": str(self.path.parent / ".duckdb" / "extensions"),
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
            },
        )
        try:
            self.schema_version = schema.migrate(connection)
            for hook in self.open_hooks:
                hook(connection)
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        log.info("analytics.duckdb open (schema version %d)", self.schema_version)

    async def close(self) -> None:
        def close(connection: duckdb.DuckDBPyConnection) -> None:
            connection.execute("CHECKPOINT")
            connection.close()
            self._connection = None

        if self._connection is not None:
            await self.write(close)
        self._closed = True
        self._readers.shutdown(wait=True)
        self._writer.shutdown(wait=True)

    # -- running work ----------------------------------------------------------------------

    async def write(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run ``work(connection)`` on the writer thread (opening the file first if needed)."""

        def run() -> T:
            if self._connection is None:
                self._open()
            return work(self.connection)

        return await asyncio.get_running_loop().run_in_executor(self._writer, run)

    async def read(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run ``work(cursor)`` on a reader thread with a cursor of its own."""
        if self._connection is None:
            await self.open()  # on the writer thread, which serialises concurrent first uses

        def run() -> T:
            cursor = self.connection.cursor()
            try:
                return work(cursor)
            finally:
                cursor.close()

        return await asyncio.get_running_loop().run_in_executor(self._readers, run)

    async def ping(self) -> bool:
        """Whether DuckDB answers a trivial query within two seconds (GET /health)."""
        try:
            async with asyncio.timeout(2.0):
                await self.read(lambda cursor: cursor.execute("SELECT 1"))
        except Exception:  # any failure means "degraded"; the reason is in the log
            log.warning("health: DuckDB did not answer a ping", exc_info=True)
            return False
        return True
