"""HTTP of live games: ``POST /submission/game`` (codincod-contract.md §3.7), which links the
caller's fresh submission to a running game by the rules of :meth:`GameService.link`."""

from __future__ import annotations

from sanic import Request
from sanic.response import HTTPResponse

from appliance.arena import docs
from appliance.arena.accounts.guard import signed_in
from appliance.arena.games.service import GameService
from appliance.arena.http import arena_blueprint, arena_route, parse_body
from appliance.arena.submissions.models import GameSubmissionBody
from appliance.platform.http import json_response
from appliance.platform.openapi import Doc

blueprint = arena_blueprint("arena_games")


def _games(request: Request) -> GameService:
    games: GameService = request.app.ctx.arena.games
    return games


@arena_route(
    blueprint,
    "/submission/game",
    ["POST"],
    docs=Doc(
        summary="Link one's submission to a live game",
        description="The submission must be the caller's, for the game's puzzle, in an "
        "allowed language, made within the last 10 seconds, acceptable to the game's mode "
        "(§9.1: hardcore one attempt, incremental some tests passed, backwards and debug "
        "anything, the others every test), and the caller's first in this game, which must "
        "be running and have the caller as a player. The game's sockets get player:submitted "
        "then game:update. 201 {success, message, game: {id, status, playerCount}, "
        "leaderboardPosition}; refusals 400 {error, message, reason}, 404 for an unknown "
        "game or a submission that is not the caller's.",
        tag=docs.TAG,
        body=GameSubmissionBody,
        security=docs.SIGNED_IN,
        responses=docs.replies({201: dict}, 404, guarded=True),
    ),
)
async def submit_to_game(request: Request) -> HTTPResponse:
    principal = await signed_in(request)
    body = parse_body(request, GameSubmissionBody)
    answer = await _games(request).link(principal, body.game_id, body.submission_id, body.user_id)
    return json_response(answer, status=201)
