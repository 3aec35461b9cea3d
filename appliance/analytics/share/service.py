"""Public share links, read side (analytics-api.md 11.5). No HTTP here.

``GET /api/share/{share_id}/stats|pageviews|metrics|overview``: no auth (the share id is the
credential), ``start_date``/``end_date`` only (≤ 90 days; metrics also ``type``: the
``share`` rules of query/params.py), the shapes of 9.2–9.4 without comparison, 30 requests per
minute per client IP. The numbers come from the same queries as the protected routes. Share
links are created and deleted with the websites (``POST|DELETE /api/websites/{id}/share``),
elsewhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from appliance.analytics.query.metrics import metrics_query
from appliance.analytics.query.params import QueryParams
from appliance.analytics.query.stats import stats_query
from appliance.analytics.query.timeseries import pageviews_query
from appliance.analytics.sites.repository import Website, WebsiteRepository
from appliance.analytics.warehouse.database import Warehouse
from appliance.platform.errors import ServiceError
from appliance.platform.ratelimit import RateLimiter, retry_after_header

if TYPE_CHECKING:
    import duckdb

Report = Literal["stats", "pageviews", "metrics", "overview"]
SHARE_REPORTS: tuple[Report, ...] = ("stats", "pageviews", "metrics", "overview")
SHARE_REQUESTS_PER_MINUTE = 30
SHARE_ID_MAX = 36
OVERVIEW_METRICS = ("page", "referrer", "browser", "country", "os", "device")


def overview(
    connection: duckdb.DuckDBPyConnection, site: Website, params: QueryParams
) -> dict[str, Any]:
    """Stats, the series and six breakdowns in one read, and (OURS, issue 21) the website's
    name and domain: the public page titles itself with them. Its days stay UTC (the share
    routes read start_date and end_date only)."""
    series = pageviews_query(connection, site.id, params)["data"]
    return {
        "data": {
            "stats": stats_query(connection, site.id, site.timezone, params)["data"],
            "pageviews": {"series": series["series"], "granularity": series["granularity"]},
            "metrics": {
                metric: {
                    "rows": metrics_query(
                        connection, site.id, params.model_copy(update={"metric_type": metric})
                    )["data"]["rows"]
                }
                for metric in OVERVIEW_METRICS
            },
            "website": {"name": site.name, "domain": site.domain},
        }
    }


def _report(
    connection: duckdb.DuckDBPyConnection, site: Website, report: Report, params: QueryParams
) -> dict[str, Any]:
    if report == "stats":
        return stats_query(connection, site.id, site.timezone, params)
    if report == "pageviews":
        return pageviews_query(connection, site.id, params)
    if report == "metrics":
        return metrics_query(connection, site.id, params)
    return overview(connection, site, params)


class ShareService:
    def __init__(self, websites: WebsiteRepository, warehouse: Warehouse) -> None:
        self.websites = websites
        self.warehouse = warehouse
        self.limiter = RateLimiter(SHARE_REQUESTS_PER_MINUTE, 60.0)

    def hit(self, client: str) -> None:
        """Count one request of ``client``; over the limit → 429 with ``Retry-After``.
        Counted before anything else, so probing ids costs budget too."""
        wait = self.limiter.hit(client or "unknown")
        if wait:
            raise ServiceError(
                429,
                "rate_limited",
                "Too many requests for shared dashboards; retry later",
                headers={"Retry-After": retry_after_header(wait)},
            )

    async def website(self, share_id: str) -> Website:
        site = None
        if 0 < len(share_id) <= SHARE_ID_MAX:
            site = await self.websites.by_share_id(share_id)
        if site is None:
            raise ServiceError(404, "not_found", "Share link not found")
        return site

    async def report(self, site: Website, report: Report, params: QueryParams) -> dict[str, Any]:
        # an overview is seven queries: a heavy read (warehouse/database.py's semaphore)
        return await self.warehouse.read(
            lambda connection: _report(connection, site, report, params),
            heavy=report == "overview",
        )
