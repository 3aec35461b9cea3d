"""HTTP of the spark board: ``POST /api/<x>/<y>``."""

from __future__ import annotations

import asyncio
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from appliance.platform.errors import Problem, ServiceError, envelope
from appliance.platform.http import client_ip, json_response, register_error_renderer
from appliance.platform.openapi import Doc, ErrorEnvelope, Reply
from appliance.platform.ratelimit import address_key, retry_after_header
from appliance.platform.validation import read_json
from appliance.sparks.models import BoardPosition, SparkBody, SparkErrors, SparkEvent
from appliance.sparks.service import SparkService, is_board_position

blueprint = Blueprint("sparks")
SPARK_BODY_LIMIT = 16 * 1024  # a spark is ~100 bytes


def render_spark_error(error: ServiceError) -> Any:
    """The spec's answer to a refused spark: ``{"errors": {field: [messages]}}``, for every
    error that names a field (the body's media type and JSON are the field "body", the rate
    limit "rate"). An error that names none — a request that is no spark at all (404, 405) —
    keeps the platform's envelope."""
    if error.field is None:
        return envelope(error)
    errors: dict[str, list[str]] = {}
    for problem in error.problems or [Problem(error.field, error.message)]:
        message = problem.message
        if problem.path:  # inside the field: an item of the colour
            message = f"item {'.'.join(str(part) for part in problem.path)}: {message}"
        errors.setdefault(problem.field, []).append(message)
    return {"errors": errors}


register_error_renderer(blueprint, render_spark_error)


CREATE_DOC = Doc(
    summary="Send a spark to the board",
    tag="sparks",
    path=BoardPosition,
    body=SparkBody,
    responses={
        202: Reply(SparkEvent, description="Accepted; broadcast on board:lobby"),
        400: Reply(SparkErrors, description="Every offending field with its messages"),
        413: ErrorEnvelope,
        415: SparkErrors,
        429: Reply(SparkErrors, headers={"Retry-After": "Seconds to wait"}),
    },
)
OTHER_METHODS_DOC = Doc(
    summary="Only POST makes a spark",
    tag="sparks",
    path=BoardPosition,
    responses={405: Reply(ErrorEnvelope, headers={"Allow": "OPTIONS, POST"}), 404: ErrorEnvelope},
)


@blueprint.post(
    "/api/<x>/<y>", name="create_spark", ctx_body_limit=SPARK_BODY_LIMIT, ctx_docs=CREATE_DOC
)
async def create_spark(request: Request, x: str, y: str) -> HTTPResponse:
    service: SparkService = request.app.ctx.sparks.service
    wait = service.limiter.hit(address_key(client_ip(request, service.trusted_proxies)))
    if wait:
        raise ServiceError(
            429,
            "rate_limited",
            "too many sparks; retry later",
            "rate",
            headers={"Retry-After": retry_after_header(wait)},
        )
    spark = service.validate(x, y, read_json(request, field="body"))
    data = spark.model_dump()  # once, for both the answer and the broadcast
    # Broadcast after the 202 is on its way, like the spec's Task.start.
    asyncio.get_running_loop().call_soon(service.broadcast, data)
    return json_response(data, 202)


@blueprint.route(
    "/api/<x>/<y>",
    methods=["GET", "HEAD", "PUT", "PATCH", "DELETE"],
    name="spark_other_methods",
    ctx_docs=OTHER_METHODS_DOC,
)
async def spark_other_methods(request: Request, x: str, y: str) -> HTTPResponse:
    """Only POST makes a spark. Any other method on a board position is a 405; on any other
    two-segment API path (``/api/admin/users``…) it is a 404, as for every unknown API path,
    instead of a 405 that would hint a route exists there."""
    if is_board_position(x, y):
        raise ServiceError(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed on {request.path}; POST a spark",
            headers={"Allow": "OPTIONS, POST"},
        )
    raise ServiceError(404, "not_found", f"No route for {request.method} {request.path}")
