"""The arena's routes that belong to no context: its health (§3.12), and the answer for the
rest of its namespace.

CodinCod's paths (``/api/v1/…``, and ``/api/<resource>/<id>`` for its resource names) are the
arena's even where no route exists (yet): an unknown one gets the arena's 404, in Fastify's
words, instead of falling through to another part's routes (the spark board's
``POST /api/<x>/<y>`` would otherwise take ``/api/comment/<id>``).
"""

from __future__ import annotations

from sanic import Request
from sanic.response import HTTPResponse

from appliance.arena import docs
from appliance.arena.errors import arena_error
from appliance.arena.http import arena_blueprint, arena_route
from appliance.platform.http import json_response
from appliance.platform.openapi import HIDDEN, Doc

blueprint = arena_blueprint("arena")

UNROUTED = ("account", "moderation", "report")
"""CodinCod resources with no route of the form ``/api/<resource>/<one segment>`` yet (their
issues come later): the fallback holds that form for them, so the spark board's
``/api/<x>/<y>`` never takes it. A resource that gains such a route leaves this list (Sanic
refuses two routes of one shape)."""
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@arena_route(
    blueprint,
    "/health",
    ["GET"],
    docs=Doc(summary="The arena answers", tag=docs.TAG, responses=docs.replies({200: dict})),
)
async def health(_: Request) -> HTTPResponse:
    return json_response({"status": "OK"})


async def unknown_route(request: Request, rest: str) -> HTTPResponse:
    raise arena_error(
        404,
        f"Route {request.method}:{request.path} not found",
        error="Not Found",
        statusCode=404,
    )


# Static segments win over the spark board's two parameters; a path parameter would not.
blueprint.add_route(
    unknown_route, "/api/v1/<rest>", methods=METHODS, name="unknown_v1", ctx_docs=HIDDEN
)
blueprint.add_route(
    unknown_route, "/api/v1/<rest:path>", methods=METHODS, name="unknown_v1_deep", ctx_docs=HIDDEN
)
for resource in UNROUTED:
    blueprint.add_route(
        unknown_route,
        f"/api/{resource}/<rest>",
        methods=METHODS,
        name=f"unknown_{resource}",
        ctx_docs=HIDDEN,
    )
