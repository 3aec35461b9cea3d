"""The Sanic internals appliance/platform/sanic_compat.py leans on, against the installed Sanic.

A Sanic (or websockets) upgrade that moves one of them fails here, naming the version and the
attribute, rather than leaving the appliance to misbehave quietly.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from typing import Any

import httpx
import orjson
import pytest
import sanic.mixins.routes
import websockets
from sanic import Blueprint, Request, Websocket
from sanic.http.http1 import Http
from sanic.mixins.routes import RouteMixin
from sanic.response import HTTPResponse, text
from sanic.server.protocols.base_protocol import SanicProtocol
from sanic.server.websockets.frame import WebsocketFrameAssembler
from sanic.server.websockets.impl import WebsocketImplProtocol
from sanic.touchup.service import TouchUp
from websockets.exceptions import ConnectionClosedOK
from websockets.protocol import Protocol, State

from appliance.platform import sanic_compat
from tests.conftest import RunningServer
from tests.support.phoenix_raw import RawSocket


def changed(what: str) -> str:
    return (
        f"Sanic {sanic_compat.SANIC_VERSION} (websockets {websockets.__version__}): {what}; "
        "appliance/platform/sanic_compat.py must follow this change"
    )


# -- the internals are where the helpers look ---------------------------------------------


def test_route_mixin_guesses_error_formats_through_determine_error_format() -> None:
    assert callable(sanic_compat.SANIC_ERROR_FORMAT_GUESS), changed(
        "RouteMixin._determine_error_format is gone"
    )
    assert "self._determine_error_format(handler)" in inspect.getsource(RouteMixin.route), changed(
        "RouteMixin.route no longer calls self._determine_error_format(handler)"
    )


def test_websocket_impl_keeps_io_proto_and_ws_proto() -> None:
    assert Websocket is WebsocketImplProtocol, changed(
        "sanic.Websocket is no longer sanic.server.websockets.impl.WebsocketImplProtocol"
    )
    annotations = inspect.get_annotations(WebsocketImplProtocol)
    for name in ("io_proto", "ws_proto"):
        assert name in annotations, changed(f"WebsocketImplProtocol has no attribute {name!r}")
    assert "transport" in SanicProtocol.__slots__, changed(
        "SanicProtocol (ws.io_proto) has no attribute 'transport'"
    )
    assert isinstance(inspect.getattr_static(Protocol, "state", None), property), changed(
        "websockets.protocol.Protocol (ws.ws_proto) has no 'state'"
    )
    assert State.OPEN.name == "OPEN", changed("websockets.protocol.State has no OPEN")


def test_http_stream_keeps_response_func_and_the_chunked_writer() -> None:
    assert "response_func" in Http.__slots__, changed("Http has no attribute 'response_func'")
    chunked = getattr(Http, sanic_compat.CHUNKED_RESPONSE_FUNC, None)
    assert callable(chunked), changed(f"Http has no method {sanic_compat.CHUNKED_RESPONSE_FUNC!r}")
    # appliance/platform/http.py sets and reads the per-request body limit on the stream.
    slots = {name for cls in Http.__mro__ for name in getattr(cls, "__slots__", ())}
    assert "request_max_size" in slots, changed("Http has no attribute 'request_max_size'")


def test_the_frame_assembler_decodes_text_frames_in_put() -> None:
    source = inspect.getsource(sanic_compat.SANIC_ASSEMBLER_PUT)
    assert "self.decoder.decode(" in source, changed(
        "WebsocketFrameAssembler.put no longer decodes text frames (is the UTF-8 patch needed?)"
    )
    assert {"decoder", "chunks"} <= set(WebsocketFrameAssembler.__slots__), changed(
        "WebsocketFrameAssembler has no 'decoder' or 'chunks'"
    )
    assert callable(getattr(WebsocketImplProtocol, "fail_connection", None)), changed(
        "WebsocketImplProtocol has no fail_connection"
    )


def test_websocket_reads_and_closer_are_where_the_close_patch_looks() -> None:
    data_received = inspect.getsource(WebsocketImplProtocol.data_received)
    assert "asyncio.create_task(" in data_received and "async_data_received" in data_received, (
        changed("WebsocketImplProtocol.data_received no longer reads in async_data_received tasks")
    )
    closer = inspect.getsource(sanic_compat.SANIC_AUTO_CLOSE)
    assert "await self.data_finished_fut" in closer, changed(
        "auto_close_connection no longer waits for data_finished_fut"
    )
    for name in ("connection_lost_waiter", "close_timeout", "can_pause", "data_finished_fut"):
        assert name in inspect.get_annotations(WebsocketImplProtocol), changed(
            f"WebsocketImplProtocol has no attribute {name!r}"
        )


def test_touchup_marks_the_classes_it_recompiled() -> None:
    assert any(target is Http for target, _ in TouchUp._registry), changed(
        "TouchUp no longer recompiles Http"
    )
    assert "target.__touched__ = True" in inspect.getsource(TouchUp.run), changed(
        "TouchUp.run no longer sets '__touched__' on the classes it recompiled"
    )


# -- the helpers behave -------------------------------------------------------------------


async def _returns_text(request: Request) -> HTTPResponse:
    return text("x")


def test_the_route_patch_skips_reading_handler_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[Any] = []
    real_getsource = inspect.getsource

    def spy(obj: Any) -> str:
        read.append(obj)
        return real_getsource(obj)

    monkeypatch.setattr(sanic.mixins.routes, "getsource", spy, raising=False)
    monkeypatch.setattr(
        RouteMixin, "_determine_error_format", sanic_compat.SANIC_ERROR_FORMAT_GUESS
    )
    Blueprint("compat_unpatched").route("/guessed")(_returns_text)
    assert read, changed(
        "declaring a route no longer reads its handler's source (is the patch needed?)"
    )

    sanic_compat.install_route_error_format_patch()
    read.clear()
    Blueprint("compat_patched").route("/not_guessed")(_returns_text)
    assert read == [], changed("the patch no longer stops Sanic reading handler sources")


async def test_websocket_helpers_on_a_live_socket(platform_server: RunningServer) -> None:
    url = f"ws://127.0.0.1:{platform_server.port}/_compat/ws"
    async with websockets.connect(url) as ws:
        # Written by the server straight to ws_transport(ws): a valid frame on the wire.
        report = orjson.loads(await ws.recv())
        assert report["transport"] is True, changed("ws_transport(ws) found no open transport")
        assert report["open"] is True, changed("ws_is_open(ws) is False on an open socket")
        assert isinstance(report["buffered"], int), changed(
            "the transport has no write buffer size"
        )
        await ws.send("read")
        with pytest.raises(ConnectionClosedOK):
            await ws.recv()
        assert ws.close_code == 1000
    async with httpx.AsyncClient(base_url=platform_server.url, timeout=15) as client:
        after = (await client.get("/_compat/ws-after-close")).json()
    assert after == {"open": False}, changed("ws_is_open(ws) is still True after a close")


@pytest.mark.parametrize(("query", "expected"), [("", b"x1"), ("?sized=1", b"x0")])
async def test_response_is_raw_chunked_after_the_first_send(
    platform_server: RunningServer, query: str, expected: bytes
) -> None:
    async with httpx.AsyncClient(base_url=platform_server.url, timeout=10) as client:
        response = await client.get(f"/_compat/framing{query}")
    assert response.status_code == 200, response.text
    chunked = response.headers.get("transfer-encoding") == "chunked"
    assert chunked == (expected == b"x1"), response.headers
    assert response.content == expected, changed(
        "response_is_raw_chunked(request) does not match the framing Sanic chose"
    )


@pytest.mark.parametrize("fragmented", [False, True])
async def test_a_text_frame_that_is_not_utf8_closes_with_1007_and_one_short_line(
    platform_server: RunningServer, fragmented: bool
) -> None:
    """Unpatched, Sanic's decode fails in a task nobody awaits: asyncio logs a traceback that
    holds the whole frame, and the socket hangs with its reader waiting."""
    marker = "frame-body-never-logged-"
    payload = (marker * 8000).encode() + b"\xff\xfe"  # ~190 kB, the bad bytes at the end
    logged_before = len(platform_server.log())
    sock = await RawSocket.open(platform_server.ws_url)
    if fragmented:  # the bad bytes in a continuation frame
        await sock.connection.send([payload[:1000], payload[1000:]], text=True)
    else:
        await sock.connection.send(payload, text=True)
    assert await sock.closed_with(timeout=5) == 1007
    deadline = asyncio.get_running_loop().time() + 5
    while "not UTF-8" not in platform_server.log()[logged_before:]:
        assert asyncio.get_running_loop().time() < deadline, "no log line about the frame"
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # an unretrieved task exception is logged when collected
    logged = platform_server.log()[logged_before:]
    assert marker not in logged and "Traceback" not in logged, logged[:2000]
    (line,) = [line for line in logged.splitlines() if "not UTF-8" in line]
    assert len(line) < 200, line
    # The server is fine: a new socket still gets its heartbeat answered.
    fresh = await RawSocket.open(platform_server.ws_url)
    ref, reply = await fresh.heartbeat()
    assert reply == [None, ref, "phoenix", "phx_reply", {"status": "ok", "response": {}}]
    await fresh.close()


def test_sanic_deletes_only_cr_lf_and_nul_from_response_headers() -> None:
    from sanic.response.types import HEADER_TRANSLATION_TABLE

    assert str.maketrans("", "", sanic_compat.HEADER_UNSAFE) == HEADER_TRANSLATION_TABLE, changed(
        "BaseHTTPResponse sanitizes response headers with another table"
    )
    assert "value.translate(HEADER_TRANSLATION_TABLE)" in inspect.getsource(
        sanic_compat.SANIC_SANITIZE_HEADER
    ), changed("BaseHTTPResponse._sanitize_header_value changed")


@pytest.mark.parametrize(
    "value",
    ["nosniff", "camera=(), microphone=(), geolocation=()", "a\r\nSet-Cookie: x=1", "\x00", "é\n"],
)
def test_the_header_patch_gives_the_bytes_sanic_gives(value: str) -> None:
    sanic_compat.install_header_sanitize_patch()
    from sanic.response.types import BaseHTTPResponse

    assert BaseHTTPResponse._sanitize_header_value(value) == sanic_compat.SANIC_SANITIZE_HEADER(
        value
    )


async def test_a_socket_closed_mid_burst_gets_its_close_code_and_leaves_no_read_behind(
    platform_server: RunningServer,
) -> None:
    """The server closes (a binary frame: 1003) while the client is still sending. Unpatched,
    Sanic closes the TCP connection with those frames unread: the kernel resets it and the
    client never sees the close frame; and each read task holding a frame nobody fetched
    stays pending for the life of the server."""
    codes = []
    for _ in range(10):
        sock = await RawSocket.open(platform_server.ws_url)
        await sock.send_raw(b"binary frames are refused")
        with contextlib.suppress(websockets.ConnectionClosed):
            for n in range(20):
                await sock.send(None, str(n), "phoenix", "heartbeat", {"pad": "x" * 10_000})
        codes.append(await sock.closed_with(timeout=5))
    assert codes == [1003] * 10
    async with httpx.AsyncClient(base_url=platform_server.url, timeout=10) as client:
        deadline = asyncio.get_running_loop().time() + 5
        while (await client.get("/_compat/ws-pending-reads")).json()["pending"]:
            assert asyncio.get_running_loop().time() < deadline, "read tasks left pending"
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("first", [b"[]", b"binary"])
async def test_a_late_bad_frame_does_not_hold_a_closing_socket_open(
    platform_server: RunningServer, first: bytes
) -> None:
    """The server is closing (a malformed frame: 1007; a binary one: 1003) when a text frame
    that is not UTF-8 arrives. Sanic pauses reading as it fails or ends a connection: the
    client's FIN went unread and the connection stayed open until the close timeout."""
    async with httpx.AsyncClient(base_url=platform_server.url, timeout=10) as client:
        for _ in range(3):
            sock = await RawSocket.open(platform_server.ws_url, vsn="1.0.0")
            if first == b"[]":
                await sock.send_raw("[]")
            else:
                await sock.send_raw(first)
            with contextlib.suppress(websockets.ConnectionClosed):
                await sock.connection.send(b"\x80\xeat", text=True)
            assert await sock.closed_with(timeout=5) in (1003, 1007)
            deadline = asyncio.get_running_loop().time() + 2  # the close timeout is 10 s
            while (await client.get("/_compat/ws-pending-reads")).json()["pending"]:
                assert asyncio.get_running_loop().time() < deadline, "the connection lingers"
                await asyncio.sleep(0.05)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Frame-Options": "DENY", "content-length": 86, "connection": "keep-alive"},
        {"content-length": 1, "Vary": True, "x-sparklytics-ingest-queue-events": 1.0},
        {"Set-Cookie": "session=secret", "Location": "/a\r\nX-Evil: 1", "alt-svc": ""},
        {"X-Frame-Options": "DE\nNY", "content-type": "text/html; charset=é"},
    ],
)
def test_the_processed_headers_patch_gives_the_pairs_sanic_gives(
    headers: dict[str, object],
) -> None:
    from sanic.response import HTTPResponse

    sanic_compat.install_header_sanitize_patch()
    for _ in range(2):  # encoded, then remembered
        response = HTTPResponse(b"{}", status=202, content_type="application/json")
        for name, value in headers.items():
            response.headers[name] = value
        expected = list(sanic_compat.SANIC_PROCESSED_HEADERS.fget(response))
        assert response.processed_headers == expected
    remembered = {name for name, _ in sanic_compat._encoded_headers}
    assert "Set-Cookie" not in remembered and "Location" not in remembered
    assert all(type(value) in (str, int) for _, value in sanic_compat._encoded_headers)
