"""Helpers of the comment tests: a puzzle to comment on, comments and votes through the API,
and what the store holds (to prove nothing is left behind)."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.arena.puzzles.support import create, db, json_of
from tests.conftest import RunningServer

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
ID = re.compile(r"[0-9a-f]{24}")
UNKNOWN_ID = "0123456789abcdef01234567"


def puzzle(client: httpx.Client) -> str:
    """A new draft puzzle of ``client``'s user: its id."""
    return str(create(client, "Comment on me")["_id"])


def comment(client: httpx.Client, puzzle_id: str, text: str = "Nice puzzle") -> dict[str, Any]:
    body: dict[str, Any] = json_of(
        client.post(f"/api/v1/puzzle/{puzzle_id}/comment", json={"text": text}), 201
    )
    return body


def reply(client: httpx.Client, comment_id: str, text: str = "Agreed") -> dict[str, Any]:
    body: dict[str, Any] = json_of(
        client.post(f"/api/v1/comment/{comment_id}/comment", json={"text": text}), 201
    )
    return body


def vote(client: httpx.Client, comment_id: str, kind: str) -> dict[str, Any]:
    body: dict[str, Any] = json_of(
        client.post(f"/api/v1/comment/{comment_id}/vote", json={"type": kind})
    )
    return body


def read(url: str, comment_id: str) -> dict[str, Any]:
    body: dict[str, Any] = json_of(httpx.get(f"{url}/api/v1/comment/{comment_id}"))
    return body


def thread(url: str, puzzle_id: str) -> list[dict[str, Any]]:
    comments: list[dict[str, Any]] = json_of(httpx.get(f"{url}/api/v1/puzzle/{puzzle_id}"))[
        "comments"
    ]
    return comments


def account_id(client: httpx.Client) -> str:
    return str(json_of(client.get("/api/v1/user/me"))["userId"])


def stored_comments(server: RunningServer, puzzle_id: str) -> int:
    with db(server) as connection:
        (count,) = connection.execute(
            "SELECT count(*) FROM arena_comments WHERE puzzle_id = ?", (puzzle_id,)
        ).fetchone()
    return int(count)


def stored_votes(server: RunningServer, comment_id: str) -> dict[str, int]:
    with db(server) as connection:
        rows = connection.execute(
            "SELECT vote_type, count(*) FROM arena_comment_votes WHERE comment_id = ? "
            "GROUP BY vote_type",
            (comment_id,),
        ).fetchall()
    return {kind: int(count) for kind, count in rows}


def stored_ids(server: RunningServer, ids: list[str]) -> set[str]:
    """Which of ``ids`` are still comments in the store."""
    marks = ",".join("?" * len(ids))
    with db(server) as connection:
        rows = connection.execute(
            f"SELECT id FROM arena_comments WHERE id IN ({marks})",
            ids,
        ).fetchall()
    return {row[0] for row in rows}
