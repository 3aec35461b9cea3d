"""Public share links, read side (analytics-api.md 11.5). No HTTP here.

``GET /api/share/{share_id}/stats|pageviews|metrics|overview``: no auth (the share id is the
credential), ``start_date``/``end_date`` only (≤ 90 days; metrics also ``type``), the shapes of
9.2–9.4 without comparison, 30 requests per minute per client IP. The numbers come from the
same queries as the protected routes (``queries.py``). Share links are created and deleted
with the websites (``POST|DELETE /api/websites/{id}/share``), elsewhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from appliance.analytics.query.queries import (
    QueryError,
    QueryParams,
    metrics_query,
    pageviews_query,
    parse_params,
    stats_query,
)
from appliance.analytics.query.reports import (
    MAX_REPORT_DAYS,
    Args,
    ReportError,
    bad_request,
    not_found,
)
from appliance.analytics.sites.repository import Website
from appliance.platform.ratelimit import RateLimiter

if TYPE_CHECKING:
    import duckdb

    from appliance.analytics.ingest.service import IngestService

SHARE_REQUESTS_PER_MINUTE = 30
SHARE_ID_MAX = 36
OVERVIEW_METRICS = ("page", "referrer", "browser", "country", "os", "device")
# What a shared dashboard may ask: no filters, no comparison, no bots, no time zone.
_SHARE_ARGS = {
    "stats": ("start_date", "end_date"),
    "pageviews": ("start_date", "end_date"),
    "metrics": ("start_date", "end_date", "type"),
    "overview": ("start_date", "end_date"),
}


def overview(connection: duckdb.DuckDBPyConnection, site: Website, args: Args) -> dict[str, Any]:
    """Stats, the series and six breakdowns in one read."""
    params = _params(args, "stats")
    series = pageviews_query(connection, site.id, _params(args, "pageviews"))["data"]
    return {
        "data": {
            "stats": stats_query(connection, site.id, site.timezone, params)["data"],
            "pageviews": {"series": series["series"], "granularity": series["granularity"]},
            "metrics": {
                metric: {
                    "rows": metrics_query(
                        connection, site.id, _params({**args, "type": metric}, "metrics")
                    )["data"]["rows"]
                }
                for metric in OVERVIEW_METRICS
            },
        }
    }


def _params(args: Args, endpoint: str) -> QueryParams:
    try:
        return parse_params(args, endpoint=endpoint)
    except QueryError as error:
        raise ReportError(error.status, error.code, error.message) from None


class ShareService:
    def __init__(self, ingest: IngestService) -> None:
        self.websites = ingest.websites
        self.warehouse = ingest.pipeline.warehouse
        self.limiter = RateLimiter(SHARE_REQUESTS_PER_MINUTE, 60.0)

    def hit(self, client: str) -> float:
        """Count one request of ``client``; seconds to wait when over the limit, else 0."""
        return self.limiter.hit(client or "unknown")

    async def _website(self, share_id: str) -> Website:
        site = None
        if 0 < len(share_id) <= SHARE_ID_MAX:
            site = await self.websites.by_share_id(share_id)
        if site is None:
            raise not_found("Share link not found")
        return site

    async def report(self, share_id: str, report: str, args: Args) -> dict[str, Any]:
        site = await self._website(share_id)
        allowed = {name: args[name] for name in _SHARE_ARGS[report] if name in args}
        params = _params(allowed, "metrics" if report == "metrics" else "stats")
        if params.range.days > MAX_REPORT_DAYS:
            raise bad_request(
                f"date range too large: {params.range.days} days (max {MAX_REPORT_DAYS})"
            )
        if report == "stats":
            return await self.warehouse.read(
                lambda c: stats_query(c, site.id, site.timezone, params)
            )
        if report == "pageviews":
            return await self.warehouse.read(lambda c: pageviews_query(c, site.id, params))
        if report == "metrics":
            return await self.warehouse.read(lambda c: metrics_query(c, site.id, params))
        return await self.warehouse.read(lambda c: overview(c, site, allowed))
