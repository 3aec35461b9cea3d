"""Many Phoenix Channels subscribers, spread over worker processes, for fan-out benches.

A worker (``python -m bench.phoenix_load``) opens ``--count`` WebSocket connections (vsn 2.0.0),
joins one topic on each and records, for every broadcast frame (``[null,null,…]``) it receives,
the raw frame and its receive time (``time.monotonic()``, one clock for every process on the
machine). Connections are driven by the ``websockets`` library's Sans-I/O ``ClientProtocol``
under a plain asyncio protocol: per frame that costs a few microseconds, where a full asyncio
``websockets`` connection per subscriber would make the client the bottleneck.

The bench process drives workers through :class:`Fleet`: ``start`` (connect and join, wait
until every worker is ready), ``reset`` (forget what arrived so far), ``collect`` (every
received broadcast with its receive times, and how many each connection got), ``close``.
Workers speak one JSON line per command on stdin/stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import orjson
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.uri import parse_uri

from bench.common import OUT_DIR, PYTHON, ROOT, raise_fd_limit, use_uvloop

BROADCAST_PREFIX = b"[null,null,"
JOIN_REF = "1"
HEARTBEAT_SECONDS = 25.0
CONNECTING_AT_ONCE = 64  # stay well under the server's listen backlog
MAX_FRAME = 16 * 2**20


# -- worker -------------------------------------------------------------------------------


class Subscriber(asyncio.Protocol):
    """One WebSocket connection that joins ``worker.topic`` and records broadcasts."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.ws = ClientProtocol(worker.uri, max_size=MAX_FRAME)
        self.transport: asyncio.Transport | None = None
        self.joined: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.count = 0
        self.heartbeat_ref = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.ws.send_request(self.ws.connect())
        self.flush()

    def flush(self) -> None:
        assert self.transport is not None
        for data in self.ws.data_to_send():
            if data:
                self.transport.write(data)
            elif self.transport.can_write_eof():
                self.transport.write_eof()

    def send_text(self, frame: list[Any]) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self.ws.send_text(orjson.dumps(frame))
        self.flush()

    def heartbeat(self) -> None:
        self.heartbeat_ref += 1
        self.send_text([None, f"hb{self.heartbeat_ref}", "phoenix", "heartbeat", {}])

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        ws = self.ws
        ws.receive_data(data)
        for event in ws.events_received():
            if isinstance(event, Frame):
                if event.opcode is Opcode.TEXT:
                    self.on_text(bytes(event.data), now)
            elif ws.handshake_exc is not None:
                self.fail(f"handshake: {ws.handshake_exc}")
            else:
                self.send_text([JOIN_REF, JOIN_REF, self.worker.topic, "phx_join", {}])
        if ws.writes:  # pongs, close frames
            self.flush()

    def on_text(self, data: bytes, now: float) -> None:
        if data.startswith(BROADCAST_PREFIX):
            self.count += 1
            times = self.worker.frames.get(data)
            if times is None:
                self.worker.frames[data] = [now]
            else:
                times.append(now)
            return
        if self.joined.done():
            return
        try:
            join_ref, _, topic, event, payload = orjson.loads(data)
        except (orjson.JSONDecodeError, ValueError):
            return
        if join_ref == JOIN_REF and topic == self.worker.topic and event == "phx_reply":
            if payload.get("status") == "ok":
                self.joined.set_result(True)
            else:
                self.fail(f"join refused: {payload}")

    def fail(self, reason: str) -> None:
        self.worker.errors[reason] += 1
        if not self.joined.done():
            self.joined.set_result(False)
        if self.transport is not None:
            self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.joined.done():
            self.joined.set_result(False)
        elif not self.worker.closing:
            self.worker.lost += 1


