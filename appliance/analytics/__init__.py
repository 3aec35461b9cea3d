"""analytics: privacy-friendly web analytics, wire-compatible with Sparklytics.

Where each behaviour lives (one direction of imports, checked by import-linter):

* ``ingest/`` — collect (``/api/collect``, ``/e``), the Umami and Plausible adapters, the
  ``/s.js`` tracker, enrichment, cookie-less visitor ids, the durable journal and the flusher
  that moves journaled events into DuckDB;
* ``warehouse/`` — ``analytics.duckdb``: its owner (reader and writer threads, deadlines),
  schema, flush batches, session assignment, rollups, retention, the seeder;
* ``query/`` — the read API (sections 9 and 11): parameters, one module per report, the
  service and its routes;
* ``share/`` — public share links (11.5); ``admin/`` — auth, API keys, websites and goals;
* ``access/`` — the auth modes and route guards; ``sites/`` — the websites table and its
  cached repository, which every other package reads.

This module declares the part (:data:`PART`); ``context.py`` is its typed context.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from appliance.analytics.cli import add_commands
from appliance.analytics.migrations import VERSIONS
from appliance.analytics.settings import AnalyticsSettings
from appliance.platform.jobs import Jobs
from appliance.platform.parts import Part, PartInfo, Platform
from appliance.platform.settings import PlatformSettings

if TYPE_CHECKING:  # the CLI imports this package; DuckDB and Sanic load only when serving
    from sanic import Blueprint

    from appliance.analytics.context import AnalyticsContext

GIL_SWITCH_SECONDS = 0.001

SQL_MODULES = ("appliance.analytics.sites.tables", "appliance.platform.auth.tables")
"""What the first store query imports (SQLAlchemy with them): imported right after the start
instead of on the way to the first answer (``_warm_up``)."""


def _build(platform: Platform, settings: AnalyticsSettings) -> AnalyticsContext:
    from appliance.analytics.access.auth import AnalyticsAuth, dashboard_url
    from appliance.analytics.admin.goals import GoalService
    from appliance.analytics.admin.websites import WebsiteService
    from appliance.analytics.context import AnalyticsContext
    from appliance.analytics.ingest.enrichment import GeoIp
    from appliance.analytics.ingest.journal import Journal
    from appliance.analytics.ingest.pipeline import Pipeline
    from appliance.analytics.ingest.service import IngestService
    from appliance.analytics.ingest.tracker import Tracker
    from appliance.analytics.ingest.visitors import DailySalt
    from appliance.analytics.query.service import QueryService
    from appliance.analytics.share.service import ShareService
    from appliance.analytics.sites.repository import WebsiteRepository
    from appliance.analytics.warehouse.database import Warehouse
    from appliance.platform.auth import FirstRunSecret, IdentityRepository, IdentityService

    data_dir = platform.settings.server.data_dir
    warehouse = Warehouse.in_dir(
        data_dir,
        settings.duckdb_memory,
        threads=settings.duckdb_threads or None,
        query_timeout=settings.query_timeout_seconds,
    )
    pipeline = Pipeline(
        Journal.in_dir(data_dir, settings.journal_sync),
        warehouse,
        buffer_size=settings.buffer_size,
        flush_ms=settings.buffer_flush_ms,
        capacity=settings.ingest_queue_max_events,
        work_dir=data_dir / "analytics-tmp",
    )
    websites = WebsiteRepository(platform.store)
    ingest = IngestService(
        settings,
        websites,
        pipeline,
        GeoIp(),
        DailySalt.in_dir(data_dir),
        trusted_proxies=platform.settings.server.trusted_proxies,
    )
    identity = IdentityService(
        IdentityRepository(platform.store),
        session_days=settings.session_days,
        initial_jwt_secret=settings.jwt_secret,
    )
    # The journal writer and the flusher run Python next to the event loop; a thread that
    # wants the GIL waits up to the switch interval (5 ms by default) while another holds it.
    # A shorter one keeps collect's p99 low during flushes (process-wide;
    # docs/decisions/analytics-gil-switch-interval.md).
    sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_SECONDS))
    return AnalyticsContext(
        settings=settings,
        store=platform.store,
        ingest=ingest,
        tracker=Tracker(),
        auth=AnalyticsAuth(
            settings,
            identity,
            FirstRunSecret.in_dir(data_dir),
            dashboard_url(settings, platform.settings.server),
        ),
        websites=WebsiteService(websites, pipeline, settings),
        queries=QueryService(websites, warehouse),
        goals=GoalService(platform.store),
        shares=ShareService(websites, warehouse),
    )


def _blueprints(_: AnalyticsContext) -> Sequence[Blueprint]:
    from appliance.analytics.admin import routes_auth, routes_goals, routes_websites
    from appliance.analytics.ingest import routes as routes_ingest
    from appliance.analytics.query import routes as routes_query
    from appliance.analytics.share import routes as routes_share

    return [
        routes_ingest.blueprint,
        routes_auth.blueprint,
        routes_websites.blueprint,
        routes_query.blueprint,
        routes_goals.blueprint,
        routes_share.blueprint,
    ]


def _jobs(context: AnalyticsContext, jobs: Jobs) -> None:
    from appliance.analytics import jobs as analytics_jobs

    analytics_jobs.register(jobs, context.ingest)


async def _start(context: AnalyticsContext) -> None:
    from appliance.analytics.access.auth import AnalyticsAuth, AuthConfigError

    try:  # mode "password" without a password stops the server here
        AnalyticsAuth.check_settings(context.settings)
    except AuthConfigError as error:
        raise SystemExit(f"sparkhouse: {error}") from None
    ingest = context.ingest
    # Quick: DuckDB opens at first use (warehouse/database.py), unless the journal
    # holds events to replay, which must be in DuckDB before anything is acknowledged or read.
    await asyncio.to_thread(ingest.geo.open, context.settings.geoip_path)
    await asyncio.to_thread(ingest.salt.load)
    await ingest.pipeline.start()


async def _warm_up(context: AnalyticsContext) -> None:
    """Once serving: import the store's SQL side and its async engine in a thread (the event
    loop keeps answering meanwhile), then load the auth state (a first run stores its JWT
    secret now). A request that needs them earlier waits for the import, then does the same."""

    def load() -> None:
        for name in SQL_MODULES:
            importlib.import_module(name)
        context.store.open_engine()

    # On failure (logged by the platform) the next request that needs them tries again.
    await asyncio.to_thread(load)
    await context.auth.ready()


def _health(context: AnalyticsContext) -> list[str]:
    return context.ingest.pipeline.problems()


async def _stop(context: AnalyticsContext) -> None:
    await context.ingest.pipeline.stop()
    context.ingest.geo.close()
    context.auth.identity.close()


def _public_urls(settings: AnalyticsSettings) -> list[str]:
    """Where browsers reach the server: share links, and tracking snippets' /s.js."""
    return [url for url in (settings.public_url, settings.tracking_public_base) if url]


def _notices(settings: AnalyticsSettings, platform: PlatformSettings) -> list[str]:
    from appliance.analytics.access.auth import setup_notices
    from appliance.platform.auth.firstrun import FirstRunSecret

    secret = FirstRunSecret.in_dir(platform.server.data_dir)
    return setup_notices(settings, platform.server, secret)


PART = Part(
    info=PartInfo(
        name="analytics",
        title="Analytics",
        path="/analytics",
        description="Privacy-friendly web analytics: no cookies, Sparklytics-compatible "
        "tracker and API, events in DuckDB.",
    ),
    settings=AnalyticsSettings,
    build=_build,
    blueprints=_blueprints,
    jobs=_jobs,
    start=_start,
    serving=_warm_up,
    stop=_stop,
    commands=add_commands,
    public_paths=frozenset({"/e", "/s.js"}),
    public_urls=_public_urls,
    notices=_notices,
    migrations=VERSIONS,
    health=_health,
)
