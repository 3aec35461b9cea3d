"""Server-Sent Events streams that are broker subscribers.

A stream writes the bytes of an event — encoded once per message for every stream, HTTP chunk
framing included — straight to the transport while the client keeps up. When its transport
buffer is not empty (or its own task is mid-write) it queues instead; once the client is
behind (bytes unsent in the transport) a ``coalesce`` stream keeps the newest message alone (a
state stream needs the latest state, not the backlog), any other stream a short queue, past
which it is dropped. The socket's kernel send buffer is kept small for the same reason. A
heartbeat comment keeps proxies from timing out.

Every open stream of an app is tracked, so :func:`install` can end them all when the server
stops instead of holding the graceful shutdown until its timeout, and so one client address
cannot hold more than its share open (``SPARKHOUSE_SSE_MAX_STREAMS_PER_ADDRESS``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import orjson
from sanic import Request, Sanic
from sanic.response import HTTPResponse

from appliance.platform.errors import ServiceError
from appliance.platform.http import client_ip
from appliance.platform.ratelimit import OpenPerAddress
from appliance.platform.realtime.broker import Broker, Message
from appliance.platform.sanic_compat import response_is_raw_chunked
from appliance.platform.settings import IPNetwork, PlatformSettings

log = logging.getLogger("sparkhouse.realtime")

SSE_HEADERS = {
    "Cache-Control": "no-cache, no-transform",
    "Connection": "keep-alive",
    "X-Accel-Buffering": "no",  # nginx: do not buffer the stream
}
HEARTBEAT = b": heartbeat\n\n"
SEND_BUFFER_BYTES = 64 * 1024
"""Kernel send buffer of a stream's socket. Left alone, Linux grows it to megabytes, and the
bytes parked there are a backlog that coalescing can no longer replace with the newest event."""
SHUTDOWN_GRACE_SECONDS = 1.0
"""How long shutdown waits for streams to end cleanly before cutting the rest."""


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


def sse_retry(retry_ms: int) -> bytes:
    """A block carrying only the reconnect delay; it dispatches no event."""
    return b"retry: %d\n\n" % retry_ms


def chunked(data: bytes) -> bytes:
    """HTTP/1.1 chunk framing, so one encoded chunk serves every chunked stream."""
    return b"%x\r\n%b\r\n" % (len(data), data)


MessageFormatter = Callable[[Message], bytes]


class OpenStreams:
    """The open streams of one app."""

    def __init__(self) -> None:
        self.streams: set[SseStream] = set()
        self.closing = False
        self.shutdown_installed = False
        self._all_ended = asyncio.Event()
        self.per_address = OpenPerAddress(0)
        self.trusted_proxies: Sequence[IPNetwork] = ()

    def add(self, stream: SseStream) -> None:
        self.streams.add(stream)

    def admit(self, stream: SseStream) -> None:
        """Count the stream against its client address's cap, or refuse it with 429."""
        address = client_ip(stream.request, self.trusted_proxies)
        if not self.per_address.admit(address, stream.transport):
            limit = self.per_address.limit
            raise ServiceError(
                429,
                "too_many_streams",
                f"This address already holds {limit} open event streams "
                "(SPARKHOUSE_SSE_MAX_STREAMS_PER_ADDRESS); close one first",
            )
        stream.address = address

    def discard(self, stream: SseStream) -> None:
        self.streams.discard(stream)
        if stream.address is not None:
            self.per_address.release(stream.address, stream.transport)
            stream.address = None
        if not self.streams:
            self._all_ended.set()

    async def close_all(self, grace_seconds: float = SHUTDOWN_GRACE_SECONDS) -> int:
        """End every stream: cleanly (final chunk) where the client keeps up, cut after
        ``grace_seconds`` otherwise. New streams end at once from here on."""
        self.closing = True
        count = len(self.streams)
        for stream in list(self.streams):
            stream.drop("server shutting down")
        if self.streams:
            self._all_ended.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(grace_seconds):
                    await self._all_ended.wait()
        for stream in list(self.streams):
            stream.abort()
        return count


