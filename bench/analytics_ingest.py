"""Bench suite of analytics ingestion: ``POST /api/collect`` with the durable journal.

* Collect at the defaults vs the baseline, a bare Sanic app in its own process
  (bench/bare_sanic.py), and vs a server with the access log off and one whose journal does not
  fsync (``SPARKHOUSE_ANALYTICS_JOURNAL_SYNC=off``): wrk, alternating rounds.
* Latency at a fixed 1000 req/s (open loop).
* Flush throughput journal → DuckDB, measured in this process with the real journal and
  DuckDB (no HTTP).
* Server RSS idle and after 1M events ingested over HTTP (batches of 50).
* The kill test: SIGKILL while clients post, restart, count every 202'd event in DuckDB.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import orjson

from bench.common import (
    ACCESS_LOG_OFF,
    BARE_PATH,
    PYTHON,
    ROOT,
    Change,
    Config,
    HttpClient,
    Row,
    Server,
    Table,
    WrkResult,
    access_lines,
    at_least,
    at_most,
    bare_sanic,
    cpu_seconds,
    env_of,
    free_port,
    launch,
    open_loop,
    run_wrk,
    settings_note,
)

TITLE = "Analytics ingestion"
COLLECT_PATH = "/api/collect"
WRK_THREADS = 2
WRK_CONNECTIONS = 50
ROUNDS = 3
FIXED_RATE = 1000.0
SYNTHETIC_RATE = 2000.0  # events/s of the synthetic stream: ids and times advance like traffic
BATCH = 50
MILLION = 1_000_000
UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)

# Every server of the suite runs at the defaults but this (the tables say so): the load comes
# from one address, so the per-address collect limit would refuse it.
CHANGES = [
    Change(
        "SPARKLYTICS_RATE_LIMIT_DISABLE",
        "true",
        "the per-address collect limit would refuse the load, which comes from one address",
    )
]
NO_FSYNC = Change("SPARKHOUSE_ANALYTICS_JOURNAL_SYNC", "off", "only for the without-fsync lines")
FAST_FLUSH = Change(
    "SPARKLYTICS_BUFFER_FLUSH_MS", "50", "the kill test: journal → DuckDB flushes often"
)

# Targets of issue 5 (and 16: the RSS ceiling).
BARE_SHARE = 0.50
FIXED_RATE_P99_MS = 10.0
FLUSH_EVENTS_PER_SECOND = 50_000
RSS_AFTER_MILLION_MIB = 200.0
RSS_SETTLE_SECONDS = 4.0  # past the warehouse's release of idle DuckDB memory (2 s)

HOW_MEASURED = f"""\
**Collect.** Three appliance processes with the settings a user gets by default (access log
on, log level INFO, the durable journal: `synchronous=FULL`, one fsync per group commit) but
the per-address collect limit off (the table says why): A as that, B with the access log off
(`SPARKHOUSE_ACCESS_LOG=false`), C with `SPARKHOUSE_ANALYTICS_JOURNAL_SYNC=off` (no fsync). The
baseline is `bench/bare_sanic.py`, a minimal Sanic app in its own process (one route that
returns 202 `{{}}`, no middleware, no access log). wrk ({WRK_THREADS} threads,
{WRK_CONNECTIONS} keep-alive connections) posts one realistic pageview (full URL with a UTM
parameter, referrer, screen, language) to `POST {COLLECT_PATH}` on A, B and C and to the bare
route, in {ROUNDS} alternating rounds each after a warm-up; req/s over the rounds' total time,
p50/p99 of the median round. The flusher runs as configured by default (every 5 s or 10 000
events), so its DuckDB work is part of the measured load. "Server CPU per request" is the
server's CPU time (all its threads) divided by its requests. Then an open-loop client offers
{FIXED_RATE:g} req/s to collect on A, and to the bare app, at fixed intended send times
(latency from the intended time, no coordinated omission). wrk and the clients share the two
cores with the servers.

**Flush.** In the bench process, the real journal and DuckDB
(`appliance.analytics.ingest.pipeline`) with the analytics settings' defaults (DuckDB memory
limit and threads): N synthetic events (5 000 visitors, {SYNTHETIC_RATE:,.0f} events/s of event
time) are
journaled in groups of 500, then one `flush()` moves them all into DuckDB (id
de-duplication, session assignment, one transaction per {10_000:,}-event batch, journal delete);
events/s = N ÷ its wall time.

