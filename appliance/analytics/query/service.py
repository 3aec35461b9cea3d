"""The read side for the routes: :class:`QueryService` looks up the website and runs each
report's query on the warehouse's reader threads (never on the event loop). No HTTP here:
parameters arrive parsed (:class:`~appliance.analytics.query.params.QueryParams`), refusals
leave as ServiceError."""

from __future__ import annotations

from typing import Any

from appliance.analytics.query.events import (
    event_names_query,
    event_properties_query,
    event_timeseries_query,
)
from appliance.analytics.query.export import EXPORT_MAX_ROWS, Export, count_events, export_chunks
from appliance.analytics.query.goals import goal_stats_query
from appliance.analytics.query.metrics import metrics_query
from appliance.analytics.query.params import SESSION_ID, QueryParams
from appliance.analytics.query.realtime import realtime_query
from appliance.analytics.query.sessions import session_query, sessions_query
from appliance.analytics.query.stats import stats_query
from appliance.analytics.query.timeseries import pageviews_query
from appliance.analytics.sites.repository import Website, WebsiteRepository
from appliance.analytics.warehouse.database import Warehouse
from appliance.platform.errors import ServiceError


class QueryService:
    """Every report of sections 9 and 11 over one warehouse."""

    def __init__(self, websites: WebsiteRepository, warehouse: Warehouse) -> None:
        self.websites = websites
        self.warehouse = warehouse

    async def website(self, website_id: str) -> Website:
        """The website, or 404: looked up before the parameters are read."""
        site = await self.websites.get(website_id)
        if site is None:
            raise ServiceError(404, "not_found", "Website not found")
        return site

    async def stats(self, site: Website, params: QueryParams) -> dict[str, Any]:
        return await self.warehouse.read(
            lambda connection: stats_query(connection, site.id, site.timezone, params)
        )

    async def pageviews(self, site: Website, params: QueryParams) -> dict[str, Any]:
        return await self.warehouse.read(
            lambda connection: pageviews_query(connection, site.id, params)
        )

    async def metrics(self, site: Website, params: QueryParams) -> dict[str, Any]:
        return await self.warehouse.read(
            lambda connection: metrics_query(connection, site.id, params)
        )

    async def realtime(self, site: Website, params: QueryParams) -> dict[str, Any]:
        return await self.warehouse.read(
            lambda connection: realtime_query(
                connection, site.id, params.include_bots, event_names=params.include_event_names
            )
        )

    async def sessions(self, site: Website, params: QueryParams) -> dict[str, Any]:
        return await self.warehouse.read(
            lambda connection: sessions_query(connection, site.id, params)
        )

    async def session(self, site: Website, session_id: str) -> dict[str, Any]:
        detail = None
        if SESSION_ID.match(session_id):
            detail = await self.warehouse.read(
                lambda connection: session_query(connection, site.id, session_id)
            )
        if detail is None:
            raise ServiceError(404, "not_found", "Session not found")
        return {"data": detail}

    async def event_names(self, site: Website, params: QueryParams) -> dict[str, Any]:
        data = await self.warehouse.read(
            lambda connection: event_names_query(connection, site.id, params)
        )
        return {"data": data}

    async def event_properties(self, site: Website, params: QueryParams) -> dict[str, Any]:
        data = await self.warehouse.read(
            lambda connection: event_properties_query(connection, site.id, params)
        )
        return {"data": data}

    async def event_timeseries(self, site: Website, params: QueryParams) -> dict[str, Any]:
        data = await self.warehouse.read(
            lambda connection: event_timeseries_query(connection, site.id, params)
        )
        return {"data": data}

    async def goal_stats(
        self, site: Website, goal: dict[str, Any], params: QueryParams
    ) -> dict[str, Any]:
        """The conversions of ``goal`` (a definition of admin/goals.py)."""
        return await self.warehouse.read(
            lambda connection: goal_stats_query(connection, site.id, goal, params)
        )

    async def export(self, site: Website, params: QueryParams) -> Export:
        """The export of ``params.range``, refused (400) before the first byte when it would
        hold more than EXPORT_MAX_ROWS events."""
        span = params.range
        count = await self.warehouse.read(
            lambda connection: count_events(connection, site.id, span), heavy=True
        )
        if count > EXPORT_MAX_ROWS:
            raise ServiceError(
                400,
                "validation_error",
                f"result set too large: > {EXPORT_MAX_ROWS} rows; narrow the date range",
            )
        filename = f"events-{site.id}-{span.start.isoformat()}-{span.end.isoformat()}.csv"
        return Export(filename, export_chunks(self.warehouse, site.id, span))
