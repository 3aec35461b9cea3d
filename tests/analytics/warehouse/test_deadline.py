"""Reads of analytics.duckdb have a deadline: a real DuckDB query past it is interrupted and
answered 503; heavy reads share a bounded number of reader threads; close() stops the reads
still running without blocking the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from appliance.analytics.warehouse.database import QueryTimeout, Warehouse, WarehouseClosed
from tests.conftest import RunningServer

# ~10^12 rows: minutes of DuckDB work on any machine, unless interrupted
SLOW = "SELECT count(*) FROM range(1000000) a, range(1000000) b WHERE a.range + b.range = -1"


def _slow(cursor: Any) -> Any:
    return cursor.execute(SLOW).fetchall()


def _one(cursor: Any) -> Any:
    return cursor.execute("SELECT 1").fetchone()


OpenWarehouse = Callable[..., Awaitable[Warehouse]]


@pytest.fixture
async def open_warehouse(tmp_path: Path) -> AsyncIterator[OpenWarehouse]:
    """Opens a warehouse of two reader threads with these options; closed after the test."""
    made: list[Warehouse] = []

    async def open_one(**options: Any) -> Warehouse:
        warehouse = Warehouse(tmp_path / "analytics.duckdb", "256MB", threads=2, **options)
        made.append(warehouse)
        await warehouse.open()
        return warehouse

    yield open_one
    for warehouse in made:
        await warehouse.close()


@pytest.mark.timeout(30)
async def test_a_read_past_its_deadline_is_interrupted_and_answered_503(
    open_warehouse: OpenWarehouse,
) -> None:
    warehouse = await open_warehouse(query_timeout=0.3)
    started = time.monotonic()
    with pytest.raises(QueryTimeout) as caught:
        await warehouse.read(_slow)
    assert time.monotonic() - started < 3
    assert (caught.value.status, caught.value.code) == (503, "query_timeout")
    assert "narrow the date range" in caught.value.message
    # the reader thread is free again: the next read answers
    assert await warehouse.read(_one) == (1,)


@pytest.mark.timeout(30)
async def test_a_result_that_lands_with_the_timeout_is_still_past_the_deadline(
    open_warehouse: OpenWarehouse,
) -> None:
    """The CI failure of the 1 µs API test: a fast read finished while the loop was busy, and
    asyncio.wait handed its result over in the same loop turn as the timeout (200, not 503)."""
    warehouse = await open_warehouse(query_timeout=0.000001)
    for _ in range(20):
        # the loop is busy for 50 ms right after the read is handed to its thread
        asyncio.get_running_loop().call_soon(time.sleep, 0.05)
        with pytest.raises(QueryTimeout):
            await warehouse.read(_one)


@pytest.mark.timeout(30)
async def test_heavy_reads_wait_for_a_slot_and_light_reads_do_not(
    open_warehouse: OpenWarehouse,
) -> None:
    warehouse = await open_warehouse(query_timeout=1.0, heavy_reads=1)
    ended: dict[str, float] = {}

    async def timed(name: str, work: Callable[[Any], Any], heavy: bool) -> None:
        with contextlib.suppress(QueryTimeout):
            await warehouse.read(work, heavy=heavy)
        ended[name] = time.monotonic()

    slow = asyncio.create_task(timed("slow", _slow, heavy=True))
    await asyncio.sleep(0.1)  # the slow export holds the only heavy slot
    await asyncio.gather(slow, timed("heavy", _one, heavy=True), timed("light", _one, heavy=False))
    assert ended["light"] < ended["slow"] <= ended["heavy"]


@pytest.mark.timeout(30)
async def test_close_while_a_read_runs_returns_promptly_without_blocking_the_loop(
    open_warehouse: OpenWarehouse,
) -> None:
    warehouse = await open_warehouse(query_timeout=600)
    running = asyncio.create_task(warehouse.read(_slow))
    await asyncio.sleep(0.3)
    assert not running.done()

    gaps: list[float] = []

    async def tick() -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    started = time.monotonic()
    await warehouse.close()
    closed_in = time.monotonic() - started
    ticker.cancel()
    assert closed_in < 3
    assert max(gaps, default=0) < 0.5  # the loop kept running while the threads wound down
    with pytest.raises(WarehouseClosed):
        await running
    with pytest.raises(WarehouseClosed):  # and a read after close says so too
        await warehouse.read(_one)


def test_the_query_api_answers_503_json_past_the_deadline(
    analytics_server: Callable[..., tuple[RunningServer, str]],
) -> None:
    # a deadline no query can meet: every read of the API runs past it
    server, site = analytics_server(
        {"SPARKLYTICS_AUTH": "none", "SPARKHOUSE_ANALYTICS_QUERY_TIMEOUT_SECONDS": "0.000001"}
    )
    with httpx.Client(base_url=server.url, timeout=10) as client:
        response = client.get(f"/api/websites/{site}/stats")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "query_timeout"
    assert "took longer than" in error["message"]
