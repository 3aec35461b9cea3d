"""HTTP of reports and moderation (codincod-contract.md §3.9, §3.10): ``POST /report`` for
anyone signed in (and not banned); the review queues, puzzle verdicts, report decisions, bans
and the audit log for moderators (their role read from the store on each request)."""

from __future__ import annotations

from sanic import Request
from sanic.response import HTTPResponse

from appliance.arena import docs
from appliance.arena.accounts.guard import moderator, signed_in
from appliance.arena.games.service import GameService
from appliance.arena.http import arena_blueprint, arena_route, parse_body, parse_query
from appliance.arena.moderation.models import (
    AuditEntry,
    AuditPage,
    AuditQuery,
    BanBody,
    BanDto,
    BanHistory,
    Banned,
    Pagination,
    ReportBody,
    ReportDto,
    ReportResolved,
    ResolveBody,
    ReviewPage,
    ReviewQuery,
    ReviseBody,
    TemporaryBanBody,
)
from appliance.arena.moderation.service import ModerationService
from appliance.arena.puzzles.models import Puzzle, PuzzleDto
from appliance.platform.http import json_response
from appliance.platform.openapi import Doc, Reply

blueprint = arena_blueprint("arena_moderation")

MODERATOR_ONLY = (
    'Moderators only (the role as stored now): 403 {message: "Moderator access required"}.'
)


def _moderation(request: Request) -> ModerationService:
    moderation: ModerationService = request.app.ctx.arena.moderation
    return moderation


def _games(request: Request) -> GameService:
    """The live games: their chat lines are stored in batches (flushed before a report or a
    queue reads them), and they keep "not banned" verdicts briefly (dropped on a ban)."""
    games: GameService = request.app.ctx.arena.games
    return games


def _moderated(message: str, puzzle: Puzzle) -> HTTPResponse:
    return json_response(
        {"message": message, "puzzle": PuzzleDto.of(puzzle, populated=False).wire()}
    )


def _guarded(ok: dict[int, object], *errors: int) -> dict[int, object]:
    return docs.replies(ok, *errors, guarded=True)


# -- reports ------------------------------------------------------------------------------------


@arena_route(
    blueprint,
    "/report",
    ["POST"],
    docs=Doc(
        summary="Report a puzzle, a user, a comment or a chat message",
        description="The explanation is free text of 25–1024 characters. 404 when what the "
        'report names does not exist (a chat message: "Chat message not found").',
        tag=docs.TAG,
        body=ReportBody,
        security=docs.SIGNED_IN,
        responses=_guarded({201: ReportDto}, 404),
    ),
)
async def report(request: Request) -> HTTPResponse:
    principal = await signed_in(request)
    body = parse_body(request, ReportBody)
    await _games(request).flush_chat()
    filed = await _moderation(request).report(principal, body)
    return json_response(ReportDto.of(filed).wire(), status=201)


# -- review -------------------------------------------------------------------------------------


@arena_route(
    blueprint,
    "/moderation/review",
    ["GET"],
    docs=Doc(
        summary="A review queue: puzzles awaiting approval, or pending reports of one kind",
        description="pending_puzzle (the default): ready puzzles, newest first; reported_*: "
        "pending reports of that kind, newest first, with what they name. " + MODERATOR_ONLY,
        tag=docs.TAG,
        query=ReviewQuery,
        security=docs.SIGNED_IN,
        responses=_guarded({200: ReviewPage}),
    ),
)
async def review(request: Request) -> HTTPResponse:
    await moderator(request)
    query = parse_query(request, ReviewQuery)
    await _games(request).flush_chat()
    items, total = await _moderation(request).review(query)
    pagination = Pagination.of(query.page, query.limit, total)
    return json_response({"data": items, "pagination": pagination.model_dump()})


@arena_route(
    blueprint,
    "/moderation/puzzle/<puzzle_id>/approve",
    ["POST"],
    docs=Doc(
        summary="Approve a puzzle (no body needed)",
        description=MODERATOR_ONLY,
        tag=docs.TAG,
        security=docs.SIGNED_IN,
        responses=_guarded({200: Reply(dict, description="{message, puzzle}")}, 404),
    ),
)
async def approve(request: Request, puzzle_id: str) -> HTTPResponse:
    principal = await moderator(request)
    puzzle = await _moderation(request).approve(principal, puzzle_id)
    return _moderated("Puzzle approved successfully", puzzle)


@arena_route(
    blueprint,
    "/moderation/puzzle/<puzzle_id>/revise",
    ["POST"],
    docs=Doc(
        summary="Send a puzzle back to its author, with the reason as its moderationFeedback",
        description=MODERATOR_ONLY,
        tag=docs.TAG,
        body=ReviseBody,
        security=docs.SIGNED_IN,
        responses=_guarded({200: Reply(dict, description="{message, puzzle}")}, 404),
    ),
)
async def revise(request: Request, puzzle_id: str) -> HTTPResponse:
    principal = await moderator(request)
    body = parse_body(request, ReviseBody)
    puzzle = await _moderation(request).revise(principal, puzzle_id, body.reason)
    return _moderated("Puzzle sent back for revisions", puzzle)


