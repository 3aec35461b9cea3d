"""The ingest journal: ``ingest-journal.db``, SQLite in WAL mode.

Collect answers 202 only after the request's events are committed here. One writer thread owns
the write connection and group-commits: it takes every request waiting in its queue, writes
all their events as **one row** (newline-separated JSON, with the event count) in one
transaction — one SQLite step and one fsync with ``synchronous=FULL`` however many requests
joined the group, so the writer barely needs the GIL — and then wakes each waiting request on
the event loop. The flusher reads committed rows through its own connection and asks the writer
to delete them once DuckDB has committed their events.

A commit that fails (a full disk) fails the requests in it: nothing of theirs was stored or
acknowledged (collect answers 503). Its cause is :attr:`Journal.problem`, the part's health
problem, until a commit succeeds; the flusher probes with :meth:`Journal.probe` meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("sparkhouse.analytics")

JOURNAL_FILE = "ingest-journal.db"
MAX_GROUP_EVENTS = 20_000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    events INTEGER NOT NULL,
    payload BLOB NOT NULL
)
"""


@dataclass(frozen=True)
class Row:
    """One group commit: ``events`` lines (see ``pipeline.journal_line``)."""

    seq: int
    events: int
    payload: bytes


Done = Callable[[BaseException | None], None]
"""Called on the event loop once a write is committed (None) or has failed (the error)."""


@dataclass
class _Append:
    payloads: Sequence[bytes]
    done: Done
    loop: asyncio.AbstractEventLoop


@dataclass
class _Delete:
    first: int
    last: int
    done: Done
    loop: asyncio.AbstractEventLoop


@dataclass
class _Probe:
    """A write that stores nothing (a row inserted and deleted in one transaction): whether the
    journal can commit again after a failure, when no request comes to find out."""

    done: Done
    loop: asyncio.AbstractEventLoop


@dataclass
class _Many:
    appends: list[_Append]


@dataclass
class _Stop:
    done: threading.Event = field(default_factory=threading.Event)


_Op = _Many | _Delete | _Probe | _Stop


def _resolve(callbacks: list[Done], error: BaseException | None) -> None:
    for callback in callbacks:
        try:
            callback(error)
        except Exception:
            log.exception("ingest journal callback failed")


