"""The Piston backend against a Piston-faithful HTTP server (tests/support/fake_piston.py)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from appliance.arena.execution import (
    ExecutionService,
    ExecutorError,
    ExecutorUnavailable,
    Runtime,
    UnsupportedLanguage,
)
from appliance.arena.execution.piston import PistonExecutor
from appliance.arena.settings import ArenaSettings
from tests.support.fake_piston import PYTHON_VERSION, FakePiston


@pytest.fixture
def piston() -> Iterator[FakePiston]:
    fake = FakePiston()
    fake.start()
    yield fake
    fake.stop()


def service_for(url: str, **settings: object) -> ExecutionService:
    return ExecutionService(ArenaSettings(piston_url=url, **settings))


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_fake_checks_bodies_like_piston(piston: FakePiston) -> None:
    async with httpx.AsyncClient(base_url=piston.url) as client:
        cases = [
            ({}, "language is required as a string"),
            ({"language": "python"}, "version is required as a string"),
            ({"language": "python", "version": PYTHON_VERSION}, "files is required as an array"),
            (
                {"language": "python", "version": PYTHON_VERSION, "files": [{}]},
                "files[0].content is required as a string",
            ),
            (
                {"language": "python", "version": "9.9.9", "files": [{"content": ""}]},
                "python-9.9.9 runtime is unknown",
            ),
        ]
        for body, message in cases:
            response = await client.post("/api/v2/execute", json=body)
            assert (response.status_code, response.json()) == (400, {"message": message})


async def test_execute_sends_pistons_version_and_returns_its_answer(piston: FakePiston) -> None:
    service = service_for(piston.url)
    result = await service.execute("py", "print(input()[::-1])", "abc")
    assert piston.execute_bodies[-1] == {
        "language": "python",
        "version": PYTHON_VERSION,
        "files": [{"content": "print(input()[::-1])"}],
        "stdin": "abc",
    }
    assert result.wire() == {
        "language": "python",
        "version": PYTHON_VERSION,
        "run": {"stdout": "cba\n", "stderr": "", "output": "cba\n", "code": 0, "signal": None},
    }
    await service.aclose()


async def test_run_tests_judges_each_test(piston: FakePiston) -> None:
    service = service_for(piston.url)
    summary = await service.run_tests(
        "python", "print(int(input()) * 2)", [("1", "2"), ("2", "4  \n"), ("3", "7")]
    )
    assert summary.model_dump() == {
        "result": "error",
        "successRate": 2 / 3,
        "passed": 2,
        "failed": 1,
        "total": 3,
    }
    assert [test.passed for test in summary.tests] == [True, True, False]
    assert service.queue.admitted == 0
    await service.aclose()


async def test_runtimes_are_cached(piston: FakePiston) -> None:
    cached = PistonExecutor(ArenaSettings(piston_url=piston.url, runtimes_cache_seconds=60))
    await cached.runtimes()
    await cached.runtimes()
    assert piston.runtimes_requests == 1
    uncached = PistonExecutor(ArenaSettings(piston_url=piston.url, runtimes_cache_seconds=0))
    await uncached.runtimes()
    await uncached.runtimes()
    assert piston.runtimes_requests == 3
    await cached.aclose()
    await uncached.aclose()


async def test_unknown_language_is_unsupported(piston: FakePiston) -> None:
    service = service_for(piston.url)
    with pytest.raises(UnsupportedLanguage) as error:
        await service.execute("cobol", "DISPLAY 'HI'.")
    assert error.value.language == "cobol"
    runtime = await service.runtime("js")
    assert (runtime.language, runtime.runtime) == ("javascript", "node")
    await service.aclose()


async def test_a_runtimes_answer_that_is_not_a_list_is_unavailable(piston: FakePiston) -> None:
    piston.runtimes_answer = {"message": "internal error"}
    service = service_for(piston.url)
    with pytest.raises(ExecutorUnavailable, match="PISTON_URL"):
        await service.runtimes()
    await service.aclose()


async def test_an_unreachable_piston_is_unavailable() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    service = service_for(url)
    with pytest.raises(ExecutorUnavailable) as error:
        await service.execute("python", "print(1)")
    assert url in error.value.message
    backend = PistonExecutor(ArenaSettings(piston_url=url))
    with pytest.raises(ExecutorUnavailable):
        await backend.execute(Runtime(language="python", version="3.12.0"), "print(1)", "")
    await backend.aclose()
    await service.aclose()


async def test_an_error_answer_is_an_executor_error(piston: FakePiston) -> None:
    service = service_for(piston.url)
    piston.execute_error = "Resource temporarily unavailable"
    with pytest.raises(ExecutorError, match="Resource temporarily unavailable"):
        await service.execute("python", "print(1)")
    # A version Piston does not have: its 400 {message} comes back as the error.
    backend = PistonExecutor(ArenaSettings(piston_url=piston.url))
    with pytest.raises(ExecutorError, match=r"python-9\.9\.9 runtime is unknown"):
        await backend.execute(Runtime(language="python", version="9.9.9"), "print(1)", "")
    await backend.aclose()
    await service.aclose()
