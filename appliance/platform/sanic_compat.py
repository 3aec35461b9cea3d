"""Every Sanic internal Sparkhouse leans on, in one place.

Sanic's public API offers no way to do what these helpers do; each says why we need it. The
rest of the code calls these helpers and never touches Sanic's private attributes itself, so a
Sanic upgrade that renames or reshapes one of them breaks here, and
tests/platform/test_sanic_compat.py says which attribute of which Sanic version changed,
instead of the appliance misbehaving quietly (a socket that never writes, an SSE stream that
always queues, a slower start-up).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import sanic
from sanic.helpers import has_message_body
from sanic.http.http1 import Http
from sanic.mixins.routes import RouteMixin
from sanic.request import Request
from sanic.response.types import BaseHTTPResponse
from sanic.server.websockets.frame import WebsocketFrameAssembler
from sanic.server.websockets.impl import WebsocketImplProtocol
from websockets.frames import Frame
from websockets.protocol import State

SANIC_VERSION: str = sanic.__version__
log = logging.getLogger("sparkhouse.realtime")


# -- routes -------------------------------------------------------------------------------

# Sanic's own guess, kept so tests can show what the patch skips (None if Sanic dropped it).
SANIC_ERROR_FORMAT_GUESS: Any = getattr(RouteMixin, "_determine_error_format", None)


def _no_error_format_guess(self: RouteMixin, handler: Any) -> str:
    return ""


def install_route_error_format_patch() -> None:
    """Stop Sanic guessing each route's error format from its handler's source.

    ``RouteMixin._determine_error_format`` parses the handler's source (inspect.getsource +
    ast) as each route is declared, at every start. Our JsonErrorHandler answers
    every error as JSON whatever the guess, and the frozen binary (no .py of ours) never found
    a source anyway. Call it before any module declaring routes is imported (server.py does,
    at its import, before create_app imports the parts). Idempotent.
    """
    RouteMixin._determine_error_format = _no_error_format_guess  # type: ignore[method-assign]


# -- TouchUp ------------------------------------------------------------------------------


def touchup_applied() -> bool:
    """Whether Sanic's TouchUp recompiled the HTTP/1 request path (``Http.__touched__``, set
    by ``sanic.touchup``): without it every request runs the generic, slower path, and Sanic
    says nothing, so server.py warns."""
    return bool(getattr(Http, "__touched__", False))


# -- websockets ---------------------------------------------------------------------------


def ws_transport(ws: WebsocketImplProtocol) -> asyncio.Transport | None:
    """The TCP transport under a Sanic websocket (``ws.io_proto.transport``), None once gone.

    The Phoenix socket writes each broadcast as one pre-encoded frame straight to it (encoded
    once per message, not once per subscriber), reads its write-buffer size to spot a slow
    consumer, and aborts it to drop one (a close frame would queue behind the full buffer).
    """
    io_proto = ws.io_proto
    return io_proto.transport if io_proto else None


def ws_is_open(ws: WebsocketImplProtocol) -> bool:
    """Whether the websocket is open (``ws.ws_proto.state``, the websockets library's protocol
    state): frames written past a close handshake would break the protocol, and Sanic's
    wrapper exposes no public state."""
    return ws.ws_proto.state is State.OPEN


INVALID_DATA_CLOSE_CODE = 1007
"""RFC 6455: the payload does not match its type (a text frame that is not UTF-8)."""

# Sanic's own method, kept so the patch can call it and tests can check what it does.
SANIC_ASSEMBLER_PUT: Any = WebsocketFrameAssembler.put


async def _put_failing_on_invalid_utf8(self: WebsocketFrameAssembler, frame: Frame) -> None:
    try:
        await SANIC_ASSEMBLER_PUT(self, frame)
    except UnicodeDecodeError as exc:
        self.decoder = None
        self.chunks = []
        if self.protocol.ws_proto.state is not State.OPEN:
            return  # closing already: dropped like any frame that arrives now
        # Worded as the websockets library words it; never the frame itself.
        reason = f"{exc.reason} at position {exc.start}"
        log.warning("closing a websocket: a text frame is not UTF-8 (%s)", reason)
        self.protocol.fail_connection(INVALID_DATA_CLOSE_CODE, f"invalid UTF-8: {reason}")


def install_websocket_utf8_patch() -> None:
    """Close a websocket whose text frame is not UTF-8 with 1007, as RFC 6455 asks.

    Sanic decodes text frames in ``WebsocketFrameAssembler.put``, which runs in a task nobody
    awaits: the UnicodeDecodeError (whose repr holds the whole frame) is logged by asyncio as
    an unretrieved task exception, and the socket is left open with the message lost, its
    reader waiting. The patch fails the connection instead and logs one short line.
    Idempotent.
    """
    WebsocketFrameAssembler.put = _put_failing_on_invalid_utf8  # type: ignore[method-assign]


# Sanic's own methods, kept so the patches below can call them.
SANIC_ASYNC_DATA_RECEIVED: Any = WebsocketImplProtocol.async_data_received
SANIC_ASYNC_EOF_RECEIVED: Any = WebsocketImplProtocol.async_eof_received
SANIC_CONNECTION_LOST: Any = WebsocketImplProtocol.connection_lost
SANIC_AUTO_CLOSE: Any = WebsocketImplProtocol.auto_close_connection
SANIC_END_CONNECTION: Any = WebsocketImplProtocol.end_connection
SANIC_FAIL_CONNECTION: Any = WebsocketImplProtocol.fail_connection
_PENDING_READS = "_sparkhouse_pending_reads"
_DRAINING = "_sparkhouse_draining"


def _tracked(sanic_method: Any) -> Any:
    async def tracked(self: WebsocketImplProtocol, *args: Any) -> None:
        pending: set[asyncio.Task[Any]] = self.__dict__.setdefault(_PENDING_READS, set())
        task = asyncio.current_task()
        if task is not None:
            pending.add(task)
        try:
            await sanic_method(self, *args)
        finally:
            pending.discard(task)

    return tracked


def _connection_lost_releasing_reads(self: WebsocketImplProtocol, exc: Exception | None) -> None:
    SANIC_CONNECTION_LOST(self, exc)
    for task in list(self.__dict__.get(_PENDING_READS, ())):
        task.cancel()


def _keep_reading_while_draining(sanic_method: Any) -> Any:
    # Sanic pauses reading when it ends or fails a connection; while the closer waits for
    # the client to close, reading must go on (or the client's FIN is never seen).
    def keep_reading(self: WebsocketImplProtocol, *args: Any, **kwargs: Any) -> Any:
        result = sanic_method(self, *args, **kwargs)
        io_proto = self.io_proto
        if self.__dict__.get(_DRAINING) and io_proto is not None and io_proto.transport:
            io_proto.transport.resume_reading()
        return result

    return keep_reading


async def _auto_close_after_the_peer(self: WebsocketImplProtocol) -> None:
    try:
        if self.data_finished_fut is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.data_finished_fut
        io_proto = self.io_proto
        transport = io_proto.transport if io_proto is not None else None
        if transport is not None and not transport.is_closing() and self.connection_lost_waiter:
            self.can_pause = False
            self.__dict__[_DRAINING] = True
            if transport.can_write_eof():
                transport.write_eof()
            transport.resume_reading()
            await self.wait_for_connection_lost(timeout=self.close_timeout)
    except asyncio.CancelledError:
        pass  # Sanic's closer, below, does what a cancelled closer must
    await SANIC_AUTO_CLOSE(self)


def install_websocket_close_patch() -> None:
    """End websocket connections the way RFC 6455 asks, and let go of their reads.

    Sanic's closer closes the TCP connection as soon as the data phase ends, with the
    connection's reading paused: bytes the client sent meanwhile (frames sent before it saw
    our close frame, its close reply) sit unread, and closing a socket with unread data makes
    the kernel answer with a reset, which drops our close frame before the client reads it
    (the client sees 1006 instead of 1003/1007/1000). The patched closer half-closes, keeps
    reading, and waits (``close_timeout`` at most) for the client to close its side first.

    Sanic also reads each burst of frames in a task nobody awaits; a task holding a message
    the handler never fetched (it stopped reading to close) waits forever, frame and all. The
    patch cancels those tasks when the connection is lost. Idempotent.
    """
    WebsocketImplProtocol.async_data_received = _tracked(SANIC_ASYNC_DATA_RECEIVED)  # type: ignore[method-assign]
    WebsocketImplProtocol.async_eof_received = _tracked(SANIC_ASYNC_EOF_RECEIVED)  # type: ignore[method-assign]
    WebsocketImplProtocol.connection_lost = _connection_lost_releasing_reads  # type: ignore[method-assign]
    WebsocketImplProtocol.auto_close_connection = _auto_close_after_the_peer  # type: ignore[method-assign]
    WebsocketImplProtocol.end_connection = _keep_reading_while_draining(SANIC_END_CONNECTION)  # type: ignore[method-assign]
    WebsocketImplProtocol.fail_connection = _keep_reading_while_draining(SANIC_FAIL_CONNECTION)  # type: ignore[method-assign]


# -- streamed HTTP responses --------------------------------------------------------------

CHUNKED_RESPONSE_FUNC = "http1_response_chunked"


def response_is_raw_chunked(request: Request) -> bool:
    """Whether Sanic frames this request's streamed response as HTTP/1.1 chunks.

    Known only after the first send (``request.stream.response_func`` is then Sanic's
    ``Http.http1_response_chunked``). An SSE stream then writes pre-framed chunks straight to
    the transport, encoded once per message for every stream; any other framing (HTTP/1.0, a
    HEAD request) goes through Sanic's ``response.send``.
    """
    func = getattr(request.stream, "response_func", None)
    return getattr(func, "__name__", "") == CHUNKED_RESPONSE_FUNC


# -- response headers ---------------------------------------------------------------------

# Sanic's own sanitizer, kept so the patch can fall back to it and tests can compare the two.
SANIC_SANITIZE_HEADER: Any = BaseHTTPResponse._sanitize_header_value
HEADER_UNSAFE = "\r\n\x00"
"""The characters Sanic deletes from response header names and values (its
``HEADER_TRANSLATION_TABLE``); tests/platform/test_sanic_compat.py checks it still is."""


def _sanitize_header_value(value: str) -> str:
    if "\r" in value or "\n" in value or "\x00" in value:
        return str(SANIC_SANITIZE_HEADER(value))
    return value


SANIC_PROCESSED_HEADERS: Any = BaseHTTPResponse.processed_headers
ENCODED_HEADER_NAMES = frozenset(
    {
        # Sanic's own, on every answer
        "content-type",
        "content-length",
        "connection",
        "alt-svc",
        # the platform's (http.py), on every answer
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Permissions-Policy",
        "Content-Security-Policy",
        "Vary",
        # the collect endpoints' (analytics ingest)
        "x-sparklytics-ingest-ack",
        "x-sparklytics-ingest-queue-events",
        "x-sparklytics-ingest-queue-capacity",
        "x-sparklytics-ingest-accepted-events",
        "x-sparklytics-ingest-dropped-events",
    }
)
"""Response headers (exact spelling) whose encoded bytes are remembered: ones that are on most
answers and hold nothing secret. Any other header (a cookie, a Location) is encoded each time."""
ENCODED_HEADERS_KEPT = 2048
_encoded_headers: dict[tuple[str, str | int], tuple[bytes, bytes]] = {}


def _processed_headers(self: BaseHTTPResponse) -> list[tuple[bytes, bytes]]:
    headers = self.headers
    if has_message_body(self.status):
        headers.setdefault("content-type", self.content_type)
    encoded = _encoded_headers
    found: list[tuple[bytes, bytes]] = []
    for item in headers.items():
        pair = encoded.get(item)
        if pair is None:
            name, value = item
            pair = (
                _sanitize_header_value(name).encode("ascii"),
                _sanitize_header_value(f"{value}").encode(errors="surrogateescape"),
            )
            # str and int only: a bool or a float could equal an int and spell differently
            if (
                name in ENCODED_HEADER_NAMES
                and type(value) in (str, int)
                and len(encoded) < ENCODED_HEADERS_KEPT
            ):
                encoded[item] = pair
        found.append(pair)
    return found


def install_header_sanitize_patch() -> None:
    """Skip Sanic's ``str.translate`` of a response header when it has nothing to delete, and
    its encoding of the headers every answer repeats.

    Sanic sends every header name and value of every response through ``str.translate`` with
    a dict table that deletes CR, LF and NUL; with a dict table that is a lookup per character,
    twice per header, and the platform adds five security headers to every answer. Looking for
    the three characters first (three ``in`` scans at C speed) gives the same bytes: a value
    that holds one still goes through Sanic's translate. Then ``processed_headers`` encodes
    each (name, value) once and looks the bytes up afterwards, for the headers of
    :data:`ENCODED_HEADER_NAMES` (bounded: :data:`ENCODED_HEADERS_KEPT` pairs); it gives a
    list of the same pairs Sanic's generator gives. Idempotent.
    """
    BaseHTTPResponse._sanitize_header_value = staticmethod(_sanitize_header_value)  # type: ignore[method-assign]
    BaseHTTPResponse.processed_headers = property(_processed_headers)  # type: ignore[method-assign,assignment]
