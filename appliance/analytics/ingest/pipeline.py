"""The durable path of an accepted event: journal → (flusher) → DuckDB.

* ``append`` reserves room in the backlog (events journaled but not yet in DuckDB), refusing
  with :class:`Overloaded` past ``capacity``, and returns once the journal has committed
  (:class:`JournalFailed`, also a 503, when the commit failed: nothing was acknowledged).
* The flusher wakes every ``flush_ms`` or as soon as ``buffer_size`` events wait. One flush
  moves committed journal rows in batches of up to ``batch_events`` events, each in one DuckDB
  transaction (warehouse/batches.py): it drops the ids DuckDB may already hold (a replay
  after a crash between the two commits), assigns sessions (warehouse/sessions.py), inserts
  events and sessions and runs the flush steps (the rollups); only then are the rows deleted
  from the journal. The per-event work is SQL: DuckDB runs it without the GIL, so requests
  stay fast meanwhile.
* ``start`` replays whatever the journal holds; ``stop`` drains it completely. DuckDB opens
  with the first flush that has events to move (or the first query).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from appliance.analytics.ingest.journal import Journal
from appliance.analytics.warehouse import batches, rollups
from appliance.analytics.warehouse.batches import FlushStep
from appliance.analytics.warehouse.database import Warehouse
from appliance.platform.errors import ServiceError

if TYPE_CHECKING:  # DuckDB loads when analytics.duckdb opens (warehouse/database.py)
    import duckdb

log = logging.getLogger("sparkhouse.analytics")


def journal_line(record: dict[str, Any]) -> bytes:
    """One event as the journal keeps it: its row as one line of JSON (JSON text never holds
    a raw newline), handed to DuckDB untouched."""
    return orjson.dumps(record)


def _json_lines(payload: bytes) -> bytes:
    """A journal row's events as JSON lines. Rows journaled by earlier versions put a small
    JSON head and a tab before each event's row (JSON text never holds a raw tab)."""
    if b"\t" not in payload:
        return payload
    return b"\n".join(line.partition(b"\t")[2] for line in payload.split(b"\n"))


BATCH_EVENTS = 100_000
"""Most events one flush moves in one DuckDB transaction (at least ``buffer_size``). A backlog
(a replay, DuckDB slower for a while) drains in large batches: each batch recomputes the
rollup rows of every session it touches, and with many visitors active every batch touches
most of them, so fewer, larger batches move a backlog faster
(docs/decisions/analytics-flush-batch-size.md). The batch streams from the journal to a file,
so its size costs no Python memory."""


RETRY_AFTER_OVERLOADED = "5"


class Overloaded(ServiceError):
    """The backlog cannot take these events now: analytics-api.md's 503 (section 3.3)."""

    def __init__(self) -> None:
        super().__init__(
            503,
            "ingest_overloaded",
            "Ingestion queue is overloaded, retry later",
            headers={"Retry-After": RETRY_AFTER_OVERLOADED},
        )


class JournalFailed(ServiceError):
    """The journal could not commit these events (a full disk, say): none was stored, so the
    client may send them again."""

    def __init__(self) -> None:
        super().__init__(
            503,
            "ingest_unavailable",
            "Events could not be stored right now, retry later",
            headers={"Retry-After": RETRY_AFTER_OVERLOADED},
        )


@dataclass(frozen=True)
class _Batch:
    """Journal rows ``first_seq..last_seq`` (``events`` events) as the JSON lines file ``path``."""

    first_seq: int
    last_seq: int
    events: int
    path: Path
    slot: int


def _remove_file_of(read: asyncio.Task[_Batch | None]) -> None:
    """Remove the file of a batch read ahead that will not be stored now."""
    if read.cancelled() or read.exception() is not None:
        return
    batch = read.result()
    if batch is not None:
        with contextlib.suppress(OSError):
            os.remove(batch.path)


