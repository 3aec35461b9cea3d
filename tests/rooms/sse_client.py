"""A small SSE client over a raw asyncio socket, for tests that must see every byte:
headers, ``retry:``, comments (heartbeats), chunk framing and a clean end of stream."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass
class SseBlock:
    """One blank-line-terminated block of the stream."""

    event: str | None = None
    id: str | None = None
    data: str | None = None
    retry: int | None = None
    comments: list[str] = field(default_factory=list)

    def json(self) -> Any:
        assert self.data is not None
        return json.loads(self.data)


class StreamEnded(Exception):
    """The server ended the response (final chunk) or closed the connection."""

    def __init__(self, clean: bool) -> None:
        super().__init__("clean end of stream" if clean else "connection closed")
        self.clean = clean


class SseClient:
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        status: int,
        headers: dict[str, str],
        body: bytes,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.status = status
        self.headers = headers
        self.body = body  # the whole body when the answer is not a stream (e.g. 503 JSON)
        self._text = ""
        self.bytes_received = 0

    @classmethod
    async def connect(
        cls,
        base_url: str,
        path: str,
        headers: dict[str, str] | None = None,
        receive_buffer: int | None = None,
    ) -> SseClient:
        parts = urlsplit(base_url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        if receive_buffer is None:
            reader, writer = await asyncio.open_connection(host, port)
        else:
            import socket

            sock = socket.socket()
            # A small receive buffer set before connecting keeps the kernel from growing it,
            # so a client that stops reading really stops the server's writes.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
            sock.setblocking(False)
            await asyncio.get_running_loop().sock_connect(sock, (host, port))
            # A small reader limit: asyncio stops reading the socket once 2 x limit is buffered.
            reader, writer = await asyncio.open_connection(sock=sock, limit=4096)
        lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Accept: text/event-stream"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        parsed: dict[str, str] = {}
        for line in header_lines:
            if ":" in line:
                name, value = line.split(":", 1)
                parsed[name.strip().lower()] = value.strip()
        body = b""
        if "content-length" in parsed:
            body = await reader.readexactly(int(parsed["content-length"]))
        return cls(reader, writer, status, parsed, body)

    async def _read_chunk(self) -> bytes:
        size_line = await self.reader.readline()
        if not size_line:
            raise StreamEnded(clean=False)
        size = int(size_line.strip(), 16)
        if size == 0:
            await self.reader.readline()
            raise StreamEnded(clean=True)
        data = await self.reader.readexactly(size)
        await self.reader.readexactly(2)
        self.bytes_received += size
        return data

    async def next_block(self, timeout: float = 5) -> SseBlock:
        async with asyncio.timeout(timeout):
            while "\n\n" not in self._text:
                self._text += (await self._read_chunk()).decode()
        raw, self._text = self._text.split("\n\n", 1)
        block = SseBlock()
        for line in raw.split("\n"):
            if line.startswith(":"):
                block.comments.append(line[1:].strip())
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                block.data = value if block.data is None else block.data + "\n" + value
            elif name == "event":
                block.event = value
            elif name == "id":
                block.id = value
            elif name == "retry":
                block.retry = int(value)
        return block

    async def next_event(self, timeout: float = 5) -> SseBlock:
        """The next block that carries data (skipping heartbeats and retry-only blocks)."""
        async with asyncio.timeout(timeout):
            while True:
                block = await self.next_block(timeout)
                if block.data is not None:
                    return block

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()

    async def __aenter__(self) -> SseClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()
