"""Contract §8: whether one run passes its test, and the summary over a batch.

Only trailing whitespace is trimmed; leading and inner whitespace and ``\\r\\n`` versus ``\\n``
count, and the exit code and signal are ignored — CodinCod's rules, so a puzzle scores the
same here as on CodinCod.
"""

from __future__ import annotations

from collections.abc import Sequence

from appliance.arena.execution.models import RunResult, TestOutcome, TestSummary


def passes(result: RunResult, expected: str) -> bool:
    """True iff the run exists and its output or stdout equals ``expected``, right-trimmed."""
    run = result.run
    if run is None:
        return False
    want = expected.rstrip()
    return want in (run.output.rstrip(), run.stdout.rstrip())


def summarize(outcomes: Sequence[TestOutcome]) -> TestSummary:
    """Aggregate per §8: failed = total − passed, success only when every test passed (an
    empty batch is not a success: CodinCod refuses puzzles without tests before running)."""
    total = len(outcomes)
    passed = sum(1 for outcome in outcomes if outcome.passed)
    return TestSummary(
        result="success" if total and passed == total else "error",
        successRate=passed / total if total else 0.0,
        passed=passed,
        failed=total - passed,
        total=total,
        tests=list(outcomes),
    )
