"""Scheduled jobs of the analytics part (on the platform's one scheduler)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from appliance.analytics import rollups
from appliance.analytics.pipeline import utc_now
from appliance.analytics.service import IngestService
from appliance.platform.jobs import Jobs

log = logging.getLogger("sparkhouse.analytics")


async def rotate_salt(service: IngestService) -> None:
    """00:00 UTC: a new daily secret; the file is overwritten, the old secret is gone."""
    if service.salt.rotate_if_due():
        await asyncio.to_thread(service.salt.persist)


async def retention(service: IngestService) -> int:
    """Delete events older than SPARKLYTICS_RETENTION_DAYS (cut at a whole hour, with their
    sessions and rollup rows)."""
    cutoff = rollups.floor_hour(utc_now() - timedelta(days=service.settings.retention_days))
    deleted = await service.pipeline.warehouse.write(
        lambda con: rollups.delete_older_than(con, cutoff)
    )
    if deleted:
        log.info("retention: deleted %d event(s) older than %s", deleted, cutoff.date())
    return deleted


async def housekeeping(service: IngestService) -> None:
    """Every minute: forget idle bot-score windows; store a salt rotated by a request."""
    service.prune()
    await rotate_salt(service)


def register(jobs: Jobs, service: IngestService) -> None:
    jobs.cron(rotate_salt, name="analytics-salt-rotation", hour=0, minute=0, args=[service])
    jobs.cron(retention, name="analytics-retention", hour=3, minute=17, args=[service])
    jobs.every(60, housekeeping, name="analytics-housekeeping", args=[service])
