"""Helpers every bench suite shares.

- :func:`start_server` runs ``python -m appliance serve`` (or any command: :func:`launch`) as a
  subprocess on a free port with a temporary data dir, waits for ``/healthz`` and stops it
  afterwards; the process side is tests/support/harness.py's, shared with the tests. It runs
  with the settings a user gets by default (the access log on, log level INFO): a suite that
  must change one declares it as a :class:`Change` with its reason, and its table says so
  (:func:`settings_note`). :func:`defaults_only` keeps the caller's environment out.
- :func:`bare_sanic` runs bench/bare_sanic.py, the baseline of the HTTP ingest benches: a
  minimal Sanic app in its own process.
- :func:`run_wrk` runs wrk with ``bench/wrk_report.lua`` and returns req/s, p50 and p99.
- :func:`open_loop` offers a fixed request rate (open loop, latency counted from each request's
  intended send time, so a stall is not hidden by coordinated omission).
- :func:`percentile`, :func:`rss_bytes`, :func:`machine`, :func:`raise_fd_limit`.
- :class:`Row` / :class:`Table`: what a suite returns; ``bench/__main__.py`` prints and writes
  them.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import orjson

from tests.support.harness import ROOT, ServerProcess, serve_command, spawn, wait_until_healthy
from tests.support.harness import free_port as free_port
from tests.support.harness import http_status as http_status

BENCH_DIR = ROOT / "bench"
OUT_DIR = BENCH_DIR / "out"  # git-ignored: server logs and raw measurements
WRK_SCRIPT = BENCH_DIR / "wrk_report.lua"
PYTHON = sys.executable

BARE_PATH = "/bare"  # bench/bare_sanic.py's one route


# -- the settings a server runs with --------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A setting a suite changes from its default for a server, and why (its table says)."""

    variable: str
    value: str
    why: str


ACCESS_LOG_OFF = Change(
    "SPARKHOUSE_ACCESS_LOG", "false", "only for the access-log-off line, to show its cost"
)


def env_of(changes: Iterable[Change]) -> dict[str, str]:
    return {change.variable: change.value for change in changes}


def settings_note(changes: Iterable[Change]) -> str:
    """One line for a table: every server setting at its default, but these (and why)."""
    listed = "; ".join(f"`{c.variable}={c.value}` ({c.why})" for c in changes)
    note = "Server settings: the defaults (access log on, log level INFO)"
    return f"{note}, except {listed}." if listed else f"{note}."


def setting_variables() -> set[str]:
    """Every environment variable a setting of the appliance is read from."""
    from pydantic import AliasChoices

    from appliance.settings import Settings

    names: set[str] = set()
    for section in Settings.model_fields.values():
        model = section.annotation
        prefix = model.model_config.get("env_prefix", "")  # type: ignore[union-attr]
        for name, info in model.model_fields.items():  # type: ignore[union-attr]
            alias = info.validation_alias
            if isinstance(alias, AliasChoices):
                names.update(str(choice).upper() for choice in alias.choices)
            names.add(f"{prefix}{name}".upper())
    return names


def defaults_only() -> list[str]:
    """Remove the appliance's settings from this process's environment, which every server
    started from here inherits: the bench measures the defaults (a suite's own changes are
    passed explicitly). The names removed, for a warning."""
    removed = sorted(name for name in setting_variables() if name in os.environ)
    for name in removed:
        del os.environ[name]
    return removed


# -- suites -------------------------------------------------------------------------------


@dataclass
class Config:
    """Options every suite receives from ``python -m bench``."""

    quick: bool = False  # short runs to check the harness; the numbers mean little
    workers: int = 2  # client processes for connection-heavy loads

    def seconds(self, full: float, quick: float = 2.0) -> float:
        return quick if self.quick else full


# -- results ------------------------------------------------------------------------------


@dataclass
class Row:
    """One measured metric beside its baseline.

    ``ratio`` is value / baseline. ``passed`` is None for rows without a target.
    """

    metric: str
    value: float | None
    unit: str = ""
    baseline: float | None = None
    target: str = ""
    passed: bool | None = None
    digits: int = 1

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    def fmt(self, number: float | None) -> str:
        if number is None or (isinstance(number, float) and math.isnan(number)):
            return "—"
        text = f"{number:,.{self.digits}f}"
        return f"{text} {self.unit}".strip()

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return ""
        return "PASS" if self.passed else "FAIL"

    def cells(self) -> list[str]:
        ratio = self.ratio
        return [
            self.metric,
            self.fmt(self.value),
            self.fmt(self.baseline) if self.baseline is not None else "—",
            f"{ratio:.2f}×" if ratio is not None else "—",
            self.target or "—",
            self.verdict or "—",
        ]


