"""POST /execute at its limits, through HTTP on real servers: CodinCod's 30/min rate limit,
a full execution queue, and a machine where no sandbox can run (codincod-contract.md §1.2,
§3.6)."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx

from tests.arena.conftest import QUIET, sign_up

HELLO = {"language": "python", "code": "print('hi')", "testOutput": "hi"}


def test_execute_is_limited_to_30_a_minute_per_address(make_server: Any) -> None:
    running = make_server({"SPARKHOUSE_ARENA_SEED_SAMPLES": "false"})
    client = sign_up(running.url)
    try:
        remaining = []
        for _ in range(30):
            answer = client.post("/api/v1/execute", json=HELLO)
            assert answer.status_code == 200, answer.text
            assert answer.headers["x-ratelimit-limit"] == "30"
            assert 0 < int(answer.headers["x-ratelimit-reset"]) <= 60
            remaining.append(int(answer.headers["x-ratelimit-remaining"]))
        assert remaining == list(range(29, -1, -1))
        # the 31st, whichever spelling of the route, is refused with @fastify/rate-limit's body
        refused = client.post("/api/execute/", json=HELLO)
        assert refused.status_code == 429
        body = refused.json()
        assert body["statusCode"] == 429 and body["error"] == "Too Many Requests"
        assert 0 < body["retryAfter"] <= 60
        assert body["message"] == (
            f"Rate limit exceeded. Please try again in {body['retryAfter']} seconds."
        )
        assert refused.headers["retry-after"] == str(body["retryAfter"])
        assert refused.headers["x-ratelimit-limit"] == "30"
        assert refused.headers["x-ratelimit-remaining"] == "0"
        # execute has its own budget: the global one still answers
        assert client.get("/api/v1/programming-language").status_code == 200
    finally:
        client.close()


def test_a_full_queue_answers_503_with_retry_after(make_server: Any) -> None:
    running = make_server(
        {
            **QUIET,
            "SPARKHOUSE_ARENA_EXECUTION_CONCURRENCY": "1",
            "SPARKHOUSE_ARENA_EXECUTION_QUEUE": "0",
            "SPARKHOUSE_ARENA_RUN_TIMEOUT_SECONDS": "10",
        }
    )
    first, second = sign_up(running.url), sign_up(running.url)
    slow: dict[str, httpx.Response] = {}

    def run_slowly() -> None:
        code = "import time\ntime.sleep(3)\nprint('done')"
        slow["answer"] = first.post(
            "/api/v1/execute", json={"language": "python", "code": code, "testOutput": "done"}
        )

    try:
        worker = threading.Thread(target=run_slowly)
        worker.start()
        time.sleep(1.0)  # the slow run holds the only slot now, for 2 s more
        busy = second.post("/api/v1/execute", json=HELLO)
        worker.join()
        assert busy.status_code == 503, busy.text
        body = busy.json()
        assert body["error"] == "Service unavailable"
        assert body["retryAfter"] >= 1 and "try again" in body["message"]
        assert busy.headers["retry-after"] == str(body["retryAfter"])
        assert slow["answer"].status_code == 200
        assert slow["answer"].json()["puzzleResultInformation"]["result"] == "success"
        # once the slot is free, the next one runs
        assert second.post("/api/v1/execute", json=HELLO).status_code == 200
    finally:
        first.close()
        second.close()


def test_without_a_sandbox_code_never_runs_and_503_says_how_to_fix_it(make_server: Any) -> None:
    # No bwrap on the server's PATH: the sandbox cannot start, and nothing runs unsandboxed.
    running = make_server({**QUIET, "PATH": "/nonexistent"})
    answer = httpx.get(f"{running.url}/api/v1/programming-language", timeout=30)
    assert answer.status_code == 503
    body = answer.json()
    assert body["error"] == "Code execution service is unavailable"
    assert "bubblewrap" in body["message"] and "PISTON_URL" in body["message"]
    client = sign_up(running.url)
    try:
        refused = client.post("/api/v1/execute", json=HELLO)
    finally:
        client.close()
    assert refused.status_code == 503
    assert refused.json()["message"] == body["message"]
