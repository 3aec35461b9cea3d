"""The one owner of ``analytics.duckdb``: it opens and closes the file and runs every DuckDB call.

Every DuckDB call runs off the event loop: writes (flushes, retention, migrations) on one
dedicated thread that owns the connection, reads on a small pool, each with its own cursor of
the same connection (DuckDB runs them concurrently, with snapshot isolation against writes).
Nothing else in the process opens the file.

Reads have a deadline (``query_timeout`` seconds, from the call): past it the read's cursor is
interrupted and the caller gets :class:`QueryTimeout` (503). Heavy reads (CSV exports, share
overviews) also take a slot of a semaphore, so they never hold every reader thread at once.

It opens on first use (a flush with events to move, a query, retention), not at start-up:
an appliance whose analytics nobody uses never pays DuckDB's memory and import time
(docs/decisions/startup-deferred-work.md). ``open_hooks`` run on the writer thread right after
the schema is migrated.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from appliance.analytics.warehouse import schema
from appliance.platform.errors import ServiceError

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger("sparkhouse.analytics")

DUCKDB_FILE = "analytics.duckdb"
QUERY_TIMEOUT_SECONDS = 10.0
RELEASE_AFTER_SECONDS = 2.0
_INTERRUPT_EVERY = 0.05  # seconds between interrupts of a read that has not stopped yet
T = TypeVar("T")


class QueryTimeout(ServiceError):
    """A read ran past its deadline and was interrupted."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            503,
            "query_timeout",
            f"The query took longer than {seconds:g} s and was stopped; narrow the date range "
            "or the filters and try again.",
        )


class WarehouseClosed(ServiceError):
    """A read arrived, or was running, while the server stops."""

    def __init__(self) -> None:
        super().__init__(503, "unavailable", "Analytics is stopping; try again in a moment.")


class _Read:
    """One read as the event loop sees it: the cursor its thread runs, so that the loop can
    interrupt it. ``stopped`` is set first, so a read not started yet never starts."""

    def __init__(self) -> None:
        self.stopped = False
        self._cursor: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()  # interrupt() never meets a cursor being closed

    def run(self, connection: duckdb.DuckDBPyConnection, work: Callable[..., T]) -> T:
        """On a reader thread."""
        if self.stopped:
            raise _Stopped
        cursor = connection.cursor()
        with self._lock:
            self._cursor = cursor
        try:
            if self.stopped:  # stopped while the cursor was made: its interrupt found none
                raise _Stopped
            return work(cursor)
        finally:
            with self._lock:
                self._cursor = None
                cursor.close()

    def interrupt(self) -> None:
        """From the event loop: stop the read. DuckDB forgets an interrupt that arrives
        between two statements of ``work``, so the loop repeats it until the read is over."""
        self.stopped = True
        with self._lock:
            if self._cursor is not None:
                self._cursor.interrupt()


class _Stopped(Exception):
    """A read stopped before its first statement."""


