"""Arena languages and POST /execute through HTTP on a real server that runs code on a Piston
server (PISTON_URL): the Piston-faithful double of tests/support/fake_piston.py, a closed
port, and Piston answering errors (codincod-contract.md §3.6, §3.8, §8)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.arena.conftest import QUIET, sign_up
from tests.conftest import RunningServer, start_server
from tests.support.fake_piston import DEFAULT_RUNTIMES, PYTHON_VERSION, FakePiston

UNAVAILABLE = "Code execution service is unavailable"


@pytest.fixture(scope="module")
def piston() -> Iterator[FakePiston]:
    fake = FakePiston()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def fresh_piston(piston: FakePiston) -> Iterator[None]:
    """Each test starts from the double's defaults."""
    yield
    piston.runtimes = [dict(entry) for entry in DEFAULT_RUNTIMES]
    piston.runtimes_answer = None
    piston.execute_error = None


@pytest.fixture(scope="module")
def server(piston: FakePiston, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    env = {**QUIET, "PISTON_URL": piston.url, "SPARKHOUSE_ARENA_RUNTIMES_CACHE_SECONDS": "0"}
    running = start_server(tmp_path_factory.mktemp("piston") / "data", env)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def client(server: RunningServer) -> Iterator[httpx.Client]:
    signed = sign_up(server.url)
    yield signed
    signed.close()


def listed(url: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{url}/api/v1/programming-language", timeout=30)
    assert answer.status_code == 200, answer.text
    languages: list[dict[str, Any]] = answer.json()["languages"]
    return languages


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_list_is_pistons_runtimes_sorted_by_language_then_newest_version(
    server: RunningServer, piston: FakePiston
) -> None:
    piston.runtimes = [
        {"language": "python", "version": "3.9.4", "aliases": ["py"]},
        {"language": "python", "version": PYTHON_VERSION, "aliases": ["py", "py3", "python3"]},
        {"language": "python", "version": "3.12.0", "aliases": ["py"]},
        {"language": "bash", "version": "5.2.0", "aliases": ["sh"]},
        *[dict(entry) for entry in DEFAULT_RUNTIMES if entry["language"] != "python"],
    ]
    languages = listed(server.url)
    assert [(entry["language"], entry["version"]) for entry in languages] == [
        ("bash", "5.2.0"),
        ("javascript", "20.11.1"),
        ("python", "3.12.0"),  # numerically newest first, not "3.9.4" first as text sorts
        ("python", PYTHON_VERSION),
        ("python", "3.9.4"),
    ]
    javascript = languages[1]
    assert javascript["runtime"] == "node"
    assert javascript["aliases"] == ["node-javascript", "node-js", "javascript", "js"]
    assert "runtime" not in languages[0]


def test_ids_are_stable_while_piston_changes_its_runtimes(
    server: RunningServer, piston: FakePiston
) -> None:
    before = {entry["language"]: entry for entry in listed(server.url)}
    # Piston drops javascript and renames python's aliases: python keeps its id and takes the
    # new aliases; javascript leaves the list but its id still answers (puzzles refer to it).
    piston.runtimes = [
        {"language": "python", "version": PYTHON_VERSION, "aliases": ["py", "snake"]},
    ]
    after = listed(server.url)
    assert [entry["language"] for entry in after] == ["python"]
    assert after[0]["_id"] == before["python"]["_id"]
    assert after[0]["aliases"] == ["py", "snake"]
    gone = httpx.get(f"{server.url}/api/v1/programming-language/{before['javascript']['_id']}")
    assert gone.status_code == 200 and gone.json()["language"] == "javascript"
    # and back again under the same id
    piston.runtimes = [dict(entry) for entry in DEFAULT_RUNTIMES]
    again = {entry["language"]: entry["_id"] for entry in listed(server.url)}
    assert again == {language: entry["_id"] for language, entry in before.items()}


def test_execute_runs_on_piston_with_pistons_version(
    client: httpx.Client, piston: FakePiston
) -> None:
    answer = client.post(
        "/api/v1/execute",
        json={
            "language": "py",
            "code": "print(input()[::-1])",
            "testInput": "abc",
            "testOutput": "cba",
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "run": {"stdout": "cba\n", "stderr": "", "output": "cba\n", "code": 0, "signal": None},
        "puzzleResultInformation": {
            "result": "success",
            "successRate": 1.0,
            "passed": 1,
            "failed": 0,
            "total": 1,
        },
    }
    assert piston.execute_bodies[-1] == {
        "language": "python",
        "version": PYTHON_VERSION,
        "files": [{"content": "print(input()[::-1])"}],
        "stdin": "abc",
    }


def test_section_8_on_pistons_answer(client: httpx.Client) -> None:
    cases = [
        ('print("  hi  ")', "  hi", True),
        ('print("  hi")', "hi", False),
        ('import sys\nsys.stderr.write("e\\n")\nsys.exit(7)', "e", True),
    ]
    for code, expected, passes in cases:
        answer = client.post(
            "/api/v1/execute", json={"language": "python", "code": code, "testOutput": expected}
        )
        assert answer.status_code == 200, answer.text
        info = answer.json()["puzzleResultInformation"]
        assert info["result"] == ("success" if passes else "error"), code


def test_an_unsupported_language_is_400(client: httpx.Client) -> None:
    answer = client.post("/api/v1/execute", json={"language": "brainfuck", "code": "+"})
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "Unsupported language",
        "message": "At the moment we don't support this language.",
    }


def test_a_piston_error_answer_is_a_5xx_piston_error(
    client: httpx.Client, piston: FakePiston
) -> None:
    piston.execute_error = "out of isolate boxes"
    answer = client.post("/api/v1/execute", json={"language": "python", "code": "print(1)"})
    assert 500 <= answer.status_code < 600
    assert answer.json() == {"error": "Piston error", "message": "out of isolate boxes"}
    piston.execute_error = None
    # the double runs only python: its {message} for javascript is passed on the same way
    answer = client.post("/api/v1/execute", json={"language": "js", "code": "console.log(1)"})
    assert answer.status_code == 502
    assert answer.json() == {
        "error": "Piston error",
        "message": "this fake Piston only runs python",
    }


def test_runtimes_that_are_not_a_list_make_the_executor_unavailable(
    server: RunningServer, client: httpx.Client, piston: FakePiston
) -> None:
    piston.runtimes_answer = {"message": "Internal error"}
    answer = httpx.get(f"{server.url}/api/v1/programming-language")
    assert answer.status_code == 503
    assert answer.json()["error"] == UNAVAILABLE
    assert "PISTON_URL" in answer.json()["message"]
    answer = client.post("/api/v1/execute", json={"language": "python", "code": "print(1)"})
    assert answer.status_code == 503 and answer.json()["error"] == UNAVAILABLE
    piston.runtimes_answer = None
    assert listed(server.url)


def test_an_unreachable_piston_is_503_saying_what_to_do(make_server: Any) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    running = make_server({**QUIET, "PISTON_URL": url})
    answer = httpx.get(f"{running.url}/api/v1/programming-language", timeout=30)
    assert answer.status_code == 503
    body = answer.json()
    assert body["error"] == UNAVAILABLE
    assert url in body["message"] and "PISTON_URL" in body["message"]
    assert "cannot be reached" in body["message"]
    # signing in still works, and execute says the same
    signed = sign_up(running.url)
    try:
        answer = signed.post("/api/v1/execute", json={"language": "python", "code": "print(1)"})
    finally:
        signed.close()
    assert answer.status_code == 503
    assert answer.json()["error"] == UNAVAILABLE and "PISTON_URL" in answer.json()["message"]
    # an id never handed out is still a 404, not a 5xx
    answer = httpx.get(f"{running.url}/api/v1/programming-language/{'a' * 24}")
    assert answer.status_code == 404
    # the start-up sync logged the executor's absence instead of failing the part
    assert "arena languages: the executor offers none now" in running.log()
