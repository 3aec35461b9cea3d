"""HTTP plumbing shared by every part: JSON, the error envelope, body limits, CORS,
security headers, the access log and the client address.

Parts raise :class:`~appliance.platform.errors.ServiceError` (or return :func:`json_response`)
and never build error responses or headers themselves: :func:`error_response` is the one place
an error becomes a response, in the shape of the renderer its part registered for the
blueprint (:func:`register_error_renderer`), the envelope by default. Per-route choices travel
in Sanic's route context (``ctx_body_limit``, ``ctx_cors``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import orjson
from sanic import Blueprint, Request, Sanic
from sanic.exceptions import SanicException
from sanic.handlers import ErrorHandler
from sanic.response import HTTPResponse

from appliance.platform import accesslog
from appliance.platform.errors import ErrorRenderer, ServiceError, envelope
from appliance.platform.sanic_compat import install_header_sanitize_patch
from appliance.platform.settings import IPNetwork, PlatformSettings

log = logging.getLogger("sparkhouse.http")

API_PREFIXES = ("/api/", "/socket/")
PLATFORM_PATHS = frozenset({"/healthz"})
"""Paths outside the API prefixes that answer JSON; parts declare theirs (Part.public_paths)."""
CorsPolicy = Literal["allow-list", "reflect", "none", "credentials"]
"""``allow-list``: only CORS_ORIGINS. ``reflect``: echo any Origin (tracker beacons).
``none``: no CORS headers at all (public pages meant for same-origin or server-side use).
``credentials``: CORS_ORIGINS and the blueprint's own (:func:`register_cors_origins`), with
credentials (a part whose login cookie is sent by its frontend on another origin: the arena)."""

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    411: "length_required",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_entity",
    429: "rate_limited",
    503: "service_unavailable",
}


def dumps(value: Any) -> bytes:
    """The one JSON encoder of the appliance."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> HTTPResponse:
    return HTTPResponse(
        dumps(body), status=status, headers=dict(headers or {}), content_type="application/json"
    )


# -- errors -----------------------------------------------------------------------------------


def register_error_renderer(blueprint: Blueprint, renderer: ErrorRenderer) -> None:
    """Answer the ServiceErrors raised on ``blueprint``'s routes with ``renderer``'s bodies.

    For a part whose spec fixes a shape other than the envelope; declared once, next to the
    blueprint. It is looked up per error, so it may be registered before or after mounting.
    """
    blueprint.ctx.error_renderer = renderer


def register_cors_origins(blueprint: Blueprint, origins: Sequence[str]) -> None:
    """The origins (besides CORS_ORIGINS) that may call ``blueprint``'s routes whose policy is
    ``credentials``: known only once the part's settings are read, so set on the blueprint
    when the part hands it over, like its error renderer."""
    blueprint.ctx.cors_origins = tuple(origin.rstrip("/") for origin in origins)


def _blueprint_of(app: Sanic, route: Any) -> Blueprint | None:
    # Sanic names a blueprint's route "<app>.<blueprint>.<handler>" (see Request.name).
    names = route.name.split(".")
    return app.blueprints.get(names[1]) if len(names) == 3 else None


def blueprint_option(request: Request | None, name: str, default: Any) -> Any:
    """What the blueprint owning the request's route declared under ``name``."""
    route = request.route if request is not None else None
    if request is None or route is None:
        return default
    blueprint = _blueprint_of(request.app, route)
    return default if blueprint is None else getattr(blueprint.ctx, name, default)


def error_renderer(request: Request | None) -> ErrorRenderer:
    """The renderer of the blueprint that owns the request's route; the envelope otherwise."""
    renderer: ErrorRenderer = blueprint_option(request, "error_renderer", envelope)
    return renderer


def error_response(error: ServiceError, request: Request | None = None) -> HTTPResponse:
    """The one place an error becomes a response: its status and headers, and the body that
    the renderer of ``request``'s part makes of it (no request: the envelope)."""
    return json_response(error_renderer(request)(error), error.status, error.headers)


def is_api_path(path: str, public_paths: frozenset[str] = frozenset()) -> bool:
    """API paths answer JSON errors; every other GET path belongs to the dashboard."""
    return path.startswith(API_PREFIXES) or path in PLATFORM_PATHS or path in public_paths


def platform_error(
    status: int, message: str, headers: Mapping[str, str] | None = None
) -> ServiceError:
    """An error the platform answers itself (no route, wrong method, body too large, a crash),
    coded by its status."""
    code = _STATUS_CODES.get(status, "internal_error" if status >= 500 else "error")
    return ServiceError(status, code, message, headers=headers)