class Warehouse:
    def __init__(
        self,
        path: Path,
        memory_limit: str = "256MB",
        threads: int | None = None,
        *,
        query_timeout: float = QUERY_TIMEOUT_SECONDS,
        heavy_reads: int | None = None,
        release_after: float = RELEASE_AFTER_SECONDS,
    ) -> None:
        self.path = path
        self.memory_limit = memory_limit
        # DuckDB's ``threads`` is one setting for the whole database (every cursor, the
        # writer's included): by default half the cores, so that DuckDB never takes the core
        # the event loop answers requests on (docs/decisions/analytics-duckdb-reads.md).
        # Queries run on the reader pool, each on its own thread, so a query and a flush run
        # concurrently and neither waits for the other (snapshot isolation).
        self.threads = threads or default_threads()
        self.query_timeout = query_timeout
        self.release_after = release_after
        readers = max(2, self.threads)  # concurrent reads, whatever each one's parallelism
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="duckdb-writer")
        self._readers = ThreadPoolExecutor(readers, thread_name_prefix="duckdb-reader")
        # heavy reads leave a reader thread free for the dashboard's light ones
        self._heavy = asyncio.Semaphore(heavy_reads or max(1, readers - 1))
        self._running: set[_Read] = set()
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._closed = False
        # DuckDB keeps the memory its work freed (up to memory_limit) until the limit is
        # lowered: once nothing has run for ``release_after`` seconds, it is given back
        # (:meth:`_release`). Reads and writes in flight are counted; a release holds
        # ``_quiet`` so that none starts meanwhile.
        self._busy = 0
        self._holding = False  # something ran since the last release
        self._quiet = asyncio.Lock()
        self._release_timer: asyncio.TimerHandle | None = None
        self.schema_version = 0
        self.open_hooks: list[Callable[[duckdb.DuckDBPyConnection], None]] = []

    @classmethod
    def in_dir(
        cls,
        data_dir: Path,
        memory_limit: str = "256MB",
        *,
        threads: int | None = None,
        query_timeout: float = QUERY_TIMEOUT_SECONDS,
    ) -> Warehouse:
        return cls(data_dir / DUCKDB_FILE, memory_limit, threads, query_timeout=query_timeout)

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
        """Stop the reads still running, then checkpoint and close the file. Waiting for the
        threads happens off the event loop."""
        self._closed = True
        if self._release_timer is not None:
            self._release_timer.cancel()
        while self._running:
            for read in list(self._running):
                read.interrupt()
            await asyncio.sleep(_INTERRUPT_EVERY)
        await asyncio.to_thread(self._readers.shutdown)

        def close(connection: duckdb.DuckDBPyConnection) -> None:
            connection.execute("CHECKPOINT")
            connection.close()
            self._connection = None

        if self._connection is not None:
            await self.write(close)
        await asyncio.to_thread(self._writer.shutdown)

    # -- running work ----------------------------------------------------------------------

    async def write(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run ``work(connection)`` on the writer thread (opening the file first if needed)."""

        def run() -> T:
            if self._connection is None:
                self._open()
            return work(self.connection)

        await self._enter()
        return await self._track(asyncio.get_running_loop().run_in_executor(self._writer, run))

    async def _enter(self) -> None:
        """Before a read or write: wait for a release in progress."""
        if self._quiet.locked():
            async with self._quiet:
                pass

    def _track(self, future: asyncio.Future[T]) -> asyncio.Future[T]:
        """Count ``future`` as work in flight until it is done, then time the next release
        from there (its thread may outlive a caller that stopped waiting)."""
        self._busy += 1
        self._holding = True
        future.add_done_callback(self._done)
        return future

    def _done(self, _: object) -> None:
        self._busy -= 1
        if self._busy or self._closed:
            return
        if self._release_timer is not None:
            self._release_timer.cancel()
        self._release_timer = asyncio.get_running_loop().call_later(
            self.release_after, lambda: asyncio.ensure_future(self._release())
        )

    async def _release(self) -> None:
        """Give back the memory DuckDB kept from finished work: lowering the limit evicts its
        unused buffers (the file's blocks are re-read from the OS cache when needed), then
        the limit is restored. Only while nothing runs: a read under the lowered limit could
        fail for memory."""
        if self._busy or not self._holding or self._closed or self._connection is None:
            return
        async with self._quiet:
            if self._busy or self._closed or self._connection is None:
                return
            self._holding = False
            try:
                await asyncio.get_running_loop().run_in_executor(self._writer, self._shrink)
            except Exception as error:  # duckdb.OutOfMemoryException, mostly
                # Best effort: buffers still pinned (a temp table, a result being read) keep
                # their memory until the next release; nothing else is affected.
                log.info("analytics.duckdb: memory not released this time (%s)", error)

    def _shrink(self) -> None:
        """On the writer thread."""
        connection = self._connection
        if connection is None:
            return
        try:
            connection.execute("SET memory_limit = '1MB'")
        finally:
            connection.execute("SET memory_limit = ?", [self.memory_limit])

    async def read(
        self, work: Callable[[duckdb.DuckDBPyConnection], T], *, heavy: bool = False
    ) -> T:
        """Run ``work(cursor)`` on a reader thread with a cursor of its own, within the
        deadline (else :class:`QueryTimeout`). ``heavy``: a CSV export batch, a share overview
        — it waits for a slot of the heavy-read semaphore first."""
        if not heavy:
            return await self._read(work)
        async with self._heavy:
            return await self._read(work)

    async def _read(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        if self._closed:
            raise WarehouseClosed
        if self._connection is None:
            await self.open()  # on the writer thread, which serialises concurrent first uses
        await self._enter()
        if self._closed:
            raise WarehouseClosed
        read = _Read()
        loop = asyncio.get_running_loop()
        started = loop.time()
        future = self._track(loop.run_in_executor(self._readers, read.run, self.connection, work))
        self._running.add(read)
        future.add_done_callback(lambda _: self._running.discard(read))
        try:
            done, _ = await asyncio.wait([future], timeout=self.query_timeout)
            if not done:
                await self._stop(read, future)
            elif loop.time() - started > self.query_timeout:
                # asyncio.wait also reports a result that landed in the loop turn that fired
                # the timeout (a busy loop, a tiny deadline): late is late all the same
                read.stopped = True
        except asyncio.CancelledError:
            read.interrupt()  # the caller is gone (a client that left, a ping's own timeout)
            raise
        if not read.stopped:
            return future.result()
        error = future.exception()
        if error is not None and not _interrupted(error):
            raise error  # an error of the work's own tells more than the deadline
        # stopped by the deadline or by close(); a result that came meanwhile is dropped
        raise WarehouseClosed if self._closed else QueryTimeout(self.query_timeout)

    @staticmethod
    async def _stop(read: _Read, future: asyncio.Future[T]) -> None:
        """Interrupt ``read`` until its thread is done with it."""
        while not future.done():
            read.interrupt()
            await asyncio.wait([future], timeout=_INTERRUPT_EVERY)

    async def ping(self) -> bool:
        """Whether DuckDB answers a trivial query within two seconds (GET /health)."""
        try:
            async with asyncio.timeout(2.0):
                await self.read(lambda cursor: cursor.execute("SELECT 1"))
        except Exception:  # any failure means "degraded"; the reason is in the log
            log.warning("health: DuckDB did not answer a ping", exc_info=True)
            return False
        return True


def default_threads() -> int:
    """DuckDB's threads when the setting is 0: half the cores, at least one."""
    return max(1, (os.cpu_count() or 1) // 2)


def _interrupted(error: BaseException) -> bool:
    """Whether a read ended because it was stopped (DuckDB is loaded: a read has run)."""
    import duckdb

    return isinstance(error, _Stopped | duckdb.InterruptException)
