"""HTTP of the analytics API: /api/auth/* (section 7), websites (section 8) and share links
(11.5). Thin handlers: parse → service → respond."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sanic import Blueprint, Request, Sanic
from sanic.response import HTTPResponse

from appliance.analytics.access.auth import AnalyticsAuth, AuthConfigError, AuthError
from appliance.analytics.access.guard import (
    analytics_auth,
    api_error,
    auth_route,
    cookie_only,
    protected,
    session_token,
)
from appliance.analytics.admin.models import (
    IngestLimitsBody,
    KeyCreateBody,
    LoginBody,
    PasswordChangeBody,
    SetupBody,
    WebsiteCreateBody,
    WebsiteUpdateBody,
)
from appliance.analytics.admin.websites import (
    IngestLimits,
    InvalidWebsite,
    ShareNotFound,
    WebsiteNotFound,
    WebsiteService,
)
from appliance.analytics.ingest.service import IngestService
from appliance.analytics.sites.repository import Website
from appliance.platform.auth import ApiKey, IdentityRepository, IdentityService
from appliance.platform.http import ApiError, client_ip, json_response, parse_json_object

blueprint = Blueprint("analytics_auth")

AUTH_BODY_LIMIT = 16 * 1024
WEBSITE = "/api/websites/<website_id:str>"
Body = TypeVar("Body", bound=BaseModel)


@blueprint.before_server_start
async def start_auth(app: Sanic, _: Any = None) -> None:
    """Identity and website services, once the platform store is open (its listener runs
    first). Mode ``password`` without a password stops the server here."""
    ingest: IngestService = app.ctx.analytics
    settings = ingest.settings
    try:
        AnalyticsAuth.check_settings(settings)
    except AuthConfigError as error:
        raise SystemExit(f"sparkhouse: {error}") from None
    identity = IdentityService(
        IdentityRepository(app.ctx.platform.store),
        session_days=settings.session_days,
        initial_jwt_secret=settings.jwt_secret,
    )
    app.ctx.analytics_auth = AnalyticsAuth(settings, identity)
    app.ctx.analytics_websites = WebsiteService(ingest.websites, ingest.pipeline, settings)


# -- helpers -----------------------------------------------------------------------------------


def _websites(request: Request) -> WebsiteService:
    service: WebsiteService = request.app.ctx.analytics_websites
    return service


def _parse(request: Request, model: type[Body]) -> Body:
    """The body as ``model``; a wrong shape is a 422 naming the field (section 1.1)."""
    raw = parse_json_object(request)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise ApiError(
            422, "validation_error", f"{field}: {first['msg']}" if field else first["msg"], field
        ) from None


def _int_arg(request: Request, name: str, default: int, low: int, high: int | None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "validation_error", f"{name} must be an integer", name) from None
    value = max(low, value)
    return min(high, value) if high is not None else value


def _rfc3339(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _wall(moment: datetime) -> str:
    """Analytics-row timestamps print as DuckDB does: ``YYYY-MM-DD HH:MM:SS[.ffffff]``."""
    return str(moment.replace(tzinfo=None))


def _session_cookie(request: Request, token: str, max_age: int) -> str:
    secure = "; Secure" if request.app.ctx.analytics.settings.https else ""
    return f"spk_session={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"


def _website_error(error: InvalidWebsite | WebsiteNotFound | ShareNotFound) -> ApiError:
    if isinstance(error, InvalidWebsite):
        return ApiError(400, "validation_error", error.message, error.field)
    if isinstance(error, ShareNotFound):
        return ApiError(404, "not_found", "Sharing is not enabled for this website")
    return ApiError(404, "not_found", "Website not found")


# -- /api/auth ---------------------------------------------------------------------------------


@blueprint.get("/api/auth/status", name="auth_status")
@auth_route
async def auth_status(request: Request) -> HTTPResponse:
    status = (await analytics_auth(request)).status(session_token(request))
    return json_response(
        {
            "mode": status.mode.value,
            "setup_required": status.setup_required,
            "authenticated": status.authenticated,
            "password_change_required": status.password_change_required,
        }
    )


@blueprint.post("/api/auth/setup", name="auth_setup", ctx_body_limit=AUTH_BODY_LIMIT)
@auth_route
async def auth_setup(request: Request) -> HTTPResponse:
    auth = await analytics_auth(request)
    try:
        auth.ensure_setup_allowed()  # 410 before the body is even read
        body = _parse(request, SetupBody)
        await auth.setup(body.bootstrap_password, body.password)
    except AuthError as error:
        raise api_error(error) from None
    return json_response({"data": {"ok": True}}, 201)


@blueprint.post("/api/auth/login", name="auth_login", ctx_body_limit=AUTH_BODY_LIMIT)
@auth_route
async def auth_login(request: Request) -> HTTPResponse:
    auth = await analytics_auth(request)
    ip = client_ip(request, request.app.ctx.analytics.trusted_proxies)
    try:
        await auth.ensure_not_locked_out(ip)
        auth.ensure_login_possible()
        body = _parse(request, LoginBody)
        token, expires_at = await auth.login(body.password, ip)
    except AuthError as error:
        raise api_error(error) from None
    cookie = _session_cookie(request, token, auth.session_days * 86_400)
    return json_response(
        {"data": {"expires_at": _rfc3339(expires_at)}}, headers={"Set-Cookie": cookie}
    )


@blueprint.post("/api/auth/logout", name="auth_logout")
@cookie_only(allowed_during_rotation=True)
async def auth_logout(request: Request) -> HTTPResponse:
    # The token is not revoked server-side (7.1): the cookie is cleared.
    return json_response(
        {"data": {"ok": True}}, headers={"Set-Cookie": _session_cookie(request, "", 0)}
    )


@blueprint.get("/api/auth/session", name="auth_session")
@cookie_only(allowed_during_rotation=True)
async def auth_session(request: Request) -> HTTPResponse:
    auth = await analytics_auth(request)
    claims = auth.session(session_token(request))
    if claims is None:
        raise ApiError(401, "unauthorized", "Not authenticated")
    return json_response(
        {
            "data": {
                "authenticated": True,
                "mode": auth.mode.value,
                "expires_at": _rfc3339(claims.expires_at),
            }
        }
    )


@blueprint.put("/api/auth/password", name="auth_password", ctx_body_limit=AUTH_BODY_LIMIT)
@cookie_only(allowed_during_rotation=True)
async def auth_password(request: Request) -> HTTPResponse:
    auth = await analytics_auth(request)
    try:
        auth.ensure_password_change_allowed()
        body = _parse(request, PasswordChangeBody)
        await auth.change_password(body.current_password, body.new_password)
    except AuthError as error:
        raise api_error(error) from None
    return json_response({"data": {"ok": True}})


def _key_row(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "key_prefix": key.key_prefix,
        "created_at": _rfc3339(key.created_at),
        "last_used_at": _rfc3339(key.last_used_at),
        "revoked_at": _rfc3339(key.revoked_at),
    }


@blueprint.post("/api/auth/keys", name="auth_keys_create", ctx_body_limit=AUTH_BODY_LIMIT)
@cookie_only(allowed_during_rotation=False)
async def auth_keys_create(request: Request) -> HTTPResponse:
    auth = await analytics_auth(request)
    body = _parse(request, KeyCreateBody)
    try:
        created = await auth.create_key(body.name)
    except AuthError as error:
        raise api_error(error) from None
    return json_response(
        {
            "data": {
                "id": created.key.id,
                "name": created.key.name,
                "key": created.secret,
                "prefix": created.key.key_prefix,
                "created_at": _rfc3339(created.key.created_at),
            }
        },
        201,
    )


@blueprint.get("/api/auth/keys", name="auth_keys_list")
@cookie_only(allowed_during_rotation=False)
async def auth_keys_list(request: Request) -> HTTPResponse:
    limit = _int_arg(request, "limit", 20, 1, 100)
    offset = _int_arg(request, "offset", 0, 0, None)
    auth = await analytics_auth(request)
    page = await auth.list_keys(limit, offset)
    return json_response(
        {
            "data": [_key_row(key) for key in page.keys],
            "pagination": {
                "total": page.total,
                "limit": limit,
                "offset": offset,
                "has_more": offset + len(page.keys) < page.total,
            },
        }
    )


@blueprint.delete("/api/auth/keys/<key_id:str>", name="auth_keys_revoke")
@cookie_only(allowed_during_rotation=False)
async def auth_keys_revoke(request: Request, key_id: str) -> HTTPResponse:
    auth = await analytics_auth(request)
    try:
        await auth.revoke_key(key_id)
    except AuthError as error:
        raise api_error(error) from None
    return HTTPResponse(status=204)


# -- /api/websites -----------------------------------------------------------------------------


def _website_row(site: Website) -> dict[str, Any]:
    return {
        "id": site.id,
        "tenant_id": site.tenant_id,
        "name": site.name,
        "domain": site.domain,
        "timezone": site.timezone,
        "ingest_peak_eps": site.ingest_peak_eps,
        "ingest_queue_max_events": site.ingest_queue_max_events,
        "share_id": site.share_id,
        "created_at": _wall(site.created_at),
        "updated_at": _wall(site.updated_at),
    }


@blueprint.post("/api/websites", name="websites_create", ctx_body_limit=AUTH_BODY_LIMIT)
@protected
async def websites_create(request: Request) -> HTTPResponse:
    body = _parse(request, WebsiteCreateBody)
    service = _websites(request)
    try:
        site = await service.create(body.name, body.domain, body.timezone)
    except InvalidWebsite as error:
        raise _website_error(error) from None
    return json_response(
        {
            "data": {
                "id": site.id,
                "tenant_id": site.tenant_id,
                "name": site.name,
                "domain": site.domain,
                "timezone": site.timezone,
                "tracking_snippet": service.tracking_snippet(site),
                "created_at": _wall(site.created_at),
            }
        },
        201,
    )


@blueprint.get("/api/websites", name="websites_list")
@protected
async def websites_list(request: Request) -> HTTPResponse:
    limit = _int_arg(request, "limit", 20, 1, 100)
    cursor = request.args.get("cursor") or None
    page = await _websites(request).page(limit, cursor)
    return json_response(
        {
            "data": [_website_row(site) for site in page.websites],
            "pagination": {
                "total": page.total,
                "limit": limit,
                "cursor": page.websites[-1].id if page.has_more and page.websites else None,
                "has_more": page.has_more,
            },
        }
    )


@blueprint.get(WEBSITE, name="websites_get")
@protected
async def websites_get(request: Request, website_id: str) -> HTTPResponse:
    service = _websites(request)
    try:
        site = await service.get(website_id)
    except WebsiteNotFound as error:
        raise _website_error(error) from None
    return json_response(
        {
            "data": {
                "id": site.id,
                "tenant_id": site.tenant_id,
                "name": site.name,
                "domain": site.domain,
                "timezone": site.timezone,
                "share_id": site.share_id,
                "tracking_snippet": service.tracking_snippet(site),
                "created_at": _wall(site.created_at),
                "updated_at": _wall(site.updated_at),
            }
        }
    )


@blueprint.put(WEBSITE, name="websites_update", ctx_body_limit=AUTH_BODY_LIMIT)
@protected
async def websites_update(request: Request, website_id: str) -> HTTPResponse:
    body = _parse(request, WebsiteUpdateBody)
    try:
        site = await _websites(request).update(
            website_id, name=body.name, domain=body.domain, timezone=body.timezone
        )
    except (InvalidWebsite, WebsiteNotFound) as error:
        raise _website_error(error) from None
    return json_response(
        {
            "data": {
                "id": site.id,
                "name": site.name,
                "domain": site.domain,
                "timezone": site.timezone,
                "updated_at": _wall(site.updated_at),
            }
        }
    )


@blueprint.delete(WEBSITE, name="websites_delete")
@protected
async def websites_delete(request: Request, website_id: str) -> HTTPResponse:
    try:
        await _websites(request).delete(website_id)
    except WebsiteNotFound as error:
        raise _website_error(error) from None
    return HTTPResponse(status=204)


def _limits_body(limits: IngestLimits) -> dict[str, Any]:
    custom: dict[str, int] = {}
    if limits.custom_peak_events_per_sec is not None:
        custom["peak_events_per_sec"] = limits.custom_peak_events_per_sec
    if limits.custom_queue_max_events is not None:
        custom["queue_max_events"] = limits.custom_queue_max_events
    return {
        "data": {
            "website_id": limits.website_id,
            "peak_events_per_sec": limits.peak_events_per_sec,
            "queue_max_events": limits.queue_max_events,
            "custom": custom,
            "source": {
                name: "custom" if name in custom else "default"
                for name in ("peak_events_per_sec", "queue_max_events")
            },
        }
    }


@blueprint.get(f"{WEBSITE}/ingest-limits", name="websites_ingest_limits")
@protected
async def websites_ingest_limits(request: Request, website_id: str) -> HTTPResponse:
    try:
        limits = await _websites(request).ingest_limits(website_id)
    except WebsiteNotFound as error:
        raise _website_error(error) from None
    return json_response(_limits_body(limits))


@blueprint.put(
    f"{WEBSITE}/ingest-limits", name="websites_ingest_limits_set", ctx_body_limit=AUTH_BODY_LIMIT
)
@protected
async def websites_ingest_limits_set(request: Request, website_id: str) -> HTTPResponse:
    body = _parse(request, IngestLimitsBody)
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    try:
        limits = await _websites(request).set_ingest_limits(website_id, changes)
    except (InvalidWebsite, WebsiteNotFound) as error:
        raise _website_error(error) from None
    return json_response(_limits_body(limits))


@blueprint.post(f"{WEBSITE}/share", name="websites_share")
@protected
async def websites_share(request: Request, website_id: str) -> HTTPResponse:
    service = _websites(request)
    try:
        share_id = await service.enable_share(website_id)
    except WebsiteNotFound as error:
        raise _website_error(error) from None
    return json_response(
        {"data": {"share_id": share_id, "share_url": service.share_url(share_id)}}, 201
    )


@blueprint.delete(f"{WEBSITE}/share", name="websites_unshare")
@protected
async def websites_unshare(request: Request, website_id: str) -> HTTPResponse:
    try:
        await _websites(request).disable_share(website_id)
    except (WebsiteNotFound, ShareNotFound) as error:
        raise _website_error(error) from None
    return HTTPResponse(status=204)
