"""HTTP of goals (analytics-api.md 11.3): definitions (admin/goals.py) and their conversion
statistics (query/goals.py). Thin handlers: the website (404 first), the body or the query
string, the service, the answer."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from appliance.analytics.access.docs import (
    BODY_ROUTE,
    READ_ROUTE,
    WEBSITE_ROUTE,
    protected_doc,
)
from appliance.analytics.access.guard import protected
from appliance.analytics.admin.goals import GoalCreate, GoalService, GoalUpdate
from appliance.analytics.admin.models import ADMIN_WORDING, GoalAnswer, GoalList
from appliance.analytics.query.models import GoalStats, ReportQuery
from appliance.analytics.query.routes import WEBSITE, params_of, query_service
from appliance.analytics.sites.repository import Website
from appliance.platform.http import json_response
from appliance.platform.validation import read_json

blueprint = Blueprint("analytics_goals")

GOAL = f"{WEBSITE}/goals/<goal_id:str>"
GOAL_BODY_LIMIT = 16 * 1024


async def _goals(request: Request, website_id: str) -> tuple[GoalService, Website]:
    """The app's GoalService, once the website is known to exist, and the website."""
    site = await query_service(request).website(website_id)
    goals: GoalService = request.app.ctx.analytics.goals
    return goals, site


@blueprint.get(
    f"{WEBSITE}/goals",
    name="goals_list",
    ctx_docs=protected_doc("A website's goals", {200: GoalList, **WEBSITE_ROUTE}),
)
@protected
async def goals_list(request: Request, website_id: str) -> HTTPResponse:
    goals, _ = await _goals(request, website_id)
    return json_response({"data": await goals.list(website_id)})


@blueprint.post(
    f"{WEBSITE}/goals",
    name="goals_create",
    ctx_body_limit=GOAL_BODY_LIMIT,
    ctx_docs=protected_doc(
        "Define a goal (422 names the field; at most 50 per website)",
        {201: GoalAnswer, **BODY_ROUTE, **WEBSITE_ROUTE},
        body=GoalCreate,
    ),
)
@protected
async def goals_create(request: Request, website_id: str) -> HTTPResponse:
    goals, _ = await _goals(request, website_id)
    body = read_json(request, wording=ADMIN_WORDING)
    return json_response({"data": await goals.create(website_id, body)}, 201)


@blueprint.put(
    GOAL,
    name="goals_update",
    ctx_body_limit=GOAL_BODY_LIMIT,
    ctx_docs=protected_doc(
        "Change a goal (its type stays)",
        {200: GoalAnswer, **BODY_ROUTE, **WEBSITE_ROUTE},
        body=GoalUpdate,
    ),
)
@protected
async def goals_update(request: Request, website_id: str, goal_id: str) -> HTTPResponse:
    goals, _ = await _goals(request, website_id)
    body = read_json(request, wording=ADMIN_WORDING)
    return json_response({"data": await goals.update(website_id, goal_id, body)})


@blueprint.delete(
    GOAL, name="goals_delete", ctx_docs=protected_doc("Delete a goal", {204: None, **WEBSITE_ROUTE})
)
@protected
async def goals_delete(request: Request, website_id: str, goal_id: str) -> HTTPResponse:
    goals, _ = await _goals(request, website_id)
    await goals.delete(website_id, goal_id)
    return HTTPResponse(status=204)


@blueprint.get(
    f"{GOAL}/stats",
    name="goals_stats",
    ctx_docs=protected_doc(
        "A goal's conversions, with the period before",
        {200: GoalStats, **READ_ROUTE},
        query=ReportQuery,
    ),
)
@protected
async def goals_stats(request: Request, website_id: str, goal_id: str) -> HTTPResponse:
    goals, site = await _goals(request, website_id)
    goal = await goals.get(website_id, goal_id)
    params = params_of(request, "goal")
    return json_response(await query_service(request).goal_stats(site, goal, params))
