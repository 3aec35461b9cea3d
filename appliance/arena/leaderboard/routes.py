"""HTTP of the leaderboard (codincod-contract.md §3.11): a mode's leaderboard, a user's
rankings, and the recalculation on a moderator's request."""

from __future__ import annotations

from sanic import Request
from sanic.response import HTTPResponse

from appliance.arena import docs
from appliance.arena.accounts.guard import moderator
from appliance.arena.http import arena_blueprint, arena_route, parse_query
from appliance.arena.leaderboard.models import (
    BoardQuery,
    LeaderboardPage,
    Recalculation,
    UserRankings,
)
from appliance.arena.leaderboard.service import LeaderboardService
from appliance.platform.http import json_response
from appliance.platform.openapi import Doc

blueprint = arena_blueprint("arena_leaderboard")


def _leaderboard(request: Request) -> LeaderboardService:
    leaderboard: LeaderboardService = request.app.ctx.arena.leaderboard
    return leaderboard


# Declared before /leaderboard/<game_mode>, whose one segment would otherwise shadow it.
@arena_route(
    blueprint,
    "/leaderboard/recalculate",
    ["POST"],
    docs=Doc(
        summary="Count the finished games into the ratings now (moderators)",
        description="What the hourly job does: every rated game finished more than 10 s ago "
        "and not counted yet is one Glicko-2 rating period in its mode; then every mode's "
        "ranks are renumbered. Running it again changes nothing.",
        tag=docs.TAG,
        security=docs.SIGNED_IN,
        responses=docs.replies({200: Recalculation}, guarded=True),
    ),
)
async def recalculate(request: Request) -> HTTPResponse:
    await moderator(request)
    done = await _leaderboard(request).recalculate()
    return json_response(done.model_dump(mode="json"))


@arena_route(
    blueprint,
    "/leaderboard/user/<user_id>",
    ["GET"],
    docs=Doc(
        summary="A user's rank, rating and record in each game mode they have played",
        tag=docs.TAG,
        responses=docs.replies({200: UserRankings}, 404),
    ),
)
async def user_rankings(request: Request, user_id: str) -> HTTPResponse:
    found = await _leaderboard(request).of_user(user_id)
    return json_response(found.model_dump(mode="json", exclude_none=True))


@arena_route(
    blueprint,
    "/leaderboard/<game_mode>",
    ["GET"],
    docs=Doc(
        summary="A game mode's leaderboard, best Glicko-2 rating first",
        description="pageSize is clamped to 1–100 (default 50). Modes: fastest, shortest, "
        "backwards, hardcore, debug, typeracer, efficiency, incremental, random.",
        tag=docs.TAG,
        query=BoardQuery,
        responses=docs.replies({200: LeaderboardPage}, 400),
    ),
)
async def leaderboard(request: Request, game_mode: str) -> HTTPResponse:
    query = parse_query(request, BoardQuery)
    found = await _leaderboard(request).board(game_mode, query.page, query.page_size)
    return json_response(found.model_dump(mode="json"))
