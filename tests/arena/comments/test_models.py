"""The comment's JSON, built by hand for speed, is the documented model's."""

from __future__ import annotations

from datetime import datetime

from appliance.arena.accounts.models import AuthorDto, Profile
from appliance.arena.comments.models import (
    Comment,
    CommentDto,
    Thread,
    comment_wire,
    thread_wire,
)
from appliance.arena.wire import iso, stored_iso


def _comment(**changes: object) -> Comment:
    values: dict[str, object] = {
        "id": "a" * 24,
        "author_id": "b" * 24,
        "puzzle_id": "c" * 24,
        "parent_id": "c" * 24,
        "comment_type": "puzzle-comment",
        "text": "hi",
        "upvote": 2,
        "downvote": 1,
        "created_at": datetime(2026, 1, 2, 3, 4, 5, 999_999),
        "updated_at": datetime(2026, 1, 2, 3, 4, 6, 7_000),
        "author": AuthorDto(
            _id="b" * 24, username="alice", role="user", profile=Profile(bio="hello")
        ),
        "comments": ["d" * 24],
    }
    values.update(changes)
    return Comment(**values)  # type: ignore[arg-type]


def test_the_hand_built_json_is_the_models() -> None:
    reply = _comment(id="d" * 24, parent_id="a" * 24, comment_type="comment-comment", comments=[])
    top = _comment(replies=[reply])
    for comment, populated in ((top, True), (top, False), (reply, True)):
        built = comment_wire(comment, populated=populated)
        author = comment.author if populated else comment.author_id
        replies = [comment_wire(item) for item in comment.replies or []] if populated else None
        model = CommentDto(
            _id=comment.id,
            author=author,
            text=comment.text,
            upvote=comment.upvote,
            downvote=comment.downvote,
            commentType=comment.comment_type,
            comments=replies if replies is not None else comment.comments,
            parentId=comment.parent_id,
            createdAt=comment.created_at,
            updatedAt=comment.updated_at,
        )
        assert built == model.model_dump(mode="json", exclude_none=True)
    assert comment_wire(top)["createdAt"] == iso(top.created_at) == "2026-01-02T03:04:05.999Z"
    assert comment_wire(top)["updatedAt"] == "2026-01-02T03:04:06.007Z"


def test_a_thread_read_from_rows_is_the_models() -> None:
    """A puzzle's page builds its thread from rows with dates as stored text: the same JSON
    as each comment's own, replies as ids (one with a date stored without a fraction)."""
    top = _comment()
    other = _comment(
        id="e" * 24,
        author_id="f" * 24,
        author=None,
        comments=[],
        created_at=datetime(2026, 1, 3),
        updated_at=datetime(2026, 1, 3),
    )
    assert top.author is not None
    rows = [
        (
            c.id,
            c.author_id,
            c.parent_id,
            c.comment_type,
            c.text,
            c.upvote,
            c.downvote,
            created,
            updated,
        )
        for c, created, updated in (
            (top, "2026-01-02 03:04:05.999999", "2026-01-02 03:04:06.007000"),
            (other, "2026-01-03 00:00:00", "2026-01-03 00:00:00"),
        )
    ]
    thread = Thread(rows, {top.author_id: top.author}, {top.id: top.comments})
    assert thread_wire(thread) == [comment_wire(top), comment_wire(other)]
    assert thread_wire(Thread()) == []


def test_stored_dates_become_the_wire_form() -> None:
    for stored, moment in (
        ("2026-01-02 03:04:05.999999", datetime(2026, 1, 2, 3, 4, 5, 999_999)),
        ("2026-01-02 03:04:05.000000", datetime(2026, 1, 2, 3, 4, 5)),
        ("2026-01-02 03:04:05", datetime(2026, 1, 2, 3, 4, 5)),
        ("2026-01-02T03:04:05.123", datetime(2026, 1, 2, 3, 4, 5, 123_000)),
    ):
        assert stored_iso(stored) == iso(moment), stored
