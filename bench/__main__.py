"""``python -m bench [SUITE ...]``: run bench suites, print their tables, write bench/RESULTS.md.

Every suite is a module of this package listed in :data:`SUITES`. It exposes

- ``TITLE: str`` — the heading of its section in RESULTS.md;
- ``HOW_MEASURED: str`` — a Markdown paragraph or two: setup, load, what the baseline is;
- ``run(config: bench.common.Config) -> list[bench.common.Table]`` — measures every number
  together with its baseline, in the same run, on this machine.

To add a suite: write ``bench/<name>.py`` with those three names, add it to ``SUITES``.
Running only some suites rewrites only their sections of RESULTS.md; the others are kept.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
import time
from pathlib import Path
from types import ModuleType

from rich.console import Console
from rich.table import Table as RichTable

from bench.common import (
    BENCH_DIR,
    COLUMNS,
    Config,
    OtherLoad,
    Table,
    defaults_only,
    machine,
    raise_fd_limit,
    use_uvloop,
)

SUITES: dict[str, str] = {
    "sparks": "bench.sparks",
    "rooms": "bench.rooms",
    "clicker": "bench.clicker",
    "analytics": "bench.analytics_ingest",
    "analytics-query": "bench.analytics_query",
    "packaging": "bench.packaging",
    "arena": "bench.arena",
    "arena-leaderboard": "bench.arena_leaderboard",
    "arena-games": "bench.arena_games",
}
RESULTS = BENCH_DIR / "RESULTS.md"
SECTION = re.compile(r"<!-- suite:(?P<name>[\w-]+) -->\n.*?<!-- /suite:(?P=name) -->\n", re.S)


def load(name: str) -> ModuleType:
    module = importlib.import_module(SUITES[name])
    for attribute in ("TITLE", "HOW_MEASURED", "run"):
        if not hasattr(module, attribute):
            raise SystemExit(f"bench suite {name} ({module.__name__}) has no {attribute}")
    return module


def machine_line() -> str:
    info = machine()
    return (
        f"{info['cores']} cores · {info['memory_gib']:.0f} GiB RAM · {info['cpu']} · "
        f"{info['os']} · Python {info['python']} · {info['date']}"
    )


def show(console: Console, table: Table) -> None:
    rich = RichTable(title=table.title, caption=f"baseline: {table.baseline}", title_justify="left")
    for column in COLUMNS:
        rich.add_column(column, justify="left" if column in ("metric", "target") else "right")
    for row in table.rows:
        cells = row.cells()
        verdict = cells[-1]
        if verdict == "PASS":
            cells[-1] = "[green]PASS[/green]"
        elif verdict == "FAIL":
            cells[-1] = "[bold red]FAIL[/bold red]"
        rich.add_row(*cells)
    console.print(rich)
    for note in table.notes:
        console.print(f"  [dim]{note}[/dim]")


def markdown_table(table: Table) -> str:
    lines = [f"### {table.title}", "", f"Baseline: {table.baseline}.", ""]
    lines.append("| " + " | ".join(COLUMNS) + " |")
    lines.append("| " + " | ".join(["---"] + ["---:"] * 3 + ["---", "---"]) + " |")
    for row in table.rows:
        cells = row.cells()
        if cells[-1] in ("PASS", "FAIL"):
            cells[-1] = f"**{cells[-1]}**"
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    lines.append("")
    lines.extend(f"- {note}" for note in table.notes)
    if table.notes:
        lines.append("")
    return "\n".join(lines)


BUSY_WARNING = 0.10


def section(
    name: str, module: ModuleType, tables: list[Table], seconds: float, others: float
) -> str:
    noise = f"other processes kept ≈ {others:.0%} of the machine's CPU busy meanwhile"
    if others > BUSY_WARNING:
        noise += " — **the numbers below are disturbed; run again on a quiet machine**"
    when = machine()["date"]
    body = [
        f"## {module.TITLE}",
        "",
        f"`python -m bench {name}`, {when}, {seconds:.0f} s; {noise}.",
    ]
    body.append("")
    body.extend(markdown_table(table) for table in tables)
    body.extend(["#### How measured", "", module.HOW_MEASURED.strip(), ""])
    return f"<!-- suite:{name} -->\n" + "\n".join(body) + f"\n<!-- /suite:{name} -->\n"


def write_results(path: Path, sections: dict[str, str], line: str) -> None:
    kept: dict[str, str] = {}
    if path.exists():
        kept = {match["name"]: match[0] for match in SECTION.finditer(path.read_text())}
    kept.update(sections)
    ordered = [kept[name] for name in SUITES if name in kept]
    ordered += [text for name, text in kept.items() if name not in SUITES]
    header = [
        "# Sparkhouse benchmarks",
        "",
        "Written by `make bench` (`python -m bench`); do not edit by hand. Every number is",
        "measured on the machine below, in the same run as its baseline, and the ratio is",
        "value ÷ baseline.",
        "",
        f"Machine: {line}",
        "",
    ]
    path.write_text("\n".join(header) + "\n".join(ordered))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("suites", nargs="*", metavar="SUITE", help=f"of {', '.join(SUITES)}")
    parser.add_argument(
        "--quick", action="store_true", help="short runs to check the harness (no RESULTS.md)"
    )
    parser.add_argument("--workers", type=int, default=2, help="client processes (default 2)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="results file")
    args = parser.parse_args(argv)
    unknown = [name for name in args.suites if name not in SUITES]
    if unknown:
        parser.error(f"unknown suite {', '.join(unknown)}; known: {', '.join(SUITES)}")
    names = args.suites or list(SUITES)

    raise_fd_limit()  # the servers and clients started from here inherit it
    use_uvloop()
    console = Console()
    # The Makefile exports PORT and HOST for `make run`; every server here gets its own port.
    ignored = [name for name in defaults_only() if name not in ("PORT", "HOST")]
    if ignored:
        console.print(
            f"[yellow]ignoring {', '.join(ignored)} from the environment: the servers run with "
            "the defaults (and each suite's stated changes)[/yellow]"
        )
    config = Config(quick=args.quick, workers=args.workers)
    line = machine_line()
    console.print(f"[bold]Sparkhouse bench[/bold] — {line}")
    sections: dict[str, str] = {}
    failed = 0
    crashed: list[str] = []
    for name in names:
        module = load(name)
        console.rule(f"{name}: {module.TITLE}")
        started = time.monotonic()
        background = OtherLoad()
        try:
            tables: list[Table] = module.run(config)
        except Exception:  # one broken suite must not cost the others their results
            console.print_exception()
            console.print(f"[bold red]{name} crashed; its section of RESULTS.md is kept[/bold red]")
            crashed.append(name)
            continue
        seconds = time.monotonic() - started
        others = background.share()
        for table in tables:
            show(console, table)
            failed += table.failed
        sections[name] = section(name, module, tables, seconds, others)
        console.print(f"[dim]{name} took {seconds:.0f} s[/dim]")
        if others > BUSY_WARNING:
            console.print(
                f"[yellow]other processes kept ≈ {others:.0%} of the CPU busy during {name}: "
                "its numbers are disturbed[/yellow]"
            )
    if args.quick:
        console.print("--quick: RESULTS.md left as it was")
    elif sections:
        write_results(args.output, sections, line)
        console.print(f"wrote {args.output}")
    if failed:
        console.print(f"[bold red]{failed} target(s) missed[/bold red]")
    if crashed:
        console.print(f"[bold red]crashed: {', '.join(crashed)}[/bold red]")
        return 1
    return 0  # a missed target is a finding, not an error


if __name__ == "__main__":
    sys.exit(main())
