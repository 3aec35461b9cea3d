"""HTTP of arena accounts (codincod-contract.md §3.1, §3.2): register, login, logout, the
current user, a user's page and whether a name is free."""

from __future__ import annotations

from sanic import Request
from sanic.response import HTTPResponse

from appliance.arena import docs
from appliance.arena.accounts.guard import COOKIE, signed_in
from appliance.arena.accounts.models import (
    Availability,
    LoginBody,
    Me,
    Message,
    Principal,
    RegisterBody,
    UserDto,
    UserFound,
    is_username,
)
from appliance.arena.accounts.service import AccountService
from appliance.arena.errors import arena_error
from appliance.arena.http import arena_blueprint, arena_route, parse_body
from appliance.arena.settings import ArenaSettings
from appliance.platform.errors import ServiceError
from appliance.platform.http import json_response
from appliance.platform.openapi import Doc

blueprint = arena_blueprint("arena_accounts")
COOKIE_MAX_AGE = 604_800  # 7 days, as CodinCod (longer than the token: §2)


def _accounts(request: Request) -> AccountService:
    accounts: AccountService = request.app.ctx.arena.accounts
    return accounts


def _set_token(request: Request, response: HTTPResponse, token: str, max_age: int) -> None:
    """The ``token`` cookie exactly as §2: HttpOnly, Path=/, Max-Age; in production Secure,
    SameSite=None and the configured Domain, otherwise SameSite=Lax."""
    settings: ArenaSettings = request.app.ctx.arena.settings
    response.add_cookie(
        COOKIE,
        token,
        path="/",
        max_age=max_age,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="None" if settings.cookie_secure else "Lax",
        domain=(settings.cookie_domain or None) if settings.cookie_secure else None,
    )


async def _signed_in_answer(request: Request, principal: Principal, message: str) -> HTTPResponse:
    response = json_response({"message": message})
    token = await _accounts(request).issue_token(principal)
    _set_token(request, response, token, COOKIE_MAX_AGE)
    return response


@arena_route(
    blueprint,
    "/register",
    ["POST"],
    limit="register",
    docs=Doc(
        summary="Register an arena account (role user) and sign in",
        tag=docs.TAG,
        body=RegisterBody,
        responses=docs.replies({200: Message}, 400),
    ),
)
async def register(request: Request) -> HTTPResponse:
    body = parse_body(request, RegisterBody)
    principal = await _accounts(request).register(body)
    return await _signed_in_answer(request, principal, "User registered successfully")


@arena_route(
    blueprint,
    "/login",
    ["POST"],
    limit="login",
    docs=Doc(
        summary="Sign in with a username or an email and the password",
        tag=docs.TAG,
        body=LoginBody,
        responses=docs.replies({200: Message}, 400),
    ),
)
async def login(request: Request) -> HTTPResponse:
    try:
        body = parse_body(request, LoginBody)
    except ServiceError:  # CodinCod tells no more than this (§3.1)
        raise arena_error(400, "Invalid request data") from None
    principal = await _accounts(request).login(body)
    return await _signed_in_answer(request, principal, "Login successful")


@arena_route(
    blueprint,
    "/logout",
    ["POST"],
    docs=Doc(
        summary="Sign out (clears the token cookie)",
        tag=docs.TAG,
        responses=docs.replies({200: Message}),
    ),
)
async def logout(request: Request) -> HTTPResponse:
    response = json_response({"message": "Logout successful"})
    _set_token(request, response, "", 0)
    return response


@arena_route(
    blueprint,
    "/user/me",
    ["GET"],
    docs=Doc(
        summary="The signed-in user (role as stored now)",
        tag=docs.TAG,
        security=docs.SIGNED_IN,
        responses=docs.replies({200: Me}, guarded=True),
    ),
)
async def me(request: Request) -> HTTPResponse:
    principal = await signed_in(request)
    answer = Me(
        is_authenticated=True,
        user_id=principal.account_id,
        username=principal.username,
        role=principal.role.value,
    )
    return json_response(answer.model_dump(mode="json"))


def checked_username(username: str) -> str:
    """The path's username, or CodinCod's 400 for one that breaks the username rule."""
    if not is_username(username):
        raise arena_error(400, "username is invalid")
    return username


@arena_route(
    blueprint,
    "/user/<username>",
    ["GET"],
    docs=Doc(
        summary="A user's public record",
        tag=docs.TAG,
        responses=docs.replies({200: UserFound}, 400, 404),
    ),
)
async def user(request: Request, username: str) -> HTTPResponse:
    account = await _accounts(request).by_username(checked_username(username))
    if account is None:
        raise arena_error(404, "User couldn't be found")
    found = UserFound(message="User was found", user=UserDto.of(account))
    return json_response(found.model_dump(mode="json"))


@arena_route(
    blueprint,
    "/user/<username>/isAvailable",
    ["GET"],
    docs=Doc(
        summary="Whether a username is free",
        tag=docs.TAG,
        responses=docs.replies({200: Availability}, 400),
    ),
)
async def is_available(request: Request, username: str) -> HTTPResponse:
    free = await _accounts(request).is_available(checked_username(username))
    return json_response(Availability(is_available=free).model_dump(mode="json"))
