"""Server-Sent Events streams that are broker subscribers.

A stream writes the bytes of an event — encoded once per message for every stream, HTTP chunk
framing included — straight to the transport while the client keeps up. When its transport
buffer is not empty it stops writing and keeps only what it must: with ``coalesce`` the newest
message alone (a state stream needs the latest state, not the backlog), otherwise a short
queue; past that the stream is dropped. A heartbeat comment keeps proxies from timing out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

import orjson
from sanic import Request
from sanic.response import HTTPResponse

from appliance.platform.realtime.broker import Broker, Message

log = logging.getLogger("sparkhouse.realtime")

SSE_HEADERS = {
    "Cache-Control": "no-cache, no-transform",
    "Connection": "keep-alive",
    "X-Accel-Buffering": "no",  # nginx: do not buffer the stream
}
HEARTBEAT = b": heartbeat\n\n"


def sse_event(
    event: str | None, data: Any, event_id: str | int | None = None, retry_ms: int | None = None
) -> bytes:
    """One SSE event; ``data`` is JSON-encoded unless already bytes (no newlines allowed)."""
    body = data if isinstance(data, bytes) else orjson.dumps(data)
    parts = []
    if retry_ms is not None:
        parts.append(b"retry: %d\n" % retry_ms)
    if event_id is not None:
        parts.append(b"id: " + str(event_id).encode() + b"\n")
    if event:
        parts.append(b"event: " + event.encode() + b"\n")
    parts.append(b"data: " + body + b"\n\n")
    return b"".join(parts)


def chunked(data: bytes) -> bytes:
    """HTTP/1.1 chunk framing, so one encoded chunk serves every chunked stream."""
    return b"%x\r\n%b\r\n" % (len(data), data)


MessageFormatter = Callable[[Message], bytes]


class SseStream:
    """One open ``text/event-stream`` response subscribed to broker topics."""

    def __init__(
        self,
        request: Request,
        response: HTTPResponse,
        broker: Broker,
        formatter: MessageFormatter,
        format_name: str,
        *,
        coalesce: bool = True,
        max_queue: int = 64,
    ) -> None:
        self.request = request
        self.response = response
        self.broker = broker
        self.formatter = formatter
        self.format_name = format_name
        self.coalesce = coalesce
        self.max_queue = max_queue
        self.pending: deque[bytes] = deque()
        self.wakeup = asyncio.Event()
        self.closed = asyncio.Event()
        self.topics: list[str] = []
        stream = request.stream
        func = getattr(stream, "response_func", None)
        self.raw_chunked = getattr(func, "__name__", "") == "http1_response_chunked"

    @classmethod
    async def open(
        cls,
        request: Request,
        broker: Broker,
        formatter: MessageFormatter,
        format_name: str,
        *,
        first: bytes = b"",
        coalesce: bool = True,
        headers: dict[str, str] | None = None,
    ) -> SseStream:
        response = await request.respond(
            headers={**SSE_HEADERS, **(headers or {})}, content_type="text/event-stream"
        )
        assert response is not None
        # The first send carries the headers; afterwards we know the framing Sanic chose.
        await response.send(first or HEARTBEAT)
        return cls(request, response, broker, formatter, format_name, coalesce=coalesce)

    def subscribe(self, topic: str) -> None:
        self.topics.append(topic)
        self.broker.subscribe(topic, self)

    # -- broker subscriber ----------------------------------------------------------------

    def _transport(self) -> Any:
        protocol = getattr(self.request, "transport", None)
        return protocol

    def deliver(self, message: Message) -> bool:
        if self.closed.is_set():
            return False
        if self.raw_chunked and not self.pending:
            transport = self._transport()
            if transport is None or transport.is_closing():
                return False
            if transport.get_write_buffer_size() == 0:
                transport.write(
                    message.encoded(
                        self.format_name + "+chunked", lambda m: chunked(self.formatter(m))
                    )
                )
                return True
        data = message.encoded(self.format_name, self.formatter)
        if self.coalesce:
            self.pending.clear()
        elif len(self.pending) >= self.max_queue:
            return False
        self.pending.append(data)
        self.wakeup.set()
        return True

    def drop(self, reason: str) -> None:
        log.info("closing an event stream: %s", reason)
        self.closed.set()
        self.wakeup.set()

    def send_now(self, data: bytes) -> None:
        """Queue bytes for this stream alone (e.g. a resume event)."""
        self.pending.append(data)
        self.wakeup.set()

    # -- the stream's own task --------------------------------------------------------------

    async def run(self, heartbeat_seconds: float) -> None:
        """Write queued events and heartbeats until the client leaves or the stream is
        dropped; always unsubscribes."""
        try:
            while not self.closed.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), heartbeat_seconds)
                self.wakeup.clear()
                if self.closed.is_set():
                    break
                if not self.pending:
                    await self.response.send(HEARTBEAT)
                while self.pending:
                    await self.response.send(self.pending.popleft())
        except (ConnectionError, asyncio.CancelledError, OSError):
            pass
        except Exception as exc:  # Sanic raises its own errors on a vanished client
            log.debug("event stream ended: %s", exc)
        finally:
            self.closed.set()
            for topic in self.topics:
                self.broker.unsubscribe(topic, self)
            with contextlib.suppress(Exception):
                await self.response.eof()
