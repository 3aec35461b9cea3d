"""Who is calling an arena route (codincod-contract.md §2's auth levels), from the ``token``
cookie (or ``Authorization: Bearer``, for scripts). Refusals are raised as ServiceErrors.

- :func:`optional_user`: the caller when a valid token is present, else None, silently;
- :func:`signed_in`: a token is required (401 without one, 400 when invalid) and, unless
  ``allow_banned``, the account must not be banned (403 with ``banDetails``);
- :func:`moderator`: signed in, and the role *in the store* is moderator or admin (403).

A cookie-authenticated request that changes state must come from the appliance's pages, a
configured frontend origin, or a non-browser client (SameSite=None cookies in production
would otherwise let any site post with them).
"""

from __future__ import annotations

from sanic import Request

from appliance.arena.accounts.models import Principal
from appliance.arena.accounts.service import AccountService
from appliance.arena.errors import arena_error
from appliance.platform.errors import ServiceError
from appliance.platform.origins import require_same_origin

COOKIE = "token"


def _token(request: Request) -> str | None:
    token = request.cookies.get(COOKIE)
    if token:
        return token
    header = request.headers.get("authorization", "")
    scheme, _, value = header.strip().partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def _accounts(request: Request) -> AccountService:
    accounts: AccountService = request.app.ctx.arena.accounts
    return accounts


async def optional_user(request: Request) -> Principal | None:
    token = _token(request)
    if token is None:
        return None
    try:
        return await _accounts(request).principal(token)
    except ServiceError:
        return None


async def signed_in(request: Request, *, allow_banned: bool = False) -> Principal:
    token = _token(request)
    if token is None:
        raise arena_error(401, "No authentication token provided", error="Unauthorized")
    accounts = _accounts(request)
    principal = await accounts.principal(token)
    if request.cookies.get(COOKIE):
        require_same_origin(request, request.app.ctx.arena.frontend_origins)
    if not allow_banned:
        await accounts.ensure_not_banned(principal.account_id)
    return principal


async def moderator(request: Request) -> Principal:
    principal = await signed_in(request, allow_banned=True)
    if not principal.is_moderator:
        raise arena_error(403, "Moderator access required", error="Forbidden")
    return principal
