"""Arena submissions through HTTP on a real server running code in the built-in bubblewrap
sandbox (codincod-contract.md §3.7, §3.2 activity, §8)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.arena.conftest import sign_up, signed_up, unique_name
from tests.arena.submissions.support import (
    CORRECT,
    HALF_WRONG,
    add_language,
    add_puzzle,
    language,
    link_to_game,
    me,
    set_role,
    submit,
)
from tests.conftest import RunningServer

HEX24 = re.compile(r"[0-9a-f]{24}")
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
UNKNOWN_ID = "0123456789abcdef01234567"


@pytest.fixture(scope="module")
def client(arena_server: RunningServer) -> Iterator[httpx.Client]:
    signed = sign_up(arena_server.url)
    yield signed
    signed.close()


@pytest.fixture(scope="module")
def python(client: httpx.Client) -> dict[str, Any]:
    return language(client)


@pytest.fixture(scope="module")
def puzzle(client: httpx.Client) -> str:
    return add_puzzle(client)


@pytest.fixture(scope="module")
def moderator(arena_server: RunningServer) -> Iterator[httpx.Client]:
    name = unique_name("mod")
    with signed_up(arena_server.url, name) as signed:
        set_role(arena_server, name, "moderator")
        yield signed


@pytest.fixture(scope="module")
def submitted(client: httpx.Client, puzzle: str, python: dict[str, Any]) -> dict[str, Any]:
    answer = submit(client, puzzle, python["_id"], userId=me(client)["userId"])
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_a_correct_solution_passes_all_ten_validators(
    client: httpx.Client, puzzle: str, python: dict[str, Any], submitted: dict[str, Any]
) -> None:
    user_id = me(client)["userId"]
    assert submitted["result"] == {
        "result": "success",
        "successRate": 1.0,
        "passed": 10,
        "failed": 0,
        "total": 10,
    }
    # the documented answer and the DTO the frontend expects, in one
    assert HEX24.fullmatch(submitted["submissionId"])
    assert submitted["_id"] == submitted["submissionId"]
    assert submitted["puzzleId"] == submitted["puzzle"] == puzzle
    assert submitted["userId"] == submitted["user"] == user_id
    assert submitted["programmingLanguageId"] == python["_id"]
    assert submitted["programmingLanguage"] == python
    assert submitted["code"] == CORRECT
    assert submitted["codeLength"] == len(CORRECT)
    assert ISO.fullmatch(submitted["createdAt"])


def test_a_partly_wrong_solution_is_an_error_with_its_counts(
    client: httpx.Client, puzzle: str, python: dict[str, Any]
) -> None:
    answer = submit(client, puzzle, python["_id"], HALF_WRONG)
    assert answer.status_code == 201, answer.text
    assert answer.json()["result"] == {
        "result": "error",
        "successRate": 0.5,
        "passed": 5,
        "failed": 5,
        "total": 10,
    }


def test_a_crashing_solution_is_an_error_not_a_failed_request(
    client: httpx.Client, puzzle: str, python: dict[str, Any]
) -> None:
    answer = submit(client, puzzle, python["_id"], "raise SystemExit(3)")
    assert answer.status_code == 201, answer.text
    assert answer.json()["result"]["result"] == "error"
    assert answer.json()["result"]["passed"] == 0


@pytest.mark.parametrize(
    "spelling",
    [
        lambda lang: {"programmingLanguageId": lang["_id"]},
        lambda lang: {"programmingLanguage": lang["_id"]},
        lambda lang: {"programmingLanguage": lang},  # the frontend's language object
    ],
    ids=["programmingLanguageId", "programmingLanguage id", "programmingLanguage object"],
)
def test_both_language_keys_are_accepted(
    client: httpx.Client, puzzle: str, python: dict[str, Any], spelling: Any
) -> None:
    body = {"puzzleId": puzzle, "code": CORRECT, **spelling(python)}
    answer = client.post("/api/v1/submission", json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["programmingLanguageId"] == python["_id"]
    assert answer.json()["result"]["result"] == "success"


def test_the_plan_prefix_and_the_trailing_slash_work_too(
    client: httpx.Client, puzzle: str, python: dict[str, Any]
) -> None:
    body = {"puzzleId": puzzle, "programmingLanguageId": python["_id"], "code": CORRECT}
    for path in ("/api/submission", "/api/v1/submission/"):
        answer = client.post(path, json=body)
        assert answer.status_code == 201, (path, answer.text)


def test_a_foreign_user_id_is_refused_and_nothing_is_stored(
    arena_server: RunningServer, client: httpx.Client, puzzle: str, python: dict[str, Any]
) -> None:
    with signed_up(arena_server.url) as other:
        victim = me(other)
        answer = submit(client, puzzle, python["_id"], userId=victim["userId"])
        assert answer.status_code == 403, answer.text
        assert answer.json()["message"] == "userId does not match the signed-in user"
        activity = httpx.get(f"{arena_server.url}/api/v1/user/{victim['username']}/activity")
        assert activity.json()["activity"]["submissions"] == []


def test_the_owner_reads_the_submission_with_code_and_language(
    client: httpx.Client, python: dict[str, Any], submitted: dict[str, Any]
) -> None:
    for path in (f"/api/v1/submission/{submitted['_id']}", f"/api/submission/{submitted['_id']}"):
        answer = client.get(path)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["_id"] == submitted["_id"]
        assert body["code"] == CORRECT
        assert body["codeLength"] == len(CORRECT)
        assert body["programmingLanguage"] == python
        assert body["puzzle"] == submitted["puzzleId"]
        assert body["user"] == submitted["userId"]
        assert body["result"] == submitted["result"]
        assert body["createdAt"] == submitted["createdAt"]


def test_others_may_read_it_only_once_it_is_in_a_game(
    arena_server: RunningServer, client: httpx.Client, puzzle: str, python: dict[str, Any]
) -> None:
    created = submit(client, puzzle, python["_id"]).json()
    path = f"/api/v1/submission/{created['_id']}"
    with signed_up(arena_server.url) as other:
        refused = other.get(path)
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"] == "Forbidden"
        assert CORRECT not in refused.text
        link_to_game(arena_server, created["_id"])
        answer = other.get(path)
        assert answer.status_code == 200, answer.text
        assert answer.json()["code"] == CORRECT


def test_a_moderator_reads_anyones_submission(
    arena_server: RunningServer, client: httpx.Client, puzzle: str, python: dict[str, Any]
) -> None:
    created = submit(client, puzzle, python["_id"]).json()
    name = unique_name("mod")
    with signed_up(arena_server.url, name) as moderator:
        assert moderator.get(f"/api/v1/submission/{created['_id']}").status_code == 403
        set_role(arena_server, name, "moderator")  # the role is read from the store
        answer = moderator.get(f"/api/v1/submission/{created['_id']}")
        assert answer.status_code == 200, answer.text
        assert answer.json()["code"] == CORRECT


@pytest.mark.parametrize("submission_id", [UNKNOWN_ID, "nope", "ZZZZZZZZZZZZZZZZZZZZZZZZ"])
def test_an_unknown_or_malformed_submission_is_404(
    client: httpx.Client, submission_id: str
) -> None:
    answer = client.get(f"/api/v1/submission/{submission_id}")
    assert answer.status_code == 404, answer.text
    assert answer.json()["error"] == "Submission not found"


def test_reading_and_submitting_need_a_token(
    arena_server: RunningServer, puzzle: str, python: dict[str, Any], submitted: dict[str, Any]
) -> None:
    with httpx.Client(base_url=arena_server.url) as anonymous:
        body = {"puzzleId": puzzle, "programmingLanguageId": python["_id"], "code": CORRECT}
        assert anonymous.post("/api/v1/submission", json=body).status_code == 401
        assert anonymous.get(f"/api/v1/submission/{submitted['_id']}").status_code == 401


@pytest.mark.parametrize("puzzle_id", [UNKNOWN_ID, "not-an-id"])
def test_an_unknown_or_malformed_puzzle_is_404(
    client: httpx.Client, python: dict[str, Any], puzzle_id: str
) -> None:
    answer = submit(client, puzzle_id, python["_id"])
    assert answer.status_code == 404, answer.text
    assert answer.json()["error"] == "Puzzle not found"


def test_a_puzzle_without_validators_is_400(client: httpx.Client, python: dict[str, Any]) -> None:
    empty = add_puzzle(client, validators=[])
    answer = submit(client, empty, python["_id"])
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "Puzzle has no validators"


@pytest.mark.parametrize("language_id", [UNKNOWN_ID, "python", ""])
def test_an_unknown_language_is_400_invalid_programming_language(
    client: httpx.Client, puzzle: str, language_id: str
) -> None:
    body = {"puzzleId": puzzle, "programmingLanguage": language_id or {}, "code": CORRECT}
    answer = client.post("/api/v1/submission", json=body)
    assert answer.status_code == 400, answer.text
    if language_id:
        assert answer.json()["error"] == "Invalid programming language"
    else:  # no language at all: a validation error
        assert answer.json()["error"] == "Validation Error"


def test_a_language_the_executor_does_not_offer_is_400_unsupported(
    arena_server: RunningServer, client: httpx.Client, puzzle: str
) -> None:
    cobol = add_language(arena_server, "cobol")
    answer = submit(client, puzzle, cobol)
    assert answer.status_code == 400, answer.text
    assert answer.json()["message"] == "Unsupported language: cobol"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"code": CORRECT}, "puzzleId"),
        ({"puzzleId": UNKNOWN_ID}, "code"),
        ({"puzzleId": UNKNOWN_ID, "code": ""}, "code"),
        ({"puzzleId": UNKNOWN_ID, "code": "#" * (64 * 1024 + 1)}, "code"),
        ({"puzzleId": UNKNOWN_ID, "code": "é" * (32 * 1024 + 1)}, "code"),
    ],
    ids=["no puzzle", "no code", "empty code", "65 KiB of code", "64 KiB + 2 bytes of UTF-8"],
)
def test_invalid_bodies_are_400_with_the_validation_shape(
    client: httpx.Client, python: dict[str, Any], body: dict[str, Any], path: str
) -> None:
    answer = client.post(
        "/api/v1/submission", json={"programmingLanguageId": python["_id"], **body}
    )
    assert answer.status_code == 400, answer.text
    refusal = answer.json()
    assert refusal["error"] == "Validation Error"
    assert path in [detail["path"] for detail in refusal["details"]]


def test_64_kib_of_code_is_accepted(
    client: httpx.Client, puzzle: str, python: dict[str, Any]
) -> None:
    code = CORRECT + "#" * (64 * 1024 - len(CORRECT))
    answer = submit(client, puzzle, python["_id"], code)
    assert answer.status_code == 201, answer.text
    assert answer.json()["codeLength"] == 64 * 1024


def test_the_activity_lists_approved_puzzles_and_submissions_without_code(
    arena_server: RunningServer, moderator: httpx.Client, python: dict[str, Any]
) -> None:
    with signed_up(arena_server.url) as author:
        profile = me(author)
        approved = add_puzzle(author, approver=moderator, title="Approved one")
        add_puzzle(author, title="A draft")
        first = submit(author, approved, python["_id"]).json()
        second = submit(author, approved, python["_id"], HALF_WRONG).json()
        answer = httpx.get(f"{arena_server.url}/api/v1/user/{profile['username']}/activity")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["message"] == "User activity found"
    assert body["user"]["_id"] == profile["userId"]
    assert body["user"]["username"] == profile["username"]
    assert "email" not in body["user"]
    puzzles = body["activity"]["puzzles"]
    assert [p["_id"] for p in puzzles] == [approved]
    assert puzzles[0]["title"] == "Approved one"
    assert puzzles[0]["author"]["_id"] == profile["userId"]
    assert puzzles[0]["author"]["username"] == profile["username"]
    assert "solution" not in puzzles[0]
    submissions = body["activity"]["submissions"]
    assert [s["_id"] for s in submissions] == [first["_id"], second["_id"]]
    for listed, created in zip(submissions, (first, second), strict=True):
        assert "code" not in listed
        assert listed["programmingLanguage"] == python
        assert listed["puzzle"] == approved
        assert listed["user"] == profile["userId"]
        assert listed["result"] == created["result"]
        assert listed["createdAt"] == created["createdAt"]


def test_the_activity_of_an_unknown_or_invalid_user(arena_server: RunningServer) -> None:
    unknown = httpx.get(f"{arena_server.url}/api/v1/user/nobody_here/activity")
    assert unknown.status_code == 404
    assert unknown.json()["message"] == "User not found"
    invalid = httpx.get(f"{arena_server.url}/api/v1/user/a!/activity")
    assert invalid.status_code == 400
    assert invalid.json()["message"] == "username is invalid"