COLUMNS = ["metric", "value", "baseline", "ratio", "target", "verdict"]


@dataclass
class Table:
    """A suite's table: ``baseline`` names what the baseline column holds."""

    title: str
    baseline: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row

    @property
    def failed(self) -> int:
        return sum(1 for row in self.rows if row.passed is False)


def at_most(value: float | None, limit: float) -> bool:
    return value is not None and value <= limit


def at_least(value: float | None, limit: float) -> bool:
    return value is not None and value >= limit


# -- statistics ---------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile (0..100) by linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    rank = (len(ordered) - 1) * pct / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


# -- the machine --------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """Cores, memory, CPU model, OS and Python of this machine, and the date."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) * 1024
                break
    os_name = platform.platform(terse=True)
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    return {
        "cores": os.cpu_count() or 1,
        "memory_gib": memory / 2**30,
        "cpu": cpu,
        "os": os_name,
        "python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def rss_bytes(pid: int) -> int | None:
    """Resident set size of ``pid`` from /proc (None when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time ``pid`` has used so far (from /proc/<pid>/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])  # utime, stime
    except (OSError, ValueError, IndexError):
        return None
    return ticks / os.sysconf("SC_CLK_TCK")


def system_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent in user, nice and system mode (all cores)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
        return sum(int(value) for value in fields[1:4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return math.nan


def own_cpu_seconds() -> float:
    """CPU seconds of this process and of every child it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class OtherLoad:
    """How busy *other* processes kept the machine while a suite ran (a noise estimate).

    The machine's user+system CPU time minus ours (this process and its waited-for children),
    as a share of every core's wall time. Interrupt time is left out on both sides.
    """

    def __init__(self) -> None:
        self.wall = time.monotonic()
        self.system = system_cpu_seconds()
        self.own = own_cpu_seconds()

    def share(self) -> float:
        wall = (time.monotonic() - self.wall) * (os.cpu_count() or 1)
        others = (system_cpu_seconds() - self.system) - (own_cpu_seconds() - self.own)
        return max(others, 0.0) / wall if wall > 0 else math.nan


def raise_fd_limit() -> int:
    """Raise this process's soft RLIMIT_NOFILE to its hard limit (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
    return soft


def use_uvloop() -> None:
    """Run asyncio on uvloop when it is installed (it comes with Sanic), as the server does."""
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


# -- servers ------------------------------------------------------------------------------


@dataclass
class Server(ServerProcess):
    """A server subprocess; ``port`` answers HTTP, ``ports`` holds any extra named ports.

    The process side (``url``, ``log()``, ``stop()``) is tests/support/harness.py's.
    """

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    ports: dict[str, int] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss(self) -> int | None:
        return rss_bytes(self.pid)


def launch(
    name: str,
    command: Sequence[str],
    port: int,
    health_url: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 30,
    ports: Mapping[str, int] | None = None,
) -> Server:
    """Start ``command`` and wait until ``health_url`` answers 200."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    log_path = OUT_DIR / f"{name}.log"
    server = Server(name, spawn(command, log_path, env), port, log_path, dict(ports or {}))
    wait_until_healthy(server, health_url, timeout, name)
    return server


@contextlib.contextmanager
def start_server(changes: Iterable[Change] = (), name: str = "sparkhouse") -> Iterator[Server]:
    """``python -m appliance serve`` on a free port with a temporary data dir, every setting
    at its default but ``changes``."""
    data_dir = Path(tempfile.mkdtemp(prefix="sparkhouse-bench-"))
    port = free_port()
    server = launch(
        name,
        serve_command(port, data_dir / "data"),
        port,
        f"http://127.0.0.1:{port}/healthz",
        env=env_of(changes),
    )
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@contextlib.contextmanager
def bare_sanic(name: str = "bare-sanic") -> Iterator[Server]:
    """bench/bare_sanic.py on a free port: ``POST {BARE_PATH}`` is the baseline endpoint."""
    port = free_port()
    command = [PYTHON, str(BENCH_DIR / "bare_sanic.py"), "--port", str(port)]
    server = launch(name, command, port, f"http://127.0.0.1:{port}{BARE_PATH}")
    try:
        yield server
    finally:
        server.stop()


def access_lines(server: Server) -> int:
    """Access-log lines in a server's log so far (all of them once it has stopped)."""
    return server.log().count(" sparkhouse.access: ")


# -- wrk ----------------------------------------------------------------------------------


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # socket errors + non-2xx/3xx responses

    @classmethod
    def parse(cls, output: str) -> WrkResult:
        for line in output.splitlines():
            if line.startswith("WRK_REPORT "):
                data = orjson.loads(line.removeprefix("WRK_REPORT "))
                seconds = data["duration_us"] / 1e6
                errors = sum(
                    int(data[key]) for key in ("connect", "read", "write", "status", "timeout")
                )
                return cls(
                    requests=int(data["requests"]),
                    seconds=seconds,
                    rps=data["requests"] / seconds if seconds else 0.0,
                    p50_ms=data["p50_us"] / 1000,
                    p99_ms=data["p99_us"] / 1000,
                    errors=errors,
                )
        raise RuntimeError(f"no WRK_REPORT line in wrk output:\n{output}")

    @classmethod
    def combine(cls, rounds: Sequence[WrkResult]) -> WrkResult:
        """Several rounds as one: req/s over their total time, the median round's p50/p99."""
        requests = sum(r.requests for r in rounds)
        seconds = sum(r.seconds for r in rounds)
        return cls(
            requests=requests,
            seconds=seconds,
            rps=requests / seconds if seconds else 0.0,
            p50_ms=percentile([r.p50_ms for r in rounds], 50),
            p99_ms=percentile([r.p99_ms for r in rounds], 50),
            errors=sum(r.errors for r in rounds),
        )


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(
    url: str,
    *,
    method: str = "GET",
    body: bytes | str = b"",
    content_type: str = "",
    threads: int = 2,
    connections: int = 50,
    seconds: float = 10,
) -> WrkResult:
    """Closed-loop load with wrk (``threads`` × ``connections`` keep-alive, ``seconds``)."""
    if not wrk_available():
        raise RuntimeError("wrk is not installed: `apt-get install wrk` (make bench does it)")
    env = {
        **os.environ,
        "WRK_METHOD": method,
        "WRK_BODY": body.decode() if isinstance(body, bytes) else body,
        "WRK_CONTENT_TYPE": content_type,
    }
    duration = f"-d{max(1, round(seconds))}s"  # wrk takes whole seconds only
    command = ["wrk", f"-t{threads}", f"-c{connections}", duration, "-s", str(WRK_SCRIPT)]
    done = subprocess.run(
        [*command, url], env=env, capture_output=True, text=True, timeout=seconds + 60
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return WrkResult.parse(done.stdout)


# -- open-loop fixed-rate load --------------------------------------------------------------


@dataclass
class OpenLoopResult:
    rate: float  # offered requests/s
    sent: int
    completed: int
    errors: int  # non-2xx answers and requests never answered
    seconds: float
    latencies_ms: list[float]
    max_send_lag_ms: float  # how late the client itself sent (it must stay small)

    @classmethod
    def combine(cls, rounds: Sequence[OpenLoopResult]) -> OpenLoopResult:
        """Rounds at the same rate as one: every latency pooled."""
        return cls(
            rate=rounds[0].rate,
            sent=sum(r.sent for r in rounds),
            completed=sum(r.completed for r in rounds),
            errors=sum(r.errors for r in rounds),
            seconds=sum(r.seconds for r in rounds),
            latencies_ms=[latency for r in rounds for latency in r.latencies_ms],
            max_send_lag_ms=max(r.max_send_lag_ms for r in rounds),
        )

    @property
    def achieved_rps(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    def p(self, pct: float) -> float:
        return percentile(self.latencies_ms, pct)


PACING_TICK = 0.001


class _KeepAlive(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection that sends a fixed request, one at a time."""

    def __init__(self, request: bytes, on_answer: Callable[[_KeepAlive, int], None]) -> None:
        self.request = request
        self.on_answer = on_answer
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.intended = 0.0
        self.record = False
        self.lost = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def send(self, intended: float, record: bool) -> None:
        self.intended = intended
        self.record = record
        assert self.transport is not None
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buffer[:end]).lower()
            start = head.find(b"\r\ncontent-length:")
            length = 0
            if start >= 0:
                stop = head.find(b"\r\n", start + 17)
                length = int(head[start + 17 : stop if stop >= 0 else None])
            if len(buffer) < end + 4 + length:
                return
            status = int(buffer[9:12])
            del buffer[: end + 4 + length]
            self.on_answer(self, status)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.lost.done():
            self.lost.set_result(None)


async def open_loop(
    host: str,
    port: int,
    path: str,
    *,
    rate: float,
    seconds: float,
    method: str = "POST",
    body: bytes = b"",
    content_type: str = "application/json",
    connections: int = 64,
    warmup_seconds: float = 1.0,
) -> OpenLoopResult:
    """Offer ``rate`` requests/s for ``seconds`` (after an unrecorded warm-up) and time them.

    Requests are scheduled at fixed intended times t0 + i/rate, whatever the answers do
    (open loop, like wrk2). Each goes out on an idle keep-alive connection of a pool, or waits
    for one; its latency runs from the *intended* time to the full answer, so queueing inside
    the server and the client both count. Sends are batched per millisecond tick, so a
    request may leave up to ~1 ms after its intended time (counted in its latency). The
    client's own lateness is reported as ``max_send_lag_ms``.
    """
    loop = asyncio.get_running_loop()
    headers = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host}:{port}",
        f"Content-Length: {len(body)}",
    ]
    if body:
        headers.append(f"Content-Type: {content_type}")
    request = ("\r\n".join(headers) + "\r\n\r\n").encode() + body

    latencies: list[float] = []
    idle: deque[_KeepAlive] = deque()
    waiting: deque[tuple[float, bool]] = deque()
    counts = {"completed": 0, "errors": 0, "outstanding": 0}
    all_answered = loop.create_future()
    max_lag = 0.0
    clock = time.perf_counter

    def answered(conn: _KeepAlive, status: int) -> None:
        now = clock()
        if conn.record:
            counts["completed"] += 1
            latencies.append((now - conn.intended) * 1000)
            if not 200 <= status < 300:
                counts["errors"] += 1
        counts["outstanding"] -= 1
        if waiting:
            intended, record = waiting.popleft()
            conn.send(intended, record)
        else:
            idle.append(conn)
        if counts["outstanding"] == 0 and not all_answered.done() and sending_done:
            all_answered.set_result(None)

    pool: list[_KeepAlive] = []
    for _ in range(connections):
        _, conn = await loop.create_connection(lambda: _KeepAlive(request, answered), host, port)
        pool.append(conn)
        idle.append(conn)

    sending_done = False
    warmup = int(rate * warmup_seconds)
    total = warmup + int(rate * seconds)
    start = clock() + 0.01
    sent = 0
    while sent < total:
        now = clock()
        due = start + sent / rate
        if due > now:
            # The loop's timers have millisecond resolution: shorter sleeps would spin, so
            # wake at most once a millisecond and send everything due by then.
            await asyncio.sleep(max(due - now, PACING_TICK))
            continue
        while sent < total and start + sent / rate <= now:
            intended = start + sent / rate
            record = sent >= warmup
            if record:
                max_lag = max(max_lag, now - intended)
            counts["outstanding"] += 1
            if idle:
                idle.popleft().send(intended, record)
            else:
                waiting.append((intended, record))
            sent += 1
    sending_done = True
    if counts["outstanding"] and not all_answered.done():
        lost = [conn.lost for conn in pool]
        await asyncio.wait([all_answered, *lost], timeout=30, return_when=asyncio.FIRST_COMPLETED)
    measured_until = clock()
    for conn in pool:
        if conn.transport is not None:
            conn.transport.close()
    recorded = total - warmup
    return OpenLoopResult(
        rate=rate,
        sent=recorded,
        completed=counts["completed"],
        errors=counts["errors"] + recorded - counts["completed"],
        seconds=measured_until - (start + warmup / rate),
        latencies_ms=latencies,
        max_send_lag_ms=max_lag * 1000,
    )


# -- a small keep-alive HTTP client -----------------------------------------------------------


class HttpClient:
    """Async HTTP/1.1 requests over a pool of up to ``size`` keep-alive connections."""

    def __init__(self, host: str, port: int, size: int = 8) -> None:
        self.host = host
        self.port = port
        self.idle: deque[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = deque()
        self.gate = asyncio.Semaphore(size)

    async def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        content_type: str = "application/json",
        on_send: Callable[[], None] | None = None,
    ) -> tuple[int, bytes]:
        """Send one request; ``on_send`` runs just before its bytes are written."""
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        head += f"Content-Length: {len(body)}\r\n"
        if body:
            head += f"Content-Type: {content_type}\r\n"
        data = (head + "\r\n").encode() + body
        async with self.gate:
            if self.idle:
                reader, writer = self.idle.popleft()
            else:
                reader, writer = await asyncio.open_connection(self.host, self.port)
            if on_send is not None:
                on_send()
            writer.write(data)
            header = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in header.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            answer = await reader.readexactly(length) if length else b""
            self.idle.append((reader, writer))
            return int(header[9:12]), answer

    async def close(self) -> None:
        while self.idle:
            _, writer = self.idle.popleft()
            writer.close()
