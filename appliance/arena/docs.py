"""What the arena routes' documentation shares (platform/openapi.py): the login token, the
error bodies, the refusals of the guards and of the rate limits, the tag."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from appliance.platform.openapi import Reply, Security

TAG = "arena"

TOKEN = Security(
    "arenaToken",
    {
        "type": "apiKey",
        "in": "cookie",
        "name": "token",
        "description": "The arena's login cookie, set by POST /api/v1/login or /register "
        "(also accepted as Authorization: Bearer).",
    },
)
SIGNED_IN = (TOKEN,)


class ArenaError(BaseModel):
    """An arena refusal (CodinCod): ``error`` a short label, ``message`` for people; invalid
    input adds ``details`` [{path, message, code}]."""

    model_config = ConfigDict(extra="allow")

    error: str
    message: str


class RateLimited(BaseModel):
    """@fastify/rate-limit's answer."""

    statusCode: int
    error: str
    message: str
    retryAfter: int


LIMIT_HEADERS = {
    "x-ratelimit-limit": "Requests allowed in the window",
    "x-ratelimit-remaining": "Requests left in the window",
    "x-ratelimit-reset": "Seconds until the window resets",
}
LIMITED: dict[int, Any] = {
    429: Reply(RateLimited, headers={**LIMIT_HEADERS, "retry-after": "Seconds to wait"}),
}
GUARDED: dict[int, Any] = {
    400: Reply(ArenaError, description="Invalid input, or an invalid token"),
    401: Reply(ArenaError, description="No authentication token provided"),
    403: Reply(ArenaError, description="Banned (with banDetails), or not allowed"),
    **LIMITED,
}
"""What a signed-in route may answer before its handler runs."""


def replies(ok: dict[int, Any], *errors: int, guarded: bool = False) -> dict[int, Any]:
    """A route's answers: its successes, ``errors`` as arena refusals, and the guards' and
    rate limits' refusals."""
    answers: dict[int, Any] = dict(GUARDED if guarded else LIMITED)
    answers.update({status: ArenaError for status in errors})
    answers.update(ok)
    return answers
