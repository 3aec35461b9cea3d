"""Helpers of the moderation tests: a server of their own (its queues hold only what these
tests put there), moderators made with the CLI, and rows written by hand where their own
context has no API yet (comments, chat messages) or a test needs many (ready puzzles)."""

from __future__ import annotations

import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.arena.conftest import PASSWORD
from tests.conftest import RunningServer

UNKNOWN_ID = "0123456789abcdef01234567"
EXPLANATION = "This puzzle copies another one word for word, please look."


def db(server: RunningServer) -> sqlite3.Connection:
    return sqlite3.connect(Path(server.data_dir) / "sparkhouse.db", timeout=10)


def stamp(moment: datetime | None = None) -> str:
    """A naive-UTC timestamp as the store writes it."""
    moment = moment or datetime.now(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def new_id() -> str:
    return secrets.token_hex(12)


def create_user_cli(server: RunningServer, name: str, role: str = "moderator") -> None:
    """``sparkhouse arena user create NAME --role ROLE`` against the server's data dir."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "appliance",
            "arena",
            "user",
            "create",
            name,
            "--password",
            PASSWORD,
            "--role",
            role,
            "--data-dir",
            str(server.data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


@contextmanager
def logged_in(server: RunningServer, name: str) -> Iterator[httpx.Client]:
    client = httpx.Client(base_url=server.url, timeout=30)
    try:
        answer = client.post("/api/v1/login", json={"identifier": name, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        yield client
    finally:
        client.close()


def json_of(answer: httpx.Response, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


def user_id(client: httpx.Client) -> str:
    return str(json_of(client.get("/api/v1/user/me"))["userId"])


def username(client: httpx.Client) -> str:
    return str(json_of(client.get("/api/v1/user/me"))["username"])


def set_role(server: RunningServer, name: str, role: str) -> None:
    with db(server) as connection:
        connection.execute("UPDATE users SET role = ? WHERE username = ?", (role, name))


def puzzle(
    client: httpx.Client,
    title: str = "Double it",
    visibility: str | None = None,
    server: RunningServer | None = None,
    statement: str | None = None,
) -> str:
    """A puzzle by the client's user, made through the API; put in ``visibility`` by hand
    (the validator check is the puzzles' tests' business)."""
    created = json_of(client.post("/api/v1/puzzle", json={"title": title}), 201)
    if visibility is not None or statement is not None:
        assert server is not None
        with db(server) as connection:
            connection.execute(
                "UPDATE arena_puzzles SET visibility = coalesce(?, visibility),"
                " statement = coalesce(?, statement) WHERE id = ?",
                (visibility, statement, created["_id"]),
            )
    return str(created["_id"])


def comment(server: RunningServer, author_id: str, puzzle_id: str, text: str) -> str:
    comment_id = new_id()
    now = stamp()
    with db(server) as connection:
        connection.execute(
            "INSERT INTO arena_comments (id, author_id, puzzle_id, parent_id, comment_type, text,"
            " upvote, downvote, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, 'puzzle-comment', ?, 0, 0, ?, ?)",
            (comment_id, author_id, puzzle_id, puzzle_id, text, now, now),
        )
    return comment_id


def game(server: RunningServer, owner_id: str, puzzle_id: str) -> str:
    game_id = new_id()
    now = datetime.now(UTC).replace(tzinfo=None)
    with db(server) as connection:
        connection.execute(
            "INSERT INTO arena_games (id, owner_id, puzzle_id, mode, visibility, rated, options,"
            " start_time, end_time, created_at) VALUES (?, ?, ?, 'fastest', 'public', 1, '{}',"
            " ?, ?, ?)",
            (
                game_id,
                owner_id,
                puzzle_id,
                stamp(now),
                stamp(now + timedelta(minutes=15)),
                stamp(now),
            ),
        )
    return game_id


def chat(
    server: RunningServer, game_id: str, account_id: str, name: str, message: str, at: datetime
) -> str:
    message_id = new_id()
    with db(server) as connection:
        connection.execute(
            "INSERT INTO arena_chat_messages (id, game_id, account_id, username, message,"
            " is_deleted, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
            (message_id, game_id, account_id, name, message, stamp(at), stamp(at)),
        )
    return message_id


def report(
    client: httpx.Client, target: str, problem_type: str, explanation: str = EXPLANATION
) -> dict[str, Any]:
    body = {
        "problematicIdentifier": target,
        "problemType": problem_type,
        "explanation": explanation,
    }
    found: dict[str, Any] = json_of(client.post("/api/v1/report", json=body), 201)
    return found


def counters(server: RunningServer, account_id: str) -> tuple[int, int, str | None]:
    """An account's (report_count, ban_count, current_ban_id): never on the wire."""
    with db(server) as connection:
        row = connection.execute(
            "SELECT report_count, ban_count, current_ban_id FROM arena_accounts WHERE id = ?",
            (account_id,),
        ).fetchone()
    return int(row[0]), int(row[1]), row[2]
