"""The best-case peer of the rooms fan-out bench: a minimal encode-once SSE broadcaster.

A standalone script, not part of the appliance::

    python bench/peer_sse.py --port 8001

One room, on raw asyncio protocols (uvloop): ``GET /healthz`` → 200; ``GET <any>/stream`` →
an SSE response (chunked) that joins the subscriber set; ``GET /api/rooms/<any>`` → the current
version; ``PUT <any>`` with a body → the
version goes up, the record and its chunk are encoded once, written to every subscriber's
transport, and 200 with the record is answered. No validation, no limits, no middleware, no
backpressure handling: the least work a Python server can do per delivery.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
from typing import cast

import orjson

SUBSCRIBERS: set[asyncio.Transport] = set()
STATE = {"version": 0}
STREAM_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
    b"transfer-encoding: chunked\r\nconnection: keep-alive\r\n\r\n"
)


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%b\r\n" % (len(data), data)


def answer(status: str, body: bytes) -> bytes:
    return (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    ).encode() + body


class Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            SUBSCRIBERS.discard(self.transport)

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            method, path, _ = head.split(" ", 2)
            self.handle(method, path.split("?")[0], body)

    def handle(self, method: str, path: str, body: bytes) -> None:
        assert self.transport is not None
        if method == "GET" and path == "/healthz":
            self.transport.write(answer("200 OK", b'{"ok":true}'))
        elif method == "GET" and path.endswith("/stream"):
            first = b'retry: 2000\nid: %d\nevent: state\ndata: {"version":%d}\n\n' % (
                STATE["version"],
                STATE["version"],
            )
            self.transport.write(STREAM_HEAD + chunk(first))
            SUBSCRIBERS.add(self.transport)
        elif method == "GET" and path.startswith("/api/rooms/"):
            self.transport.write(answer("200 OK", b'{"version":%d}' % STATE["version"]))
        elif method == "PUT":
            STATE["version"] += 1
            version = STATE["version"]
            state = orjson.loads(body).get("state")
            record = orjson.dumps(
                {
                    "room_id": "bench",
                    "version": version,
                    "updated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "state": state,
                }
            )
            event = chunk(b"id: %d\nevent: state\ndata: %b\n\n" % (version, record))
            for subscriber in SUBSCRIBERS:
                subscriber.write(event)
            self.transport.write(answer("200 OK", record))
        else:
            self.transport.write(answer("404 Not Found", b"{}"))


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Connection, "127.0.0.1", port, backlog=4096)
    stop = loop.create_future()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set_result, None)
    await stop
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="encode-once SSE peer of make bench")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.run(serve(args.port))
    except ImportError:
        asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
