"""Arena languages and POST /execute through HTTP on a real server running code in the
built-in bubblewrap sandbox (codincod-contract.md §3.6, §3.8, §8)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.arena.conftest import QUIET, sign_up
from tests.conftest import RunningServer

HEX24 = re.compile(r"[0-9a-f]{24}")
UNSUPPORTED = {
    "error": "Unsupported language",
    "message": "At the moment we don't support this language.",
}


@pytest.fixture(scope="module")
def client(arena_server: RunningServer) -> Iterator[httpx.Client]:
    signed = sign_up(arena_server.url)
    yield signed
    signed.close()


def languages(url: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{url}/api/v1/programming-language", timeout=30)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert list(body) == ["languages"]
    return body["languages"]


def execute(client: httpx.Client, path: str = "/api/v1/execute", **body: str) -> httpx.Response:
    return client.post(path, json=body)


def judged(client: httpx.Client, **body: str) -> dict[str, Any]:
    answer = execute(client, **body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_the_list_is_what_the_sandbox_offers_sorted_with_24_hex_ids(
    arena_server: RunningServer,
) -> None:
    listed = languages(arena_server.url)
    names = [entry["language"] for entry in listed]
    assert {"python", "bash"} <= set(names)
    assert names == sorted(names)
    for entry in listed:
        assert HEX24.fullmatch(entry["_id"])
        assert set(entry) <= {"_id", "language", "version", "aliases", "runtime"}
        assert isinstance(entry["aliases"], list) and isinstance(entry["version"], str)
    python = next(entry for entry in listed if entry["language"] == "python")
    assert {"py", "python3"} <= set(python["aliases"])
    assert "runtime" not in python  # runtime? only when there is one
    # both prefixes, with and without the trailing slash, give the same list
    for path in ("/api/programming-language", "/api/v1/programming-language/"):
        again = httpx.get(arena_server.url + path, timeout=30)
        assert again.status_code == 200 and again.json()["languages"] == listed


def test_a_language_by_id_and_404_for_unknown_or_malformed_ids(
    arena_server: RunningServer,
) -> None:
    listed = languages(arena_server.url)
    for entry in listed:
        for prefix in ("/api/v1", "/api"):
            answer = httpx.get(f"{arena_server.url}{prefix}/programming-language/{entry['_id']}")
            assert (answer.status_code, answer.json()) == (200, entry)
    for bad in ("0" * 24, "ffffffffffffffffffffffff", "not-an-id", "ABCDEF0123456789ABCDEF01", "1"):
        answer = httpx.get(f"{arena_server.url}/api/v1/programming-language/{bad}")
        assert answer.status_code == 404, (bad, answer.text)
        assert answer.json()["message"] == "Programming language not found"


def test_ids_stay_the_same_across_restarts(make_server: Any, tmp_path: Path) -> None:
    data = tmp_path / "kept"
    first = make_server(QUIET, data_dir=data)
    before = languages(first.url)
    first.stop()
    second = make_server(QUIET, data_dir=data)
    assert languages(second.url) == before


@pytest.mark.parametrize(
    ("language", "code", "stdin", "expected"),
    [
        ("python", 'print("Hello, World!")', "", "Hello, World!"),
        ("py", "print(input()[::-1])", "abc", "cba"),
        ("bash", 'echo "Hello, World!"', "", "Hello, World!"),
        ("bash", 'read name; echo "Hello, $name!"', "sandbox\n", "Hello, sandbox!"),
        ("javascript", 'console.log("Hello, World!")', "", "Hello, World!"),
        (
            "js",
            "const s = require('fs').readFileSync(0, 'utf8'); console.log(s.trim().length)",
            "four",
            "4",
        ),
    ],
)
def test_hello_world_and_stdin_in_each_language(
    arena_server: RunningServer,
    client: httpx.Client,
    language: str,
    code: str,
    stdin: str,
    expected: str,
) -> None:
    offered = {name for entry in languages(arena_server.url) for name in entry["aliases"]}
    offered |= {entry["language"] for entry in languages(arena_server.url)}
    if language in {"javascript", "js"} and language not in offered:
        pytest.skip("node is not installed on this machine, so the sandbox offers no javascript")
    body = judged(client, language=language, code=code, testInput=stdin, testOutput=expected)
    assert body["puzzleResultInformation"] == {
        "result": "success",
        "successRate": 1.0,
        "passed": 1,
        "failed": 0,
        "total": 1,
    }
    run = body["run"]
    assert run["stdout"].rstrip() == expected
    assert run["code"] == 0 and run["signal"] is None
    assert set(run) >= {"stdout", "stderr", "output", "code", "signal"}
    assert "compile" not in body


@pytest.mark.parametrize(
    ("code", "expected", "passes"),
    [
        # trailing whitespace is trimmed on both sides
        ('print("hello  ")\nprint()\nprint("   ")', "hello", True),
        ('print("hello")', "hello\n\n  \t", True),
        # leading whitespace counts
        ('print("  hello")', "hello", False),
        ('print("  hello")', "  hello", True),
        ('print("hello")', " hello", False),
        # inner whitespace and line breaks count
        ('print("a  b")', "a b", False),
        ('print("a")\nprint("b")', "a\nb", True),
        ('print("a")\nprint("b")', "a\r\nb", False),
        # stderr counts through output; the exit code is ignored
        ('import sys\nsys.stderr.write("oops\\n")', "oops", True),
        ('print("x", flush=True)\nraise SystemExit(3)', "x", True),
        # a crash after the answer: output has the traceback, but stdout alone matches
        ('print("partial", flush=True)\nraise ValueError("boom")', "partial", True),
        # a wrong answer
        ('print("42")', "43", False),
    ],
)
def test_output_matching_follows_section_8(
    client: httpx.Client, code: str, expected: str, passes: bool
) -> None:
    body = judged(client, language="python", code=code, testOutput=expected)
    info = body["puzzleResultInformation"]
    if passes:
        assert info == {
            "result": "success",
            "successRate": 1.0,
            "passed": 1,
            "failed": 0,
            "total": 1,
        }
    else:
        assert info == {"result": "error", "successRate": 0.0, "passed": 0, "failed": 1, "total": 1}


def test_exit_code_and_stderr_are_reported_as_piston_does(client: httpx.Client) -> None:
    code = 'import sys\nprint("out", flush=True)\nsys.stderr.write("err\\n")\nsys.exit(3)'
    run = judged(client, language="python", code=code, testOutput="out")["run"]
    assert run["stdout"] == "out\n" and run["stderr"] == "err\n"
    assert run["output"] == "out\nerr\n"
    assert run["code"] == 3


def test_a_failing_program_is_an_error_result_not_a_failed_request(client: httpx.Client) -> None:
    code = "print(int(input()) * 2)"
    body = judged(client, language="python", code=code, testInput="abc", testOutput="0")
    assert body["run"]["code"] == 1 and "ValueError" in body["run"]["stderr"]
    assert body["puzzleResultInformation"] == {
        "result": "error",
        "successRate": 0.0,
        "passed": 0,
        "failed": 1,
        "total": 1,
    }


def test_an_unsupported_language_is_400_in_codincods_words(client: httpx.Client) -> None:
    answer = execute(client, language="cobol", code="DISPLAY 'hi'.")
    assert answer.status_code == 400
    assert answer.json() == UNSUPPORTED


def test_execute_needs_a_token(arena_server: RunningServer) -> None:
    answer = httpx.post(
        f"{arena_server.url}/api/v1/execute", json={"language": "python", "code": "print(1)"}
    )
    assert answer.status_code == 401
    assert answer.json()["message"] == "No authentication token provided"


def test_invalid_bodies_are_400_with_the_validation_shape(client: httpx.Client) -> None:
    cases: list[Any] = [
        {"language": "python"},
        {"language": "python", "code": ""},
        {"code": "print(1)"},
        {"code": "print(1)", "language": ""},
        {"code": "#" * (64 * 1024 + 1), "language": "python"},
        {"code": "é" * (40 * 1024), "language": "python"},  # under 64 Ki characters, over 64 KiB
        {"code": "print(1)", "language": "python", "testInput": 5},
        ["not", "an", "object"],
    ]
    for body in cases:
        answer = client.post("/api/v1/execute", json=body)
        assert answer.status_code == 400, (str(body)[:80], answer.text[:200])
        refused = answer.json()
        assert refused["error"] == "Validation Error"
        assert refused["details"]


def test_64_kib_of_code_is_accepted(client: httpx.Client) -> None:
    code = 'print("ok")\n' + "#" * (64 * 1024 - len('print("ok")\n'))
    assert (
        judged(client, language="python", code=code, testOutput="ok")["puzzleResultInformation"][
            "result"
        ]
        == "success"
    )


@pytest.mark.parametrize("path", ["/api/execute", "/api/v1/execute/", "/api/execute/"])
def test_every_spelling_of_execute_works(client: httpx.Client, path: str) -> None:
    answer = execute(client, path, language="python", code="print(2 + 2)", testOutput="4")
    assert answer.status_code == 200, answer.text
    assert answer.json()["puzzleResultInformation"]["result"] == "success"


def test_a_form_body_works_too(client: httpx.Client) -> None:
    answer = client.post(
        "/api/v1/execute",
        data={"language": "python", "code": "print(input())", "testInput": "x", "testOutput": "x"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["puzzleResultInformation"]["passed"] == 1
