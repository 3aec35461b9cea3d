"""HTTP of the analytics reports: stats, pageviews, metrics, realtime (section 9), sessions,
custom events and the CSV export (section 11). Thin handlers: the website (404 before any
400), the query string under the route's rules (query/params.py), the service, the answer.
The plain JSON reports are one table, :data:`REPORTS`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from sanic import Blueprint, Request
from sanic.models.handler_types import RouteHandler
from sanic.response import HTTPResponse

from appliance.analytics.access.docs import READ_ROUTE, protected_doc
from appliance.analytics.access.guard import protected
from appliance.analytics.query.models import ANSWERS, QUERIES, ExportQuery, SessionDetail
from appliance.analytics.query.params import QueryParams, parse_params
from appliance.analytics.query.rules import Endpoint
from appliance.analytics.query.service import QueryService
from appliance.analytics.sites.repository import Website
from appliance.platform.http import json_response
from appliance.platform.openapi import Doc, Reply

blueprint = Blueprint("analytics_queries")

WEBSITE = "/api/websites/<website_id:str>"

Report = Callable[[QueryService, Website, QueryParams], Awaitable[dict[str, Any]]]
# path below the website, route name, the rules its query string is read by, the report
REPORTS: tuple[tuple[str, str, Endpoint, Report], ...] = (
    ("stats", "stats", "stats", QueryService.stats),  # 9.2
    ("pageviews", "pageviews", "pageviews", QueryService.pageviews),  # 9.3
    ("metrics", "metrics", "metrics", QueryService.metrics),  # 9.4
    ("realtime", "realtime", "realtime", QueryService.realtime),  # 9.5
    ("sessions", "sessions", "sessions", QueryService.sessions),  # 11.1
    ("events", "event_names", "events", QueryService.event_names),  # 11.2
    ("events/properties", "event_properties", "event", QueryService.event_properties),
    ("events/timeseries", "event_timeseries", "event", QueryService.event_timeseries),
)


def query_service(request: Request) -> QueryService:
    """The part's QueryService (analytics/context.py)."""
    queries: QueryService = request.app.ctx.analytics.queries
    return queries


def params_of(request: Request, endpoint: Endpoint) -> QueryParams:
    """The query string under ``endpoint``'s rules (blank values kept: some routes refuse
    ``?timezone=``, others take it for absent)."""
    return parse_params(request.get_args(keep_blank_values=True), endpoint)


async def _read(
    request: Request, website_id: str, endpoint: Endpoint
) -> tuple[QueryService, Website, QueryParams]:
    queries = query_service(request)
    site = await queries.website(website_id)
    return queries, site, params_of(request, endpoint)


def _handler(endpoint: Endpoint, report: Report) -> RouteHandler:
    @protected
    async def handler(request: Request, website_id: str) -> HTTPResponse:
        queries, site, params = await _read(request, website_id, endpoint)
        return json_response(await report(queries, site, params))

    return cast("RouteHandler", handler)  # protected keeps it a coroutine function


SUMMARIES = {
    "stats": "Visitors, pageviews, sessions, bounce rate and duration, with the period before",
    "pageviews": "Pageviews and visitors per hour, day or month",
    "metrics": "A breakdown by one dimension (pages, referrers, countries…)",
    "realtime": "Active visitors and the events of the last 30 minutes",
    "sessions": "Sessions, newest first, a page at a time",
    "events": "Custom event names with their counts",
    "events/properties": "The properties of one custom event",
    "events/timeseries": "One custom event per hour, day or month",
}


def report_doc(path: str) -> Doc:
    """The documentation of the report at ``path`` below the website."""
    return protected_doc(SUMMARIES[path], {200: ANSWERS[path], **READ_ROUTE}, query=QUERIES[path])


for _path, _name, _endpoint, _report in REPORTS:
    blueprint.add_route(
        _handler(_endpoint, _report),
        f"{WEBSITE}/{_path}",
        methods=["GET"],
        name=_name,
        ctx_docs=report_doc(_path),
    )


@blueprint.get(
    f"{WEBSITE}/sessions/<session_id:str>",
    name="session_detail",
    ctx_docs=protected_doc(
        "One session with its events, oldest first", {200: SessionDetail, **READ_ROUTE}
    ),
)
@protected
async def session_detail(request: Request, website_id: str, session_id: str) -> HTTPResponse:
    queries = query_service(request)
    site = await queries.website(website_id)
    return json_response(await queries.session(site, session_id))


@blueprint.get(
    f"{WEBSITE}/export",
    name="export",
    ctx_docs=protected_doc(
        "The raw events of a range as CSV",
        {200: Reply(str, "text/csv", "One row per event, streamed"), **READ_ROUTE},
        query=ExportQuery,
    ),
)
@protected
async def export(request: Request, website_id: str) -> HTTPResponse:
    """11.6: every 400 before the first byte, then the CSV streamed chunk by chunk."""
    queries, site, params = await _read(request, website_id, "export")
    prepared = await queries.export(site, params)
    response = await request.respond(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{prepared.filename}"'},
    )
    async for chunk in prepared.chunks:
        await response.send(chunk)
    await response.eof()
    return None  # type: ignore[return-value]  # streamed already: Sanic sends nothing more
