"""Helpers of the warehouse tests: events as the journal keeps them, at chosen times (the
collect contract has no timestamp field), and a pipeline that flushes them through the real
journal into the real ``analytics.duckdb``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from appliance.analytics.ingest.journal import Journal
from appliance.analytics.ingest.pipeline import Pipeline, journal_line
from appliance.analytics.ingest.service import uuid7
from appliance.analytics.warehouse import schema
from appliance.analytics.warehouse.database import Warehouse


def record(
    url: str,
    at: datetime,
    visitor: str = "0000000000000001",
    site: str = "site_a",
    **fields: Any,
) -> bytes:
    """One journal line: a pageview of ``url`` at ``at`` unless ``fields`` say otherwise; every
    other column empty (the flusher adds session_id)."""
    row: dict[str, Any] = dict.fromkeys(
        (name for name, _ in schema.EVENT_COLUMNS if name != "session_id"), None
    )
    row.update(
        id=uuid7(at.timestamp()),
        website_id=site,
        visitor_id=visitor,
        event_type="pageview",
        url=url,
        is_bot=False,
        bot_score=0,
        created_at=at.isoformat(sep=" ", timespec="microseconds"),
    )
    row.update(fields)
    return journal_line(row)


def pipeline(
    data_dir: Path, *, buffer_size: int = 100, capacity: int = 1000, batch_events: int | None = None
) -> Pipeline:
    """A pipeline over ``data_dir`` that flushes only when told to."""
    return Pipeline(
        Journal.in_dir(data_dir),
        Warehouse.in_dir(data_dir, "256MB"),
        buffer_size=buffer_size,
        flush_ms=60_000,
        capacity=capacity,
        work_dir=data_dir / "tmp",
        batch_events=batch_events,
    )
