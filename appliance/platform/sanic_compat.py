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
from typing import Any

import sanic
from sanic.http.http1 import Http
from sanic.mixins.routes import RouteMixin
from sanic.request import Request
from sanic.response.types import BaseHTTPResponse
from sanic.server.websockets.impl import WebsocketImplProtocol
from websockets.protocol import State

SANIC_VERSION: str = sanic.__version__


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


def install_header_sanitize_patch() -> None:
    """Skip Sanic's ``str.translate`` of a response header when it has nothing to delete.

    Sanic sends every header name and value of every response through ``str.translate`` with
    a dict table that deletes CR, LF and NUL; with a dict table that is a lookup per character,
    twice per header, and the platform adds five security headers to every answer. Looking for
    the three characters first (three ``in`` scans at C speed) gives the same bytes: a value
    that holds one still goes through Sanic's translate. Idempotent.
    """
    BaseHTTPResponse._sanitize_header_value = staticmethod(_sanitize_header_value)  # type: ignore[method-assign]
