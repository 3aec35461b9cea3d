"""An acknowledged event is never lost and never counted twice.

* SIGKILL while a load generator posts: every event that got a 202 is in DuckDB exactly once
  after a restart (the journal is replayed at start-up).
* The crash window between the DuckDB commit and the journal delete, reproduced exactly with the
  real journal and DuckDB: the replay skips the ids DuckDB already has.
"""

from __future__ import annotations

import functools
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from appliance.analytics.ingest.journal import Journal
from appliance.analytics.ingest.pipeline import Pipeline, journal_line
from appliance.analytics.ingest.service import uuid7
from appliance.analytics.warehouse import batches
from appliance.analytics.warehouse import database as wh
from appliance.analytics.warehouse.database import Warehouse
from tests.analytics.conftest import BROWSER_HEADERS, query, stop
from tests.conftest import RunningServer, start_server

Start = Callable[..., tuple[RunningServer, str]]


def _load(
    url: str, site: str, worker: int, halt: threading.Event, acked: list[str], unknown: list[str]
) -> None:
    sequence = 0
    with httpx.Client(base_url=url, timeout=5, headers=BROWSER_HEADERS) as client:
        while not halt.is_set():
            size = 1 + sequence % 4
            urls = [f"/w{worker}/{sequence}/{i}" for i in range(size)]
            sequence += 1
            body = [{"website_id": site, "type": "pageview", "url": u} for u in urls]
            try:
                response = client.post("/api/collect", json=body if size > 1 else body[0])
            except httpx.HTTPError:
                unknown.extend(urls)  # sent, answer lost: may or may not be stored
                return
            if response.status_code == 202:
                acked.extend(urls)
            else:
                unknown.extend(urls)


def test_sigkill_under_load_loses_and_duplicates_nothing(analytics_server: Start) -> None:
    server, site = analytics_server(
        {"SPARKLYTICS_BUFFER_FLUSH_MS": "50", "SPARKLYTICS_BUFFER_SIZE": "200"}
    )
    halt = threading.Event()
    acked: list[str] = []
    unknown: list[str] = []
    workers = [
        threading.Thread(target=_load, args=(server.url, site, n, halt, acked, unknown))
        for n in range(6)
    ]
    for worker in workers:
        worker.start()
    time.sleep(2.0)
    server.stop(signal.SIGKILL)  # mid-load, mid-flush: no shutdown hook runs
    halt.set()
    for worker in workers:
        worker.join(10)
    assert len(acked) > 300, "the load generator barely ran"

    restarted = start_server(server.data_dir, env={"SPARKLYTICS_BUFFER_FLUSH_MS": "50"})
    assert stop(restarted) == 0
    rows = query(server.data_dir, "SELECT url, count(*) AS n FROM events GROUP BY url")
    stored = {row["url"]: row["n"] for row in rows}
    missing = set(acked) - set(stored)
    assert not missing, f"{len(missing)} acknowledged event(s) lost"
    duplicated = {url: n for url, n in stored.items() if n != 1}
    assert not duplicated, f"duplicated: {list(duplicated)[:5]}"
    assert set(stored) <= set(acked) | set(unknown)
    sessions = query(server.data_dir, "SELECT sum(event_count) AS n FROM sessions")
    assert sessions[0]["n"] == len(stored)  # session counters saw each event once too


def _record(site: str, n: int) -> bytes:
    created = f"2026-03-01 10:00:{n // 1000:02d}.{n % 1000:06d}"
    return journal_line(
        {
            "id": uuid7(),
            "website_id": site,
            "tenant_id": None,
            "visitor_id": f"{n % 7:016x}",
            "event_type": "pageview",
            "url": f"/{n}",
            "referrer": None,
            "referrer_domain": None,
            "event_name": None,
            "event_data": None,
            "country": None,
            "region": None,
            "city": None,
            "browser": None,
            "browser_version": None,
            "os": None,
            "os_version": None,
            "device_type": None,
            "screen": None,
            "language": None,
            "utm_source": None,
            "utm_medium": None,
            "utm_campaign": None,
            "utm_term": None,
            "utm_content": None,
            "is_bot": False,
            "bot_score": 0,
            "bot_reason": None,
            "created_at": created,
        }
    )


def _pipeline(data_dir: Path) -> Pipeline:
    return Pipeline(
        Journal.in_dir(data_dir),
        Warehouse.in_dir(data_dir, "256MB"),
        buffer_size=100,
        flush_ms=60_000,
        capacity=10_000,
        work_dir=data_dir / "tmp",
        batch_events=100,  # one flush batch is part of the backlog
    )


