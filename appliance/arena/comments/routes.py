"""HTTP of arena comments (codincod-contract.md §3.5): comment on a puzzle, reply to a
comment, read one, delete one, vote on one."""

from __future__ import annotations

from sanic import Request
from sanic.response import HTTPResponse

from appliance.arena import docs
from appliance.arena.accounts.guard import signed_in
from appliance.arena.comments.models import CommentBody, CommentDto, VoteBody, comment_wire
from appliance.arena.comments.service import CommentService
from appliance.arena.http import arena_blueprint, arena_route, parse_body
from appliance.platform.http import json_response
from appliance.platform.openapi import Doc, Reply

blueprint = arena_blueprint("arena_comments")


def _comments(request: Request) -> CommentService:
    comments: CommentService = request.app.ctx.arena.comments
    return comments


@arena_route(
    blueprint,
    "/puzzle/<puzzle_id>/comment",
    ["POST"],
    docs=Doc(
        summary="Comment on a puzzle",
        description="text: 1–320 characters (replyOn is accepted and ignored). The answer is "
        "the new puzzle-comment, its author populated.",
        tag=docs.TAG,
        body=CommentBody,
        security=docs.SIGNED_IN,
        responses=docs.replies({201: CommentDto}, 404, guarded=True),
    ),
)
async def comment_on_puzzle(request: Request, puzzle_id: str) -> HTTPResponse:
    principal = await signed_in(request)
    body = parse_body(request, CommentBody)
    comment = await _comments(request).comment(principal, puzzle_id, body)
    return json_response(comment_wire(comment), status=201)


@arena_route(
    blueprint,
    "/comment/<comment_id>/comment",
    ["POST"],
    docs=Doc(
        summary="Reply to a comment (a reply to a reply is allowed)",
        description="text: 1–320 characters. The answer is the new comment-comment, its "
        "author populated, parentId the comment replied to.",
        tag=docs.TAG,
        body=CommentBody,
        security=docs.SIGNED_IN,
        responses=docs.replies({201: CommentDto}, 404, guarded=True),
    ),
)
async def reply_to_comment(request: Request, comment_id: str) -> HTTPResponse:
    principal = await signed_in(request)
    body = parse_body(request, CommentBody)
    comment = await _comments(request).reply(principal, comment_id, body)
    return json_response(comment_wire(comment), status=201)


@arena_route(
    blueprint,
    "/comment/<comment_id>",
    ["GET"],
    docs=Doc(
        summary="A comment, its author and its replies populated (one level)",
        description="Each reply carries its author and its own replies as ids.",
        tag=docs.TAG,
        responses=docs.replies({200: CommentDto}, 400, 404),
    ),
)
async def get_comment(request: Request, comment_id: str) -> HTTPResponse:
    comment = await _comments(request).get(comment_id)
    return json_response(comment_wire(comment))


@arena_route(
    blueprint,
    "/comment/<comment_id>",
    ["DELETE"],
    docs=Doc(
        summary="Delete a comment and every reply under it (its author or a moderator)",
        tag=docs.TAG,
        security=docs.SIGNED_IN,
        responses=docs.replies({204: Reply(None, description="Deleted")}, 404, guarded=True),
    ),
)
async def delete_comment(request: Request, comment_id: str) -> HTTPResponse:
    principal = await signed_in(request)
    await _comments(request).delete(principal, comment_id)
    return HTTPResponse(status=204)


@arena_route(
    blueprint,
    "/comment/<comment_id>/vote",
    ["POST"],
    limit="vote",
    docs=Doc(
        summary="Vote on a comment: the same type again takes the vote back, the other switches it",
        description="One vote per user and comment. The answer is the comment (author and "
        "replies as ids) with its votes recounted.",
        tag=docs.TAG,
        body=VoteBody,
        security=docs.SIGNED_IN,
        responses=docs.replies({200: CommentDto}, 404, guarded=True),
    ),
)
async def vote_on_comment(request: Request, comment_id: str) -> HTTPResponse:
    principal = await signed_in(request)
    body = parse_body(request, VoteBody)
    comment = await _comments(request).vote(principal, comment_id, body)
    return json_response(comment_wire(comment, populated=False))
