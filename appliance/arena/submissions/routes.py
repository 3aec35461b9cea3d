"""HTTP of arena submissions (codincod-contract.md §3.7, §3.2 activity): submit code to a
puzzle, read a submission back, a user's activity."""

from __future__ import annotations

from sanic import Request
from sanic.response import HTTPResponse

from appliance.arena import docs
from appliance.arena.accounts.guard import signed_in
from appliance.arena.accounts.routes import checked_username
from appliance.arena.http import arena_blueprint, arena_route, parse_body
from appliance.arena.submissions.models import (
    SubmissionBody,
    SubmissionCreated,
    SubmissionDto,
    UserActivity,
)
from appliance.arena.submissions.service import SubmissionService
from appliance.platform.http import json_response
from appliance.platform.openapi import Doc

blueprint = arena_blueprint("arena_submissions")


def _submissions(request: Request) -> SubmissionService:
    submissions: SubmissionService = request.app.ctx.arena.submissions
    return submissions


@arena_route(
    blueprint,
    "/submission",
    ["POST"],
    limit="submission",
    docs=Doc(
        summary="Submit code to a puzzle: it runs on every validator, and is kept with its result",
        description="The language is programmingLanguageId or programmingLanguage (an id, or "
        "the language object). The submission is the signed-in user's: a userId naming "
        "anyone else is refused (403). The result is success only when every validator "
        "passed; successRate = passed / total.",
        tag=docs.TAG,
        body=SubmissionBody,
        security=docs.SIGNED_IN,
        responses=docs.replies({201: SubmissionCreated}, 404, 500, 502, 503, guarded=True),
    ),
)
async def submit(request: Request) -> HTTPResponse:
    principal = await signed_in(request)
    body = parse_body(request, SubmissionBody)
    created = await _submissions(request).submit(principal, body)
    return json_response(created.model_dump(mode="json"), status=201)


@arena_route(
    blueprint,
    "/submission/<submission_id>",
    ["GET"],
    docs=Doc(
        summary="A submission with its code and language",
        description="For its owner and moderators, and for any signed-in user once the "
        "submission is part of a game (the game's standings show every player's code).",
        tag=docs.TAG,
        security=docs.SIGNED_IN,
        responses=docs.replies({200: SubmissionDto}, 404, guarded=True),
    ),
)
async def submission(request: Request, submission_id: str) -> HTTPResponse:
    principal = await signed_in(request)
    found = await _submissions(request).read(principal, submission_id)
    return json_response(found.model_dump(mode="json"))


@arena_route(
    blueprint,
    "/user/<username>/activity",
    ["GET"],
    docs=Doc(
        summary="A user's approved puzzles and submissions (without code)",
        tag=docs.TAG,
        responses=docs.replies({200: UserActivity}, 400, 404),
    ),
)
async def activity(request: Request, username: str) -> HTTPResponse:
    found = await _submissions(request).activity(checked_username(username))
    return json_response(found.model_dump(mode="json"))