@arena_route(
    blueprint,
    "/moderation/report/<report_id>/resolve",
    ["POST"],
    docs=Doc(
        summary="Decide a pending report: resolved (upheld) or rejected",
        description="Upheld: the offender's report count goes up, and from 3 upheld reports "
        "on they are banned automatically (3–4: 1 day, 5–6: 3 days, 7–9: 7 days, 10+: "
        "permanently). 409 for a report decided before. " + MODERATOR_ONLY,
        tag=docs.TAG,
        body=ResolveBody,
        security=docs.SIGNED_IN,
        responses=_guarded({200: ReportResolved}, 404, 409),
    ),
)
async def resolve(request: Request, report_id: str) -> HTTPResponse:
    principal = await moderator(request)
    body = parse_body(request, ResolveBody)
    await _games(request).flush_chat()
    try:
        decided = await _moderation(request).resolve(principal, report_id, body.status)
    finally:
        _games(request).bans_changed()  # an upheld report may ban its offender
    return json_response(
        {"message": "Report resolved successfully", "report": ReportDto.of(decided).wire()}
    )


# -- bans ---------------------------------------------------------------------------------------


@arena_route(
    blueprint,
    "/moderation/user/<user_id>/ban/temporary",
    ["POST"],
    docs=Doc(
        summary="Ban a user for a while",
        description="durationMs (milliseconds) or duration (days); userId is not needed (the "
        "path names the user). The ban replaces the one in force. " + MODERATOR_ONLY,
        tag=docs.TAG,
        body=TemporaryBanBody,
        security=docs.SIGNED_IN,
        responses=_guarded({200: Banned}, 404),
    ),
)
async def ban_temporarily(request: Request, user_id: str) -> HTTPResponse:
    principal = await moderator(request)
    body = parse_body(request, TemporaryBanBody)
    try:
        made = await _moderation(request).ban(
            principal, user_id, "temporary", body.reason, body.length
        )
    finally:
        _games(request).bans_changed(user_id)
    return json_response({"message": "User temporarily banned", "ban": BanDto.of(made).wire()})


@arena_route(
    blueprint,
    "/moderation/user/<user_id>/ban/permanent",
    ["POST"],
    docs=Doc(
        summary="Ban a user for good",
        description="userId is not needed (the path names the user). The ban replaces the "
        "one in force. " + MODERATOR_ONLY,
        tag=docs.TAG,
        body=BanBody,
        security=docs.SIGNED_IN,
        responses=_guarded({200: Banned}, 404),
    ),
)
async def ban_permanently(request: Request, user_id: str) -> HTTPResponse:
    principal = await moderator(request)
    body = parse_body(request, BanBody)
    try:
        made = await _moderation(request).ban(principal, user_id, "permanent", body.reason)
    finally:
        _games(request).bans_changed(user_id)
    return json_response({"message": "User permanently banned", "ban": BanDto.of(made).wire()})


@arena_route(
    blueprint,
    "/moderation/user/<user_id>/unban",
    ["POST"],
    docs=Doc(
        summary="End a user's ban in force",
        description='The reason is appended to the ban\'s (" | Unbanned by moderator: …"). '
        "409 when the user is not banned. " + MODERATOR_ONLY,
        tag=docs.TAG,
        body=BanBody,
        security=docs.SIGNED_IN,
        responses=_guarded({200: Reply(dict, description="{message}")}, 404, 409),
    ),
)
async def unban(request: Request, user_id: str) -> HTTPResponse:
    principal = await moderator(request)
    body = parse_body(request, BanBody)
    try:
        await _moderation(request).unban(principal, user_id, body.reason)
    finally:
        _games(request).bans_changed(user_id)
    return json_response({"message": "User unbanned successfully"})


@arena_route(
    blueprint,
    "/moderation/user/<user_id>/ban/history",
    ["GET"],
    docs=Doc(
        summary="A user's bans, newest first, bannedBy populated",
        description=MODERATOR_ONLY,
        tag=docs.TAG,
        security=docs.SIGNED_IN,
        responses=_guarded({200: BanHistory}, 404),
    ),
)
async def ban_history(request: Request, user_id: str) -> HTTPResponse:
    await moderator(request)
    bans = await _moderation(request).ban_history(user_id)
    return json_response({"bans": [BanDto.of(ban, populated=True).wire() for ban in bans]})


# -- the audit log ------------------------------------------------------------------------------


@arena_route(
    blueprint,
    "/moderation/audit",
    ["GET"],
    docs=Doc(
        summary="The moderation audit log, newest first",
        description="Every approve, revise, report decision, ban (by hand or by escalation) "
        "and unban: who, what, on what, when. Filter by targetType and targetId (and "
        "action). " + MODERATOR_ONLY,
        tag=docs.TAG,
        query=AuditQuery,
        security=docs.SIGNED_IN,
        responses=_guarded({200: AuditPage}),
    ),
)
async def audit(request: Request) -> HTTPResponse:
    await moderator(request)
    query = parse_query(request, AuditQuery)
    rows, total = await _moderation(request).audit_page(query)
    return json_response(
        {
            "data": [AuditEntry.of(row).model_dump(mode="json") for row in rows],
            "pagination": Pagination.of(query.page, query.limit, total).model_dump(),
        }
    )
