"""§8 matching and aggregation, on hand-made Piston answers."""

from __future__ import annotations

from appliance.arena.execution import RunResult, Stage, TestOutcome, passes, summarize


def result(
    stdout: str = "", stderr: str = "", output: str | None = None, **run: object
) -> RunResult:
    stage = Stage(
        stdout=stdout, stderr=stderr, output=stdout + stderr if output is None else output
    )
    for key, value in run.items():
        setattr(stage, key, value)
    return RunResult(language="python", version="3.11.0", run=stage)


def test_trailing_whitespace_is_trimmed_on_both_sides() -> None:
    assert passes(result("42\n\n  \t"), "42")
    assert passes(result("42"), "42\n")


def test_leading_and_inner_whitespace_and_line_endings_count() -> None:
    assert not passes(result(" 42\n"), "42")
    assert not passes(result("4 2\n"), "42")
    assert not passes(result("1\r\n2\n"), "1\n2")


def test_output_or_stdout_may_match() -> None:
    noisy = result("42\n", "warning\n", output="warning\n42\n")
    assert passes(noisy, "42")  # stdout alone
    assert passes(noisy, "warning\n42")  # the interleaved output


def test_exit_code_and_signal_are_ignored() -> None:
    assert passes(result("42\n", code=1), "42")
    assert passes(result("42\n", code=None, signal="SIGKILL"), "42")


def test_no_run_block_fails() -> None:
    compile_failed = RunResult.model_validate(
        {
            "language": "c",
            "version": "10",
            "compile": {
                "stdout": "",
                "stderr": "error",
                "output": "error",
                "code": 1,
                "signal": None,
            },
        }
    )
    assert not passes(compile_failed, "")
    assert compile_failed.wire()["compile"] == {
        "stdout": "",
        "stderr": "error",
        "output": "error",
        "code": 1,
        "signal": None,
    }
    assert "run" not in compile_failed.wire()


def test_summary_counts() -> None:
    ok, bad = result("1"), result("2")
    summary = summarize(
        [
            TestOutcome(passed=True, result=ok),
            TestOutcome(passed=False, result=bad),
            TestOutcome(passed=True, result=ok),
        ]
    )
    assert summary.model_dump() == {
        "result": "error",
        "successRate": 2 / 3,
        "passed": 2,
        "failed": 1,
        "total": 3,
    }
    all_ok = summarize([TestOutcome(passed=True, result=ok)])
    assert (all_ok.result, all_ok.successRate, all_ok.failed) == ("success", 1.0, 0)


def test_empty_batch_is_not_a_success() -> None:
    summary = summarize([])
    assert (summary.result, summary.total, summary.successRate) == ("error", 0, 0.0)


def test_wire_keeps_null_code_and_signal_like_piston() -> None:
    wire = result("hi\n").wire()
    assert wire == {
        "language": "python",
        "version": "3.11.0",
        "run": {"stdout": "hi\n", "stderr": "", "output": "hi\n", "code": None, "signal": None},
    }
