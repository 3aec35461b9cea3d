"""Route guards of the analytics API (analytics-api.md 7.2).

``@protected`` — every ``/api/websites…`` route: session cookie or API key.
``@cookie_only(allowed_during_rotation=…)`` — the ``/api/auth/*`` routes that need a login.
``@auth_route`` — the public ``/api/auth/*`` routes (they only vanish in mode ``none``).

Checks, in order: (1) mode ``local`` before setup → 403 ``setup_required``; (2) an
``Authorization: Bearer`` token → 403 ``forbidden`` on cookie-only routes without looking it
up, else it must be an active API key or 401; (3) else a valid ``spk_session`` cookie;
(4) else 401 "Not authenticated". A cookie-authenticated request that changes state must come
from this server's pages or a CORS_ORIGINS origin (its Origin, or Sec-Fetch-Site without one),
else 403 ``forbidden`` (SameSite alone is no CSRF protection). A pending forced password
change then gives 403 ``password_change_required`` on protected routes and on cookie-only
routes not allowed during rotation. In mode ``none`` protected routes are open and every auth
route is 404.

The guard sets ``request.ctx.principal``: ``"cookie"``, ``"api_key"`` or ``"anonymous"``
(mode ``none``). Refusals are raised as :class:`ServiceError` and answered by the platform.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse

from appliance.analytics.access.auth import AnalyticsAuth
from appliance.platform.errors import ServiceError
from appliance.platform.origins import require_same_origin

Handler = Callable[..., Awaitable[HTTPResponse]]

SESSION_COOKIE = "spk_session"


async def analytics_auth(request: Request) -> AnalyticsAuth:
    """The app's analytics auth, once its stored state is loaded (AnalyticsAuth.ready)."""
    auth: AnalyticsAuth = request.app.ctx.analytics.auth
    await auth.ready()
    return auth


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def _bearer(request: Request) -> str | None:
    """The token of ``Authorization: Bearer <token>``; None when there is no such header."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _not_found(request: Request) -> ServiceError:
    return ServiceError(404, "not_found", f"No route for {request.method} {request.path}")


def _rotation_pending() -> ServiceError:
    return ServiceError(403, "password_change_required", "Change the admin password first")


async def _authenticate(request: Request, auth: AnalyticsAuth, *, cookie_only: bool) -> str:
    if auth.setup_required:
        raise ServiceError(403, "setup_required", "Set the admin password first (/api/auth/setup)")
    token = _bearer(request)
    if token is not None:
        if cookie_only:
            raise ServiceError(403, "forbidden", "API keys cannot manage auth resources")
        if await auth.api_key(token) is None:
            raise ServiceError(401, "unauthorized", "Invalid API key")
        return "api_key"
    if auth.session(session_token(request)) is not None:
        require_same_origin(request)
        return "cookie"
    raise ServiceError(401, "unauthorized", "Not authenticated")


def protected(handler: Handler) -> Handler:
    @functools.wraps(handler)
    async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        auth = await analytics_auth(request)
        if not auth.enabled:
            request.ctx.principal = "anonymous"
            return await handler(request, *args, **kwargs)
        request.ctx.principal = await _authenticate(request, auth, cookie_only=False)
        if auth.rotation_pending:
            raise _rotation_pending()
        return await handler(request, *args, **kwargs)

    return guarded


def cookie_only(*, allowed_during_rotation: bool) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            auth = await analytics_auth(request)
            if not auth.enabled:
                raise _not_found(request)
            request.ctx.principal = await _authenticate(request, auth, cookie_only=True)
            if not allowed_during_rotation and auth.rotation_pending:
                raise _rotation_pending()
            return await handler(request, *args, **kwargs)

        return guarded

    return decorate


def auth_route(handler: Handler) -> Handler:
    """A public ``/api/auth/*`` route: absent (404) in mode ``none``, open otherwise."""

    @functools.wraps(handler)
    async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        if not (await analytics_auth(request)).enabled:
            raise _not_found(request)
        return await handler(request, *args, **kwargs)

    return guarded
