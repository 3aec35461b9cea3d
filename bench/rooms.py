"""Bench suite of the rooms: SSE fan-out of one room, and PUT throughput.

Fan-out: N SSE streams (bench/sse_load.py) on one room; the room is PUT at 10/s, and each
delivery's latency is its receive time minus its PUT's send time. The same is measured against
bench/peer_sse.py, a minimal encode-once SSE server.

PUT: wrk against ``PUT /api/rooms/<id>`` with no subscriber, then with 100 and 1000 streams on
the room (the clients cannot take every write, so the streams coalesce), and at the end every
stream must hold the room's final version.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass

import orjson

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
    WrkResult,
    at_least,
    at_most,
    cpu_seconds,
    free_port,
    launch,
    percentile,
    run_wrk,
    settings_note,
    start_server,
)
from bench.sse_load import SseFleet

TITLE = "Rooms"
SUBSCRIBERS = (100, 1000, 5000)
PUTS_PER_SECOND = 10.0
FANOUT_P99_MS = 400.0  # target of issue 3 at N = 5000
WRK_THREADS = 2
WRK_CONNECTIONS = 50
PUT_SUBSCRIBERS = (100, 1000)
PUT_ROUNDS = 2  # alternating rounds of the PUT load, access log on and off
CHANGES = [
    Change(
        "SPARKHOUSE_SSE_MAX_STREAMS_PER_ADDRESS",
        "0",
        "the streams all come from one address, past the per-address cap",
    )
]
# A small game state, as the spec expects (≈ 200 bytes).
STATE_BODY = orjson.dumps(
    {
        "state": {
            "board": [["x", "o", ""], ["", "x", ""], ["o", "", ""]],
            "turn": "o",
            "players": {"x": "p-1", "o": "p-2"},
            "moves": 4,
            "chat": ["good luck", "have fun"],
        },
        "client_id": "bench",
    }
)

HOW_MEASURED = f"""\
**Fan-out.** One appliance process (`python -m appliance serve`) with the settings a user gets
by default (access log on, log level INFO). For N in
{", ".join(str(n) for n in SUBSCRIBERS)}, N SSE connections to
`GET /api/rooms/<room>/stream`, split over client worker processes (`bench/sse_load.py`: plain
uvloop protocols that only look for `id:` lines), all on one room. The room is PUT
{PUTS_PER_SECOND:g} times a second for the run with a ≈{len(STATE_BODY)}-byte body; a delivery's
latency is its receive time minus the send time of the PUT that made that version (both
`time.monotonic()`, one clock for the machine). "Ends on newest" is the share of streams whose
last event is the final version. The baseline is `bench/peer_sse.py`, a raw asyncio server that
encodes each record and its chunk once and writes it to every subscriber's transport, with no
framework, validation or backpressure, measured the same way in the same run. Server, peer and
clients share the machine's cores.

