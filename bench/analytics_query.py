"""Bench suite of the analytics query API (stats, pageviews, metrics, realtime).

For 1M and 10M seeded events: the server answers each query over HTTP, one request at a
time (p50/p99); then, on the same DuckDB file, the same queries run as raw DuckDB SQL over
``events`` (no rollups, no HTTP) in this process — the baseline column.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from bench.common import (
    ACCESS_LOG_OFF,
    PYTHON,
    ROOT,
    Change,
    Config,
    HttpClient,
    Row,
    Server,
    Table,
    at_most,
    env_of,
    free_port,
    launch,
    percentile,
    settings_note,
)

TITLE = "Analytics queries"
CHANGES = [Change("SPARKLYTICS_AUTH", "none", "the bench reads the reports without logging in")]
SIZES = (1_000_000, 10_000_000)
QUICK_SIZES = (50_000,)
DAYS = 30
DOMAIN = "bench.example.com"
# p99 targets (ms) of issue 6, by (query, events)
TARGETS: dict[tuple[str, int], float] = {
    ("stats", 1_000_000): 50.0,
    ("metrics", 1_000_000): 50.0,
    ("stats", 10_000_000): 200.0,
    ("metrics", 10_000_000): 200.0,
    ("pageviews", 10_000_000): 200.0,
}

RAW_RUNS = 30  # raw SQL takes seconds per query at 10M: fewer runs of the baseline
HOW_MEASURED = f"""\
**Data.** `sparkhouse analytics seed --events N --days {DAYS}` writes N synthetic events
(sessions of 1–15 events, ~12 % custom events, ~3 % bots, diurnal curve, realistic pages,
referrers, UTM tags, places and user agents) for one website straight into `analytics.duckdb`,
with the matching `sessions` and `event_rollups` rows; its wall time is the "seed" row.

**HTTP.** Then `python -m appliance serve` (auth mode none) on that data dir, with the
settings a user gets by default otherwise (access log on, log level INFO); one client sends
one request at a time on a keep-alive connection (after a warm-up of 5):
`stats` (default 7-day window, so also its previous 7 days), `pageviews` over the last 30 days
(day buckets), `metrics?type=page` (top pages, 7 days) and `realtime`. p50/p99 of the request
latency as the client sees it. The server reads the rollup levels of
`warehouse/rollup_levels.py` (visit level for stats and pageviews, page level for top pages);
DuckDB in the server uses every core (2 threads here). Then a second server on the same data
dir with the access log off (`SPARKHOUSE_ACCESS_LOG=false`) answers `stats` the same way: the
access-log-off line.

