"""analytics: privacy-friendly web analytics, wire-compatible with Sparklytics.

This is the ingestion half: ``POST /api/collect`` (and ``/e``), the ``/s.js`` tracker, Umami's
``/api/send`` and Plausible's ``/api/event``; events are enriched, journaled durably in SQLite
before the 202, and moved into DuckDB by a flusher (docs/analytics.md).
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from typing import TYPE_CHECKING, Any

from appliance.platform.lifecycle import once_serving
from appliance.platform.parts import PartInfo

if TYPE_CHECKING:  # the CLI imports this package; DuckDB and Sanic load only when serving
    from sanic import Sanic

    from appliance.analytics.ingest.service import IngestService
    from appliance.platform.parts import Platform

GIL_SWITCH_SECONDS = 0.001

INFO = PartInfo(
    name="analytics",
    title="Analytics",
    path="/analytics",
    description="Privacy-friendly web analytics: no cookies, Sparklytics-compatible tracker "
    "and API, events in DuckDB.",
)


def build_service(platform: Platform) -> IngestService:
    from appliance.analytics.ingest.enrichment import GeoIp
    from appliance.analytics.ingest.journal import Journal
    from appliance.analytics.ingest.pipeline import Pipeline
    from appliance.analytics.ingest.service import IngestService
    from appliance.analytics.ingest.visitors import DailySalt
    from appliance.analytics.sites.repository import WebsiteRepository
    from appliance.analytics.warehouse.database import Warehouse

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


SQL_MODULES = ("appliance.analytics.sites.tables", "appliance.platform.auth.tables")
"""What the first store query imports (SQLAlchemy with them): ~0.3 s that the start does
without, imported right after it instead (_warm_up)."""


async def _warm_up(app: Sanic) -> None:
    """Once serving: import the store's SQL side and its async engine in a thread (the event
    loop keeps answering meanwhile), then load the auth state (a first run stores its JWT
    secret now). A request that needs them earlier waits for the import, then does the same."""
    store = app.ctx.platform.store

    def load() -> None:
        for name in SQL_MODULES:
            importlib.import_module(name)
        store.open_engine()

    # On failure (logged by once_serving) the next request that needs them tries again.
    await asyncio.to_thread(load)
    await app.ctx.analytics_auth.ready()


def mount(app: Sanic, platform: Platform) -> PartInfo:
    from appliance.analytics import jobs
    from appliance.analytics.admin import routes_auth, routes_goals, routes_websites
    from appliance.analytics.ingest import routes
    from appliance.analytics.ingest.tracker import Tracker
    from appliance.analytics.query import routes as routes_queries
    from appliance.analytics.share import routes as routes_share

    service = build_service(platform)
    # The journal writer and the flusher run Python next to the event loop; a thread that
    # wants the GIL waits up to the switch interval (5 ms by default) while another holds it.
    # 1 ms keeps collect's p99 in single-digit milliseconds during flushes (process-wide).
    sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_SECONDS))
    app.ctx.analytics = service
    app.ctx.analytics_tracker = Tracker()
    app.blueprint(routes.blueprint)
    app.blueprint(routes_auth.blueprint)
    app.blueprint(routes_websites.blueprint)
    app.blueprint(routes_queries.blueprint)
    app.blueprint(routes_goals.blueprint)
    app.blueprint(routes_share.blueprint)
    jobs.register(platform.jobs, service)

    @app.before_server_start
    async def start_analytics(app: Sanic, _: Any = None) -> None:
        # Milliseconds: DuckDB opens at first use (warehouse.py), unless the journal holds
        # events to replay, which must be in DuckDB before anything is acknowledged or read.
        await asyncio.to_thread(service.geo.open, service.settings.geoip_path)
        await asyncio.to_thread(service.salt.load)
        await service.pipeline.start()

    once_serving(app, "analytics-warm-up", lambda: _warm_up(app))

    async def stop() -> None:
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