**PUT throughput.** wrk ({WRK_THREADS} threads, {WRK_CONNECTIONS} keep-alive connections,
closed loop) PUTs the same body to one room, with no stream open, then with
{" and ".join(str(n) for n in PUT_SUBSCRIBERS)} streams on that room; each PUT is then
that many deliveries. With no stream open, the same load goes to a second appliance with the
access log off (`SPARKHOUSE_ACCESS_LOG=false`), in {PUT_ROUNDS} rounds alternating with the
first, so the access log's cost shows. The peer is measured the same way. The stream clients
cannot take thousands of events a second, so this also exercises coalescing: after wrk stops,
every stream must reach the room's final version.
"""


def _ms(seconds: float) -> float:
    return seconds * 1000


class Writer:
    """PUTs the room at a fixed rate and remembers when each version was sent."""

    def __init__(self, server: Server, path: str) -> None:
        self.client = HttpClient("127.0.0.1", server.port, size=8)
        self.path = path
        self.sent: dict[int, float] = {}
        self.failed = 0
        self.last_version = 0

    async def put(self) -> None:
        sent_at = 0.0

        def stamp() -> None:
            nonlocal sent_at
            sent_at = time.monotonic()

        status, answer = await self.client.request("PUT", self.path, STATE_BODY, on_send=stamp)
        if status != 200:
            self.failed += 1
            return
        version = int(orjson.loads(answer)["version"])
        self.sent[version] = sent_at
        self.last_version = max(self.last_version, version)

    async def at_rate(self, rate: float, count: int) -> None:
        start = time.monotonic()
        tasks = []
        for index in range(count):
            delay = start + index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.put()))
        await asyncio.gather(*tasks)


@dataclass
class FanoutResult:
    streams: int
    puts: int
    expected: int
    delivered: int
    newest_share: float  # streams whose last event is the final version
    lost: int
    latencies_ms: list[float]
    cpu_percent: float | None
    rss_mib: float | None

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies_ms, 99)


async def _fanout_round(
    name: str, server: Server, room: str, streams: int, config: Config
) -> tuple[FanoutResult, SseFleet]:
    path = f"/api/rooms/{room}"
    fleet = SseFleet(server.port, f"{path}/stream", streams, workers=config.workers)
    writer = Writer(server, path)
    async with fleet:
        if fleet.connected < streams:
            raise RuntimeError(
                f"{name}: only {fleet.connected} of {streams} streams opened: {fleet.errors}"
            )
        await writer.put()  # warm-up: every stream's first event
        await asyncio.sleep(0.5)
        await fleet.reset()
        writer.sent = {}
        cpu_before = cpu_seconds(server.pid)
        started = time.monotonic()
        puts = int(PUTS_PER_SECOND * config.seconds(10.0))
        await writer.at_rate(PUTS_PER_SECOND, puts)
        final = writer.last_version
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and await fleet.lowest_version() < final:
            await asyncio.sleep(0.1)
        received = await fleet.collect()
        elapsed = time.monotonic() - started
        cpu_after = cpu_seconds(server.pid)
    await writer.client.close()
    latencies: list[float] = []
    delivered = 0
    for version, times in received.times.items():
        sent_at = writer.sent.get(version)
        if sent_at is None:
            continue
        delivered += len(times)
        latencies.extend(_ms(t - sent_at) for t in times)
    newest = sum(1 for last in received.last_versions if last == final)
    rss = server.rss()
    return (
        FanoutResult(
            streams=streams,
            puts=len(writer.sent),
            expected=len(writer.sent) * streams,
            delivered=delivered,
            newest_share=newest / streams,
            lost=received.lost,
            latencies_ms=latencies,
            cpu_percent=(cpu_after - cpu_before) / elapsed * 100
            if cpu_before is not None and cpu_after is not None
            else None,
            rss_mib=rss / 2**20 if rss is not None else None,
        ),
        fleet,
    )


async def _fanout(config: Config, ours: Server, peer: Server) -> Table:
    table = Table(
        f"SSE fan-out — one room PUT {PUTS_PER_SECOND:g}/s",
        baseline="best-case encode-once SSE peer (bench/peer_sse.py)",
    )
    for streams in SUBSCRIBERS:
        room = f"fanout-{streams}"
        mine, fleet = await _fanout_round("sparkhouse", ours, room, streams, config)
        await asyncio.sleep(1.0)  # let closed sockets go before the next round
        base, _ = await _fanout_round("peer", peer, room, streams, config)
        await asyncio.sleep(1.0)
        top = streams == max(SUBSCRIBERS)
        label = f"N={streams:,}"
        table.add(
            Row(
                f"{label} · streams ending on newest state",
                100.0 * mine.newest_share,
                "%",
                100.0 * base.newest_share,
                "100 %",
                mine.newest_share == 1.0 and mine.lost == 0,
                digits=1,
            )
        )
        table.add(
            Row(
                f"{label} · delivered ({mine.expected:,} PUT×stream)",
                100.0 * mine.delivered / mine.expected if mine.expected else math.nan,
                "%",
                100.0 * base.delivered / base.expected if base.expected else math.nan,
                digits=2,
            )
        )
        table.add(Row(f"{label} · p50 PUT→receive", mine.p50, "ms", base.p50, digits=1))
        table.add(
            Row(
                f"{label} · p99 PUT→receive",
                mine.p99,
                "ms",
                base.p99,
                f"≤ {FANOUT_P99_MS:g} ms" if top else "",
                at_most(mine.p99, FANOUT_P99_MS) if top else None,
                digits=1,
            )
        )
        if mine.cpu_percent is not None and base.cpu_percent is not None:
            table.add(
                Row(f"{label} · server CPU", mine.cpu_percent, "%", base.cpu_percent, digits=0)
            )
        if top and mine.rss_mib is not None:
            table.add(Row(f"{label} · server RSS", mine.rss_mib, "MiB", base.rss_mib, digits=0))
        table.notes.append(
            f"{label}: {fleet.workers} client processes opened the streams in "
            f"{fleet.connect_seconds:.1f} s; {mine.puts} PUTs; sparkhouse "
            f"{mine.delivered:,}/{mine.expected:,} delivered, {mine.lost} lost; peer "
            f"{base.delivered:,}/{base.expected:,}, {base.lost} lost."
        )
    table.notes.append(
        settings_note(CHANGES) + " The access-log-off line is the PUT table's: here the "
        f"appliance answers {PUTS_PER_SECOND:g} requests a second and one per stream opened."
    )
    return table


def _wrk_put(server: Server, room: str, seconds: float) -> WrkResult:
    return run_wrk(
        f"{server.url}/api/rooms/{room}",
        method="PUT",
        body=STATE_BODY,
        content_type="application/json",
        threads=WRK_THREADS,
        connections=WRK_CONNECTIONS,
        seconds=seconds,
    )


async def _put_with_streams(
    server: Server, room: str, streams: int, config: Config
) -> tuple[WrkResult, float, int]:
    """wrk with ``streams`` open on the room; then the share of streams that reach the
    final version, and the final version."""
    path = f"/api/rooms/{room}"
    async with SseFleet(server.port, f"{path}/stream", streams, workers=config.workers) as fleet:
        result = await asyncio.to_thread(_wrk_put, server, room, config.seconds(5.0))
        client = HttpClient("127.0.0.1", server.port, size=1)
        _, answer = await client.request("GET", path)
        await client.close()
        final = int(orjson.loads(answer)["version"])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and await fleet.lowest_version() < final:
            await asyncio.sleep(0.1)
        received = await fleet.collect()
    newest = sum(1 for last in received.last_versions if last == final)
    return result, newest / streams, final


@dataclass
class PutRuns:
    alone: WrkResult
    with_streams: dict[int, tuple[WrkResult, float, int]]  # streams → (wrk, newest share, final)
    rss_mib: float | None
    quiet_alone: WrkResult | None = None  # no stream, access log off


def _put_runs(server: Server, config: Config, quiet: Server | None = None) -> PutRuns:
    """``quiet``: a second server whose no-stream runs alternate with ``server``'s."""
    alone_rounds: list[WrkResult] = []
    quiet_rounds: list[WrkResult] = []
    for target in (server, quiet):
        if target is not None:
            _wrk_put(target, "warm-up", config.seconds(2.0, 1.0))
    for _ in range(PUT_ROUNDS):
        alone_rounds.append(_wrk_put(server, "alone", config.seconds(5.0) / PUT_ROUNDS))
        if quiet is not None:
            quiet_rounds.append(_wrk_put(quiet, "alone", config.seconds(5.0) / PUT_ROUNDS))
    alone = WrkResult.combine(alone_rounds)
    with_streams = {
        streams: asyncio.run(_put_with_streams(server, f"streams-{streams}", streams, config))
        for streams in PUT_SUBSCRIBERS
    }
    rss = server.rss()
    quiet_alone = WrkResult.combine(quiet_rounds) if quiet_rounds else None
    return PutRuns(alone, with_streams, rss / 2**20 if rss is not None else None, quiet_alone)


