"""Many SSE subscribers of one room, spread over worker processes, for the rooms fan-out bench.

A worker (``python -m bench.sse_load``) opens ``--count`` connections to ``--path`` and, for
every ``id: <version>`` line it receives, records the version with its receive time
(``time.monotonic()``, one clock for every process on the machine) and the connection's last
version. Connections are plain asyncio protocols that only look for ``id:`` lines, so a
delivery costs the client a few microseconds.

The bench process drives workers through :class:`SseFleet` (``start``, ``reset``,
``last_versions``, ``collect``, ``close``); workers speak one JSON line per command on
stdin/stdout, like bench/phoenix_load.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import orjson

from bench.common import OUT_DIR, PYTHON, ROOT, raise_fd_limit, use_uvloop

CONNECTING_AT_ONCE = 64  # stay well under the server's listen backlog
EVENT_ID = re.compile(rb"(?:^|\n)id: (\d+)\n")
TAIL = 64  # bytes kept between reads so an id line split across two reads is still seen


class Subscriber(asyncio.Protocol):
    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.transport: asyncio.Transport | None = None
        self.started: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.tail = b""
        self.last_version = -1
        self.count = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.transport.write(self.worker.request)

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        text = self.tail + data
        if not self.started.done():
            if not text.startswith(b"HTTP/1.1 200"):
                self.fail(f"status: {text[:12]!r}")
                return
            self.started.set_result(True)
        end = 0
        for match in EVENT_ID.finditer(text):
            version = int(match.group(1))
            end = match.end()
            if version > self.last_version:
                self.last_version = version
            self.count += 1
            times = self.worker.received.get(version)
            if times is None:
                self.worker.received[version] = [now]
            else:
                times.append(now)
        self.tail = text[max(end, len(text) - TAIL) :]

    def fail(self, reason: str) -> None:
        self.worker.errors[reason] += 1
        if not self.started.done():
            self.started.set_result(False)
        if self.transport is not None:
            self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.started.done():
            self.started.set_result(False)
        elif not self.worker.closing:
            self.worker.lost += 1


@dataclass
class Worker:
    host: str
    port: int
    path: str
    count: int
    subscribers: list[Subscriber] = field(default_factory=list)
    received: dict[int, list[float]] = field(default_factory=dict)
    errors: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    lost: int = 0
    closing: bool = False

    def __post_init__(self) -> None:
        self.request = (
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            "Accept: text/event-stream\r\n\r\n"
        ).encode()

    async def connect_one(self, gate: asyncio.Semaphore) -> Subscriber | None:
        loop = asyncio.get_running_loop()
        async with gate:
            try:
                _, subscriber = await asyncio.wait_for(
                    loop.create_connection(lambda: Subscriber(self), self.host, self.port),
                    timeout=30,
                )
                started = await asyncio.wait_for(asyncio.shield(subscriber.started), timeout=30)
            except (OSError, TimeoutError) as exc:
                self.errors[f"connect: {type(exc).__name__}: {exc}"] += 1
                return None
        return subscriber if started else None

    async def connect_all(self) -> None:
        gate = asyncio.Semaphore(CONNECTING_AT_ONCE)
        results = await asyncio.gather(*(self.connect_one(gate) for _ in range(self.count)))
        self.subscribers = [s for s in results if s is not None]

    def reset(self) -> None:
        self.received = {}
        self.lost = 0
        for subscriber in self.subscribers:
            subscriber.count = 0

    def dump(self, path: Path) -> None:
        result = {
            "received": [[version, times] for version, times in self.received.items()],
            "counts": [s.count for s in self.subscribers],
            "last_versions": [s.last_version for s in self.subscribers],
            "lost": self.lost,
        }
        path.write_bytes(orjson.dumps(result))

    def close(self) -> None:
        self.closing = True
        for subscriber in self.subscribers:
            if subscriber.transport is not None:
                subscriber.transport.abort()


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(orjson.dumps(message).decode() + "\n")
    sys.stdout.flush()


async def worker_main(args: argparse.Namespace) -> None:
    worker = Worker(args.host, args.port, args.path, args.count)
    started = time.monotonic()
    await worker.connect_all()
    _say(
        {
            "event": "ready",
            "connected": len(worker.subscribers),
            "errors": dict(worker.errors),
            "seconds": time.monotonic() - started,
        }
    )
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode().strip():
        command, _, argument = line.partition(" ")
        if command == "reset":
            worker.reset()
            _say({"event": "reset"})
        elif command == "lowest":
            lowest = min((s.last_version for s in worker.subscribers), default=-1)
            _say({"event": "lowest", "version": lowest})
        elif command == "collect":
            worker.dump(Path(argument))
            _say({"event": "collected", "path": argument})
        elif command == "quit":
            break
    worker.close()
    await asyncio.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description="SSE subscriber worker of make bench")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True, help="e.g. /api/rooms/bench/stream")
    parser.add_argument("--count", type=int, required=True)
    args = parser.parse_args()
    raise_fd_limit()
    use_uvloop()
    asyncio.run(worker_main(args))


# -- the bench side -------------------------------------------------------------------------


@dataclass
class Received:
    """What a fleet received: receive times per version, and per connection its count of
    events and the last version it saw."""

    times: dict[int, list[float]]
    counts: list[int]
    last_versions: list[int]
    lost: int


@dataclass
class _Proc:
    process: asyncio.subprocess.Process

    async def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"an SSE worker exited ({self.process.returncode})")
        return dict(orjson.loads(line))

    async def command(self, text: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode() + b"\n")
        await self.process.stdin.drain()
        return await self.read()


class SseFleet:
    """``count`` SSE connections to ``path`` on ``port``, split over ``workers`` processes."""

    def __init__(self, port: int, path: str, count: int, workers: int = 2) -> None:
        self.port = port
        self.path = path
        self.count = count
        self.workers = max(1, min(workers, count))
        self.procs: list[_Proc] = []
        self.connected = 0
        self.errors: dict[str, int] = {}
        self.connect_seconds = 0.0

    async def start(self) -> None:
        share, extra = divmod(self.count, self.workers)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for index in range(self.workers):
            count = share + (1 if index < extra else 0)
            process = await asyncio.create_subprocess_exec(
                PYTHON,
                "-m",
                "bench.sse_load",
                "--port",
                str(self.port),
                "--path",
                self.path,
                "--count",
                str(count),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                cwd=ROOT,
                env=env,
            )
            self.procs.append(_Proc(process))
        started = time.monotonic()
        ready = await asyncio.gather(*(proc.read() for proc in self.procs))
        self.connect_seconds = time.monotonic() - started
        self.connected = sum(int(message["connected"]) for message in ready)
        for message in ready:
            for reason, number in message["errors"].items():
                self.errors[reason] = self.errors.get(reason, 0) + number

    async def reset(self) -> None:
        await asyncio.gather(*(proc.command("reset") for proc in self.procs))

    async def lowest_version(self) -> int:
        """The oldest last-seen version over every connection."""
        answers = await asyncio.gather(*(proc.command("lowest") for proc in self.procs))
        return min(int(answer["version"]) for answer in answers)

    async def collect(self) -> Received:
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=OUT_DIR) as folder:
            paths = [Path(folder) / f"sse{index}.json" for index in range(len(self.procs))]
            await asyncio.gather(
                *(
                    proc.command(f"collect {path}")
                    for proc, path in zip(self.procs, paths, strict=True)
                )
            )
            times: dict[int, list[float]] = {}
            counts: list[int] = []
            last_versions: list[int] = []
            lost = 0
            for path in paths:
                data = orjson.loads(path.read_bytes())
                for version, received in data["received"]:
                    times.setdefault(version, []).extend(received)
                counts.extend(data["counts"])
                last_versions.extend(data["last_versions"])
                lost += data["lost"]
        return Received(times, counts, last_versions, lost)

    async def close(self) -> None:
        for proc in self.procs:
            if proc.process.returncode is None and proc.process.stdin is not None:
                with contextlib.suppress(ConnectionError):
                    proc.process.stdin.write(b"quit\n")
        for proc in self.procs:
            try:
                await asyncio.wait_for(proc.process.wait(), timeout=10)
            except TimeoutError:
                proc.process.kill()
                await proc.process.wait()
        self.procs = []

    async def __aenter__(self) -> SseFleet:
        try:
            await self.start()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


if __name__ == "__main__":
    main()
