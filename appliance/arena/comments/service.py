"""Comments and votes (codincod-contract.md §3.5): comment on a puzzle, reply to a comment
(at any depth: a reply joins its parent's thread), read a comment with one level of replies,
delete (its author or a moderator: CodinCod let anyone, fixed; the replies under it go too),
vote. No HTTP here.

A puzzle's comments are read by the puzzles context (:meth:`CommentService.of_puzzle`); a
puzzle's deletion takes its whole thread (the store's cascade on ``puzzle_id``).
"""

from __future__ import annotations

from appliance.arena.accounts.models import Principal
from appliance.arena.comments.models import Comment, CommentBody, Thread, VoteBody
from appliance.arena.comments.store import CommentRepository
from appliance.arena.errors import arena_error
from appliance.arena.wire import is_id, new_id
from appliance.platform.clock import utc_now
from appliance.platform.errors import Problem, ServiceError

NOT_FOUND = "Comment not found"
PUZZLE_NOT_FOUND = "Puzzle not found"


def _not_found() -> Exception:
    return arena_error(404, NOT_FOUND)


def checked_id(comment_id: str) -> str:
    """``comment_id`` if it is an id; else 400 in the ``validateBody`` shape (CodinCod answers
    a malformed id with its validation issues)."""
    if not is_id(comment_id):
        raise ServiceError(
            400,
            "arena",
            "Request validation failed",
            field="id",
            problems=[Problem("id", "must be a 24-character hexadecimal id")],
        )
    return comment_id


class CommentService:
    def __init__(self, store: CommentRepository) -> None:
        self.store = store

    # -- reads ----------------------------------------------------------------------------------

    async def get(self, comment_id: str) -> Comment:
        """A comment, its author and its replies populated (one level: theirs as ids)."""
        comment = await self.store.get(checked_id(comment_id))
        if comment is None:
            raise _not_found()
        return comment

    async def of_puzzle(self, puzzle_id: str) -> Thread:
        """A puzzle's comments, oldest first, with their authors and their replies' ids (the
        ``comments`` of ``GET /puzzle/:id``)."""
        return await self.store.of_puzzle(puzzle_id) if is_id(puzzle_id) else Thread()

    # -- writes ---------------------------------------------------------------------------------

    async def comment(self, principal: Principal, puzzle_id: str, body: CommentBody) -> Comment:
        """A comment on the puzzle; 404 when there is no such puzzle."""
        created = None
        if is_id(puzzle_id):
            created = await self.store.add_to_puzzle(
                new_id(), principal.account_id, puzzle_id, body.text, utc_now()
            )
        if created is None:
            raise arena_error(404, PUZZLE_NOT_FOUND)
        return created

    async def reply(self, principal: Principal, comment_id: str, body: CommentBody) -> Comment:
        """A reply to the comment, in its puzzle's thread; 404 when there is no such comment."""
        created = await self.store.add_reply(
            new_id(), principal.account_id, checked_id(comment_id), body.text, utc_now()
        )
        if created is None:
            raise _not_found()
        return created

    async def delete(self, principal: Principal, comment_id: str) -> None:
        """Its author or a moderator deletes a comment, and every reply under it with it."""
        comment = await self.store.get(checked_id(comment_id), populated=False)
        if comment is None:
            raise _not_found()
        if comment.author_id != principal.account_id and not principal.is_moderator:
            raise arena_error(403, "Not authorized to delete this comment", error="Forbidden")
        await self.store.delete(comment.id)

    async def vote(self, principal: Principal, comment_id: str, body: VoteBody) -> Comment:
        """Vote on a comment: a new vote is cast, the same type again takes it back, the other
        type switches it; the comment with its recounted votes."""
        voted = await self.store.vote(
            checked_id(comment_id), principal.account_id, body.type, utc_now()
        )
        if voted is None:
            raise _not_found()
        return voted
