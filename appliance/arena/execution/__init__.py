"""Code execution of the arena (contract §3.6, §3.8, §8): runtimes, runs and judged tests,
on a Piston server or in the built-in bubblewrap sandbox. No HTTP here: the arena's routes
call ExecutionService and map its errors (see executor.py)."""

from appliance.arena.execution.compare import passes, summarize
from appliance.arena.execution.executor import (
    ExecutionFailure,
    Executor,
    ExecutorBusy,
    ExecutorError,
    ExecutorUnavailable,
    UnsupportedLanguage,
)
from appliance.arena.execution.models import RunResult, Runtime, Stage, TestOutcome, TestSummary
from appliance.arena.execution.service import ExecutionService, resolve

__all__ = [
    "ExecutionFailure",
    "ExecutionService",
    "Executor",
    "ExecutorBusy",
    "ExecutorError",
    "ExecutorUnavailable",
    "RunResult",
    "Runtime",
    "Stage",
    "TestOutcome",
    "TestSummary",
    "UnsupportedLanguage",
    "passes",
    "resolve",
    "summarize",
]
