"""DuckDB gives back the memory its work kept once analytics.duckdb has been idle for a moment
(warehouse/database.py), with its memory limit restored, and a read that arrives meanwhile
waits for the limit rather than failing for memory; its threads default to half the cores."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from appliance.analytics.settings import AnalyticsSettings
from appliance.analytics.warehouse.database import Warehouse, default_threads

RELEASE_AFTER = 0.3
ROWS = 2_000_000


def _table_blocks(cursor: Any) -> int:
    """Bytes of analytics.duckdb's own blocks DuckDB holds in memory."""
    row = cursor.execute(
        "SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory() WHERE tag = 'BASE_TABLE'"
    ).fetchone()
    return int(row[0])


def _scan(cursor: Any) -> Any:
    return cursor.execute("SELECT count(DISTINCT b), sum(length(c)) FROM t").fetchone()


@pytest.fixture
async def warehouse(tmp_path: Path) -> AsyncIterator[Warehouse]:
    """A warehouse holding a table of a few tens of MB, written and checkpointed."""
    warehouse = Warehouse(
        tmp_path / "analytics.duckdb", "256MB", threads=1, release_after=RELEASE_AFTER
    )
    await warehouse.write(
        lambda c: c.execute(
            "CREATE TABLE t AS SELECT range AS a, range % 100000 AS b, "
            f"md5(range::VARCHAR) AS c FROM range({ROWS})"
        )
    )
    await warehouse.write(lambda c: c.execute("CHECKPOINT"))
    yield warehouse
    await warehouse.close()


async def _until(condition: Any, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await condition():
            return True
        await asyncio.sleep(0.05)
    return False


@pytest.mark.timeout(60)
async def test_memory_is_given_back_once_idle_and_the_limit_restored(warehouse: Warehouse) -> None:
    assert await warehouse.read(_scan) == (100_000, ROWS * 32)
    held = await warehouse.read(_table_blocks)
    assert held > 10 * 2**20  # the scan's blocks stay in DuckDB's memory while work goes on

    async def released() -> bool:
        return await warehouse.read(_table_blocks) < 2**20

    # each check is a read, which starts the idle clock again: wait past it between checks
    await asyncio.sleep(RELEASE_AFTER * 3)
    assert await _until(released)
    limit = await warehouse.read(
        lambda c: c.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    )
    assert limit == "244.1 MiB"  # 256MB, as configured
    assert await warehouse.read(_scan) == (100_000, ROWS * 32)


@pytest.mark.timeout(60)
async def test_a_read_during_a_release_waits_for_the_limit_and_succeeds(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    shrink = warehouse._shrink
    in_release = asyncio.Event()
    loop = asyncio.get_running_loop()

    def slow_shrink() -> None:
        # the limit is lowered, then held low a while: a read must not run meanwhile
        warehouse.connection.execute("SET memory_limit = '1MB'")
        loop.call_soon_threadsafe(in_release.set)
        time.sleep(0.5)
        shrink()

    monkeypatch.setattr(warehouse, "_shrink", slow_shrink)
    await warehouse.read(_scan)
    await asyncio.wait_for(in_release.wait(), timeout=10)
    # under a 1 MB limit this scan fails for memory; it waits for the release instead
    assert await warehouse.read(_scan) == (100_000, ROWS * 32)


def test_threads_default_to_half_the_cores_and_memory_to_256mb(tmp_path: Path) -> None:
    defaults = AnalyticsSettings.model_construct()
    assert (defaults.duckdb_memory, defaults.duckdb_threads) == ("256MB", 0)
    assert default_threads() == max(1, (os.cpu_count() or 1) // 2)
    assert Warehouse(tmp_path / "analytics.duckdb", threads=None).threads == default_threads()
