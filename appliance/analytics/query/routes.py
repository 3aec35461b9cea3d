"""HTTP of the analytics API: stats, pageviews, metrics, realtime (section 9).
Thin handlers: parse → service → respond."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from appliance.analytics.access.guard import protected
from appliance.analytics.ingest.service import IngestService
from appliance.analytics.query.queries import QueryError, QueryService
from appliance.platform.http import ApiError, json_response

blueprint = Blueprint("analytics_queries")


def _queries(request: Request) -> QueryService:
    """One QueryService per app, built on the ingest service's website cache and warehouse."""
    ctx = request.app.ctx
    queries: QueryService | None = getattr(ctx, "analytics_queries", None)
    if queries is None:
        ingest: IngestService = ctx.analytics
        queries = QueryService(ingest.websites, ingest.pipeline.warehouse)
        ctx.analytics_queries = queries
    return queries


def _api_error(error: QueryError) -> ApiError:
    return ApiError(error.status, error.code, error.message)


@blueprint.get("/api/websites/<website_id:str>/stats", name="stats")
@protected
async def stats(request: Request, website_id: str) -> HTTPResponse:
    try:
        body = await _queries(request).stats(website_id, request.args)
    except QueryError as error:
        raise _api_error(error) from None
    return json_response(body)


@blueprint.get("/api/websites/<website_id:str>/pageviews", name="pageviews")
@protected
async def pageviews(request: Request, website_id: str) -> HTTPResponse:
    try:
        body = await _queries(request).pageviews(website_id, request.args)
    except QueryError as error:
        raise _api_error(error) from None
    return json_response(body)


@blueprint.get("/api/websites/<website_id:str>/metrics", name="metrics")
@protected
async def metrics(request: Request, website_id: str) -> HTTPResponse:
    try:
        body = await _queries(request).metrics(website_id, request.args)
    except QueryError as error:
        raise _api_error(error) from None
    return json_response(body)


@blueprint.get("/api/websites/<website_id:str>/realtime", name="realtime")
@protected
async def realtime(request: Request, website_id: str) -> HTTPResponse:
    try:
        body = await _queries(request).realtime(website_id, request.args)
    except QueryError as error:
        raise _api_error(error) from None
    return json_response(body)
