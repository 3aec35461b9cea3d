"""The validator check (§3.4) in the bubblewrap sandbox: the reference solution runs on every
validator in the background; all of at least 10 pass → ready, otherwise draft. Observed by
polling the puzzle."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.arena.conftest import signed_up, unique_name
from tests.arena.puzzles.support import (
    CORRECT,
    DOUBLE,
    WRONG_ON_SEVEN,
    checked,
    create,
    full_body,
    json_of,
    poll,
    put,
    python_id,
    read,
    set_role,
)
from tests.conftest import RunningServer


@pytest.fixture
def author(arena_server: RunningServer) -> Iterator[httpx.Client]:
    with signed_up(arena_server.url) as client:
        yield client


@pytest.fixture
def python(author: httpx.Client) -> str:
    return python_id(author)


def test_ten_passing_validators_make_a_puzzle_ready(author: httpx.Client, python: str) -> None:
    created = create(author)
    started = time.monotonic()
    saved = json_of(put(author, created["_id"], full_body(language=python)))
    assert saved["visibility"] == "draft"  # ready only once the check passed
    puzzle = poll(author, created["_id"], lambda p: p["visibility"] == "ready")
    assert time.monotonic() - started < 15
    assert checked(puzzle)
    for validator, (_, expected) in zip(puzzle["validators"], DOUBLE, strict=True):
        run = validator["testResult"]["run"]
        assert run["stdout"].rstrip() == expected and run["code"] == 0


def test_asking_for_ready_waits_for_the_check(author: httpx.Client, python: str) -> None:
    created = create(author)
    saved = json_of(put(author, created["_id"], full_body(language=python, visibility="ready")))
    assert saved["visibility"] == "draft"
    poll(author, created["_id"], lambda p: p["visibility"] == "ready")


def test_nine_validators_stay_draft_without_a_run(author: httpx.Client, python: str) -> None:
    created = create(author)
    body = full_body(validators=DOUBLE[:9], language=python, visibility="ready")
    assert json_of(put(author, created["_id"], body))["visibility"] == "draft"
    time.sleep(1)
    puzzle = read(author, created["_id"])
    assert puzzle["visibility"] == "draft"
    assert not any("testResult" in v for v in puzzle["validators"])


def test_one_failing_validator_keeps_a_puzzle_draft(author: httpx.Client, python: str) -> None:
    created = create(author)
    body = full_body(code=WRONG_ON_SEVEN, language=python, visibility="ready")
    json_of(put(author, created["_id"], body))
    puzzle = poll(author, created["_id"], checked)
    assert puzzle["visibility"] == "draft"
    outputs = [v["testResult"]["run"]["stdout"].strip() for v in puzzle["validators"]]
    assert outputs == ["0", "2", "4", "6", "8", "10", "12", "0", "16", "18"]


def test_a_solution_without_a_language_stays_draft(author: httpx.Client) -> None:
    created = create(author)
    json_of(put(author, created["_id"], full_body(language=None, visibility="review")))
    puzzle = poll(author, created["_id"], lambda p: p["visibility"] == "draft")
    assert puzzle["visibility"] == "draft"


def test_a_ready_puzzle_is_rechecked_and_demoted(author: httpx.Client, python: str) -> None:
    created = create(author)
    json_of(put(author, created["_id"], full_body(language=python)))
    ready = poll(author, created["_id"], lambda p: p["visibility"] == "ready")

    # an edit that keeps it ready and still passes: it stays ready
    body = full_body(title="Double it, reworded", language=python, visibility="ready")
    body["validators"] = ready["validators"]
    assert json_of(put(author, created["_id"], body))["visibility"] == "ready"
    again = poll(author, created["_id"], checked)
    assert again["visibility"] == "ready"

    # a broken solution: it is demoted once the check has run
    broken = full_body(code=WRONG_ON_SEVEN, language=python, visibility="ready")
    broken["validators"] = again["validators"]
    saved = json_of(put(author, created["_id"], broken))
    assert saved["visibility"] == "ready"
    assert not any("testResult" in v for v in saved["validators"])  # the solution changed
    demoted = poll(author, created["_id"], lambda p: p["visibility"] == "draft")
    assert checked(demoted)

    # fixed again: ready again
    fixed = full_body(code=CORRECT, language=python, visibility="draft")
    json_of(put(author, created["_id"], fixed))
    poll(author, created["_id"], lambda p: p["visibility"] == "ready")


def test_dropping_below_ten_validators_demotes_at_once(author: httpx.Client, python: str) -> None:
    created = create(author)
    json_of(put(author, created["_id"], full_body(language=python)))
    poll(author, created["_id"], lambda p: p["visibility"] == "ready")
    body = full_body(validators=DOUBLE[:5], language=python, visibility="ready")
    assert json_of(put(author, created["_id"], body))["visibility"] == "draft"


def test_a_newer_save_wins_over_an_older_check(author: httpx.Client, python: str) -> None:
    created = create(author)
    json_of(put(author, created["_id"], full_body(language=python)))
    # saved again at once with a failing solution: the first check's verdict must not stick
    json_of(put(author, created["_id"], full_body(code=WRONG_ON_SEVEN, language=python)))
    puzzle = poll(author, created["_id"], checked)
    time.sleep(1)
    puzzle = read(author, created["_id"])
    assert puzzle["visibility"] == "draft"
    assert puzzle["validators"][7]["testResult"]["run"]["stdout"].strip() == "0"


def test_approved_puzzles_are_not_checked(
    arena_server: RunningServer, author: httpx.Client, python: str
) -> None:
    created = create(author)
    name = unique_name("mod")
    with signed_up(arena_server.url, name) as moderator:
        set_role(arena_server, name, "moderator")
        body = full_body(code=WRONG_ON_SEVEN, language=python, visibility="approved")
        json_of(put(moderator, created["_id"], body))
    time.sleep(1.5)
    puzzle = read(author, created["_id"])
    assert puzzle["visibility"] == "approved"
    assert not any("testResult" in v for v in puzzle["validators"])
