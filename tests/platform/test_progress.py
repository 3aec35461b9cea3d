"""The one progress helper of the command line (platform/progress.py)."""

from __future__ import annotations

import io

import pytest

from appliance.platform.progress import Lines, human_bytes, progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_human_bytes() -> None:
    assert human_bytes(512) == "512 B"
    assert human_bytes(1536) == "1.5 KiB"
    assert human_bytes(12 * 1024**2) == "12.0 MiB"
    assert human_bytes(5 * 1024**4) == "5120.0 GiB"


def test_quiet_writes_nothing() -> None:
    out = Terminal()
    with progress(quiet=True, stream=out) as report:
        report("copy", 1, 2)
    assert out.getvalue() == ""


def test_not_a_terminal_gets_plain_lines_first_last_and_now_and_then() -> None:
    out = io.StringIO()
    with progress(stream=out) as report:
        assert isinstance(report, Lines)
        for done in range(0, 2049, 256):
            report("sparkhouse.db", done, 2048)
        report("sparkhouse.db", 2048, 2048)  # a repeated end is not repeated
    assert out.getvalue().splitlines() == [
        "sparkhouse.db:   0% (0 B of 2.0 KiB)",
        "sparkhouse.db: 100% (2.0 KiB of 2.0 KiB)",
    ]


def test_lines_come_at_most_once_per_interval_and_count_items(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = iter([0.0, 1.0, 6.0, 7.0])
    monkeypatch.setattr("appliance.platform.progress.time.monotonic", lambda: next(clock))
    out = io.StringIO()
    report = Lines(out, "events", interval=5.0)
    report("seeding example.com", 0, 3000)
    report("seeding example.com", 1000, 3000)  # 1 s later: skipped
    report("seeding example.com", 2000, 3000)  # 6 s: shown
    report("seeding example.com", 3000, 3000)  # the end is always shown
    assert out.getvalue().splitlines() == [
        "seeding example.com:   0% (0 events of 3,000 events)",
        "seeding example.com:  67% (2,000 events of 3,000 events)",
        "seeding example.com: 100% (3,000 events of 3,000 events)",
    ]


def test_a_terminal_gets_a_bar_per_step() -> None:
    out = Terminal()
    with progress(stream=out) as report:
        assert not isinstance(report, Lines)
        report("sparkhouse.db", 1024, 2048)
        report("analytics.duckdb", 10, 10)
    text = out.getvalue()
    assert "sparkhouse.db" in text and "analytics.duckdb" in text