class JsonErrorHandler(ErrorHandler):
    """Every error is JSON: a ServiceError in its part's shape, anything else in the
    envelope; a 500 is logged with its traceback."""

    def default(self, request: Request, exception: Exception) -> HTTPResponse:
        if isinstance(exception, ServiceError):
            return error_response(exception, request)
        return error_response(self.as_service_error(request, exception))

    @staticmethod
    def as_service_error(request: Request, exception: Exception) -> ServiceError:
        """Sanic's own refusals (no route, wrong method, body too large…), a client that went
        away, or a crash (logged here) as the platform's error."""
        if isinstance(exception, SanicException):
            status = exception.status_code
            message = str(exception) or _STATUS_CODES.get(status, "error").replace("_", " ")
            if status == 404:
                message = f"No route for {request.method} {request.path}"
            elif status == 405:
                message = f"{request.method} is not allowed on {request.path}"
            elif status == 413:
                limit = getattr(request.stream, "request_max_size", None) if request else None
                message = "Request body is too large" + (
                    f" (limit {int(limit)} bytes)"
                    if isinstance(limit, int | float) and limit != float("inf")
                    else ""
                )
            return platform_error(status, message, getattr(exception, "headers", None))
        if isinstance(exception, asyncio.CancelledError):
            # The client went away mid-request (Sanic's RequestCancelled): nobody reads this.
            return platform_error(499, "Client closed the request")
        log.exception(
            "unhandled error on %s %s",
            request.method if request else "?",
            accesslog.loggable_path(request) if request else "?",
            exc_info=exception,
        )
        return platform_error(500, "Internal error; the server log has the details")


# -- client address -------------------------------------------------------------------------


def client_ip(request: Request, trusted_proxies: Sequence[IPNetwork]) -> str:
    """The client's address: the TCP peer, or — only when the peer is a trusted proxy — the
    nearest untrusted address in X-Forwarded-For. Every rate limit keys on this."""
    peer = request.conn_info.client_ip if request.conn_info else ""
    if not trusted_proxies or not _is_trusted(peer, trusted_proxies):
        return peer
    forwarded = ",".join(request.headers.getall("x-forwarded-for", []))
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _valid_ip(hop):
            break  # a garbled header: stop believing it at this point
        if not _is_trusted(hop, trusted_proxies):
            return hop
        peer = hop
    return peer


