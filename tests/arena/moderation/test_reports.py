"""``POST /report`` through HTTP (codincod-contract.md §3.9): the document, free text with
spaces (QUIRK fixed), validation, unknown targets, who may report."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.arena.moderation.support import (
    EXPLANATION,
    UNKNOWN_ID,
    chat,
    comment,
    game,
    json_of,
    puzzle,
    report,
    user_id,
)
from tests.conftest import RunningServer

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
HEX24 = re.compile(r"[0-9a-f]{24}")


def test_a_report_answers_its_pending_document(
    mod_server: RunningServer, user: httpx.Client, other: httpx.Client
) -> None:
    target = puzzle(other)
    filed = report(user, target, "puzzle")
    assert set(filed) == {
        "_id",
        "problematicIdentifier",
        "problemType",
        "reportedBy",
        "explanation",
        "status",
        "createdAt",
        "updatedAt",
    }
    assert HEX24.fullmatch(filed["_id"])
    assert filed["problematicIdentifier"] == target and filed["problemType"] == "puzzle"
    assert filed["reportedBy"] == user_id(user)
    assert filed["explanation"] == EXPLANATION  # spaces and punctuation: fine (QUIRK fixed)
    assert filed["status"] == "pending"
    assert ISO.fullmatch(filed["createdAt"]) and ISO.fullmatch(filed["updatedAt"])


@pytest.mark.parametrize("prefix", ["/api/v1", "/api"])
@pytest.mark.parametrize("slash", ["", "/"])
def test_every_spelling_reaches_the_report(
    user: httpx.Client, other: httpx.Client, prefix: str, slash: str
) -> None:
    body = {
        "problematicIdentifier": user_id(other),
        "problemType": "user",
        "explanation": "Insults everyone in every game chat, again and again.",
    }
    json_of(user.post(f"{prefix}/report{slash}", json=body), 201)


def test_users_comments_and_chat_messages_can_be_reported(
    mod_server: RunningServer, user: httpx.Client, other: httpx.Client
) -> None:
    offender = user_id(other)
    assert report(user, offender, "user")["problemType"] == "user"
    target = puzzle(other)
    said = comment(mod_server, offender, target, "a rude comment")
    assert report(user, said, "comment")["problematicIdentifier"] == said
    played = game(mod_server, offender, target)
    line = chat(mod_server, played, offender, "someone", "rude", datetime.now(UTC))
    assert report(user, line, "game_chat")["problemType"] == "game_chat"


@pytest.mark.parametrize(
    ("problem_type", "message"),
    [
        ("puzzle", "Puzzle not found"),
        ("user", "User not found"),
        ("comment", "Comment not found"),
        ("game_chat", "Chat message not found"),
    ],
)
def test_an_unknown_target_is_404(user: httpx.Client, problem_type: str, message: str) -> None:
    body = {
        "problematicIdentifier": UNKNOWN_ID,
        "problemType": problem_type,
        "explanation": EXPLANATION,
    }
    answer = user.post("/api/v1/report", json=body)
    assert answer.status_code == 404, answer.text
    assert answer.json()["message"] == message and answer.json()["error"] == message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"explanation": "too short to count"}, "explanation"),
        ({"explanation": "x" * 1025}, "explanation"),
        ({"explanation": " " * 40 + "short" + " " * 40}, "explanation"),
        ({"explanation": None}, "explanation"),
        ({"problemType": "game"}, "problemType"),
        ({"problematicIdentifier": "not-an-id"}, "problematicIdentifier"),
        ({"problematicIdentifier": UNKNOWN_ID.upper()}, "problematicIdentifier"),
    ],
)
def test_invalid_reports_are_400_naming_the_field(
    user: httpx.Client, other: httpx.Client, change: dict[str, Any], field: str
) -> None:
    body = {
        "problematicIdentifier": user_id(other),
        "problemType": "user",
        "explanation": EXPLANATION,
        **change,
    }
    answer = user.post("/api/v1/report", json=body)
    assert answer.status_code == 400, answer.text
    refused = answer.json()
    assert refused["error"] == "Validation Error"
    assert any(field in str(detail["path"]) for detail in refused["details"]), refused


def test_the_longest_explanation_is_fine(user: httpx.Client, other: httpx.Client) -> None:
    filed = report(user, user_id(other), "user", "spaces and words " * 60 + "x" * 4)
    assert len(filed["explanation"]) == 1024


def test_a_report_needs_a_token(mod_server: RunningServer) -> None:
    body = {"problematicIdentifier": UNKNOWN_ID, "problemType": "user", "explanation": EXPLANATION}
    answer = httpx.post(f"{mod_server.url}/api/v1/report", json=body)
    assert answer.status_code == 401
    assert answer.json()["message"] == "No authentication token provided"
    bad = httpx.post(f"{mod_server.url}/api/v1/report", json=body, cookies={"token": "not.a.token"})
    assert bad.status_code == 400