def put_throughput(config: Config) -> Table:
    table = Table(
        "PUT /api/rooms/<id> throughput",
        baseline="best-case encode-once SSE peer (bench/peer_sse.py)",
    )
    port = free_port()
    peer_server = launch(
        "peer-sse-put",
        [PYTHON, str(ROOT / "bench" / "peer_sse.py"), "--port", str(port)],
        port,
        f"http://127.0.0.1:{port}/healthz",
    )
    try:
        with (
            start_server(CHANGES, name="sparkhouse-rooms-put") as server,
            start_server([*CHANGES, ACCESS_LOG_OFF], name="sparkhouse-rooms-put-quiet") as quiet,
        ):
            mine = _put_runs(server, config, quiet)
        peer = _put_runs(peer_server, config)
    finally:
        peer_server.stop()
    load = f"wrk {WRK_THREADS}×{WRK_CONNECTIONS}"
    table.add(Row(f"req/s, no stream ({load})", mine.alone.rps, "req/s", peer.alone.rps, digits=0))
    if mine.quiet_alone is not None:
        table.add(
            Row(
                f"req/s, no stream, access log off ({load})",
                mine.quiet_alone.rps,
                "req/s",
                peer.alone.rps,
                digits=0,
            )
        )
    table.add(Row("p99 latency, no stream", mine.alone.p99_ms, "ms", peer.alone.p99_ms, digits=2))
    for streams in PUT_SUBSCRIBERS:
        result, newest, final = mine.with_streams[streams]
        base, base_newest, _ = peer.with_streams[streams]
        table.add(
            Row(
                f"req/s with {streams:,} streams on the room",
                result.rps,
                "req/s",
                base.rps,
                digits=0,
            )
        )
        table.add(
            Row(
                f"{streams:,} streams · ending on the final version",
                100.0 * newest,
                "%",
                100.0 * base_newest,
                target="100 %",
                passed=at_least(newest, 1.0),
                digits=1,
            )
        )
        table.notes.append(
            f"{streams:,} streams: {result.requests:,} PUTs in {result.seconds:.1f} s "
            f"(final version {final:,}, {result.rps * streams:,.0f} deliveries/s offered, "
            f"{result.rps / mine.alone.rps:.0%} of the rate with no stream), "
            f"{result.errors} errors; the streams coalesce what their clients cannot take."
        )
    if mine.rss_mib is not None:
        table.add(Row("server RSS after the PUT runs", mine.rss_mib, "MiB", peer.rss_mib, digits=0))
    table.notes.append(settings_note(CHANGES))
    return table


def fanout(config: Config) -> Table:
    port = free_port()
    peer = launch(
        "peer-sse",
        [PYTHON, str(ROOT / "bench" / "peer_sse.py"), "--port", str(port)],
        port,
        f"http://127.0.0.1:{port}/healthz",
    )
    try:
        with start_server(CHANGES, name="sparkhouse-rooms-fanout") as server:
            return asyncio.run(_fanout(config, server, peer))
    finally:
        peer.stop()


def run(config: Config) -> list[Table]:
    return [fanout(config), put_throughput(config)]
