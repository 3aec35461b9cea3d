"""ExecutionService: what the arena's routes call to list runtimes and run code.

It picks the backend from the settings (Piston when ``piston_url`` is set, else the local
bubblewrap sandbox), resolves a client's language name the way CodinCod does, and sends
every run through one bounded queue, so neither backend is asked for more than the
configured concurrency.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from appliance.arena.execution.compare import passes, summarize
from appliance.arena.execution.executor import Executor, UnsupportedLanguage
from appliance.arena.execution.models import RunResult, Runtime, TestOutcome, TestSummary
from appliance.arena.execution.queue import ExecutionQueue
from appliance.arena.execution.sandbox import SandboxExecutor
from appliance.arena.settings import ArenaSettings


def resolve(runtimes: Sequence[Runtime], language: str) -> Runtime:
    """The first runtime named ``language`` or having it as an alias (§8); the version is
    the backend's, never a stored one."""
    for runtime in runtimes:
        if runtime.answers_to(language):
            return runtime
    raise UnsupportedLanguage(language)


def _backend(settings: ArenaSettings) -> Executor:
    if not settings.piston_url:
        return SandboxExecutor(settings)
    # Only then: importing httpx also imports its command line (rich, click, pygments:
    # ~100 modules, MBs of a server's idle memory) when those are installed.
    from appliance.arena.execution.piston import PistonExecutor

    return PistonExecutor(settings)


class ExecutionService:
    """Runtimes, single runs and judged batches; errors are those of executor.py."""

    def __init__(self, settings: ArenaSettings, backend: Executor | None = None) -> None:
        self.settings = settings
        self.backend: Executor = backend or _backend(settings)
        self.queue = ExecutionQueue(
            settings.execution_concurrency,
            settings.execution_queue,
            settings.run_timeout_seconds,
        )

    async def runtimes(self) -> list[Runtime]:
        """The backend's runtimes (ExecutorUnavailable when it cannot run code)."""
        return await self.backend.runtimes()

    async def runtime(self, language: str) -> Runtime:
        """The runtime a language name resolves to (UnsupportedLanguage when none)."""
        return resolve(await self.runtimes(), language)

    async def execute(self, language: str, code: str, stdin: str = "") -> RunResult:
        """Run ``code`` once; ExecutorBusy when the queue is full."""
        runtime = await self.runtime(language)
        async with self.queue.slot():
            return await self.backend.execute(runtime, code, stdin)

    async def run_tests(
        self, language: str, code: str, tests: Sequence[tuple[str, str]]
    ) -> TestSummary:
        """Run ``code`` once per ``(input, expected)`` test, all at once within the queue's
        bounds, and judge them per §8. The batch is admitted whole or refused (ExecutorBusy);
        any other failure of one run fails the whole call, as on CodinCod."""
        runtime = await self.runtime(language)
        self.queue.admit(len(tests))
        started = 0

        async def judge(stdin: str, expected: str) -> TestOutcome:
            nonlocal started
            started += 1
            async with self.queue.slot(admitted=True):
                result = await self.backend.execute(runtime, code, stdin)
            return TestOutcome(passed=passes(result, expected), result=result)

        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(judge(stdin, expected)) for stdin, expected in tests]
        except BaseExceptionGroup as errors:
            raise errors.exceptions[0] from None
        finally:
            # Places of tests whose task was cancelled before it reached its slot.
            self.queue.release_admission(len(tests) - started)
        return summarize([task.result() for task in tasks])

    async def aclose(self) -> None:
        """Release the backend's connections."""
        await self.backend.aclose()