def _valid_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _is_trusted(address: str, networks: Iterable[IPNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


# -- installation into the app --------------------------------------------------------------

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
HTML_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)
PREFLIGHT_MAX_AGE = "600"
CREDENTIALED = frozenset({"reflect", "credentials"})
REFLECT_MAX_AGE = "86400"  # the tracker endpoints' preflight (analytics-api.md 1.4)


def route_option(request: Request, name: str, default: Any) -> Any:
    route = request.route
    if route is None:
        return default
    return getattr(route.ctx, name, default)


def allowed_origin(request: Request, allow_list: Sequence[str]) -> str | None:
    origin = request.headers.get("origin")
    if not origin:
        return None
    policy = route_option(request, "cors", "allow-list")
    if policy == "reflect":
        return origin
    if policy == "none":
        return None
    trimmed = origin.rstrip("/")
    if trimmed in allow_list:
        return origin
    if policy == "credentials" and trimmed in _credentialed_origins(request):
        return origin
    return None


def _declared_origins(app: Sanic, route: Any) -> tuple[str, ...]:
    blueprint = _blueprint_of(app, route)
    return tuple(getattr(blueprint.ctx, "cors_origins", ())) if blueprint is not None else ()


def _credentialed_origins(request: Request) -> Sequence[str]:
    """A ``credentials`` route's own origins: its blueprint's, or (a preflight) its own."""
    origins: Sequence[str] = route_option(request, "cors_origins", ())
    return origins or blueprint_option(request, "cors_origins", ())


class BodyLimitedRequest(Request):
    """Sanic's request, held to its route's ``ctx_body_limit``: set in ``receive_body``, the
    hook Sanic gives request classes, which it calls after routing and before reading the
    body, so an oversized body is refused unread (a routing signal would cost a dispatch on
    every request)."""

    __slots__ = ()

    async def receive_body(self) -> None:
        route = self.route
        stream = self.stream
        if route is not None and stream is not None:
            limit = getattr(route.ctx, "body_limit", None)
            if limit is not None:
                stream.request_max_size = limit
        await super().receive_body()


def install(app: Sanic, settings: PlatformSettings) -> None:
    """Error handler, body limits, CORS, security headers and the access log."""
    server = settings.server
    app.error_handler = JsonErrorHandler()
    app.config.REQUEST_MAX_SIZE = max(server.max_body_bytes, 1024)
    app.config.FALLBACK_ERROR_FORMAT = "json"

    app.request_class = BodyLimitedRequest  # per-route body limits, without a signal
    install_header_sanitize_patch()

    # The access log's lines gather on the loop and a thread writes them (platform/accesslog.py);
    # the redaction of secret path segments is worked out once every route exists.
    access = accesslog.AccessLog() if accesslog.enabled(server.access_log) else None

    @app.before_server_start
    async def start_access_log(app: Sanic, _: Any = None) -> None:
        redaction = app.ctx.redaction = accesslog.Redaction(app.router.routes)
        if access is not None:
            access.start(redaction)

    @app.after_server_stop  # registered first, so it runs last: every answered request is in
    async def stop_access_log(app: Sanic, _: Any = None) -> None:
        if access is not None:
            access.stop()

    # A plain function: Sanic calls it without a coroutine to create and await per response.
    @app.on_response(priority=100)
    def decorate(request: Request, response: HTTPResponse) -> None:
        headers = response.headers
        for name, value in SECURITY_HEADERS.items():
            headers.setdefault(name, value)
        if (response.content_type or "").startswith("text/html"):
            headers.setdefault("Content-Security-Policy", HTML_CSP)
        if request.headers.get("origin"):  # most requests name none: no CORS work at all
            origin = allowed_origin(request, server.cors_origins)
            if origin:
                headers["Access-Control-Allow-Origin"] = origin
                if route_option(request, "cors", "allow-list") in CREDENTIALED:
                    headers["Access-Control-Allow-Credentials"] = "true"
                exposed = route_option(request, "cors_expose", None)
                if exposed:
                    headers["Access-Control-Expose-Headers"] = exposed
            headers["Vary"] = "Origin"
        if access is not None:
            access.add(request, response)


def add_preflight_routes(app: Sanic, settings: PlatformSettings) -> None:
    """Answer CORS preflights (OPTIONS) on every path that has routes: the appliance's one
    preflight.

    Called once after every part is mounted, so each path gets exactly one OPTIONS handler
    that knows the methods and the CORS policy of the real routes on it.
    """
    by_path: dict[str, tuple[set[str], CorsPolicy, tuple[str, ...]]] = {}
    for route in app.router.routes:
        if "OPTIONS" in route.methods or route.path.startswith("socket/"):
            continue
        methods, _, _ = by_path.setdefault(
            route.path,
            (
                set(),
                getattr(route.ctx, "cors", "allow-list"),
                _declared_origins(app, route),
            ),
        )
        methods.update(route.methods)
    for index, (path, (methods, policy, origins)) in enumerate(sorted(by_path.items())):
        allow_methods = ", ".join([*sorted(methods - {"OPTIONS"}), "OPTIONS"])
        handler = _preflight_handler(settings, allow_methods, policy)
        app.add_route(
            handler,
            "/" + path,
            methods=["OPTIONS"],
            name=f"preflight_{index}",
            # a path routed with and without its trailing slash has a preflight for each
            strict_slashes=path.endswith("/") or path + "/" in by_path,
            ctx_cors=policy,
            ctx_cors_origins=origins,
        )


def _preflight_handler(settings: PlatformSettings, allow_methods: str, policy: CorsPolicy) -> Any:
    async def preflight(request: Request, **_: Any) -> HTTPResponse:
        origin = allowed_origin(request, settings.server.cors_origins)
        if policy == "reflect":
            # Tracker beacons (analytics-api.md 1.4): any origin, credentials allowed, so a
            # cross-origin sendBeacon of a JSON Blob is delivered; the answer never changes.
            return HTTPResponse(status=204, headers=_cors_headers(request, origin or "*", True))
        if not request.headers.get("origin"):
            return HTTPResponse(status=204, headers={"Allow": allow_methods})
        if origin is None:
            raise ServiceError(
                403,
                "cors_origin_refused",
                "This origin may not call the API; add it to CORS_ORIGINS",
            )
        headers = _cors_headers(request, origin, False)
        if policy == "credentials":
            headers["Access-Control-Allow-Credentials"] = "true"
        return HTTPResponse(status=204, headers=headers)

    def _cors_headers(request: Request, origin: str, reflect: bool) -> dict[str, str]:
        headers = {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": allow_methods,
            "Access-Control-Allow-Headers": request.headers.get(
                "access-control-request-headers", "content-type"
            ),
            "Access-Control-Max-Age": REFLECT_MAX_AGE if reflect else PREFLIGHT_MAX_AGE,
            "Vary": "Origin",
        }
        if reflect:
            headers["Access-Control-Allow-Credentials"] = "true"
        return headers

    return preflight
