"""The CSV export (analytics-api.md 11.6): against the section 11 data set (columns, formula
cells, the refusals before the first byte, 90 days allowed), and on a warehouse of its own,
the streaming in batches and the 500,000-row cap."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from appliance.analytics.query.export import EXPORT_BATCH_ROWS, EXPORT_MAX_ROWS
from appliance.analytics.query.params import parse_params
from appliance.analytics.query.service import QueryService
from appliance.analytics.sites.repository import Website, WebsiteRepository
from appliance.analytics.warehouse.database import Warehouse
from appliance.platform.errors import ServiceError
from appliance.platform.store import Store
from tests.analytics.query.conftest import DAY, EVENTS, TODAY, Setup, error_of

EXPORT_HEADER = (
    "id,website_id,event_type,url,referrer_domain,event_name,country,browser,os,device_type,"
    "language,utm_source,utm_medium,utm_campaign,created_at"
)


def test_export_csv(api: httpx.Client, setup: Setup) -> None:
    answer = api.get(
        f"/api/websites/{setup.site}/export",
        params={"start_date": DAY, "end_date": DAY, "format": "csv"},
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="events-{setup.site}-{DAY}-{DAY}.csv"'
    )
    lines = answer.text.splitlines()
    assert lines[0] == EXPORT_HEADER
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(rows) == len(EVENTS)
    assert [row["created_at"] for row in rows] == sorted(row["created_at"] for row in rows)
    assert {row["website_id"] for row in rows} == {setup.site}
    assert sorted(row["url"] for row in rows) == sorted(
        "'" + event.url if event.url[0] in "=+-@" else event.url for event in EVENTS
    )
    danger = next(row for row in rows if row["url"] == "'@evil")
    assert danger["event_name"] == "'=cmd|' /C calc'!A0"
    assert all(not value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())


def test_export_empty_range_is_only_the_header(api: httpx.Client, setup: Setup) -> None:
    old = (TODAY - timedelta(days=40)).isoformat()
    answer = api.get(
        f"/api/websites/{setup.site}/export", params={"start_date": old, "end_date": old}
    )
    assert answer.status_code == 200
    assert answer.text.splitlines() == [EXPORT_HEADER]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"start_date": "2026-01-01"},
        {"end_date": "2026-01-01"},
        {"start_date": "2026-1-01", "end_date": "2026-01-02"},
        {"start_date": "yesterday", "end_date": "2026-01-02"},
        {"start_date": "2026-01-02", "end_date": "2026-01-01"},
        {"start_date": "2026-01-01", "end_date": "2026-04-01"},  # 91 days
        {"start_date": "2026-01-01", "end_date": "2026-01-02", "format": "json"},
    ],
)
def test_export_400(api: httpx.Client, setup: Setup, params: dict[str, str]) -> None:
    error_of(api.get(f"/api/websites/{setup.site}/export", params=params), 400)


def test_export_90_days_is_allowed(api: httpx.Client, setup: Setup) -> None:
    params = {"start_date": "2026-01-01", "end_date": "2026-03-31"}
    assert api.get(f"/api/websites/{setup.site}/export", params=params).status_code == 200


# -- export streaming, on a warehouse of its own --------------------------------------------

BULK = Website(
    "site_bulk", "bulk", "bulk.example.com", "UTC", datetime(2026, 1, 1), datetime(2026, 1, 1)
)


async def _export_rows(tmp_path: Path, rows: int) -> tuple[QueryService, Warehouse]:
    warehouse = Warehouse(tmp_path / "analytics.duckdb", threads=1)
    await warehouse.open()
    # Three events per second, so the keyset pagination meets ties on created_at.
    await warehouse.write(
        lambda connection: connection.execute(
            "INSERT INTO events (id, website_id, session_id, visitor_id, event_type, url, "
            "created_at) SELECT uuid(), 'site_bulk', 's', 'v', 'pageview', '/p' || i, "
            "TIMESTAMP '2026-03-01 00:00:00' + to_seconds(i // 3) FROM range(?) t(i)",
            [rows],
        )
    )
    # the export never looks the website up: a store that is never opened will do
    return QueryService(WebsiteRepository(Store.in_dir(tmp_path)), warehouse), warehouse


async def test_export_streams_in_batches_without_losing_rows(tmp_path: Path) -> None:
    total = EXPORT_BATCH_ROWS * 2 + 7
    queries, warehouse = await _export_rows(tmp_path, total)
    try:
        params = parse_params({"start_date": "2026-03-01", "end_date": "2026-03-01"}, "export")
        export = await queries.export(BULK, params)
        chunks = [chunk async for chunk in export.chunks]
    finally:
        await warehouse.close()
    assert len(chunks) == 1 + 3  # the header, then one chunk per batch
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode())))
    assert rows[0] == EXPORT_HEADER.split(",")
    urls = [row[3] for row in rows[1:]]
    assert len(urls) == total and len(set(urls)) == total


async def test_export_over_500_000_rows_is_400(tmp_path: Path) -> None:
    queries, warehouse = await _export_rows(tmp_path, EXPORT_MAX_ROWS + 1)
    try:
        params = parse_params({"start_date": "2026-03-01", "end_date": "2026-03-03"}, "export")
        with pytest.raises(ServiceError) as refused:
            await queries.export(BULK, params)
    finally:
        await warehouse.close()
    assert refused.value.status == 400
    assert "500000" in refused.value.message
