"""HTTP of arena puzzles (codincod-contract.md §3.4, and §3.2's ``GET /user/:username/puzzle``):
create, list, read, edit, delete, the solution, and a user's puzzles."""

from __future__ import annotations

from sanic import Request
from sanic.response import HTTPResponse

from appliance.arena import docs
from appliance.arena.accounts.guard import optional_user, signed_in
from appliance.arena.accounts.routes import checked_username
from appliance.arena.comments.models import thread_wire
from appliance.arena.comments.service import CommentService
from appliance.arena.http import arena_blueprint, arena_route, parse_body, parse_query
from appliance.arena.puzzles.models import CreateBody, Puzzle, PuzzleBody, PuzzleDto
from appliance.arena.puzzles.service import PuzzleService
from appliance.arena.wire import Page, PageQuery
from appliance.platform.http import json_response
from appliance.platform.openapi import Doc, Reply

blueprint = arena_blueprint("arena_puzzles")


def _puzzles(request: Request) -> PuzzleService:
    puzzles: PuzzleService = request.app.ctx.arena.puzzles
    return puzzles


def _page(query: PageQuery, found: tuple[list[Puzzle], int]) -> HTTPResponse:
    puzzles, total = found
    items = [PuzzleDto.of(puzzle, validators=False).wire() for puzzle in puzzles]
    return json_response(Page.of(query, items, total).model_dump(mode="json"))


@arena_route(
    blueprint,
    "/puzzle",
    ["POST"],
    docs=Doc(
        summary="Create a puzzle (a draft by the caller; only the title is read)",
        tag=docs.TAG,
        body=CreateBody,
        security=docs.SIGNED_IN,
        responses=docs.replies({201: PuzzleDto}, guarded=True),
    ),
)
async def create_puzzle(request: Request) -> HTTPResponse:
    principal = await signed_in(request)
    body = parse_body(request, CreateBody)
    puzzle = await _puzzles(request).create(principal, body)
    return json_response(PuzzleDto.of(puzzle, populated=False, solution=True).wire(), status=201)


@arena_route(
    blueprint,
    "/puzzle",
    ["GET"],
    docs=Doc(
        summary="Every puzzle, any visibility, oldest first, author populated",
        tag=docs.TAG,
        query=PageQuery,
        responses=docs.replies({200: Page[PuzzleDto]}, 400),
    ),
)
async def list_puzzles(request: Request) -> HTTPResponse:
    query = parse_query(request, PageQuery)
    return _page(query, await _puzzles(request).page(query))


@arena_route(
    blueprint,
    "/puzzle/<puzzle_id>",
    ["GET"],
    docs=Doc(
        summary="A puzzle by id (any visibility; never its solution), its comments populated",
        description="comments: the puzzle's comments, oldest first, each with its author "
        "populated and its replies as ids.",
        tag=docs.TAG,
        responses=docs.replies({200: PuzzleDto}, 404),
    ),
)
async def get_puzzle(request: Request, puzzle_id: str) -> HTTPResponse:
    puzzle = await _puzzles(request).get(puzzle_id)
    comments: CommentService = request.app.ctx.arena.comments
    answer = PuzzleDto.of(puzzle).wire()
    answer["comments"] = thread_wire(await comments.of_puzzle(puzzle.id))
    return json_response(answer)


@arena_route(
    blueprint,
    "/puzzle/<puzzle_id>",
    ["PUT"],
    docs=Doc(
        summary="Edit a puzzle (its author or a moderator)",
        description="difficulty and visibility take their defaults (intermediate, draft) when "
        "omitted; other omitted fields keep their value; comments are never changed here. "
        "Only moderators may set approved. A draft, ready or review puzzle with at least 10 "
        "validators has its solution run on each of them in the background: all pass → "
        "ready, otherwise draft (each validator keeps its run as testResult); fewer than 10 "
        "→ draft.",
        tag=docs.TAG,
        body=PuzzleBody,
        security=docs.SIGNED_IN,
        responses=docs.replies({200: PuzzleDto}, 404, guarded=True),
    ),
)
async def update_puzzle(request: Request, puzzle_id: str) -> HTTPResponse:
    principal = await signed_in(request)
    body = parse_body(request, PuzzleBody)
    puzzle = await _puzzles(request).update(principal, puzzle_id, body)
    return json_response(PuzzleDto.of(puzzle, populated=False).wire())


@arena_route(
    blueprint,
    "/puzzle/<puzzle_id>",
    ["DELETE"],
    docs=Doc(
        summary="Delete a draft or ready puzzle (its author only)",
        tag=docs.TAG,
        security=docs.SIGNED_IN,
        responses=docs.replies({204: Reply(None, description="Deleted")}, 404, guarded=True),
    ),
)
async def delete_puzzle(request: Request, puzzle_id: str) -> HTTPResponse:
    principal = await signed_in(request)
    await _puzzles(request).delete(principal, puzzle_id)
    return HTTPResponse(status=204)


@arena_route(
    blueprint,
    "/puzzle/<puzzle_id>/solution",
    ["GET"],
    docs=Doc(
        summary="A puzzle with its solution (its author or a moderator)",
        tag=docs.TAG,
        security=docs.SIGNED_IN,
        responses=docs.replies({200: PuzzleDto}, 404, guarded=True),
    ),
)
async def puzzle_solution(request: Request, puzzle_id: str) -> HTTPResponse:
    principal = await signed_in(request)
    puzzle = await _puzzles(request).solution(principal, puzzle_id)
    return json_response(PuzzleDto.of(puzzle, solution=True).wire())


@arena_route(
    blueprint,
    "/user/<username>/puzzle",
    ["GET"],
    docs=Doc(
        summary="A user's puzzles: all of them for the user, the approved ones for others",
        description="The token is optional: without one (or with another user's) only "
        "approved puzzles are listed.",
        tag=docs.TAG,
        query=PageQuery,
        responses=docs.replies({200: Page[PuzzleDto]}, 400, 404),
    ),
)
async def user_puzzles(request: Request, username: str) -> HTTPResponse:
    name = checked_username(username)
    query = parse_query(request, PageQuery)
    viewer = await optional_user(request)
    return _page(query, await _puzzles(request).of_user(name, viewer, query))
