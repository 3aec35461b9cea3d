"""A plain WebSocket client of CodinCod's ``/ws`` door (the ``websockets`` library), for the
tests of tests/arena/games/test_ws_door*.py: JSON frames ``{event, …}``, every frame kept for
:meth:`Ws.expect`; and a raw one that never answers pings."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from collections.abc import Callable
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from tests.conftest import RunningServer


def ws_base(server: RunningServer) -> str:
    return f"ws://127.0.0.1:{server.port}"


class Ws:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.frames: list[dict[str, Any]] = []

    @classmethod
    async def open(
        cls,
        server: RunningServer,
        path: str = "/ws",
        token: str | None = None,
        origin: str | None = None,
    ) -> Ws:
        headers: dict[str, str] = {}
        if token:
            headers["Cookie"] = f"token={token}"
        if origin:
            headers["Origin"] = origin
        connection = await websockets.connect(
            ws_base(server) + path, additional_headers=headers or None, max_size=None
        )
        return cls(connection)

    @classmethod
    async def of(cls, server: RunningServer, client: httpx.Client, path: str = "/ws") -> Ws:
        return await cls.open(server, path, client.cookies["token"])

    async def send(self, event: str, **fields: Any) -> None:
        await self.connection.send(json.dumps({"event": event, **fields}))

    async def send_raw(self, data: str | bytes) -> None:
        await self.connection.send(data)

    async def _next(self, timeout: float) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(await asyncio.wait_for(self.connection.recv(), timeout))
        return found

    async def expect(
        self,
        event: str,
        where: Callable[[dict[str, Any]], bool] = lambda _: True,
        timeout: float = 5,
    ) -> dict[str, Any]:
        """The first frame (kept or coming) of ``event`` that ``where`` likes; it and the
        frames before it are consumed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for index, frame in enumerate(self.frames):
                if frame["event"] == event and where(frame):
                    del self.frames[: index + 1]
                    return frame
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"no {event}; got {self.frames}")
            try:
                self.frames.append(await self._next(remaining))
            except TimeoutError:
                continue

    async def quiet(self, event: str, seconds: float = 0.5) -> list[dict[str, Any]]:
        """Every ``event`` kept or arriving within ``seconds`` (consumed)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (remaining := deadline - loop.time()) > 0:
            try:
                self.frames.append(await self._next(remaining))
            except (TimeoutError, ConnectionClosed):
                break
        found = [frame for frame in self.frames if frame["event"] == event]
        self.frames = [frame for frame in self.frames if frame["event"] != event]
        return found

    async def closed(self, timeout: float = 5) -> int | None:
        """Read until the server closes; its close code."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    self.frames.append(json.loads(await self.connection.recv()))
        except ConnectionClosed:
            pass
        code: int | None = self.connection.close_code
        return code

    async def close(self) -> None:
        await self.connection.close()


class DeafSocket:
    """A WebSocket opened by hand that sends what it is told and reads nothing, so never
    answers a ping."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, server: RunningServer, path: str, token: str) -> DeafSocket:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                f"Cookie: token={token}\r\n\r\n"
            ).encode()
        )
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert head.startswith(b"HTTP/1.1 101"), head
        return cls(reader, writer)

    async def send(self, event: str, **fields: Any) -> None:
        payload = json.dumps({"event": event, **fields}).encode()
        assert len(payload) < 126
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        self.writer.write(bytes([0x81, 0x80 | len(payload)]) + mask + masked)
        await self.writer.drain()

    def close(self) -> None:
        self.writer.close()
