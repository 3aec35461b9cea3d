"""What a code-execution backend is, and how it fails.

The errors are plain exceptions that know nothing of HTTP; the arena's routes map them
(ExecutorUnavailable → 503, ExecutorBusy → 503 + Retry-After, UnsupportedLanguage → 400,
ExecutorError → 500 ``{error: "Piston error", message}``).
"""

from __future__ import annotations

from typing import Protocol

from appliance.arena.execution.models import RunResult, Runtime


class ExecutionFailure(Exception):
    """Base of every execution error, so a caller can catch them all at once."""


class ExecutorUnavailable(ExecutionFailure):
    """No backend can run code right now; the message says what the operator should do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ExecutorBusy(ExecutionFailure):
    """The execution queue is full; the client should retry after ``retry_after_seconds``."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"too many programs waiting to run; retry in {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


class UnsupportedLanguage(ExecutionFailure):
    """No installed runtime answers to the language name the client asked for."""

    def __init__(self, language: str) -> None:
        super().__init__(f"unsupported language: {language}")
        self.language = language


class ExecutorError(ExecutionFailure):
    """The backend answered, but with an error (Piston's ``{"message": ...}``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Executor(Protocol):
    """A backend: lists its runtimes and runs one program. Queueing and language resolution
    live in ExecutionService, so a backend only has to run what it is given."""

    async def runtimes(self) -> list[Runtime]:
        """The installed runtimes; raises ExecutorUnavailable when the backend cannot run."""
        ...

    async def execute(self, runtime: Runtime, code: str, stdin: str) -> RunResult:
        """Run ``code`` once with ``stdin`` on ``runtime`` (one of ``runtimes()``)."""
        ...

    async def aclose(self) -> None:
        """Release connections and processes."""
        ...