@dataclass
class Worker:
    url: str
    topic: str
    count: int
    subscribers: list[Subscriber] = field(default_factory=list)
    frames: dict[bytes, list[float]] = field(default_factory=dict)
    errors: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    lost: int = 0
    closing: bool = False

    def __post_init__(self) -> None:
        self.uri = parse_uri(self.url)

    async def connect_one(self, gate: asyncio.Semaphore) -> Subscriber | None:
        loop = asyncio.get_running_loop()
        async with gate:
            try:
                _, subscriber = await asyncio.wait_for(
                    loop.create_connection(lambda: Subscriber(self), self.uri.host, self.uri.port),
                    timeout=30,
                )
            except (OSError, TimeoutError) as exc:
                self.errors[f"connect: {type(exc).__name__}: {exc}"] += 1
                return None
            try:
                joined = await asyncio.wait_for(asyncio.shield(subscriber.joined), timeout=30)
            except TimeoutError:
                subscriber.fail("join timed out")
                return None
        return subscriber if joined else None

    async def connect_all(self) -> None:
        gate = asyncio.Semaphore(CONNECTING_AT_ONCE)
        results = await asyncio.gather(*(self.connect_one(gate) for _ in range(self.count)))
        self.subscribers = [s for s in results if s is not None]

    async def heartbeats(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            for subscriber in self.subscribers:
                subscriber.heartbeat()

    def reset(self) -> None:
        self.frames = {}
        self.lost = 0
        for subscriber in self.subscribers:
            subscriber.count = 0

    def dump(self, path: Path) -> None:
        result = {
            "frames": [[data.decode(), times] for data, times in self.frames.items()],
            "counts": [subscriber.count for subscriber in self.subscribers],
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
    worker = Worker(args.url, args.topic, args.count)
    started = time.monotonic()
    await worker.connect_all()
    beats = asyncio.create_task(worker.heartbeats())
    _say(
        {
            "event": "ready",
            "joined": len(worker.subscribers),
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
        elif command == "count":
            _say({"event": "count", "received": sum(s.count for s in worker.subscribers)})
        elif command == "collect":
            worker.dump(Path(argument))
            _say({"event": "collected", "path": argument})
        elif command == "quit":
            break
    beats.cancel()
    worker.close()
    await asyncio.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description="Phoenix subscriber worker of make bench")
    parser.add_argument("--url", required=True, help="ws://host:port/socket/websocket?vsn=2.0.0")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--count", type=int, required=True)
    args = parser.parse_args()
    raise_fd_limit()
    use_uvloop()
    asyncio.run(worker_main(args))


# -- the bench side -------------------------------------------------------------------------


@dataclass
class Received:
    """What a fleet received: each broadcast (decoded) with every receive time."""

    frames: list[tuple[Any, list[float]]]
    counts: list[int]  # broadcasts received per connection
    lost: int  # connections that closed after joining

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class _Proc:
    process: asyncio.subprocess.Process
    count: int

    async def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"a subscriber worker exited ({self.process.returncode})")
        return dict(orjson.loads(line))

    async def command(self, text: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode() + b"\n")
        await self.process.stdin.drain()
        return await self.read()


class Fleet:
    """``count`` subscribers of ``topic`` at ``url``, split over ``workers`` processes."""

    def __init__(self, url: str, topic: str, count: int, workers: int = 2) -> None:
        self.url = url
        self.topic = topic
        self.count = count
        self.workers = max(1, min(workers, count))
        self.procs: list[_Proc] = []
        self.joined = 0
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
                "bench.phoenix_load",
                "--url",
                self.url,
                "--topic",
                self.topic,
                "--count",
                str(count),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                cwd=ROOT,
                env=env,
            )
            self.procs.append(_Proc(process, count))
        started = time.monotonic()
        ready = await asyncio.gather(*(proc.read() for proc in self.procs))
        self.connect_seconds = time.monotonic() - started
        self.joined = sum(int(message["joined"]) for message in ready)
        for message in ready:
            for reason, number in message["errors"].items():
                self.errors[reason] = self.errors.get(reason, 0) + number

    async def reset(self) -> None:
        await asyncio.gather(*(proc.command("reset") for proc in self.procs))

    async def received_count(self) -> int:
        """Broadcasts received by every connection together since the last reset."""
        answers = await asyncio.gather(*(proc.command("count") for proc in self.procs))
        return sum(int(answer["received"]) for answer in answers)

    async def collect(self) -> Received:
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=OUT_DIR) as folder:
            paths = [Path(folder) / f"worker{index}.json" for index in range(len(self.procs))]
            await asyncio.gather(
                *(
                    proc.command(f"collect {path}")
                    for proc, path in zip(self.procs, paths, strict=True)
                )
            )
            merged: dict[str, list[float]] = {}
            counts: list[int] = []
            lost = 0
            for path in paths:
                data = orjson.loads(path.read_bytes())
                for text, times in data["frames"]:
                    merged.setdefault(text, []).extend(times)
                counts.extend(data["counts"])
                lost += data["lost"]
        frames = [(orjson.loads(text), times) for text, times in merged.items()]
        return Received(frames, counts, lost)

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

    async def __aenter__(self) -> Fleet:
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
