"""Scheduled jobs of the analytics part (on the platform's one scheduler)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from appliance.analytics.ingest.service import IngestService
from appliance.analytics.warehouse import retention as warehouse_retention
from appliance.analytics.warehouse.rollup_levels import floor_hour
from appliance.platform.clock import utc_now
from appliance.platform.jobs import Jobs

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger("sparkhouse.analytics")


async def rotate_salt(service: IngestService) -> None:
    """00:00 UTC: a new daily secret; the file is overwritten, the old secret is gone."""
    if service.salt.rotate_if_due():
        await asyncio.to_thread(service.salt.persist)


def apply_retention(connection: duckdb.DuckDBPyConnection, service: IngestService) -> int:
    """Delete events older than SPARKLYTICS_RETENTION_DAYS (cut at a whole hour, with their
    sessions and rollup rows)."""
    cutoff = floor_hour(utc_now() - timedelta(days=service.settings.retention_days))
    deleted = warehouse_retention.delete_older_than(connection, cutoff)
    if deleted:
        log.info("retention: deleted %d event(s) older than %s", deleted, cutoff.date())
    return deleted


async def retention(service: IngestService) -> int:
    """Daily. A file not open yet is left alone: retention runs as it opens (register)."""
    warehouse = service.pipeline.warehouse
    if not warehouse.is_open:
        return 0
    return await warehouse.write(lambda con: apply_retention(con, service))


def _retention_on_open(service: IngestService) -> Callable[[duckdb.DuckDBPyConnection], None]:
    def hook(connection: duckdb.DuckDBPyConnection) -> None:
        try:
            apply_retention(connection, service)
        except Exception:  # the daily job tries again; the file must open all the same
            log.exception("retention failed as analytics.duckdb opened")

    return hook


async def housekeeping(service: IngestService) -> None:
    """Every minute: forget idle bot-score windows; store a salt rotated by a request."""
    service.prune()
    await rotate_salt(service)


def register(jobs: Jobs, service: IngestService) -> None:
    service.pipeline.warehouse.open_hooks.append(_retention_on_open(service))
    jobs.cron(rotate_salt, name="analytics-salt-rotation", hour=0, minute=0, args=[service])
    jobs.cron(retention, name="analytics-retention", hour=3, minute=17, args=[service])
    jobs.every(60, housekeeping, name="analytics-housekeeping", args=[service])
