"""Helpers of the submission tests: puzzles with validators made through the puzzles API, the
people and languages the tests need, and what the API cannot do yet (a moderator, a game,
a stored language the executor does not offer) written into the test server's store."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import RunningServer

NOW = "2026-01-01 00:00:00.000000"
DOUBLE = [(str(n), str(2 * n)) for n in range(10)]
"""Ten validators: n → 2n."""
CORRECT = "print(int(input()) * 2)\n"
HALF_WRONG = "n = int(input())\nprint(n * 2 if n < 5 else n)\n"
"""Right on 0–4, wrong on 5–9."""


def _db(server: RunningServer) -> sqlite3.Connection:
    return sqlite3.connect(Path(server.data_dir) / "sparkhouse.db", timeout=10)


def me(client: httpx.Client) -> dict[str, Any]:
    answer = client.get("/api/v1/user/me")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def language(client: httpx.Client, name: str = "python") -> dict[str, Any]:
    answer = client.get("/api/v1/programming-language")
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = next(
        entry for entry in answer.json()["languages"] if entry["language"] == name
    )
    return found


def add_puzzle(
    client: httpx.Client,
    validators: Sequence[tuple[str, str]] = DOUBLE,
    *,
    approver: httpx.Client | None = None,
    title: str = "Double it",
) -> str:
    """A puzzle made through the puzzles API by ``client``, with ``validators`` (input,
    output) and no reference solution (so no validator check runs beside the test's own
    runs), approved by ``approver`` (a moderator) when given."""
    created = client.post("/api/v1/puzzle", json={"title": title})
    assert created.status_code == 201, created.text
    puzzle_id: str = created.json()["_id"]
    now = "2026-01-01T00:00:00.000Z"
    body: dict[str, Any] = {
        "title": title,
        "statement": "Print twice the number read.",
        "validators": [
            {"input": given, "output": expected, "createdAt": now, "updatedAt": now}
            for given, expected in validators
        ],
        "difficulty": "beginner",
        "solution": {"code": ""},
    }
    edited = client.put(f"/api/v1/puzzle/{puzzle_id}", json=body)
    assert edited.status_code == 200, edited.text
    if approver is not None:
        approved = approver.put(
            f"/api/v1/puzzle/{puzzle_id}", json={**body, "visibility": "approved"}
        )
        assert approved.status_code == 200, approved.text
        assert approved.json()["visibility"] == "approved"
    return puzzle_id


def add_language(server: RunningServer, name: str, version: str = "1.0.0") -> str:
    """A stored language the executor does not offer."""
    from appliance.platform.ids import object_id

    language_id = object_id()
    with _db(server) as db:
        db.execute(
            "INSERT INTO arena_languages (id, language, version, aliases, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?)",
            (language_id, name, version, "[]", NOW, NOW),
        )
    return language_id


def link_to_game(server: RunningServer, submission_id: str) -> None:
    """What linking to a game will do (games come in a later issue)."""
    from appliance.platform.ids import object_id

    with _db(server) as db:
        db.execute(
            "UPDATE arena_submissions SET game_id = ? WHERE id = ?", (object_id(), submission_id)
        )


def set_role(server: RunningServer, username: str, role: str) -> None:
    with _db(server) as db:
        db.execute("UPDATE users SET role = ? WHERE username = ?", (role, username))


def submit(
    client: httpx.Client, puzzle_id: str, language_id: str, code: str = CORRECT, **extra: Any
) -> httpx.Response:
    body = {"puzzleId": puzzle_id, "programmingLanguageId": language_id, "code": code, **extra}
    return client.post("/api/v1/submission", json=body)
