"""Progress of long command-line work (backup, restore, seed): one helper for every command.

On a terminal it is a rich bar per step; anywhere else (a log file, CI, a pipe) it is a plain
line per step now and then, since a bar there is either noise or nothing. It writes to stderr,
so stdout keeps only the command's result. The work reports ``(step, done, total)``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

Report = Callable[[str, int, int], None]
"""``report(step, done, total)``: ``done`` of ``total`` units of the named step are done."""

BYTES = "bytes"
LINE_INTERVAL_SECONDS = 5.0


def human_bytes(count: int) -> str:
    """``512 B``, ``1.5 KiB``, ``12.0 MiB``, ``3.2 GiB``."""
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} B"


def _silent(step: str, done: int, total: int) -> None:
    pass


@contextmanager
def progress(
    unit: str = BYTES,
    *,
    quiet: bool = False,
    stream: TextIO | None = None,
    interval: float = LINE_INTERVAL_SECONDS,
) -> Iterator[Report]:
    """A :data:`Report` for the work inside the block. ``unit`` is ``"bytes"`` (shown as sizes
    and a transfer rate) or the name of what is counted (``"events"``); ``quiet`` shows
    nothing."""
    out = stream if stream is not None else sys.stderr
    if quiet:
        yield _silent
    elif out.isatty():
        with _bar(out, unit) as report:
            yield report
    else:
        yield Lines(out, unit, interval)


class Lines:
    """The plain-text form: a step's first report, its last, and one every ``interval``
    seconds in between, each as ``step: 42% (1.2 MiB of 2.9 MiB)``."""

    def __init__(self, out: TextIO, unit: str, interval: float) -> None:
        self.out = out
        self.unit = unit
        self.interval = interval
        self._last: dict[str, float] = {}  # step → when its last line was written
        self._finished: set[str] = set()

    def __call__(self, step: str, done: int, total: int) -> None:
        now = time.monotonic()
        finished = total > 0 and done >= total
        last = self._last.get(step)
        if step in self._finished or (
            last is not None and not finished and now - last < self.interval
        ):
            return
        self._last[step] = now
        if finished:
            self._finished.add(step)
        percent = f"{100 * done / total:3.0f}%" if total > 0 else "  ?%"
        print(f"{step}: {percent} ({self._amount(done)} of {self._amount(total)})", file=self.out)
        self.out.flush()

    def _amount(self, count: int) -> str:
        return human_bytes(count) if self.unit == BYTES else f"{count:,} {self.unit}"


@contextmanager
def _bar(out: TextIO, unit: str) -> Iterator[Report]:
    from rich.console import Console  # rich loads only when a bar is drawn
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns: tuple[ProgressColumn, ...]
    if unit == BYTES:
        columns = (
            TextColumn("{task.description:<32}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        )
    else:
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            MofNCompleteColumn(),
            TextColumn(unit),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
    tasks: dict[str, Any] = {}
    with Progress(*columns, console=Console(file=out), transient=False) as bar:

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:  # one line per step, kept when it is done
                tasks[step] = bar.add_task(step, total=max(total, 1))
            bar.update(tasks[step], completed=done, total=max(total, 1))

        yield report