@dataclass(frozen=True)
class FlushResult:
    first_seq: int
    last_seq: int
    rows: int  # events read from the journal (including any already in DuckDB)
    inserted: int
    seconds: float


class Pipeline:
    def __init__(
        self,
        journal: Journal,
        warehouse: Warehouse,
        *,
        buffer_size: int,
        flush_ms: int,
        capacity: int,
        work_dir: Path,
        batch_events: int | None = None,
    ) -> None:
        self.journal = journal
        self.warehouse = warehouse
        self.buffer_size = buffer_size
        self.batch_events = batch_events or max(buffer_size, BATCH_EVENTS)
        self.flush_seconds = flush_ms / 1000
        self.capacity = capacity
        self.work_dir = work_dir
        # rollups change in the flush's transaction: never out of step with the events
        self.flush_steps: list[FlushStep] = [rollups.flush_step]
        self.pending = 0  # admitted events not yet deleted from the journal
        self.flushed_total = 0
        self.last_flush: FlushResult | None = None
        self._cursor = 0  # highest journal seq handed to DuckDB
        # Rows up to this seq may already be in DuckDB, so their ids are checked: the rows found
        # at start-up (a crash between DuckDB's commit and the journal delete) and the rows of
        # a batch whose DuckDB transaction failed (its outcome is not trusted). Rows journaled
        # later by this process cannot be there: the check, a query with every id of the batch,
        # is skipped for them.
        self._check_through = 0
        self._undeleted: list[tuple[int, int, int]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._flush_lock = asyncio.Lock()
        self._stopping = False

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.pending = await asyncio.to_thread(self.journal.open)
        self._check_through = self.journal.last_seq_at_open
        if self.pending:
            log.info("replaying %d journaled event(s) into analytics.duckdb", self.pending)
            await self.flush()
        self._task = asyncio.create_task(self._run(), name="analytics-flusher")

    async def stop(self) -> None:
        """Drain the journal into DuckDB, then close both."""
        self._stopping = True
        self._wake.set()
        task, self._task = self._task, None
        if task is not None:
            # not cancelled: a flush in progress finishes (its journal delete included)
            await asyncio.wait([task])
        try:
            await self.flush()
            if self.pending:
                log.warning("%d event(s) stay in the journal for the next start", self.pending)
        finally:
            await asyncio.to_thread(self.journal.close)
            await self.warehouse.close()

    # -- admission -------------------------------------------------------------------------

    async def append(self, payloads: list[bytes]) -> int:
        """Journal ``payloads`` durably; returns the backlog after them."""
        count = len(payloads)
        if self._stopping or self.pending + count > self.capacity:
            raise Overloaded()
        waiter = asyncio.get_running_loop().create_future()

        def written(error: BaseException | None) -> None:
            # Runs whether or not the request still waits: a client that goes away cancels
            # its request, not the write, so the reservation lasts until the write is done.
            if error is not None:
                self.pending -= count  # nothing was written: give the room back
                if not waiter.done():
                    waiter.set_exception(error)
                return
            if self.pending >= self.buffer_size:
                self._wake.set()
            if not waiter.done():
                waiter.set_result(None)

        self.journal.append(payloads, written)
        self.pending += count
        try:
            await waiter
        except Exception as exc:  # the journal's commit failed (logged there)
            raise JournalFailed() from exc
        return self.pending

    def problems(self) -> list[str]:
        """For the health check: what keeps accepted events from being stored."""
        problem = self.journal.problem
        return [problem] if problem else []

    # -- flushing --------------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.flush_seconds)
            self._wake.clear()
            if self._stopping:
                return
            if self.journal.problem is not None:
                # No request may come to find out that the journal commits again.
                with contextlib.suppress(Exception):
                    await self.journal.probe()
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("analytics flush failed; the events stay in the journal")
                self._wake.clear()
                with contextlib.suppress(TimeoutError):  # back off; stop() cuts it short
                    await asyncio.wait_for(self._wake.wait(), min(self.flush_seconds, 5.0))

    async def flush(self) -> int:
        """Move everything committed in the journal into DuckDB; returns events inserted."""
        inserted = 0
        if not self.pending:
            # nothing to move (rows stay counted until deleted, so no delete is owed either):
            # DuckDB stays closed until there is, and an idle server touches no file
            return 0
        async with self._flush_lock:
            await self._retry_deletes()
            deletes: list[asyncio.Task[None]] = []
            try:
                batch = await asyncio.to_thread(self._read_batch, self._cursor, 0)
                while batch is not None:
                    # A full batch may have more behind it: read the next one from the journal
                    # while DuckDB stores this one (DuckDB's work does not hold the GIL).
                    following = (
                        asyncio.create_task(
                            asyncio.to_thread(self._read_batch, batch.last_seq, 1 - batch.slot)
                        )
                        if batch.events >= self.batch_events
                        else None
                    )
                    try:
                        result = await self.warehouse.write(functools.partial(self._store, batch))
                    except BaseException:
                        if following is not None:
                            await asyncio.wait([following])
                            _remove_file_of(following)
                        raise
                    inserted += result.inserted
                    self.flushed_total += result.inserted
                    self.last_flush = result
                    # The journal delete (a commit with its fsync, on the journal's writer)
                    # overlaps the next batch's DuckDB work: the cursor already skips these rows.
                    deletes.append(
                        asyncio.create_task(
                            self._delete(result.first_seq, result.last_seq, result.rows)
                        )
                    )
                    batch = await following if following is not None else None
            finally:
                if deletes:
                    await asyncio.wait(deletes)
        return inserted

    async def _delete(self, first: int, last: int, rows: int) -> None:
        try:
            await self.journal.delete(first, last)
        except Exception:
            log.exception("journal delete failed; retrying at the next flush")
            self._undeleted.append((first, last, rows))
            return
        self.pending -= rows

    async def _retry_deletes(self) -> None:
        waiting, self._undeleted = self._undeleted, []
        for first, last, rows in waiting:
            await self._delete(first, last, rows)

    def _read_batch(self, after: int, slot: int) -> _Batch | None:
        """The journal rows after ``after`` up to ``batch_events`` events, written as one JSON
        lines file for DuckDB (``slot``: two batches may be in flight); off the event loop."""
        path = self.work_dir / f"flush-events-{slot}.ndjson"
        first = last = events = 0
        with path.open("wb") as out:
            for row in self.journal.rows(after, self.batch_events):
                if events:
                    out.write(b"\n")
                out.write(_json_lines(row.payload))
                first = first or row.seq
                last = row.seq
                events += row.events
        if not events:
            path.unlink()
            return None
        return _Batch(first, last, events, path, slot)

    def _store(self, batch: _Batch, connection: duckdb.DuckDBPyConnection) -> FlushResult:
        """One batch into DuckDB, on its writer thread."""
        started = time.perf_counter()
        try:
            inserted = batches.store_batch(
                connection,
                batch.path,
                skip_stored=batch.first_seq <= self._check_through,
                steps=self.flush_steps,
            )
        except BaseException:
            # Did DuckDB commit before the failure? These rows come again: check their ids.
            self._check_through = max(self._check_through, batch.last_seq)
            raise
        finally:
            with contextlib.suppress(OSError):
                os.remove(batch.path)
        if batch.events > inserted:
            log.info(
                "flush skipped %d event(s) already in analytics.duckdb", batch.events - inserted
            )
        self._cursor = batch.last_seq
        return FlushResult(
            batch.first_seq, batch.last_seq, batch.events, inserted, time.perf_counter() - started
        )

    def stats(self) -> dict[str, Any]:
        return {
            "pending": self.pending,
            "capacity": self.capacity,
            "flushed_total": self.flushed_total,
        }
