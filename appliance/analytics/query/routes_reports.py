"""HTTP of the analytics API: sessions, custom events, goals, public share links and CSV
export (section 11).
Thin handlers: parse → service → respond."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from appliance.analytics.access.guard import protected
from appliance.analytics.admin.goals import GoalService
from appliance.analytics.ingest.service import IngestService
from appliance.analytics.query.reports import Args, ReportError, ReportService
from appliance.analytics.share.service import ShareService
from appliance.platform.http import ApiError, client_ip, json_response, parse_json_object
from appliance.platform.ratelimit import retry_after_header

blueprint = Blueprint("analytics_reports")

WEBSITE = "/api/websites/<website_id:str>"
GOAL_BODY_LIMIT = 16 * 1024


@dataclass(frozen=True, slots=True)
class Services:
    ingest: IngestService
    reports: ReportService
    goals: GoalService
    shares: ShareService


def _services(request: Request) -> Services:
    """Built on first use from the ingest service (its warehouse and store)."""
    ctx = request.app.ctx
    services: Services | None = getattr(ctx, "analytics_reports", None)
    if services is None:
        ingest: IngestService = ctx.analytics
        warehouse = ingest.pipeline.warehouse
        store = ingest.websites.store
        services = Services(
            ingest, ReportService(warehouse), GoalService(store, warehouse), ShareService(ingest)
        )
        ctx.analytics_reports = services
    return services


def _args(request: Request) -> Args:
    # blank values kept: "timezone present but blank" is an error of its own (11.2)
    return {name: values[0] for name, values in request.get_args(keep_blank_values=True).items()}


def _api_error(error: ReportError) -> ApiError:
    return ApiError(error.status, error.code, error.message, error.field, error.headers)


async def _website(request: Request, website_id: str) -> Services:
    services = _services(request)
    if await services.ingest.websites.get(website_id) is None:
        raise ApiError(404, "not_found", "Website not found")
    return services


def _body(request: Request) -> Any:
    try:
        return parse_json_object(request)
    except ApiError as error:
        if error.status == 400:  # 1.1 OURS: framework rejections carry validation_error
            raise ApiError(400, "validation_error", error.message) from None
        raise


@blueprint.exception(ReportError)
async def report_error(request: Request, error: ReportError) -> HTTPResponse:
    return _api_error(error).response()


# -- sessions (11.1) ------------------------------------------------------------------------


@blueprint.get(f"{WEBSITE}/sessions", name="sessions")
@protected
async def sessions(request: Request, website_id: str) -> HTTPResponse:
    services = await _website(request, website_id)
    return json_response(await services.reports.sessions(website_id, _args(request)))


@blueprint.get(f"{WEBSITE}/sessions/<session_id:str>", name="session_detail")
@protected
async def session_detail(request: Request, website_id: str, session_id: str) -> HTTPResponse:
    services = await _website(request, website_id)
    return json_response(await services.reports.session(website_id, session_id))


# -- custom events (11.2) -------------------------------------------------------------------


@blueprint.get(f"{WEBSITE}/events", name="event_names")
@protected
async def event_names(request: Request, website_id: str) -> HTTPResponse:
    services = await _website(request, website_id)
    return json_response(await services.reports.event_names(website_id, _args(request)))


@blueprint.get(f"{WEBSITE}/events/properties", name="event_properties")
@protected
async def event_properties(request: Request, website_id: str) -> HTTPResponse:
    services = await _website(request, website_id)
    return json_response(await services.reports.event_properties(website_id, _args(request)))


@blueprint.get(f"{WEBSITE}/events/timeseries", name="event_timeseries")
@protected
async def event_timeseries(request: Request, website_id: str) -> HTTPResponse:
    services = await _website(request, website_id)
    return json_response(await services.reports.event_timeseries(website_id, _args(request)))


# -- goals (11.3) ---------------------------------------------------------------------------


@blueprint.get(f"{WEBSITE}/goals", name="goals_list")
@protected
async def goals_list(request: Request, website_id: str) -> HTTPResponse:
    services = await _website(request, website_id)
    return json_response({"data": await services.goals.list(website_id)})


@blueprint.post(f"{WEBSITE}/goals", name="goals_create", ctx_body_limit=GOAL_BODY_LIMIT)
@protected
async def goals_create(request: Request, website_id: str) -> HTTPResponse:
    services = await _website(request, website_id)
    goal = await services.goals.create(website_id, _body(request))
    return json_response({"data": goal}, 201)


@blueprint.put(
    f"{WEBSITE}/goals/<goal_id:str>", name="goals_update", ctx_body_limit=GOAL_BODY_LIMIT
)
@protected
async def goals_update(request: Request, website_id: str, goal_id: str) -> HTTPResponse:
    services = await _website(request, website_id)
    goal = await services.goals.update(website_id, goal_id, _body(request))
    return json_response({"data": goal})


@blueprint.delete(f"{WEBSITE}/goals/<goal_id:str>", name="goals_delete")
@protected
async def goals_delete(request: Request, website_id: str, goal_id: str) -> HTTPResponse:
    services = await _website(request, website_id)
    await services.goals.delete(website_id, goal_id)
    return HTTPResponse(status=204)


@blueprint.get(f"{WEBSITE}/goals/<goal_id:str>/stats", name="goals_stats")
@protected
async def goals_stats(request: Request, website_id: str, goal_id: str) -> HTTPResponse:
    services = await _website(request, website_id)
    return json_response(await services.goals.stats(website_id, goal_id, _args(request)))


# -- export (11.6) --------------------------------------------------------------------------


@blueprint.get(f"{WEBSITE}/export", name="export")
@protected
async def export(request: Request, website_id: str) -> HTTPResponse:
    services = await _website(request, website_id)
    prepared = await services.reports.export(website_id, _args(request))
    response = await request.respond(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{prepared.filename}"'},
    )
    async for chunk in prepared.chunks:
        await response.send(chunk)
    await response.eof()
    return None  # type: ignore[return-value]  # streamed already: Sanic sends nothing more


# -- public share links (11.5) --------------------------------------------------------------


SHARE_REPORTS = ("stats", "pageviews", "metrics", "overview")


async def share_report(request: Request, share_id: str) -> HTTPResponse:
    """No auth: the share id is the credential. Rate limited per client before anything else
    (so probing ids costs budget too)."""
    services = _services(request)
    wait = services.shares.hit(client_ip(request, services.ingest.trusted_proxies))
    if wait:
        raise ApiError(
            429,
            "rate_limited",
            "Too many requests for shared dashboards; retry later",
            headers={"Retry-After": retry_after_header(wait)},
        )
    report = request.path.rsplit("/", 1)[-1]
    return json_response(await services.shares.report(share_id, report, _args(request)))


for _report in SHARE_REPORTS:
    blueprint.add_route(
        share_report,
        f"/api/share/<share_id:str>/{_report}",
        methods=["GET"],
        name=f"share_{_report}",
        ctx_cors="none",  # section 1.4: public share routes have no CORS layer
    )
