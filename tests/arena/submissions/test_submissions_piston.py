"""Arena submissions through HTTP on a real server whose code runs on a Piston server (the
Piston-faithful double of tests/support/fake_piston.py), and the submission rate limit
(codincod-contract.md §1.2, §3.7, §8)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.arena.conftest import QUIET, sign_up, signed_up
from tests.arena.submissions.support import (
    CORRECT,
    DOUBLE,
    HALF_WRONG,
    add_puzzle,
    language,
    me,
    submit,
)
from tests.conftest import RunningServer, start_server
from tests.support.fake_piston import PYTHON_VERSION, FakePiston


@pytest.fixture(scope="module")
def piston() -> Iterator[FakePiston]:
    fake = FakePiston()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def server(piston: FakePiston, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    env = {
        **QUIET,
        "PISTON_URL": piston.url,
        "SPARKHOUSE_ARENA_RUNTIMES_CACHE_SECONDS": "0",
        "SPARKHOUSE_ARENA_EXECUTION_CONCURRENCY": "10",
    }
    running = start_server(tmp_path_factory.mktemp("arena-piston") / "data", env)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def client(server: RunningServer) -> Iterator[httpx.Client]:
    signed = sign_up(server.url)
    yield signed
    signed.close()


@pytest.fixture(scope="module")
def python(client: httpx.Client) -> dict[str, Any]:
    return language(client)


@pytest.fixture(scope="module")
def puzzle(client: httpx.Client) -> str:
    return add_puzzle(client)


@pytest.fixture
def healthy(piston: FakePiston) -> Iterator[FakePiston]:
    """The double, put right again after a test that makes it misbehave."""
    yield piston
    piston.runtimes_answer = None
    piston.execute_error = None


def test_a_correct_solution_runs_once_per_validator_on_piston(
    client: httpx.Client, piston: FakePiston, puzzle: str, python: dict[str, Any]
) -> None:
    assert python["version"] == PYTHON_VERSION
    before = len(piston.execute_bodies)
    answer = submit(client, puzzle, python["_id"])
    assert answer.status_code == 201, answer.text
    assert answer.json()["result"] == {
        "result": "success",
        "successRate": 1.0,
        "passed": 10,
        "failed": 0,
        "total": 10,
    }
    bodies = piston.execute_bodies[before:]
    # one run per validator, each with its input as stdin and Piston's own version
    assert sorted(body["stdin"] for body in bodies) == sorted(given for given, _ in DOUBLE)
    for body in bodies:
        assert body["language"] == "python"
        assert body["version"] == PYTHON_VERSION
        assert body["files"] == [{"content": CORRECT}]


def test_the_validators_run_at_once_within_the_queue(
    client: httpx.Client, puzzle: str, python: dict[str, Any]
) -> None:
    """Ten runs of 0.4 s each: one after the other would take 4 s; the queue lets ten run at
    once on this server."""
    slow = "import time\ntime.sleep(0.4)\n" + CORRECT
    started = time.monotonic()
    answer = submit(client, puzzle, python["_id"], slow)
    elapsed = time.monotonic() - started
    assert answer.status_code == 201, answer.text
    assert answer.json()["result"]["passed"] == 10
    assert elapsed < 2.5, elapsed


def test_a_partly_wrong_solution_is_an_error_with_its_counts(
    client: httpx.Client, puzzle: str, python: dict[str, Any]
) -> None:
    answer = client.post(
        "/api/v1/submission",
        json={"puzzleId": puzzle, "programmingLanguage": python, "code": HALF_WRONG},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["result"] == {
        "result": "error",
        "successRate": 0.5,
        "passed": 5,
        "failed": 5,
        "total": 10,
    }
    stored = client.get(f"/api/v1/submission/{answer.json()['_id']}")
    assert stored.status_code == 200
    assert stored.json()["result"] == answer.json()["result"]
    assert stored.json()["code"] == HALF_WRONG


def _submissions_of(server: RunningServer, client: httpx.Client) -> int:
    name = me(client)["username"]
    activity = httpx.get(f"{server.url}/api/v1/user/{name}/activity").json()["activity"]
    return len(activity["submissions"])


def test_piston_without_runtimes_is_503_and_nothing_is_stored(
    server: RunningServer,
    client: httpx.Client,
    healthy: FakePiston,
    puzzle: str,
    python: dict[str, Any],
) -> None:
    before = _submissions_of(server, client)
    healthy.runtimes_answer = {"message": "Piston is restarting"}
    answer = submit(client, puzzle, python["_id"])
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"]
    assert _submissions_of(server, client) == before


def test_a_piston_error_answer_is_a_5xx_with_error_and_nothing_is_stored(
    server: RunningServer,
    client: httpx.Client,
    healthy: FakePiston,
    puzzle: str,
    python: dict[str, Any],
) -> None:
    before = _submissions_of(server, client)
    healthy.execute_error = "out of workers"
    answer = submit(client, puzzle, python["_id"])
    assert 500 <= answer.status_code < 600, answer.text
    assert answer.json()["error"] == "Piston error"
    assert answer.json()["message"] == "out of workers"
    assert _submissions_of(server, client) == before


def test_a_language_piston_no_longer_offers_is_400_unsupported(
    client: httpx.Client, healthy: FakePiston, puzzle: str
) -> None:
    javascript = language(client, "javascript")
    healthy.runtimes_answer = [r for r in healthy.runtimes if r["language"] != "javascript"]
    answer = submit(client, puzzle, javascript["_id"], "console.log(1)")
    assert answer.status_code == 400, answer.text
    assert answer.json()["message"] == "Unsupported language: javascript"


def test_ten_submissions_a_minute_then_429(
    make_server: Callable[..., RunningServer], piston: FakePiston
) -> None:
    limited = make_server({"SPARKHOUSE_ARENA_SEED_SAMPLES": "false", "PISTON_URL": piston.url})
    with signed_up(limited.url) as client:
        python = language(client)
        body = {"puzzleId": "0123456789abcdef01234567", "programmingLanguage": python["_id"]}
        for sent in range(10):
            answer = client.post("/api/v1/submission", json={**body, "code": CORRECT})
            assert answer.status_code == 404, answer.text  # counted all the same
            assert answer.headers["x-ratelimit-limit"] == "10"
            assert answer.headers["x-ratelimit-remaining"] == str(9 - sent)
        refused = client.post("/api/v1/submission", json={**body, "code": CORRECT})
        assert refused.status_code == 429, refused.text
        refusal = refused.json()
        assert refusal["statusCode"] == 429
        assert refusal["error"] == "Too Many Requests"
        assert 0 < refusal["retryAfter"] <= 60
        assert refused.headers["retry-after"] == str(refusal["retryAfter"])
        # other routes keep their own (global) limit
        assert client.get("/api/v1/user/me").status_code == 200