def open_streams(app: Sanic) -> OpenStreams:
    registry: OpenStreams | None = getattr(app.ctx, "sse_streams", None)
    if registry is None:
        registry = app.ctx.sse_streams = OpenStreams()
    return registry


def install(app: Sanic, settings: PlatformSettings) -> None:
    """Cap the streams per client address, and end every open stream when the server stops
    (safe to call more than once)."""
    registry = open_streams(app)
    registry.per_address = OpenPerAddress(settings.realtime.max_streams_per_address)
    registry.trusted_proxies = settings.server.trusted_proxies
    if registry.shutdown_installed:
        return
    registry.shutdown_installed = True

    async def close_event_streams(app: Sanic, _: Any = None) -> None:
        count = await registry.close_all()
        if count:
            log.info("closed %d event stream(s) for shutdown", count)

    app.register_listener(close_event_streams, "before_server_stop")


class SseStream:
    """One open ``text/event-stream`` response subscribed to broker topics.

    Use :meth:`open` (subscribe, then send the headers and a first chunk), then :meth:`run`
    until the client leaves; ``run`` always unsubscribes.
    """

    def __init__(
        self,
        request: Request,
        response: HTTPResponse | None,
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
        self.chunked_format_name = format_name + "+chunked"
        self.coalesce = coalesce
        self.max_queue = max_queue
        self.pending: deque[bytes] = deque()
        self.wakeup = asyncio.Event()
        self.closed = asyncio.Event()
        self.topics: list[str] = []
        self.transport: Any = request.transport  # Sanic types it without the methods we use
        # True while our own task writes (or before the first write): a direct write from
        # deliver() could then overtake older bytes, so deliveries queue instead.
        self.writing = response is None
        self.raw_chunked = False
        # The hot path's one test: framing known, our task not writing, stream not closed.
        self.direct = False
        self._chunk_formatter: MessageFormatter = lambda message: chunked(formatter(message))
        self.address: str | None = None  # set while counted against its address's cap
        self.registry = open_streams(request.app)
        self.registry.add(self)
        if self.registry.closing:
            self.closed.set()
        if response is not None:
            self._detect_framing()
            self.writing = False
            self._update_direct()

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
        topics: Iterable[str] = (),
        send_buffer_bytes: int | None = SEND_BUFFER_BYTES,
    ) -> SseStream:
        """Subscribe to ``topics`` and start the response with ``first``; a ServiceError
        (429) when the client's address already holds its cap of open streams.

        The subscription happens before anything is awaited, so a caller that reads its
        current state just before calling this misses no message published afterwards;
        messages published while the first chunk is sent follow it in order.
        """
        stream = cls(request, None, broker, formatter, format_name, coalesce=coalesce)
        try:
            stream.registry.admit(stream)
        except ServiceError:
            stream._release()
            raise
        if send_buffer_bytes is not None:
            stream._limit_send_buffer(send_buffer_bytes)
        for topic in topics:
            stream.subscribe(topic)
        try:
            response = await request.respond(
                headers={**SSE_HEADERS, **(headers or {})}, content_type="text/event-stream"
            )
            assert response is not None
            stream.response = response
            # The first send carries the headers; afterwards we know the framing Sanic chose.
            await response.send(first or HEARTBEAT)
        except BaseException:
            stream._release()
            raise
        stream._detect_framing()
        stream.writing = False
        stream._update_direct()
        if stream.pending:
            stream.wakeup.set()
        return stream

    def _detect_framing(self) -> None:
        self.raw_chunked = response_is_raw_chunked(self.request)

    def _update_direct(self) -> None:
        self.direct = self.raw_chunked and not self.writing and not self.closed.is_set()

    def _limit_send_buffer(self, size: int) -> None:
        transport = self.transport
        sock = transport.get_extra_info("socket") if transport is not None else None
        if sock is not None:
            with contextlib.suppress(OSError, AttributeError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)

    def subscribe(self, topic: str) -> None:
        if self.closed.is_set():
            return
        self.topics.append(topic)
        self.broker.subscribe(topic, self)

    # -- broker subscriber ----------------------------------------------------------------

    def deliver(self, message: Message) -> bool:
        transport = self.transport
        if (
            self.direct
            and not self.pending
            and not transport.get_write_buffer_size()
            and not transport.is_closing()
        ):
            # The client keeps up: the once-encoded chunk goes straight to the socket.
            transport.write(message.encoded(self.chunked_format_name, self._chunk_formatter))
            return True
        if self.closed.is_set() or transport is None or transport.is_closing():
            return True  # ending already; our task unsubscribes (not a slow consumer)
        data = message.encoded(self.format_name, self.formatter)
        # Only a client that is behind (bytes still unsent) loses intermediate events; one
        # that is merely waiting for our task's current write keeps every event.
        behind = transport.get_write_buffer_size() > 0 or len(self.pending) >= self.max_queue
        if self.coalesce and behind:
            self.pending.clear()
        elif len(self.pending) >= self.max_queue:
            return False
        self.pending.append(data)
        self.wakeup.set()
        return True

    def drop(self, reason: str) -> None:
        """End the stream: its task sends the final chunk and returns."""
        if self.closed.is_set():
            return
        log.debug("closing an event stream: %s", reason)
        self.closed.set()
        self.direct = False
        self.wakeup.set()
        transport = self.transport
        if self.writing and transport is not None and transport.get_write_buffer_size() > 0:
            # Our task waits for a socket that is not draining; only cutting it frees it.
            transport.abort()

    def abort(self) -> None:
        """Cut the connection now (its task is cancelled by Sanic and unsubscribes)."""
        self.closed.set()
        self.direct = False
        self.wakeup.set()
        transport = self.transport
        if transport is not None and not transport.is_closing():
            transport.abort()

    def send_now(self, data: bytes) -> None:
        """Queue bytes for this stream alone (e.g. a resume event)."""
        self.pending.append(data)
        self.wakeup.set()

    # -- the stream's own task --------------------------------------------------------------

    async def run(self, heartbeat_seconds: float) -> None:
        """Write queued events and heartbeats until the client leaves or the stream is
        dropped; always unsubscribes. A dropped stream ends with the final chunk, so the
        client sees a clean end of stream (EventSource then reconnects after ``retry``)."""
        # Sanic cuts a response that writes nothing through its own calls for
        # RESPONSE_TIMEOUT seconds (direct writes do not count), so stay well inside it.
        response_timeout = float(getattr(self.request.app.config, "RESPONSE_TIMEOUT", 60))
        idle_seconds = max(0.05, min(heartbeat_seconds, response_timeout / 2))
        # Streams opened together would beat together forever; a random first wait spreads
        # thousands of heartbeats over the interval instead of one burst.
        wait_seconds = idle_seconds * random.uniform(0.5, 1.0)
        ended_cleanly = False
        try:
            while not self.closed.is_set():
                if not self.pending:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(wait_seconds):
                            await self.wakeup.wait()
                    wait_seconds = idle_seconds
                self.wakeup.clear()
                if self.closed.is_set():
                    break
                if not self.pending:
                    await self._write(HEARTBEAT)
                while self.pending and not self.closed.is_set():
                    batch = b"".join(self.pending)  # one write for what piled up
                    self.pending.clear()
                    await self._write(batch)
            ended_cleanly = True
        except (ConnectionError, OSError):
            pass
        except asyncio.CancelledError:
            raise  # the client left (Sanic cancels the handler) or the task is being stopped
        except Exception as exc:  # Sanic raises its own errors on a vanished client
            log.debug("event stream ended: %s", exc)
        finally:
            self._unsubscribe()
            try:
                if ended_cleanly and self.response is not None:
                    with contextlib.suppress(Exception):
                        await self.response.eof()
            finally:
                self.registry.discard(self)

    async def _write(self, data: bytes) -> None:
        assert self.response is not None
        self.writing = True
        self.direct = False
        try:
            await self.response.send(data)
        finally:
            self.writing = False
            self._update_direct()

    def _unsubscribe(self) -> None:
        self.closed.set()
        self.direct = False
        for topic in self.topics:
            self.broker.unsubscribe(topic, self)
        self.topics.clear()
        self.pending.clear()

    def _release(self) -> None:
        self._unsubscribe()
        self.registry.discard(self)
