"""The best-case peer of the fan-out bench: a minimal encode-once Phoenix broadcaster.

A standalone script, not part of the appliance::

    python bench/peer_broadcast.py --http-port 8001 --ws-port 8002

- WebSocket (``websockets`` library, asyncio, no compression) on ``--ws-port``, any path:
  speaks just enough Phoenix V2 — answers ``phx_join`` and ``heartbeat`` with an ok reply.
- HTTP on ``--http-port``: ``GET /healthz`` → 200; ``POST /api/<x>/<y>`` with a JSON object →
  202 with ``{x, y, …body}``, then, after the answer is written, the frame
  ``[null,null,"board:lobby","sparkle_event",{"data":{…}}]`` is encoded once and handed to
  ``websockets.asyncio.server.broadcast()`` for every joined connection.

No validation, no limits, no middleware: the least work a Python server can do for a broadcast.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from typing import Any

import orjson
from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

TOPIC = "board:lobby"
EVENT = "sparkle_event"
JOINED: set[ServerConnection] = set()


def reply(join_ref: Any, ref: Any, topic: str) -> bytes:
    return orjson.dumps([join_ref, ref, topic, "phx_reply", {"status": "ok", "response": {}}])


async def phoenix(ws: ServerConnection) -> None:
    try:
        async for message in ws:
            try:
                join_ref, ref, topic, event, _ = orjson.loads(message)
            except (orjson.JSONDecodeError, ValueError):
                continue
            if event == "phx_join":
                JOINED.add(ws)
                await ws.send(reply(join_ref, ref, topic), text=True)
            elif event == "heartbeat":
                await ws.send(reply(None, ref, topic), text=True)
    except ConnectionClosed:
        pass
    finally:
        JOINED.discard(ws)


def publish(data: dict[str, Any]) -> None:
    frame = orjson.dumps([None, None, TOPIC, EVENT, {"data": data}])
    broadcast(JOINED, frame, text=True)


def respond(writer: asyncio.StreamWriter, status: str, body: bytes) -> None:
    writer.write(
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


async def http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    loop = asyncio.get_running_loop()
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            body = await reader.readexactly(length) if length else b""
            parts = path.strip("/").split("/")
            if method == "GET" and path == "/healthz":
                respond(writer, "200 OK", b'{"ok":true}')
            elif method == "POST" and len(parts) == 3 and parts[0] == "api":
                data = {"x": int(parts[1]), "y": int(parts[2]), **orjson.loads(body)}
                respond(writer, "202 Accepted", orjson.dumps(data))
                loop.call_soon(publish, data)  # after the answer, as the appliance does
            else:
                respond(writer, "404 Not Found", b"{}")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def main(http_port: int, ws_port: int) -> None:
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    http_server = await asyncio.start_server(http, "127.0.0.1", http_port)
    async with (
        http_server,
        serve(phoenix, "127.0.0.1", ws_port, compression=None, ping_interval=None),
    ):
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--ws-port", type=int, required=True)
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with Sanic
        asyncio.run(main(args.http_port, args.ws_port))
    else:
        uvloop.run(main(args.http_port, args.ws_port))
