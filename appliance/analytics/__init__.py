"""analytics: privacy-friendly web analytics, wire-compatible with Sparklytics.

This is the ingestion half: ``POST /api/collect`` (and ``/e``), the ``/s.js`` tracker, Umami's
``/api/send`` and Plausible's ``/api/event``; events are enriched, journaled durably in SQLite
before the 202, and moved into DuckDB by a flusher (docs/analytics.md).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import TYPE_CHECKING, Any

from appliance.platform.parts import PartInfo

if TYPE_CHECKING:  # the CLI imports this package; DuckDB and Sanic load only when serving
    from sanic import Blueprint, Request, Sanic

    from appliance.analytics.service import IngestService
    from appliance.platform.parts import Platform

log = logging.getLogger("sparkhouse.analytics")

GIL_SWITCH_SECONDS = 0.001

INFO = PartInfo(
    name="analytics",
    title="Analytics",
    path="/analytics",
    description="Privacy-friendly web analytics: no cookies, Sparklytics-compatible tracker "
    "and API, events in DuckDB.",
)


def build_service(platform: Platform) -> IngestService:
    from appliance.analytics.enrichment import GeoIp
    from appliance.analytics.journal import Journal
    from appliance.analytics.pipeline import Pipeline
    from appliance.analytics.service import IngestService
    from appliance.analytics.store import WebsiteRepository
    from appliance.analytics.visitors import DailySalt
    from appliance.analytics.warehouse import Warehouse

    settings = platform.settings
    data_dir = settings.server.data_dir
    config = settings.analytics
    pipeline = Pipeline(
        Journal.in_dir(data_dir, config.journal_sync),
        Warehouse.in_dir(data_dir, config.duckdb_memory),
        buffer_size=config.buffer_size,
        flush_ms=config.buffer_flush_ms,
        capacity=config.ingest_queue_max_events,
        work_dir=data_dir / "analytics-tmp",
    )
    return IngestService(
        config, WebsiteRepository(platform.store), pipeline, GeoIp(), DailySalt.in_dir(data_dir)
    )


def mount(app: Sanic, platform: Platform) -> PartInfo:
    from appliance.analytics import jobs, routes, routes_auth, routes_queries, routes_reports
    from appliance.analytics.tracker import Tracker

    service = build_service(platform)
    # The journal writer and the flusher run Python next to the event loop; a thread that
    # wants the GIL waits up to the switch interval (5 ms by default) while another holds it.
    # 1 ms keeps collect's p99 in single-digit milliseconds during flushes (process-wide).
    sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_SECONDS))
    app.ctx.analytics = service
    app.ctx.analytics_tracker = Tracker()
    blueprints = [
        routes.blueprint,
        routes_auth.blueprint,
        routes_queries.blueprint,
        routes_reports.blueprint,
    ]
    for blueprint in blueprints:
        _gate(blueprint)
        app.blueprint(blueprint)
    jobs.register(platform.jobs, service)

    async def start() -> None:
        await asyncio.to_thread(service.geo.open, service.settings.geoip_path)
        await asyncio.to_thread(service.salt.load)
        await service.pipeline.start()  # replays the journal into DuckDB if it holds events

    @app.before_server_start
    async def start_analytics(app: Sanic, _: Any = None) -> None:
        # Started, not awaited: a journal replay (which opens DuckDB) runs while the server
        # binds and answers /healthz. Every analytics route waits for it first (_gate), so
        # nothing is journaled, acknowledged or read before the replay.
        # A failed start stops the server with exit status 1, as a failing listener did.
        task = asyncio.create_task(start(), name="analytics-start")
        app.ctx.analytics_started = task

        def failed(task: asyncio.Task[None]) -> None:
            if task.cancelled() or task.exception() is None:
                return
            log.critical("analytics failed to start", exc_info=task.exception())
            app.ctx.exit_status = 1
            app.stop()

        task.add_done_callback(failed)

    async def stop() -> None:
        task: asyncio.Task[None] = app.ctx.analytics_started
        await asyncio.wait([task])  # a stop during start-up lets the start finish first
        if task.cancelled() or task.exception() is not None:
            return
        await service.pipeline.stop()
        service.geo.close()

    @app.after_server_stop
    async def stop_analytics(app: Sanic, _: Any = None) -> None:
        # Sanic runs the after-stop listeners again when a stop of the loop interrupted them
        # (runners._run_shutdown_coro): the drain and close happen once, the retry waits.
        stopping: asyncio.Task[None] | None = getattr(app.ctx, "analytics_stopping", None)
        if stopping is None:
            stopping = asyncio.create_task(stop(), name="analytics-stop")
            app.ctx.analytics_stopping = stopping
        await asyncio.shield(stopping)

    return INFO


async def _wait_for_start(request: Request) -> None:
    started: asyncio.Task[None] | None = getattr(request.app.ctx, "analytics_started", None)
    if started is None or started.done():
        if started is not None and not started.cancelled() and started.exception() is not None:
            from sanic.exceptions import ServiceUnavailable

            raise ServiceUnavailable("analytics failed to start")
        return
    await asyncio.shield(started)


def _gate(blueprint: Blueprint) -> None:
    """Make every route of ``blueprint`` wait for the analytics start (once per blueprint:
    the blueprints are module-level, several apps in one process share them)."""
    if getattr(blueprint.ctx, "start_gate", False):
        return
    blueprint.ctx.start_gate = True
    # After the platform's request clock (priority 100: the wait shows in the access log).
    blueprint.on_request(_wait_for_start, priority=50)
