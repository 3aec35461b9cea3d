"""HTTP of the clicker: parse → engine → respond. The rules live in service.py."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from appliance.clicker import ClickerContext
from appliance.clicker.models import (
    ClickAnswer,
    ClickerStats,
    ClickRequest,
    Leaderboard,
    LeaderboardQuery,
    NameRequest,
    NewPlayerRequest,
    PlayerPath,
    PlayerRef,
    PlayerView,
)
from appliance.clicker.service import ClickEngine
from appliance.clicker.store import SnapshotStore
from appliance.platform.http import client_ip, json_response
from appliance.platform.openapi import Doc, ErrorEnvelope, Reply
from appliance.platform.validation import parse_model, validate

blueprint = Blueprint("clicker", url_prefix="/api/clicker")
BODY_LIMIT = 4 * 1024  # the largest body is a 24-character name
BAD_INPUT = 400
"""The clicker answers input its models refuse with 400 (docs/clicker.md), not 422."""
SECRET = ("player_id",)
"""A player id is the player's only credential: never in a log (platform/accesslog.py)."""
REFUSED = {400: ErrorEnvelope, 413: ErrorEnvelope, 415: ErrorEnvelope}
TAG = "clicker"


def _engine(request: Request) -> ClickEngine:
    engine: ClickEngine = request.app.ctx.clicker.engine
    return engine


def _context(request: Request) -> tuple[ClickerContext, str]:
    """The game's services and the client's address (what the per-address limits key on)."""
    context: ClickerContext = request.app.ctx.clicker
    return context, client_ip(request, context.trusted_proxies)


def _player_id(raw: str) -> str:
    """The canonical id of a player named in a path or a query string."""
    return validate(PlayerRef, {"player_id": raw}, status=BAD_INPUT).player_id


CLICK_DOC = Doc(
    summary="Click: count one click of a player (throttled)",
    tag=TAG,
    body=ClickRequest,
    responses={
        200: ClickAnswer,
        **REFUSED,
        429: Reply(ErrorEnvelope, "application/json", "Too soon; `retry_after_ms` says how long"),
        503: Reply(ErrorEnvelope, description="The game holds its limit of players"),
    },
)


@blueprint.post("/click", name="clicker_click", ctx_body_limit=BODY_LIMIT, ctx_docs=CLICK_DOC)
async def click(request: Request) -> HTTPResponse:
    player_id = parse_model(request, ClickRequest, status=BAD_INPUT).player_id
    context, address = _context(request)
    context.limits.admit_click(context.engine, player_id, address)  # or RateLimited, a 429
    score, rank = context.engine.click(player_id)  # or Throttled (429), GameFull (503)
    return json_response({"player_id": player_id, "score": score, "rank": rank})


@blueprint.get(
    "/leaderboard",
    name="clicker_leaderboard",
    ctx_docs=Doc(
        summary="The top players, and optionally one player's own rank",
        tag=TAG,
        query=LeaderboardQuery,
        responses={200: Leaderboard, 400: ErrorEnvelope},
    ),
)
async def leaderboard(request: Request) -> HTTPResponse:
    engine = _engine(request)
    body: dict[str, Any] = {"top": engine.top()}
    raw = request.args.get("player_id")
    if raw is not None:
        body["player"] = engine.view(_player_id(raw))
    return json_response(body)


@blueprint.post(
    "/players",
    name="clicker_new_player",
    ctx_body_limit=BODY_LIMIT,
    ctx_docs=Doc(
        summary="A new player id (optionally named)",
        tag=TAG,
        body=NewPlayerRequest,
        body_required=False,
        responses={201: PlayerView, **REFUSED, 429: ErrorEnvelope, 503: ErrorEnvelope},
    ),
)
async def new_player(request: Request) -> HTTPResponse:
    context, address = _context(request)
    engine = context.engine
    name = parse_model(request, NewPlayerRequest, status=BAD_INPUT).name if request.body else None
    player_id = engine.new_player_id()
    if name:
        context.limits.admit_rename(engine, player_id, address)
        view = engine.set_name(player_id, name)
    else:
        view = engine.view(player_id)  # an id handed out: nothing stored until it plays
    return json_response(view, 201)


@blueprint.get(
    "/players/<player_id:str>",
    name="clicker_player",
    ctx_secret_params=SECRET,
    ctx_docs=Doc(
        summary="A player's name, live score and rank",
        tag=TAG,
        path=PlayerPath,
        responses={200: PlayerView, 400: ErrorEnvelope},
    ),
)
async def player(request: Request, player_id: str) -> HTTPResponse:
    return json_response(_engine(request).view(_player_id(player_id)))


@blueprint.put(
    "/players/<player_id:str>/name",
    name="clicker_name",
    ctx_secret_params=SECRET,
    ctx_body_limit=BODY_LIMIT,
    ctx_docs=Doc(
        summary="Name (or rename) a player",
        tag=TAG,
        path=PlayerPath,
        body=NameRequest,
        responses={200: PlayerView, **REFUSED, 429: ErrorEnvelope, 503: ErrorEnvelope},
    ),
)
async def rename(request: Request, player_id: str) -> HTTPResponse:
    canonical = _player_id(player_id)
    name = parse_model(request, NameRequest, status=BAD_INPUT).name
    context, address = _context(request)
    context.limits.admit_rename(context.engine, canonical, address)
    return json_response(context.engine.set_name(canonical, name))


@blueprint.delete(
    "/players/<player_id:str>/name",
    name="clicker_clear_name",
    ctx_secret_params=SECRET,
    ctx_docs=Doc(
        summary="Clear a player's name (back to anonymous: shown by the handle)",
        tag=TAG,
        path=PlayerPath,
        responses={200: PlayerView, 400: ErrorEnvelope, 429: ErrorEnvelope},
    ),
)
async def clear_name(request: Request, player_id: str) -> HTTPResponse:
    canonical = _player_id(player_id)
    context, address = _context(request)
    context.limits.admit_clear_name(address)
    return json_response(context.engine.clear_name(canonical))


@blueprint.get(
    "/stats",
    name="clicker_stats",
    ctx_docs=Doc(summary="Game and snapshot counters", tag=TAG, responses={200: ClickerStats}),
)
async def stats(request: Request) -> HTTPResponse:
    store: SnapshotStore = request.app.ctx.clicker.store
    return json_response({**_engine(request).stats(), "snapshot": store.stats()})
