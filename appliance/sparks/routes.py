"""HTTP of the spark board: ``POST /api/<x>/<y>``."""

from __future__ import annotations

import asyncio

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from appliance.platform.http import ApiError, client_ip, json_response, parse_json_object
from appliance.platform.ratelimit import retry_after_header
from appliance.sparks.service import InvalidSpark, SparkService, is_board_position

blueprint = Blueprint("sparks")
SPARK_BODY_LIMIT = 16 * 1024  # a spark is ~100 bytes


def _invalid(status: int, field: str, message: str) -> ApiError:
    return ApiError(status, "invalid_spark", message, field, body={"errors": {field: [message]}})


@blueprint.post("/api/<x>/<y>", name="create_spark", ctx_body_limit=SPARK_BODY_LIMIT)
async def create_spark(request: Request, x: str, y: str) -> HTTPResponse:
    service: SparkService = request.app.ctx.sparks
    wait = service.limiter.hit(client_ip(request, service.trusted_proxies))
    if wait:
        raise ApiError(
            429,
            "rate_limited",
            "Too many sparks; slow down",
            headers={"Retry-After": retry_after_header(wait)},
            body={"errors": {"rate": ["too many sparks; retry later"]}},
        )
    try:
        body = parse_json_object(request)
    except ApiError as exc:
        raise _invalid(exc.status, "body", exc.message) from None
    try:
        spark = service.validate(x, y, body)
    except InvalidSpark as exc:
        return json_response({"errors": exc.errors}, 400)
    data = spark.model_dump()  # once, for both the answer and the broadcast
    # Broadcast after the 202 is on its way, like the spec's Task.start.
    asyncio.get_running_loop().call_soon(service.broadcast, data)
    return json_response(data, 202)


@blueprint.route(
    "/api/<x>/<y>", methods=["GET", "HEAD", "PUT", "PATCH", "DELETE"], name="spark_other_methods"
)
async def spark_other_methods(request: Request, x: str, y: str) -> HTTPResponse:
    """Only POST makes a spark. Any other method on a board position is a 405; on any other
    two-segment API path (``/api/admin/users``…) it is a 404, as for every unknown API path,
    instead of a 405 that would hint a route exists there."""
    if is_board_position(x, y):
        raise ApiError(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed on {request.path}; POST a spark",
            headers={"Allow": "OPTIONS, POST"},
        )
    raise ApiError(404, "not_found", f"No route for {request.method} {request.path}")
