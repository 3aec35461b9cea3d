"""HTTP of analytics auth (analytics-api.md section 7): status, setup, login, logout, log out
everywhere (ours), session, password change and API keys. Thin handlers: parse → service →
respond; refusals are the services' and the guard's ServiceErrors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from appliance.analytics.access.docs import BODY_ROUTE, COOKIE_ONLY, GUARDED, RETRY, TAG
from appliance.analytics.access.guard import (
    analytics_auth,
    auth_route,
    cookie_only,
    session_token,
)
from appliance.analytics.admin.models import (
    AuthStatus,
    KeyCreateBody,
    KeyCreated,
    KeysPage,
    LoginAnswer,
    LoginBody,
    Ok,
    PageQuery,
    PasswordChangeBody,
    SessionAnswer,
    SetupBody,
    int_arg,
    parse_body,
)
from appliance.analytics.query.params import MAX_OFFSET
from appliance.platform.auth import ApiKey
from appliance.platform.http import client_ip, json_response
from appliance.platform.openapi import Doc, ErrorEnvelope, Reply

blueprint = Blueprint("analytics_auth")

AUTH_BODY_LIMIT = 16 * 1024
ABSENT = {404: Reply(ErrorEnvelope, description="Auth is off (SPARKLYTICS_AUTH=none)")}
COOKIE = {"Set-Cookie": "The spk_session login cookie"}


def _rfc3339(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _session_cookie(request: Request, token: str, max_age: int) -> str:
    secure = "; Secure" if request.app.ctx.analytics.settings.https else ""
    return f"spk_session={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"


# -- /api/auth ---------------------------------------------------------------------------------


@blueprint.get(
    "/api/auth/status",
    name="auth_status",
    ctx_docs=Doc(
        summary="The auth mode, and whether setup or a login is needed",
        tag=TAG,
        responses={200: AuthStatus, **ABSENT},
    ),
)
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


@blueprint.post(
    "/api/auth/setup",
    name="auth_setup",
    ctx_body_limit=AUTH_BODY_LIMIT,
    ctx_docs=Doc(
        summary="First run: set the admin password (needs the bootstrap password)",
        tag=TAG,
        body=SetupBody,
        responses={
            201: Ok,
            **BODY_ROUTE,
            401: ErrorEnvelope,
            **ABSENT,
            410: Reply(ErrorEnvelope, description="Setup is done already"),
            429: Reply(ErrorEnvelope, headers=RETRY),
        },
    ),
)
@auth_route
async def auth_setup(request: Request) -> HTTPResponse:
    auth = await analytics_auth(request)
    auth.ensure_setup_allowed()  # 410 before the body is even read
    ip = client_ip(request, request.app.ctx.analytics.ingest.trusted_proxies)
    await auth.ensure_setup_not_locked_out(ip)
    body = parse_body(request, SetupBody)
    await auth.setup(body.bootstrap_password, body.password, ip)
    return json_response({"data": {"ok": True}}, 201)


@blueprint.post(
    "/api/auth/login",
    name="auth_login",
    ctx_body_limit=AUTH_BODY_LIMIT,
    ctx_docs=Doc(
        summary="Log in: sets the session cookie",
        tag=TAG,
        body=LoginBody,
        responses={
            200: Reply(LoginAnswer, headers=COOKIE),
            **BODY_ROUTE,
            401: ErrorEnvelope,
            403: Reply(ErrorEnvelope, description="setup_required"),
            **ABSENT,
            429: Reply(ErrorEnvelope, description="Too many failed logins", headers=RETRY),
        },
    ),
)
@auth_route
async def auth_login(request: Request) -> HTTPResponse:
    auth = await analytics_auth(request)
    ip = client_ip(request, request.app.ctx.analytics.ingest.trusted_proxies)
    await auth.ensure_not_locked_out(ip)  # both before the body is read
    auth.ensure_login_possible()
    body = parse_body(request, LoginBody)
    token, expires_at = await auth.login(body.password, ip)
    cookie = _session_cookie(request, token, auth.session_days * 86_400)
    return json_response(
        {"data": {"expires_at": _rfc3339(expires_at)}}, headers={"Set-Cookie": cookie}
    )


@blueprint.post(
    "/api/auth/logout",
    name="auth_logout",
    ctx_docs=Doc(
        summary="Log out: clears the session cookie",
        tag=TAG,
        responses={200: Reply(Ok, headers=COOKIE), **GUARDED, **ABSENT},
        security=COOKIE_ONLY,
    ),
)
@cookie_only(allowed_during_rotation=True)
async def auth_logout(request: Request) -> HTTPResponse:
    # The token is not revoked server-side (7.1): the cookie is cleared.
    return json_response(
        {"data": {"ok": True}}, headers={"Set-Cookie": _session_cookie(request, "", 0)}
    )


@blueprint.post(
    "/api/auth/logout-all",
    name="auth_logout_all",
    ctx_docs=Doc(
        summary="Log out everywhere: ends every session, on every device",
        tag=TAG,
        responses={200: Reply(Ok, headers=COOKIE), **GUARDED, **ABSENT},
        security=COOKIE_ONLY,
    ),
)
@cookie_only(allowed_during_rotation=True)
async def auth_logout_all(request: Request) -> HTTPResponse:
    # A new signing secret: every session token stops verifying; this browser's cookie goes.
    await (await analytics_auth(request)).log_out_everywhere()
    return json_response(
        {"data": {"ok": True}}, headers={"Set-Cookie": _session_cookie(request, "", 0)}
    )


@blueprint.get(
    "/api/auth/session",
    name="auth_session",
    ctx_docs=Doc(
        summary="The current login session",
        tag=TAG,
        responses={200: SessionAnswer, **GUARDED, **ABSENT},
        security=COOKIE_ONLY,
    ),
)
@cookie_only(allowed_during_rotation=True)
async def auth_session(request: Request) -> HTTPResponse:
    auth = await analytics_auth(request)
    claims = auth.require_session(session_token(request))
    return json_response(
        {
            "data": {
                "authenticated": True,
                "mode": auth.mode.value,
                "expires_at": _rfc3339(claims.expires_at),
            }
        }
    )


@blueprint.put(
    "/api/auth/password",
    name="auth_password",
    ctx_body_limit=AUTH_BODY_LIMIT,
    ctx_docs=Doc(
        summary="Change the admin password (ends every session)",
        tag=TAG,
        body=PasswordChangeBody,
        responses={
            200: Ok,
            **BODY_ROUTE,
            **GUARDED,
            **ABSENT,
            405: Reply(ErrorEnvelope, description="Mode password: the password is configured"),
        },
        security=COOKIE_ONLY,
    ),
)
@cookie_only(allowed_during_rotation=True)
async def auth_password(request: Request) -> HTTPResponse:
    auth = await analytics_auth(request)
    auth.ensure_password_change_allowed()  # 405 before the body is read
    body = parse_body(request, PasswordChangeBody)
    await auth.change_password(body.current_password, body.new_password)
    return json_response({"data": {"ok": True}})


# -- /api/auth/keys ----------------------------------------------------------------------------


def _key_row(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "key_prefix": key.key_prefix,
        "created_at": _rfc3339(key.created_at),
        "last_used_at": _rfc3339(key.last_used_at),
        "revoked_at": _rfc3339(key.revoked_at),
    }


@blueprint.post(
    "/api/auth/keys",
    name="auth_keys_create",
    ctx_body_limit=AUTH_BODY_LIMIT,
    ctx_docs=Doc(
        summary="Make an API key (the key is shown once)",
        tag=TAG,
        body=KeyCreateBody,
        responses={201: KeyCreated, **BODY_ROUTE, **GUARDED, **ABSENT},
        security=COOKIE_ONLY,
    ),
)
@cookie_only(allowed_during_rotation=False)
async def auth_keys_create(request: Request) -> HTTPResponse:
    auth = await analytics_auth(request)
    body = parse_body(request, KeyCreateBody)
    created = await auth.create_key(body.name)
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


@blueprint.get(
    "/api/auth/keys",
    name="auth_keys_list",
    ctx_docs=Doc(
        summary="The API keys, newest first, revoked ones included",
        tag=TAG,
        query=PageQuery,
        responses={200: KeysPage, 400: ErrorEnvelope, **GUARDED, **ABSENT},
        security=COOKIE_ONLY,
    ),
)
@cookie_only(allowed_during_rotation=False)
async def auth_keys_list(request: Request) -> HTTPResponse:
    limit = int_arg(request.args, "limit", 20, 1, 100)
    offset = int_arg(request.args, "offset", 0, 0, None, most=MAX_OFFSET)
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


@blueprint.delete(
    "/api/auth/keys/<key_id:str>",
    name="auth_keys_revoke",
    ctx_docs=Doc(
        summary="Revoke an API key",
        tag=TAG,
        responses={204: None, **GUARDED, 404: ErrorEnvelope},
        security=COOKIE_ONLY,
    ),
)
@cookie_only(allowed_during_rotation=False)
async def auth_keys_revoke(request: Request, key_id: str) -> HTTPResponse:
    auth = await analytics_auth(request)
    await auth.revoke_key(key_id)
    return HTTPResponse(status=204)
