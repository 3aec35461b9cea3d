"""Retention (SPARKLYTICS_RETENTION_DAYS) through a real server: it runs as analytics.duckdb
opens and keeps the recent events. That every rollup level stays exact through retention and
website deletion is test_rollups.py's."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import httpx

from appliance.platform.clock import utc_now
from tests.analytics.conftest import FAST, add_website, query, stop
from tests.analytics.warehouse import flushing
from tests.analytics.warehouse.flushing import record
from tests.conftest import start_server


async def test_retention_runs_as_duckdb_opens_and_keeps_recent_events(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    await asyncio.to_thread(add_website, data_dir, "example.com")
    pipeline = flushing.pipeline(data_dir, capacity=100)
    await pipeline.start()
    now = utc_now()
    ages = {"/old": 40, "/recent": 20, "/today": 0}
    await pipeline.append([record(url, now - timedelta(days=days)) for url, days in ages.items()])
    await pipeline.stop()

    server = await asyncio.to_thread(
        start_server, data_dir, {**FAST, "SPARKLYTICS_RETENTION_DAYS": "30"}
    )
    # DuckDB opens on first use (here the health check's ping), and retention runs as it opens
    async with httpx.AsyncClient(base_url=server.url) as client:
        assert "retention:" not in server.log()
        assert (await client.get("/health")).status_code == 200
    assert await asyncio.to_thread(stop, server) == 0
    assert "retention: deleted 1 event(s)" in server.log()
    urls = {row["url"] for row in query(data_dir, "SELECT url FROM events")}
    assert urls == {"/recent", "/today"}
    assert len(query(data_dir, "SELECT * FROM sessions")) == 2