**Baseline.** After the server stopped, the same four queries as raw DuckDB SQL over `events`
(the query module's raw path, no rollups), in this process on the same file with 1 DuckDB
thread, {RAW_RUNS} times each (at most): its p50/p99. Ratio = HTTP ÷ raw SQL (below 1: the
rollups win more than HTTP costs).
"""


def _cli(*args: str, timeout: float = 1800) -> str:
    done = subprocess.run(
        [PYTHON, "-m", "appliance", "analytics", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return done.stdout.strip()


@contextlib.contextmanager
def seeded(events: int) -> Iterator[tuple[Path, str, float]]:
    """A data dir holding one website with ``events`` seeded events; (dir, site, seconds)."""
    root = Path(tempfile.mkdtemp(prefix="sparkhouse-bench-query-"))
    data_dir = root / "data"
    try:
        site = _cli("website", "add", DOMAIN, "--data-dir", str(data_dir))
        started = time.monotonic()
        _cli(
            "seed",
            "--website",
            site,
            "--events",
            str(events),
            "--days",
            str(DAYS),
            "--data-dir",
            str(data_dir),
            "--quiet",
        )
        yield data_dir, site, time.monotonic() - started
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _paths(site: str) -> dict[str, str]:
    today = datetime.now(UTC).date()
    start = (today - timedelta(days=DAYS - 1)).isoformat()
    base = f"/api/websites/{site}"
    return {
        "stats": f"{base}/stats",
        "pageviews": f"{base}/pageviews?start_date={start}&end_date={today.isoformat()}",
        "metrics": f"{base}/metrics?type=page",
        "realtime": f"{base}/realtime",
    }


def _serve(data_dir: Path, changes: Sequence[Change] = (), name: str = "analytics-query") -> Server:
    port = free_port()
    command = [PYTHON, "-m", "appliance", "serve", "--port", str(port), "--data-dir", str(data_dir)]
    env = env_of([*CHANGES, *changes])
    return launch(name, command, port, f"http://127.0.0.1:{port}/healthz", env=env)


async def _http_latencies(server: Server, path: str, count: int) -> list[float]:
    client = HttpClient("127.0.0.1", server.port, size=1)
    try:
        for _ in range(5):
            status, body = await client.request("GET", path)
            if status != 200:
                raise RuntimeError(f"GET {path} → {status}: {body[:300]!r}")
        latencies = []
        for _ in range(count):
            started = time.perf_counter()
            status, _ = await client.request("GET", path)
            latencies.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise RuntimeError(f"GET {path} → {status}")
        return latencies
    finally:
        await client.close()


def _raw_latencies(data_dir: Path, site: str, count: int) -> dict[str, list[float]]:
    from appliance.analytics.query.metrics import metrics_query
    from appliance.analytics.query.params import parse_params
    from appliance.analytics.query.realtime import realtime_query
    from appliance.analytics.query.stats import stats_query
    from appliance.analytics.query.timeseries import pageviews_query

    today = datetime.now(UTC).date()
    start = (today - timedelta(days=DAYS - 1)).isoformat()
    stats = parse_params({}, endpoint="stats")
    pageviews = parse_params(
        {"start_date": start, "end_date": today.isoformat()}, endpoint="pageviews"
    )
    metrics = parse_params({"type": "page"}, endpoint="metrics")
    runs: dict[str, Callable[[duckdb.DuckDBPyConnection], Any]] = {
        "stats": lambda c: stats_query(c, site, "UTC", stats, "raw"),
        "pageviews": lambda c: pageviews_query(c, site, pageviews, "raw"),
        "metrics": lambda c: metrics_query(c, site, metrics, "raw"),
        "realtime": lambda c: realtime_query(c, site, False),
    }
    out: dict[str, list[float]] = {}
    with duckdb.connect(
        str(data_dir / "analytics.duckdb"), read_only=True, config={"threads": 1}
    ) as connection:
        for name, run_query in runs.items():
            for _ in range(3):
                run_query(connection)
            latencies = []
            for _ in range(count):
                started = time.perf_counter()
                run_query(connection)
                latencies.append((time.perf_counter() - started) * 1000)
            out[name] = latencies
    return out


def measure(events: int, config: Config) -> Table:
    label = f"{events / 1e6:g}M" if events >= 1_000_000 else f"{events / 1e3:g}k"
    count = 20 if config.quick else (200 if events <= 1_000_000 else 100)
    table = Table(
        f"Queries on {label} events ({DAYS} days, one website)",
        baseline="the same query as raw DuckDB SQL over events, in-process, same file",
    )
    with seeded(events) as (data_dir, site, seed_seconds):
        server = _serve(data_dir)
        try:
            time.sleep(0.5)
            http = {
                name: asyncio.run(_http_latencies(server, path, count))
                for name, path in _paths(site).items()
            }
            rss = server.rss()
        finally:
            server.stop()
        quiet_server = _serve(data_dir, [ACCESS_LOG_OFF], name="analytics-query-quiet")
        try:
            time.sleep(0.5)
            quiet = asyncio.run(_http_latencies(quiet_server, _paths(site)["stats"], count))
        finally:
            quiet_server.stop()
        raw = _raw_latencies(data_dir, site, min(count, RAW_RUNS))
        size = (data_dir / "analytics.duckdb").stat().st_size
    table.add(Row(f"seed {label} events (CLI, wall time)", seed_seconds, "s"))
    for name in ("stats", "pageviews", "metrics", "realtime"):
        target = TARGETS.get((name, events))
        p50 = percentile(http[name], 50)
        p99 = percentile(http[name], 99)
        raw_p50 = percentile(raw[name], 50)
        raw_p99 = percentile(raw[name], 99)
        table.add(Row(f"{name}: p50 over HTTP", p50, "ms", baseline=raw_p50, digits=1))
        table.add(
            Row(
                f"{name}: p99 over HTTP",
                p99,
                "ms",
                baseline=raw_p99,
                target=f"≤ {target:g} ms" if target else "",
                passed=at_most(p99, target) if target else None,
                digits=1,
            )
        )
    table.add(
        Row(
            "stats: p99 over HTTP, access log off",
            percentile(quiet, 99),
            "ms",
            baseline=percentile(raw["stats"], 99),
            digits=1,
        )
    )
    table.notes.append(
        f"{count} sequential requests per query; analytics.duckdb {size / 1e6:,.0f} MB; "
        f"server RSS after the run {rss / 1e6 if rss else 0:,.0f} MB"
    )
    table.notes.append(settings_note(CHANGES))
    return table


def run(config: Config) -> list[Table]:
    return [measure(events, config) for events in (QUICK_SIZES if config.quick else SIZES)]
