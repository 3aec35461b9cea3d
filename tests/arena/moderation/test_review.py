"""The review queues through HTTP (codincod-contract.md §3.10): pending puzzles and pending
reports of each kind, their ReviewItems and fallbacks, pagination, and puzzle verdicts. On a
server of this module's own, so the queues hold only what these tests put there."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.arena.conftest import QUIET, signed_up, unique_name
from tests.arena.moderation.support import (
    UNKNOWN_ID,
    chat,
    comment,
    db,
    game,
    json_of,
    puzzle,
    report,
    set_role,
    user_id,
    username,
)
from tests.conftest import RunningServer, start_server

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
TYPES = ["pending_puzzle", "reported_puzzle", "reported_user", "reported_comment"]


@pytest.fixture(scope="module")
def queue_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("queues") / "data", QUIET)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def mod(queue_server: RunningServer) -> Iterator[httpx.Client]:
    name = unique_name("qmod")
    with signed_up(queue_server.url, name) as client:
        set_role(queue_server, name, "moderator")
        yield client


@pytest.fixture
def author(queue_server: RunningServer) -> Iterator[httpx.Client]:
    with signed_up(queue_server.url) as client:
        yield client


@pytest.fixture
def reporter(queue_server: RunningServer) -> Iterator[httpx.Client]:
    with signed_up(queue_server.url) as client:
        yield client


def queue(mod: httpx.Client, kind: str, **params: Any) -> dict[str, Any]:
    found: dict[str, Any] = json_of(
        mod.get("/api/v1/moderation/review", params={"type": kind, **params})
    )
    return found


def clear(server: RunningServer) -> None:
    """Empty every queue (between tests of one module-wide server)."""
    with db(server) as connection:
        connection.execute("UPDATE arena_puzzles SET visibility = 'draft'")
        connection.execute("UPDATE arena_reports SET status = 'rejected'")


@pytest.fixture(autouse=True)
def _empty_queues(queue_server: RunningServer) -> None:
    clear(queue_server)


@pytest.mark.parametrize("kind", [*TYPES, "reported_game_chat"])
def test_empty_queues(mod: httpx.Client, kind: str) -> None:
    assert queue(mod, kind) == {
        "data": [],
        "pagination": {"page": 1, "limit": 20, "total": 0, "totalPages": 0},
    }


def test_pending_puzzles_are_the_ready_ones_newest_first(
    queue_server: RunningServer, mod: httpx.Client, author: httpx.Client
) -> None:
    ids = [
        puzzle(author, f"Ready {n}", "ready", queue_server, statement=f"Statement {n}")
        for n in range(3)
    ]
    puzzle(author, "Still a draft")
    puzzle(author, "Approved one", "approved", queue_server)
    found = queue(mod, "pending_puzzle")
    assert found["pagination"] == {"page": 1, "limit": 20, "total": 3, "totalPages": 1}
    assert [item["id"] for item in found["data"]] == ids[::-1]
    newest = found["data"][0]
    assert set(newest) == {"id", "type", "title", "description", "createdAt", "authorName"}
    assert newest["type"] == "pending_puzzle" and newest["title"] == "Ready 2"
    assert newest["description"] == "Statement 2"
    assert newest["authorName"] == username(author)
    assert ISO.fullmatch(newest["createdAt"])
    # the default type is pending_puzzle
    assert json_of(mod.get("/api/v1/moderation/review"))["data"] == found["data"]


def test_pages_of_a_queue(
    queue_server: RunningServer, mod: httpx.Client, author: httpx.Client
) -> None:
    ids = [puzzle(author, f"Ready {n}", "ready", queue_server) for n in range(5)][::-1]
    second = queue(mod, "pending_puzzle", page=2, limit=2)
    assert second["pagination"] == {"page": 2, "limit": 2, "total": 5, "totalPages": 3}
    assert [item["id"] for item in second["data"]] == ids[2:4]
    last = queue(mod, "pending_puzzle", page=3, limit=2)
    assert [item["id"] for item in last["data"]] == ids[4:]
    beyond = queue(mod, "pending_puzzle", page=9, limit=2)
    assert beyond["data"] == [] and beyond["pagination"]["total"] == 5


@pytest.mark.parametrize(
    "params",
    [{"type": "reported_game"}, {"limit": 0}, {"limit": 101}, {"page": 0}, {"page": "x"}],
)
def test_bad_queries_are_400(mod: httpx.Client, params: dict[str, Any]) -> None:
    answer = mod.get("/api/v1/moderation/review", params=params)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "Validation Error"


def test_reported_puzzles(
    queue_server: RunningServer, mod: httpx.Client, author: httpx.Client, reporter: httpx.Client
) -> None:
    target = puzzle(author, "Copied puzzle", statement="The statement.", server=queue_server)
    filed = report(reporter, target, "puzzle", "It is copied from another site, word for word.")
    other_kind = report(reporter, user_id(author), "user")
    items = queue(mod, "reported_puzzle")["data"]
    assert items == [
        {
            "id": filed["_id"],
            "type": "reported_puzzle",
            "title": "Copied puzzle",
            "description": "The statement.",
            "createdAt": filed["createdAt"],
            "reportExplanation": "It is copied from another site, word for word.",
            "reportedBy": username(reporter),
        }
    ]
    assert [item["id"] for item in queue(mod, "reported_user")["data"]] == [other_kind["_id"]]
    # the puzzle goes: CodinCod's fallback
    assert author.delete(f"/api/v1/puzzle/{target}").is_success
    gone = queue(mod, "reported_puzzle")["data"][0]
    assert gone["title"] == "Deleted Puzzle" and gone["description"] == ""


def test_reported_users(
    queue_server: RunningServer, mod: httpx.Client, reporter: httpx.Client
) -> None:
    name = unique_name("rude")
    with signed_up(queue_server.url, name) as rude:
        filed = report(reporter, user_id(rude), "user")
    item = queue(mod, "reported_user")["data"][0]
    assert item["id"] == filed["_id"] and item["title"] == name
    assert item["type"] == "reported_user" and item["description"] == ""
    with db(queue_server) as connection:
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("DELETE FROM users WHERE username = ?", (name,))
    assert queue(mod, "reported_user")["data"][0]["title"] == "Deleted User"


def test_reported_comments(
    queue_server: RunningServer, mod: httpx.Client, author: httpx.Client, reporter: httpx.Client
) -> None:
    text = "A long and rather rude comment that goes on and on well past fifty characters."
    said = comment(queue_server, user_id(author), puzzle(author), text)
    filed = report(reporter, said, "comment")
    item = queue(mod, "reported_comment")["data"][0]
    assert item["id"] == filed["_id"] and item["type"] == "reported_comment"
    assert item["title"] == f"Comment: {text[:50]}" and item["description"] == text
    assert item["reportedBy"] == username(reporter)
    with db(queue_server) as connection:
        connection.execute("DELETE FROM arena_comments WHERE id = ?", (said,))
    item = queue(mod, "reported_comment")["data"][0]
    assert item["title"] == "Comment: Deleted Comment" and item["description"] == ""


def test_reported_chat_messages_come_with_their_context(
    queue_server: RunningServer, mod: httpx.Client, author: httpx.Client, reporter: httpx.Client
) -> None:
    sender = user_id(author)
    played = game(queue_server, sender, puzzle(author))
    start = datetime.now(UTC).replace(tzinfo=None)
    lines = [
        chat(queue_server, played, sender, "talker", f"message {n}", start + timedelta(seconds=n))
        for n in range(13)
    ]
    filed = report(reporter, lines[7], "game_chat")
    item = queue(mod, "reported_game_chat")["data"][0]
    assert item["id"] == filed["_id"] and item["type"] == "reported_game_chat"
    assert item["title"] == "Chat from talker" and item["description"] == "message 7"
    assert item["gameId"] == played
    context = item["contextMessages"]
    assert [line["_id"] for line in context] == lines[2:13]
    assert [line["isReported"] for line in context] == [n == 7 for n in range(2, 13)]
    assert set(context[0]) == {"_id", "username", "message", "createdAt", "isReported"}
    assert context[0]["username"] == "talker" and context[0]["message"] == "message 2"


def test_approve_without_a_body(
    queue_server: RunningServer, mod: httpx.Client, author: httpx.Client
) -> None:
    target = puzzle(author, "Ready to go", "ready", queue_server)
    answer = mod.post(f"/api/v1/moderation/puzzle/{target}/approve")  # no body at all
    approved = json_of(answer)
    assert approved["message"] == "Puzzle approved successfully"
    assert approved["puzzle"]["_id"] == target
    assert approved["puzzle"]["visibility"] == "approved"
    assert json_of(author.get(f"/api/v1/puzzle/{target}"))["visibility"] == "approved"
    assert queue(mod, "pending_puzzle")["data"] == []
    # an empty JSON object, and the /api spelling with a slash, do as well
    again = mod.post(f"/api/moderation/puzzle/{target}/approve/", json={})
    assert again.status_code == 200


def test_revise_sends_it_back_with_the_reason(
    queue_server: RunningServer, mod: httpx.Client, author: httpx.Client
) -> None:
    target = puzzle(author, "Needs work", "ready", queue_server)
    revised = json_of(
        mod.post(
            f"/api/v1/moderation/puzzle/{target}/revise",
            json={"reason": "Add edge cases for empty input."},
        )
    )
    assert revised["message"] == "Puzzle sent back for revisions"
    assert revised["puzzle"]["visibility"] == "revise"
    assert revised["puzzle"]["moderationFeedback"] == "Add edge cases for empty input."
    stored = json_of(author.get(f"/api/v1/puzzle/{target}"))
    assert stored["moderationFeedback"] == "Add edge cases for empty input."
    assert queue(mod, "pending_puzzle")["data"] == []


@pytest.mark.parametrize("body", [{}, {"reason": "too short"}, {"reason": "x" * 501}, None])
def test_revise_needs_a_reason_of_10_to_500(
    queue_server: RunningServer, mod: httpx.Client, author: httpx.Client, body: Any
) -> None:
    target = puzzle(author, "Needs work", "ready", queue_server)
    answer = mod.post(f"/api/v1/moderation/puzzle/{target}/revise", json=body)
    assert answer.status_code == 400, answer.text
    assert json_of(author.get(f"/api/v1/puzzle/{target}"))["visibility"] == "ready"


@pytest.mark.parametrize("verdict", ["approve", "revise"])
@pytest.mark.parametrize("target", [UNKNOWN_ID, "nope"])
def test_verdicts_on_unknown_puzzles_are_404(mod: httpx.Client, verdict: str, target: str) -> None:
    answer = mod.post(
        f"/api/v1/moderation/puzzle/{target}/{verdict}", json={"reason": "Long enough reason."}
    )
    assert answer.status_code == 404, answer.text
    assert answer.json()["message"] == "Puzzle not found"


def test_decided_reports_leave_the_queue(
    queue_server: RunningServer, mod: httpx.Client, author: httpx.Client, reporter: httpx.Client
) -> None:
    first = report(reporter, user_id(author), "user")
    second = report(reporter, user_id(author), "user")
    assert queue(mod, "reported_user")["pagination"]["total"] == 2
    json_of(
        mod.post(f"/api/v1/moderation/report/{first['_id']}/resolve", json={"status": "rejected"})
    )
    remaining = queue(mod, "reported_user")
    assert [item["id"] for item in remaining["data"]] == [second["_id"]]
    assert remaining["pagination"]["total"] == 1
