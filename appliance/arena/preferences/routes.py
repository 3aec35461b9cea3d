"""HTTP of account preferences (codincod-contract.md §3.3): ``/account/preferences`` GET,
PUT, PATCH and DELETE, each for the signed-in, unbanned caller's own record."""

from __future__ import annotations

from sanic import Request
from sanic.response import HTTPResponse

from appliance.arena import docs
from appliance.arena.accounts.guard import signed_in
from appliance.arena.accounts.models import Principal
from appliance.arena.http import arena_blueprint, arena_route, read_body
from appliance.arena.preferences.models import (
    BODY_LIMIT,
    Preferences,
    PreferencesBody,
    PreferencesDto,
)
from appliance.arena.preferences.service import PreferenceService
from appliance.platform.http import json_response
from appliance.platform.openapi import Doc, Reply
from appliance.platform.validation import validate

blueprint = arena_blueprint("arena_preferences")
PATH = "/account/preferences"
BODY_RULES = (
    "Fields: preferredLanguage (a string of at most 64 characters), theme (dark or light), "
    "blockedUsers (at most 1000 24-hex user ids, never the caller's; duplicates kept once), "
    "editor ({keymap: vim|emacs|vscode, and CodeMirror's switches as JSON booleans}). "
    "Unknown fields are ignored; null is refused. An invalid body is a 400 and changes "
    "nothing."
)


def _preferences(request: Request) -> PreferenceService:
    preferences: PreferenceService = request.app.ctx.arena.preferences
    return preferences


def _body(request: Request, principal: Principal) -> PreferencesBody:
    """The body, or 400 in CodinCod's ``validateBody`` shape with every problem."""
    return validate(
        PreferencesBody,
        read_body(request),
        status=400,
        context={"owner": principal.account_id},
    )


def _answer(preferences: Preferences) -> HTTPResponse:
    return json_response(PreferencesDto.of(preferences).wire())


@arena_route(
    blueprint,
    PATH,
    ["GET"],
    docs=Doc(
        summary="The caller's preferences",
        tag=docs.TAG,
        security=docs.SIGNED_IN,
        responses=docs.replies({200: PreferencesDto}, 404, guarded=True),
    ),
)
async def get_preferences(request: Request) -> HTTPResponse:
    principal = await signed_in(request)
    return _answer(await _preferences(request).get(principal))


@arena_route(
    blueprint,
    PATH,
    ["PUT"],
    body_limit=BODY_LIMIT,
    docs=Doc(
        summary="Set the caller's preferences (made if there are none)",
        description="The fields sent overwrite the stored ones; the others keep their value, "
        "except blockedUsers, which becomes [] when left out. An editor sent is the whole "
        "editor: the switches it leaves out are true, the keymap vscode. " + BODY_RULES,
        tag=docs.TAG,
        body=PreferencesBody,
        security=docs.SIGNED_IN,
        responses=docs.replies({200: PreferencesDto}, guarded=True),
    ),
)
async def put_preferences(request: Request) -> HTTPResponse:
    principal = await signed_in(request)
    body = _body(request, principal)
    return _answer(await _preferences(request).replace(principal, body))


@arena_route(
    blueprint,
    PATH,
    ["PATCH"],
    body_limit=BODY_LIMIT,
    docs=Doc(
        summary="Change some of the caller's preferences (made if there are none)",
        description="Only the fields sent change; an editor sent changes only the settings it "
        "names. " + BODY_RULES,
        tag=docs.TAG,
        body=PreferencesBody,
        security=docs.SIGNED_IN,
        responses=docs.replies({200: PreferencesDto}, guarded=True),
    ),
)
async def patch_preferences(request: Request) -> HTTPResponse:
    principal = await signed_in(request)
    body = _body(request, principal)
    return _answer(await _preferences(request).update(principal, body))


@arena_route(
    blueprint,
    PATH,
    ["DELETE"],
    docs=Doc(
        summary="Delete the caller's preferences (back to the defaults)",
        tag=docs.TAG,
        security=docs.SIGNED_IN,
        responses=docs.replies({204: Reply(None, description="Deleted")}, 404, guarded=True),
    ),
)
async def delete_preferences(request: Request) -> HTTPResponse:
    principal = await signed_in(request)
    await _preferences(request).delete(principal)
    return HTTPResponse(status=204)