async def test_a_crash_between_duckdb_commit_and_journal_delete_replays_once(
    tmp_path: Path,
) -> None:
    first = _pipeline(tmp_path)
    await first.start()
    assert first._task is not None
    first._task.cancel()  # no background flushes: this test drives the one flush itself
    for start in range(0, 250, 10):  # 25 group commits of 10 events
        await first.append([_record("site_a", n) for n in range(start, start + 10)])
    # One batch reaches DuckDB, then the process "dies" before deleting it from the journal.
    batch = first._read_batch(0, slot=0)
    assert batch is not None
    result = await first.warehouse.write(functools.partial(first._store, batch))
    assert result.inserted == 100
    first.journal.close()
    await first.warehouse.close()

    second = _pipeline(tmp_path)
    await second.start()  # replays all 250 journal rows; 100 of them are already in DuckDB
    assert second.pending == 0
    counts = await second.warehouse.read(
        lambda con: con.execute(
            "SELECT count(*), count(DISTINCT id), count(DISTINCT url) FROM events"
        ).fetchone()
    )
    assert counts == (250, 250, 250)
    sessions = await second.warehouse.read(
        lambda con: con.execute("SELECT sum(event_count), count(*) FROM sessions").fetchone()
    )
    assert sessions == (250, 7)
    await second.stop()


async def test_only_rows_that_may_be_in_duckdb_have_their_ids_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The id check (a query with every id of a batch) runs for the rows found at start-up and
    for a batch whose DuckDB transaction failed, not for rows this process journaled since."""
    checked: list[bool] = []
    store_batch = batches.store_batch

    def recording(connection: Any, events_file: Path, *, skip_stored: bool, steps: Any) -> int:
        checked.append(skip_stored)
        return store_batch(connection, events_file, skip_stored=skip_stored, steps=steps)

    monkeypatch.setattr(batches, "store_batch", recording)
    pipeline = _pipeline(tmp_path)
    await pipeline.start()
    assert pipeline._task is not None
    pipeline._task.cancel()
    await pipeline.append([_record("site_a", n) for n in range(10)])
    assert await pipeline.flush() == 10
    assert checked == [False]

    def broken(connection: Any, batch: Any) -> None:
        raise RuntimeError("DuckDB failed mid-transaction")

    pipeline.flush_steps.append(broken)
    await pipeline.append([_record("site_a", n) for n in range(10, 20)])
    with pytest.raises(RuntimeError):
        await pipeline.flush()
    pipeline.flush_steps.remove(broken)
    assert await pipeline.flush() == 10  # the rolled-back batch again, its ids checked
    assert checked == [False, False, True]
    await pipeline.stop()
    counts = query(tmp_path, "SELECT count(*) AS n, count(DISTINCT id) AS d FROM events")
    assert counts == [{"n": 20, "d": 20}]


async def test_a_backlog_flushes_in_batches_read_ahead_and_a_failure_keeps_them_all(
    tmp_path: Path,
) -> None:
    """Batches of a backlog are read from the journal while DuckDB stores the previous one; a
    failing batch stops the flush, leaves no file behind and loses nothing."""
    pipeline = _pipeline(tmp_path)  # batches of 100 events
    await pipeline.start()
    assert pipeline._task is not None
    pipeline._task.cancel()
    for start in range(0, 350, 50):
        await pipeline.append([_record("site_a", n) for n in range(start, start + 50)])
    calls = 0

    def second_batch_fails(connection: Any, batch: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("DuckDB failed mid-transaction")

    pipeline.flush_steps.append(second_batch_fails)
    with pytest.raises(RuntimeError):
        await pipeline.flush()
    assert list((tmp_path / "tmp").iterdir()) == []
    assert pipeline.pending == 250  # the first batch is stored and deleted from the journal
    assert await pipeline.flush() == 250  # three more batches (100, 100, 50)
    assert calls == 5 and pipeline.pending == 0
    await pipeline.stop()
    counts = query(tmp_path, "SELECT count(*) AS n, count(DISTINCT id) AS d FROM events")
    assert counts == [{"n": 350, "d": 350}]


def test_duckdb_opens_on_first_use_not_at_start(analytics_server: Start) -> None:
    # An appliance whose analytics nobody uses never loads DuckDB: no file, no memory for it.
    server, site = analytics_server()
    duckdb_file = server.data_dir / wh.DUCKDB_FILE
    system = httpx.get(f"{server.url}/api/system", timeout=10)
    assert system.status_code == 200
    time.sleep(0.5)  # more than two flush intervals (FAST: 200 ms) with nothing to move
    assert not duckdb_file.exists(), server.log()
    assert "analytics.duckdb open" not in server.log()

    response = httpx.post(
        f"{server.url}/api/collect",
        json={"website_id": site, "type": "pageview", "url": "https://example.com/first"},
        headers=BROWSER_HEADERS,
        timeout=10,
    )
    assert response.status_code == 202, response.text
    deadline = time.monotonic() + 10
    while "analytics.duckdb open" not in server.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stop(server) == 0
    assert duckdb_file.exists(), server.log()
    urls = query(server.data_dir, "SELECT url FROM events")
    assert urls == [{"url": "https://example.com/first"}]
