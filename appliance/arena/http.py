"""The arena's HTTP conventions, shared by its contexts' ``routes.py`` (codincod-contract.md §1):

* every route answers under ``/api/v1`` (CodinCod's frontend) and ``/api`` (the seed plan),
  with and without a trailing slash (:func:`arena_route`);
* CodinCod's error bodies: ``{error, message}`` (both, so a client reading either finds it),
  the ``validateBody`` shape for invalid input, and @fastify/rate-limit's 429
  (:func:`render_arena_error`);
* CodinCod's rate limits per client address (§1.2), with ``x-ratelimit-*`` headers;
* bodies as JSON or ``application/x-www-form-urlencoded`` (:func:`read_body`);
* CORS with credentials for the configured frontend origins (the blueprint's, set by the part).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from appliance.arena.errors import render_arena_error
from appliance.platform.errors import ServiceError
from appliance.platform.http import client_ip, register_error_renderer
from appliance.platform.openapi import HIDDEN
from appliance.platform.ratelimit import FixedWindowLimiter, Quota, address_key
from appliance.platform.settings import IPNetwork
from appliance.platform.validation import read_json, validate

PREFIXES = ("/api/v1", "/api")
BODY_LIMIT = 1024 * 1024  # CodinCod's (Fastify's default)
Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]
Model = TypeVar("Model", bound=BaseModel)

LIMITS: dict[str, tuple[int, float]] = {
    "global": (100, 60.0),
    "register": (3, 15 * 60.0),
    "login": (5, 60.0),
    "execute": (30, 60.0),
    "submission": (10, 60.0),
    "vote": (20, 60.0),
    "ws": (20, 60.0),  # WebSocket upgrades of /ws and /ws/game/<id> (§4)
}
"""CodinCod's limits (§1.2): requests per window (seconds) per client address. A route with
its own limit counts only there; every other route shares the global one."""


def arena_blueprint(name: str) -> Blueprint:
    """A blueprint of arena routes, answering errors in CodinCod's shapes."""
    blueprint = Blueprint(name)
    register_error_renderer(blueprint, render_arena_error)
    return blueprint


# -- rate limits --------------------------------------------------------------------------------


@dataclass
class RateLimits:
    """One limiter per scope of :data:`LIMITS`, keyed by client address (IPv6 by its /64)."""

    enabled: bool
    trusted_proxies: list[IPNetwork]
    limiters: dict[str, FixedWindowLimiter] = field(init=False)

    def __post_init__(self) -> None:
        self.limiters = {
            scope: FixedWindowLimiter(limit, window) for scope, (limit, window) in LIMITS.items()
        }

    def hit(self, request: Request, scope: str) -> Quota | None:
        if not self.enabled:
            return None
        address = address_key(client_ip(request, self.trusted_proxies))
        return self.limiters[scope].hit(address)


def _quota_headers(quota: Quota) -> dict[str, str]:
    return {
        "x-ratelimit-limit": str(quota.limit),
        "x-ratelimit-remaining": str(quota.remaining),
        "x-ratelimit-reset": str(quota.reset_seconds),
    }


def _limited(handler: Handler, scope: str) -> Handler:
    @functools.wraps(handler)
    async def limited(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        limits: RateLimits = request.app.ctx.arena.limits
        quota = limits.hit(request, scope)
        if quota is None:
            return await handler(request, *args, **kwargs)
        headers = _quota_headers(quota)
        if not quota.allowed:
            seconds = quota.reset_seconds
            raise ServiceError(
                429,
                "rate_limited",
                f"Rate limit exceeded. Please try again in {seconds} seconds.",
                headers={**headers, "retry-after": str(seconds)},
                extra={"statusCode": 429, "error": "Too Many Requests", "retryAfter": seconds},
            )
        try:
            response = await handler(request, *args, **kwargs)
        except ServiceError as refused:
            for name, value in headers.items():
                refused.headers.setdefault(name, value)
            raise
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    return limited


# -- routes -------------------------------------------------------------------------------------


def arena_route(
    blueprint: Blueprint,
    path: str,
    methods: list[str],
    *,
    limit: str = "global",
    body_limit: int = BODY_LIMIT,
    docs: Any = None,
) -> Callable[[Handler], Handler]:
    """Declare a handler at ``/api/v1<path>`` and ``/api<path>`` (each with and without a
    trailing slash), rate-limited by ``limit`` (a scope of :data:`LIMITS`), with CORS for the
    frontend origins and credentials."""
    if limit not in LIMITS:
        raise ValueError(f"unknown rate-limit scope {limit!r}")

    def declare(handler: Handler) -> Handler:
        wrapped = _limited(handler, limit)
        # Each spelling is its own route: the dashboard's catch-all would otherwise take the
        # one with the slash before Sanic's non-strict matching gets to it.
        for prefix in PREFIXES:
            version = "v1" if prefix.endswith("v1") else "plan"
            for slash in ("", "/"):
                blueprint.add_route(
                    wrapped,
                    prefix + path + slash,
                    methods=methods,
                    name=f"{handler.__name__}_{version}{'_slash' if slash else ''}",
                    strict_slashes=True,
                    ctx_cors="credentials",
                    ctx_body_limit=body_limit,
                    # documented once, as CodinCod's frontend calls it (/api/v1, no slash): the
                    # other spellings are aliases, and documenting them doubled a document that
                    # Swagger UI could then no longer render
                    ctx_docs=HIDDEN if slash or version == "plan" else docs,
                )
        return handler

    return declare


# -- bodies -------------------------------------------------------------------------------------


def read_body(request: Request) -> Any:
    """The body as a JSON value, or a form (``application/x-www-form-urlencoded``) as an
    object of its fields (CodinCod registers both parsers). An empty body is ``{}``: some of
    CodinCod's routes take none (approve)."""
    content_type = (request.content_type or "").split(";")[0].strip().lower()
    if not request.body:
        return {}
    if content_type == "application/x-www-form-urlencoded":
        return {name: values[-1] for name, values in (request.form or {}).items()}
    return read_json(request, expect="any")


def parse_body(request: Request, model: type[Model]) -> Model:
    """The body as ``model``, or 400 with every problem (CodinCod's ``validateBody``)."""
    return validate(model, read_body(request), status=400)


def parse_query(request: Request, model: type[Model]) -> Model:
    """The query string as ``model`` (each parameter's last value), or 400."""
    values = {name: items[-1] for name, items in (request.args or {}).items()}
    return validate(model, values, status=400)
