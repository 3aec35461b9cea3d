"""The shapes of CodinCod's comments and votes (codincod-contract.md §3.5, §6 Comment and
UserVote): what is stored, the bodies of the routes, and the comment they answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from appliance.arena.accounts.models import AuthorDto
from appliance.arena.wire import IsoDate, Wire, stored_iso

CommentType = Literal["puzzle-comment", "comment-comment"]
VoteType = Literal["upvote", "downvote"]
PUZZLE_COMMENT: CommentType = "puzzle-comment"
REPLY: CommentType = "comment-comment"

TEXT_MIN, TEXT_MAX = 1, 320
"""Characters of a comment (§6)."""


# -- stored -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Comment:
    """A stored comment: ``puzzle_id`` is the puzzle its thread hangs from, ``parent_id`` the
    puzzle (a ``puzzle-comment``) or the comment (a ``comment-comment``) it answers.
    ``comments`` are its replies' ids, oldest first; ``replies`` the replies themselves when
    they were read populated (one level), else None. ``author`` is set when joined in."""

    id: str
    author_id: str
    puzzle_id: str | None
    parent_id: str
    comment_type: str
    text: str
    upvote: int
    downvote: int
    created_at: datetime
    updated_at: datetime
    author: AuthorDto | None = None
    comments: list[str] = field(default_factory=list)
    replies: list[Comment] | None = None


ThreadRow = tuple[str, str, str, str, str, int, int, str, str]
"""A comment of a puzzle's thread as its page reads it: id, author id, parent id, type, text,
upvotes, downvotes, and the creation and update dates as the store keeps them (text)."""


@dataclass(slots=True)
class Thread:
    """A puzzle's comments, oldest first, read the fast way (a thread can be a thousand
    comments): their rows, their authors by id, their replies' ids by comment id."""

    rows: Sequence[ThreadRow] = ()
    authors: dict[str, AuthorDto] = field(default_factory=dict)
    replies: dict[str, list[str]] = field(default_factory=dict)


# -- requests -----------------------------------------------------------------------------------


class CommentBody(BaseModel):
    """``POST /puzzle/:id/comment`` and ``POST /comment/:id/comment``: the text, 1–320
    characters. ``replyOn`` is accepted and ignored (CodinCod's); so is anything else."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    text: str = Field(min_length=TEXT_MIN, max_length=TEXT_MAX)
    reply_on: Any = Field(None, alias="replyOn", description="Accepted and ignored")


class VoteBody(BaseModel):
    """``POST /comment/:id/vote``: ``upvote`` or ``downvote``. The same type again takes the
    vote back; the other type switches it."""

    model_config = ConfigDict(extra="ignore")

    type: VoteType


# -- answers ------------------------------------------------------------------------------------


class CommentDto(Wire):
    """A comment as CodinCod sends it: ``author`` an id or populated, ``comments`` its replies'
    ids or, one level down, the replies populated (each with its author, its own replies as
    ids)."""

    id_: str = Field(alias="_id")
    author: str | AuthorDto
    text: str
    upvote: int
    downvote: int
    comment_type: CommentType = Field(alias="commentType")
    comments: list[str | CommentDto]
    parent_id: str = Field(alias="parentId")
    created_at: IsoDate = Field(alias="createdAt")
    updated_at: IsoDate = Field(alias="updatedAt")


def comment_wire(comment: Comment, *, populated: bool = True) -> dict[str, Any]:
    """The JSON of :class:`CommentDto` for ``comment``: the author populated when
    ``populated`` and joined in, the replies populated when they were read so."""
    return _Wire().comment(comment, populated=populated)


def thread_wire(thread: Thread) -> list[dict[str, Any]]:
    """The JSON of :class:`CommentDto` for each comment of a puzzle's thread, its author
    populated, its replies as ids: :func:`comment_wire`'s, from rows (no dataclass or
    datetime per comment; each author's JSON built once)."""
    wire = _Wire()
    authors, replies = thread.authors, thread.replies
    answer = []
    for comment_id, author_id, parent_id, kind, text, up, down, created, updated in thread.rows:
        author = authors.get(author_id)
        created_iso = stored_iso(created)
        answer.append(
            {
                "_id": comment_id,
                "author": author_id if author is None else wire.author(author),
                "text": text,
                "upvote": up,
                "downvote": down,
                "commentType": kind,
                "comments": replies.get(comment_id, []),
                "parentId": parent_id,
                "createdAt": created_iso,
                "updatedAt": created_iso if updated == created else stored_iso(updated),
            }
        )
    return answer


class _Wire:
    """Builds the JSON of comments directly (no model validation on the way out), each
    author's once."""

    def __init__(self) -> None:
        self.authors: dict[str, dict[str, Any]] = {}

    def author(self, author: AuthorDto) -> dict[str, Any]:
        found = self.authors.get(author.id_)
        if found is None:
            found = self.authors[author.id_] = author.model_dump(mode="json", exclude_none=True)
        return found

    def comment(self, comment: Comment, *, populated: bool) -> dict[str, Any]:
        author: Any = comment.author_id
        if populated and comment.author is not None:
            author = self.author(comment.author)
        replies: list[Any]
        if populated and comment.replies is not None:
            replies = [self.comment(reply, populated=True) for reply in comment.replies]
        else:
            replies = list(comment.comments)
        created = _iso(comment.created_at)
        return {
            "_id": comment.id,
            "author": author,
            "text": comment.text,
            "upvote": comment.upvote,
            "downvote": comment.downvote,
            "commentType": comment.comment_type,
            "comments": replies,
            "parentId": comment.parent_id,
            "createdAt": created,
            "updatedAt": created
            if comment.updated_at == comment.created_at
            else _iso(comment.updated_at),
        }


def _iso(moment: datetime) -> str:
    """``wire.iso``, faster (a thread has two thousand dates): naive UTC →
    ``2025-10-31T21:11:22.000Z``."""
    return moment.isoformat(timespec="milliseconds") + "Z"
