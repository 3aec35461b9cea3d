"""ExecutionService on the real sandbox: backend choice, language names, judged batches and
the bounded queue."""

from __future__ import annotations

import asyncio

import pytest

from appliance.arena.execution import ExecutionService, ExecutorBusy, UnsupportedLanguage
from appliance.arena.execution.piston import PistonExecutor
from appliance.arena.execution.sandbox import SandboxExecutor
from appliance.arena.settings import ArenaSettings


def settings(**values: object) -> ArenaSettings:
    return ArenaSettings(**{"piston_url": "", "run_timeout_seconds": 3, **values})


async def test_the_backend_follows_piston_url() -> None:
    assert isinstance(ExecutionService(settings()).backend, SandboxExecutor)
    piston = ExecutionService(settings(piston_url="http://piston:2000"))
    assert isinstance(piston.backend, PistonExecutor)
    await piston.aclose()


@pytest.mark.parametrize(
    ("name", "code"),
    [("py", "print(1)"), ("python3", "print(1)"), ("js", "console.log(1)"), ("sh", "echo 1")],
)
async def test_aliases_pick_the_runtime(name: str, code: str) -> None:
    result = await ExecutionService(settings()).execute(name, code)
    assert result.run is not None and result.run.stdout == "1\n"


async def test_unknown_language() -> None:
    with pytest.raises(UnsupportedLanguage):
        await ExecutionService(settings()).execute("brainfuck", "+.")


async def test_run_tests_in_the_sandbox() -> None:
    service = ExecutionService(settings())
    code = "import sys\nprint(sum(map(int, sys.stdin.read().split())))"
    summary = await service.run_tests(
        "python", code, [("1 2", "3"), ("5 5", "10\n\n"), ("1 1", " 2"), ("2 2", "5")]
    )
    assert (summary.result, summary.passed, summary.failed, summary.total) == ("error", 2, 2, 4)
    assert summary.successRate == 0.5
    perfect = await service.run_tests("python", code, [("1 2", "3")])
    assert (perfect.result, perfect.successRate) == ("success", 1.0)


async def test_a_full_queue_answers_busy_and_recovers() -> None:
    service = ExecutionService(settings(execution_concurrency=1, execution_queue=1))
    slow = [asyncio.create_task(service.execute("bash", "sleep 0.5; echo done")) for _ in range(2)]
    await asyncio.sleep(0.05)  # one runs, one waits
    with pytest.raises(ExecutorBusy) as busy:
        await service.execute("bash", "echo late")
    assert busy.value.retry_after_seconds >= 1
    with pytest.raises(ExecutorBusy):
        await service.run_tests("bash", "cat", [("a", "a")])
    for result in await asyncio.gather(*slow):
        assert result.run is not None and result.run.stdout == "done\n"
    assert service.queue.admitted == 0
    # Idle again: a batch larger than slots + waiting places is still judged.
    summary = await service.run_tests("bash", "cat", [(str(n), str(n)) for n in range(5)])
    assert (summary.result, summary.passed) == ("success", 5)