def _settle(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


def _connect(path: Path, sync: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={sync.upper()}")
    connection.execute("PRAGMA busy_timeout=10000")
    # Debian's SQLite zeroes deleted content by default: each flush's delete then rewrote every
    # freed page into the WAL and its fsync stalled the group commits behind it
    # (docs/decisions/analytics-journal-secure-delete.md). Journaled events are in DuckDB by
    # then; no IP is stored.
    connection.execute("PRAGMA secure_delete=OFF")
    return connection


class Journal:
    def __init__(self, path: Path, sync: str = "full") -> None:
        if sync not in ("full", "normal", "off"):
            raise ValueError(f"journal sync mode {sync!r}")
        self.path = path
        self.sync = sync
        self._queue: queue.SimpleQueue[_Op] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._reader: sqlite3.Connection | None = None
        self._batch: list[_Append] = []
        self.groups = 0  # transactions committed (for the bench: requests per group)
        self.last_seq_at_open = 0  # rows up to here may be in DuckDB already (a replay)
        self.appends = 0
        self.problem: str | None = None  # why the last commit failed, until one succeeds

    @classmethod
    def in_dir(cls, data_dir: Path, sync: str = "full") -> Journal:
        return cls(data_dir / JOURNAL_FILE, sync)

    # -- lifecycle (blocking; call in a thread) --------------------------------------------

    def open(self) -> int:
        """Create or open the journal and start the writer; returns the events it holds."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        writer = _connect(self.path, self.sync)
        writer.execute(_SCHEMA)
        self._reader = _connect(self.path, self.sync)
        (pending, last) = self._reader.execute(
            "SELECT coalesce(sum(events), 0), coalesce(max(seq), 0) FROM journal"
        ).fetchone()
        self.last_seq_at_open = int(last)
        self._thread = threading.Thread(
            target=self._run, args=(writer,), name="ingest-journal", daemon=True
        )
        self._thread.start()
        return int(pending)

    def close(self) -> None:
        thread, self._thread = self._thread, None  # a second close finds nothing to stop
        if thread is not None and thread.is_alive():
            stop = _Stop()
            self._queue.put(stop)
            stop.done.wait(30)
            thread.join(30)
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    # -- writes (from the event loop) ------------------------------------------------------

    def append(self, payloads: Sequence[bytes], done: Done) -> None:
        """Queue ``payloads`` (one line each, no newline inside); ``done`` runs
        on this event loop once they are committed (durably, with sync=full) or failed. The
        write happens whether or not anyone still waits for it."""
        if self._thread is None:
            raise RuntimeError("the ingest journal is closed")
        loop = asyncio.get_running_loop()
        # Requests of one loop iteration go to the writer together: one queue hand-off (one
        # thread wake-up) per iteration instead of one per request.
        if not self._batch:
            loop.call_soon(self._hand_off)
        self._batch.append(_Append(payloads, done, loop))

    def _hand_off(self) -> None:
        batch, self._batch = self._batch, []
        self._queue.put(_Many(batch))

    async def delete(self, first: int, last: int) -> None:
        """Delete rows ``first..last`` (inclusive) once they are safe in DuckDB."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._submit(_Delete(first, last, functools.partial(_settle, future), loop))
        await future

    async def probe(self) -> None:
        """Commit a write that stores nothing; clears :attr:`problem` when it succeeds."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._submit(_Probe(functools.partial(_settle, future), loop))
        await future

    def _submit(self, op: _Op) -> None:
        if self._thread is None:
            raise RuntimeError("the ingest journal is closed")
        self._queue.put(op)

    # -- reads (from the flusher's thread) -------------------------------------------------

    def rows(self, after: int, limit: int) -> Iterator[Row]:
        """Rows after ``after`` until they hold at least ``limit`` events (or none are left),
        one at a time: a batch of a backlog is never all in memory here."""
        if self._reader is None:
            raise RuntimeError("the ingest journal is closed")
        total = 0
        cursor = self._reader.execute(
            "SELECT seq, events, payload FROM journal WHERE seq > ? ORDER BY seq", (after,)
        )
        try:
            for seq, events, payload in cursor:
                yield Row(int(seq), int(events), bytes(payload))
                total += int(events)
                if total >= limit:
                    break
        finally:
            cursor.close()

    # -- the writer thread -----------------------------------------------------------------

    def _run(self, connection: sqlite3.Connection) -> None:
        try:
            while True:
                op = self._queue.get()
                if isinstance(op, _Stop):
                    op.done.set()
                    return
                group: list[_Append | _Delete | _Probe] = []
                events = 0
                stop: _Stop | None = None
                while True:
                    if isinstance(op, _Many):
                        group.extend(op.appends)
                        events += sum(len(append.payloads) for append in op.appends)
                    elif isinstance(op, _Delete | _Probe):
                        group.append(op)
                    else:
                        stop = op
                        break
                    if events >= MAX_GROUP_EVENTS:
                        break
                    try:
                        op = self._queue.get_nowait()
                    except queue.Empty:
                        break
                self._commit(connection, group)
                if stop is not None:
                    stop.done.set()
                    return
        finally:
            connection.close()

    def _commit(
        self, connection: sqlite3.Connection, group: list[_Append | _Delete | _Probe]
    ) -> None:
        error: BaseException | None = None
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                payloads = [p for op in group if isinstance(op, _Append) for p in op.payloads]
                if payloads:
                    connection.execute(
                        "INSERT INTO journal (events, payload) VALUES (?, ?)",
                        (len(payloads), b"\n".join(payloads)),
                    )
                elif any(isinstance(op, _Probe) for op in group):
                    connection.execute("INSERT INTO journal (events, payload) VALUES (0, x'')")
                    connection.execute("DELETE FROM journal WHERE seq = last_insert_rowid()")
                for op in group:
                    if isinstance(op, _Delete):
                        connection.execute(
                            "DELETE FROM journal WHERE seq BETWEEN ? AND ?", (op.first, op.last)
                        )
                connection.execute("COMMIT")
            except BaseException:
                # SQLite may have rolled back already (it does on a full disk): then a ROLLBACK
                # would fail and hide the cause.
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            self.groups += 1
            self.appends += sum(1 for op in group if isinstance(op, _Append))
        except Exception as exc:
            problem = f"journal commit failed: {exc}"
            if problem != self.problem:  # once per cause, not for every refused request
                log.exception("ingest journal commit failed; refusing events until it succeeds")
            self.problem = problem
            error = exc
        else:
            if self.problem is not None:
                log.info("the ingest journal commits again after: %s", self.problem)
                self.problem = None
        by_loop: dict[asyncio.AbstractEventLoop, list[Done]] = {}
        for op in group:
            by_loop.setdefault(op.loop, []).append(op.done)
        for loop, callbacks in by_loop.items():
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                loop.call_soon_threadsafe(_resolve, callbacks, error)
