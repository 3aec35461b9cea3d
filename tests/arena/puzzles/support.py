"""Helpers of the puzzle tests: bodies of a full PUT, polling for the background check, and
the few things only an operator does (a moderator's role, rows removed by hand)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import RunningServer

DOUBLE = [(str(n), str(2 * n)) for n in range(10)]
"""Ten validators: n → 2n."""
CORRECT = "print(int(input()) * 2)\n"
WRONG_ON_SEVEN = "n = int(input())\nprint(n * 2 if n != 7 else 0)\n"
UNKNOWN_ID = "0123456789abcdef01234567"


def db(server: RunningServer) -> sqlite3.Connection:
    return sqlite3.connect(Path(server.data_dir) / "sparkhouse.db", timeout=10)


def set_role(server: RunningServer, username: str, role: str) -> None:
    with db(server) as connection:
        connection.execute("UPDATE users SET role = ? WHERE username = ?", (role, username))


def json_of(answer: httpx.Response, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


def me(client: httpx.Client) -> dict[str, Any]:
    body: dict[str, Any] = json_of(client.get("/api/v1/user/me"))
    return body


def python_id(client: httpx.Client) -> str:
    languages = json_of(client.get("/api/v1/programming-language"))["languages"]
    return str(next(entry["_id"] for entry in languages if entry["language"] == "python"))


def create(client: httpx.Client, title: str = "Double it") -> dict[str, Any]:
    body: dict[str, Any] = json_of(client.post("/api/v1/puzzle", json={"title": title}), 201)
    return body


def full_body(
    title: str = "Double it",
    validators: Sequence[tuple[str, str]] = DOUBLE,
    code: str = CORRECT,
    language: Any = None,
    **extra: Any,
) -> dict[str, Any]:
    """A PUT body as CodinCod's edit form sends it (validators with their dates)."""
    now = "2026-01-01T00:00:00.000Z"
    body: dict[str, Any] = {
        "title": title,
        "statement": "Print twice the number read.",
        "constraints": "0 <= n <= 100",
        "validators": [
            {"input": given, "output": expected, "createdAt": now, "updatedAt": now}
            for given, expected in validators
        ],
        "difficulty": "beginner",
        "solution": {"code": code, "programmingLanguage": language},
        "tags": ["math"],
    }
    body.update(extra)
    return body


def put(client: httpx.Client, puzzle_id: str, body: dict[str, Any]) -> httpx.Response:
    return client.put(f"/api/v1/puzzle/{puzzle_id}", json=body)


def read(client: httpx.Client, puzzle_id: str) -> dict[str, Any]:
    body: dict[str, Any] = json_of(client.get(f"/api/v1/puzzle/{puzzle_id}"))
    return body


def poll(
    client: httpx.Client,
    puzzle_id: str,
    done: Callable[[dict[str, Any]], bool],
    timeout: float = 30,
) -> dict[str, Any]:
    """The puzzle once ``done(puzzle)`` holds (the background check is observed this way)."""
    deadline = time.monotonic() + timeout
    while True:
        puzzle = read(client, puzzle_id)
        if done(puzzle):
            return puzzle
        assert time.monotonic() < deadline, f"still {puzzle['visibility']}: {puzzle}"
        time.sleep(0.1)


def checked(puzzle: dict[str, Any]) -> bool:
    """Whether every validator carries the check's run."""
    return bool(puzzle["validators"]) and all("testResult" in v for v in puzzle["validators"])
