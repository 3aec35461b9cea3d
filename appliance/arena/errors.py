"""CodinCod's error bodies (codincod-contract.md §1): refusals carry both ``error`` and
``message`` (the contract's routes use one or the other; clients read either), invalid input
gets the ``validateBody`` shape with every problem, a 429 @fastify/rate-limit's body. No HTTP:
services raise these, the arena's blueprints render them (``http.arena_blueprint``)."""

from __future__ import annotations

from typing import Any

from appliance.platform.errors import ServiceError


def arena_error(
    status: int, message: str, *, error: str | None = None, **extra: Any
) -> ServiceError:
    """A refusal in CodinCod's words: ``message`` for people, ``error`` the short label the
    contract quotes (``"Puzzle not found"``, ``"Unsupported language"``; the message when
    none), ``extra`` more members of the body (``banDetails``, ``retryAfter``)."""
    members = {"error": error or message, **extra}
    return ServiceError(status, "arena", message, extra=members)


def render_arena_error(error: ServiceError) -> dict[str, Any]:
    """The body of an arena refusal. Invalid input gets CodinCod's ``validateBody`` shape with
    every problem; the platform's own refusals (404 no route, 405, 413) keep their message."""
    if error.problems:
        return {
            "error": "Validation Error",
            "message": "Request validation failed",
            "details": [
                {
                    "path": problem.where,
                    "message": problem.message,
                    "code": f"invalid_{problem.field}",
                }
                for problem in error.problems
            ],
        }
    body = {"error": error.message, "message": error.message}
    body.update(error.extra)
    return body