**Memory.** RSS of a fresh server with one website after start-up (idle), then after 1M events
(20 000 requests of {BATCH}-event batches, 16 connections) have been accepted and flushed into
DuckDB, 1 s after the journal is empty and again {RSS_SETTLE_SECONDS:g} s later (DuckDB keeps
the memory of finished work, up to its limit, until analytics.duckdb has been idle for 2 s);
DuckDB runs with the default memory limit and threads (`SPARKLYTICS_DUCKDB_MEMORY`,
`SPARKHOUSE_ANALYTICS_DUCKDB_THREADS`).

**Kill.** Six clients post for 3 s; the server gets SIGKILL; it is restarted on the same
data folder (which replays the journal) and stopped; every event that got a 202 must be in
DuckDB exactly once.
"""


# -- servers --------------------------------------------------------------------------------


@dataclass
class Appliance:
    server: Server
    site: str
    data_dir: Path


def _add_website(data_dir: Path, domain: str) -> str:
    done = subprocess.run(
        [
            PYTHON,
            "-m",
            "appliance",
            "analytics",
            "website",
            "add",
            domain,
            "--data-dir",
            str(data_dir),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def _launch(name: str, data_dir: Path, changes: Iterable[Change] = ()) -> Server:
    port = free_port()
    command = [PYTHON, "-m", "appliance", "serve", "--port", str(port), "--data-dir", str(data_dir)]
    env = env_of([*CHANGES, *changes])
    return launch(name, command, port, f"http://127.0.0.1:{port}/healthz", env=env)


@contextlib.contextmanager
def appliance(name: str, changes: Iterable[Change] = ()) -> Iterator[Appliance]:
    root = Path(tempfile.mkdtemp(prefix="sparkhouse-bench-analytics-"))
    data_dir = root / "data"
    site = _add_website(data_dir, "bench.example.com")
    server = _launch(name, data_dir, changes)
    try:
        time.sleep(0.5)  # signal handlers in place before anything may stop it
        yield Appliance(server, site, data_dir)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def _event(site: str, n: int = 0) -> dict[str, Any]:
    return {
        "website_id": site,
        "type": "pageview",
        "url": f"https://bench.example.com/page/{n % 50}?utm_source=bench",
        "referrer": "https://www.google.com/",
        "screen": "1920x1080",
        "language": "en-US",
    }


def _journal_events(data_dir: Path) -> int:
    import sqlite3

    with contextlib.closing(sqlite3.connect(data_dir / "ingest-journal.db", timeout=10)) as db:
        (count,) = db.execute("SELECT coalesce(sum(events), 0) FROM journal").fetchone()
    return int(count)


# -- collect vs bare vs no-fsync ------------------------------------------------------------


def _wrk(url: str, body: bytes, seconds: float) -> WrkResult:
    return run_wrk(
        url,
        method="POST",
        body=body,
        content_type="application/json",
        threads=WRK_THREADS,
        connections=WRK_CONNECTIONS,
        seconds=seconds,
    )


def collect(config: Config) -> Table:
    seconds = config.seconds(12.0, 3.0)
    table = Table(
        "Collect — POST /api/collect",
        baseline="bare Sanic app (bench/bare_sanic.py), its own process, same run",
    )
    with (
        appliance("analytics-durable") as durable,
        appliance("analytics-quiet", [ACCESS_LOG_OFF]) as quiet,
        appliance("analytics-nofsync", [NO_FSYNC]) as nofsync,
        bare_sanic() as bare_server,
    ):
        routes = {
            "bare": (bare_server, bare_server.url + BARE_PATH, orjson.dumps(_event(durable.site)))
        }
        for name, app in (("collect", durable), ("quiet", quiet), ("nofsync", nofsync)):
            url = app.server.url + COLLECT_PATH
            routes[name] = (app.server, url, orjson.dumps(_event(app.site)))
        for _, url, payload in routes.values():
            _wrk(url, payload, config.seconds(2.0, 1.0))
        rounds: dict[str, list[WrkResult]] = {name: [] for name in routes}
        cpu = dict.fromkeys(routes, 0.0)
        for _ in range(ROUNDS):
            for name, (server, url, payload) in routes.items():
                before = cpu_seconds(server.pid) or 0.0
                rounds[name].append(_wrk(url, payload, seconds / ROUNDS))
                cpu[name] += (cpu_seconds(server.pid) or 0.0) - before
        results = {name: WrkResult.combine(found) for name, found in rounds.items()}
        fixed = {
            name: asyncio.run(
                open_loop(
                    "127.0.0.1",
                    routes[name][0].port,
                    path,
                    rate=FIXED_RATE,
                    seconds=config.seconds(10.0, 3.0),
                    body=routes[name][2],
                )
            )
            for name, path in (("collect", COLLECT_PATH), ("bare", BARE_PATH))
        }
    lines = access_lines(durable.server)  # stopped: every line is written
    bare, durable_result = results["bare"], results["collect"]
    quiet_result, nofsync_result = results["quiet"], results["nofsync"]
    fixed_collect, fixed_bare = fixed["collect"], fixed["bare"]
    load = f"wrk {WRK_THREADS}×{WRK_CONNECTIONS}"
    share = durable_result.rps / bare.rps if bare.rps else None
    table.add(
        Row(
            f"req/s, durable journal ({load})",
            durable_result.rps,
            "req/s",
            bare.rps,
            f"≥ {BARE_SHARE:.0%} of bare",
            at_least(share, BARE_SHARE),
            digits=0,
        )
    )
    table.add(Row(f"req/s, access log off ({load})", quiet_result.rps, "req/s", bare.rps, digits=0))
    table.add(
        Row(
            f"req/s, journal without fsync ({load})",
            nofsync_result.rps,
            "req/s",
            bare.rps,
            digits=0,
        )
    )

    def per_request(name: str) -> float | None:
        requests = results[name].requests
        return cpu[name] / requests * 1e6 if requests else None

    table.add(
        Row(
            "server CPU per request, durable",
            per_request("collect"),
            "µs",
            per_request("bare"),
            digits=0,
        )
    )
    table.add(
        Row(
            "server CPU per request, access log off",
            per_request("quiet"),
            "µs",
            per_request("bare"),
            digits=0,
        )
    )
    table.add(
        Row(
            "server CPU per request, without fsync",
            per_request("nofsync"),
            "µs",
            per_request("bare"),
            digits=0,
        )
    )
    table.add(
        Row(f"p50 latency, durable ({load})", durable_result.p50_ms, "ms", bare.p50_ms, digits=2)
    )
    table.add(
        Row(f"p99 latency, durable ({load})", durable_result.p99_ms, "ms", bare.p99_ms, digits=2)
    )
    table.add(
        Row(
            f"p99 latency, without fsync ({load})",
            nofsync_result.p99_ms,
            "ms",
            bare.p99_ms,
            digits=2,
        )
    )
    table.add(
        Row(
            f"p50 latency at {FIXED_RATE:,.0f} req/s (open loop)",
            fixed_collect.p(50),
            "ms",
            fixed_bare.p(50),
            digits=2,
        )
    )
    table.add(
        Row(
            f"p99 latency at {FIXED_RATE:,.0f} req/s (open loop)",
            fixed_collect.p(99),
            "ms",
            fixed_bare.p(99),
            f"≤ {FIXED_RATE_P99_MS:g} ms",
            at_most(fixed_collect.p(99), FIXED_RATE_P99_MS)
            and fixed_collect.errors == 0
            and fixed_collect.achieved_rps >= 0.95 * FIXED_RATE,
            digits=2,
        )
    )
    errors = sum(result.errors for result in results.values()) + fixed_collect.errors
    table.notes.append(settings_note(CHANGES))
    table.notes.append(
        f"wrk: {durable_result.requests:,} durable, {quiet_result.requests:,} access-log-off, "
        f"{nofsync_result.requests:,} no-fsync and {bare.requests:,} bare requests. Open loop: "
        f"{fixed_collect.completed:,} of {fixed_collect.sent:,} answered, worst client send lag "
        f"{fixed_collect.max_send_lag_ms:.1f} ms. Errors (socket or non-2xx): {errors}. "
        f"Access-log lines written by the durable server: {lines:,}."
    )
    return table


# -- flush throughput (in process) ----------------------------------------------------------


def _record(site: str, n: int, start: float) -> bytes:
    from appliance.analytics.ingest.pipeline import journal_line
    from appliance.analytics.ingest.service import uuid7

    at = start + n / SYNTHETIC_RATE
    seconds, micro = divmod(int(at * 1_000_000), 1_000_000)
    created = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds)) + f".{micro:06d}"
    return journal_line(
        {
            "id": uuid7(at),
            "website_id": site,
            "tenant_id": None,
            "visitor_id": f"{n % 5000:016x}",
            "event_type": "pageview",
            "url": f"https://bench.example.com/page/{n % 50}",
            "referrer": "https://www.google.com/",
            "referrer_domain": "www.google.com",
            "event_name": None,
            "event_data": None,
            "country": "GB",
            "region": "England",
            "city": "London",
            "browser": "Chrome",
            "browser_version": "120.0.0.0",
            "os": "Windows 10",
            "os_version": "NT 10.0",
            "device_type": "desktop",
            "screen": "1920x1080",
            "language": "en-US",
            "utm_source": "bench",
            "utm_medium": None,
            "utm_campaign": None,
            "utm_term": None,
            "utm_content": None,
            "is_bot": False,
            "bot_score": 0,
            "bot_reason": None,
            "created_at": created,
        }
    )


async def _flush_rate(events: int, root: Path) -> tuple[float, float]:
    from appliance.analytics.ingest.journal import Journal
    from appliance.analytics.ingest.pipeline import Pipeline
    from appliance.analytics.settings import AnalyticsSettings
    from appliance.analytics.warehouse.database import Warehouse

    defaults = AnalyticsSettings.model_construct()  # the defaults a user gets, no environment
    pipeline = Pipeline(
        Journal.in_dir(root),
        Warehouse.in_dir(root, defaults.duckdb_memory, threads=defaults.duckdb_threads or None),
        buffer_size=10_000,
        flush_ms=3_600_000,
        capacity=events + 1,
        work_dir=root / "tmp",
    )
    await pipeline.start()
    if pipeline._task is not None:  # the bench drives the flush itself
        pipeline._task.cancel()
    start = time.time() - events / SYNTHETIC_RATE
    started = time.perf_counter()
    group = 500
    for first in range(0, events, group):
        batch = [_record("site_bench0000", n, start) for n in range(first, first + group)]
        await pipeline.append(batch)
    journal_rate = events / (time.perf_counter() - started)
    started = time.perf_counter()
    inserted = await pipeline.flush()
    seconds = time.perf_counter() - started
    await pipeline.stop()
    assert inserted == events, (inserted, events)
    return events / seconds, journal_rate


def flush(config: Config) -> Table:
    events = 50_000 if config.quick else 300_000
    table = Table("Flush — journal → DuckDB", baseline="—")
    root = Path(tempfile.mkdtemp(prefix="sparkhouse-bench-flush-"))
    try:
        rate, journal_rate = asyncio.run(_flush_rate(events, root))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    table.add(
        Row(
            f"flush throughput ({events:,} events)",
            rate,
            "events/s",
            None,
            f"≥ {FLUSH_EVENTS_PER_SECOND:,}",
            at_least(rate, FLUSH_EVENTS_PER_SECOND),
            digits=0,
        )
    )
    table.add(
        Row("journal group commits (500 events each, fsync)", journal_rate, "events/s", digits=0)
    )
    return table


# -- memory and the kill test ---------------------------------------------------------------


async def _ingest(port: int, site: str, events: int) -> tuple[int, int, float]:
    client = HttpClient("127.0.0.1", port, size=16)
    bodies = [
        orjson.dumps([_event(site, n) for n in range(i, i + BATCH)]) for i in range(0, 500, BATCH)
    ]
    requests = events // BATCH
    accepted = 0
    retries = 0
    started = time.perf_counter()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(requests):
        queue.put_nowait(index)

    async def worker() -> None:
        nonlocal accepted, retries
        while not queue.empty():
            index = queue.get_nowait()
            while True:
                status, _ = await client.request("POST", COLLECT_PATH, bodies[index % len(bodies)])
                if status == 202:
                    accepted += BATCH
                    break
                retries += 1
                await asyncio.sleep(0.2 if status == 503 else 0.01)

    await asyncio.gather(*(worker() for _ in range(16)))
    await client.close()
    return accepted, retries, time.perf_counter() - started


def memory(config: Config) -> Table:
    events = 100_000 if config.quick else MILLION
    table = Table("Memory — server RSS", baseline="—")
    with appliance("analytics-memory") as app:
        time.sleep(config.seconds(5.0, 2.0))
        idle = app.server.rss()
        accepted, retries, seconds = asyncio.run(_ingest(app.server.port, app.site, events))
        deadline = time.monotonic() + 120
        while _journal_events(app.data_dir) and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(1.0)
        busy = app.server.rss()
        time.sleep(RSS_SETTLE_SECONDS)  # DuckDB gives its memory back once idle
        loaded = app.server.rss()
    table.add(Row("idle RSS (one website)", idle / 2**20 if idle else None, "MiB", digits=0))
    table.add(
        Row(
            f"RSS 1 s after {events:,} events ingested and flushed",
            busy / 2**20 if busy else None,
            "MiB",
            digits=0,
        )
    )
    loaded_mib = loaded / 2**20 if loaded else None
    table.add(
        Row(
            f"RSS after {events:,} events ingested and flushed, {RSS_SETTLE_SECONDS:g} s later",
            loaded_mib,
            "MiB",
            target=f"≤ {RSS_AFTER_MILLION_MIB:g} MiB" if events == MILLION else "",
            passed=at_most(loaded_mib, RSS_AFTER_MILLION_MIB) if events == MILLION else None,
            digits=0,
        )
    )
    table.add(
        Row(
            f"HTTP ingest of {events:,} events ({BATCH}-event batches, 16 connections)",
            accepted / seconds if seconds else None,
            "events/s",
            digits=0,
        )
    )
    table.notes.append(f"{accepted:,} events accepted; {retries} requests retried (503/429).")
    table.notes.append(settings_note(CHANGES))
    return table


async def _post_until_killed(
    port: int, site: str, acked: list[str], stop: asyncio.Event, worker: int
) -> None:
    client = HttpClient("127.0.0.1", port, size=1)
    sequence = 0
    while not stop.is_set():
        urls = [f"/kill/{worker}/{sequence}/{i}" for i in range(1 + sequence % 4)]
        sequence += 1
        body = orjson.dumps([{"website_id": site, "type": "pageview", "url": u} for u in urls])
        try:
            status, _ = await client.request("POST", COLLECT_PATH, body)
        except (OSError, asyncio.IncompleteReadError):
            return
        if status == 202:
            acked.extend(urls)


async def _kill_run(app: Appliance, seconds: float) -> list[str]:
    acked: list[str] = []
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(_post_until_killed(app.server.port, app.site, acked, stop, n))
        for n in range(6)
    ]
    await asyncio.sleep(seconds)
    app.server.process.send_signal(signal.SIGKILL)
    app.server.process.wait()
    stop.set()
    await asyncio.wait(tasks, timeout=10)
    return acked


def kill(config: Config) -> Table:
    table = Table("Kill test — SIGKILL under load, restart", baseline="—")
    with appliance("analytics-kill", [FAST_FLUSH]) as app:
        acked = asyncio.run(_kill_run(app, 3.0))
        restarted = _launch("analytics-kill-restart", app.data_dir)
        time.sleep(0.5)
        restarted.stop()
        with duckdb.connect(str(app.data_dir / "analytics.duckdb"), read_only=True) as db:
            rows = db.execute("SELECT url, count(*) FROM events GROUP BY url").fetchall()
    stored = dict(rows)
    lost = sum(1 for url in acked if url not in stored)
    duplicated = sum(1 for count in stored.values() if count > 1)
    table.add(
        Row(
            f"acknowledged events lost (of {len(acked):,})",
            lost,
            "",
            None,
            "0",
            lost == 0,
            digits=0,
        )
    )
    table.add(
        Row("events stored more than once", duplicated, "", None, "0", duplicated == 0, digits=0)
    )
    table.notes.append(settings_note([*CHANGES, FAST_FLUSH]))
    return table


def run(config: Config) -> list[Table]:
    return [collect(config), flush(config), memory(config), kill(config)]
