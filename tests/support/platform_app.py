"""The real appliance plus one extra channel, ``echo:*``, for exercising the platform's socket
rules (channel limits, replies, crashes, slow consumers) with topics no part offers, and the
``/_compat/*`` probes of the Sanic internals in appliance/platform/sanic_compat.py.

Run as ``python tests/support/platform_app.py PORT DATA_DIR``; tests start it like the real server.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

import orjson
from sanic import Request, Sanic, Websocket
from sanic.response import HTTPResponse, json

from appliance.platform.realtime.channels import Channel, ChannelConnection, ChannelError
from appliance.platform.realtime.wire import websocket_text_frame
from appliance.platform.sanic_compat import response_is_raw_chunked, ws_is_open, ws_transport
from appliance.server import create_app
from appliance.settings import load_settings


async def join(channel: ChannelConnection, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("refuse"):
        raise ChannelError("unauthorized")
    channel.assigns["count"] = 0
    return {"joined": channel.topic, "params": dict(channel.params)}


async def echo(channel: ChannelConnection, payload: dict[str, Any]) -> dict[str, Any]:
    channel.assigns["count"] += 1
    return {"echo": payload, "count": channel.assigns["count"]}


async def fail(channel: ChannelConnection, payload: dict[str, Any]) -> dict[str, Any]:
    raise ChannelError("nope", detail="asked to fail")


async def crash(channel: ChannelConnection, payload: dict[str, Any]) -> dict[str, Any]:
    raise RuntimeError("handler crashed on purpose")


async def push_back(channel: ChannelConnection, payload: dict[str, Any]) -> None:
    channel.push("pushed", payload)


def add_compat_probes(app: Sanic) -> None:
    """Routes that run sanic_compat's helpers on live connections (test_sanic_compat.py)."""
    after_close: dict[str, bool] = {}
    closed = asyncio.Event()

    @app.websocket("/_compat/ws")
    async def compat_ws(request: Request, ws: Websocket) -> None:
        # Reports through a frame written straight to the transport, as the Phoenix socket
        # writes; then closes and records whether the socket still counts as open.
        after_close.clear()
        closed.clear()
        transport = ws_transport(ws)
        report = {
            "transport": transport is not None and not transport.is_closing(),
            "open": ws_is_open(ws),
            "buffered": transport.get_write_buffer_size() if transport is not None else None,
        }
        if transport is not None:
            transport.write(websocket_text_frame(orjson.dumps(report)))
        await ws.recv()  # the client answers once it has read the report
        await ws.close(1000, "probe done")
        after_close["open"] = ws_is_open(ws)
        closed.set()

    @app.get("/_compat/ws-after-close")
    async def compat_ws_after_close(request: Request) -> HTTPResponse:
        await asyncio.wait_for(closed.wait(), 10)
        return json(after_close)

    @app.get("/_compat/ws-pending-reads")
    async def compat_ws_pending_reads(request: Request) -> HTTPResponse:
        # Sanic's websocket read tasks still alive (each may hold a frame).
        names = {
            "_tracked.<locals>.tracked",
            "WebsocketImplProtocol.async_data_received",
            "WebsocketImplProtocol.async_eof_received",
        }
        tasks = [t for t in asyncio.all_tasks() if t.get_coro().__qualname__ in names]
        return json({"pending": len(tasks)})

    @app.get("/_compat/framing")
    async def compat_framing(request: Request) -> None:
        # Two body bytes: "x", then "1" when Sanic chose raw chunked framing, else "0".
        # ?sized=1 declares a content-length, so Sanic streams without chunks.
        headers = {"content-length": "2"} if request.args.get("sized") else {}
        response = await request.respond(headers=headers, content_type="text/plain")
        assert response is not None
        await response.send(b"x")
        await response.send(b"1" if response_is_raw_chunked(request) else b"0")
        await response.eof()


def main() -> None:
    port, data_dir = int(sys.argv[1]), Path(sys.argv[2])
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = load_settings(port=port, data_dir=data_dir)
    app = create_app(settings, name="sparkhouse_platform_test")
    broker = app.ctx.broker

    async def broadcast(channel: ChannelConnection, payload: dict[str, Any]) -> dict[str, Any]:
        return {"delivered": broker.publish(channel.topic, "shout", payload)}

    app.ctx.platform.channels.add(
        Channel(
            "echo:*",
            join=join,
            events={
                "echo": echo,
                "fail": fail,
                "crash": crash,
                "push": push_back,
                "broadcast": broadcast,
            },
        )
    )
    add_compat_probes(app)

    @app.get("/_test/subscribers")
    async def subscribers(request: Request) -> HTTPResponse:
        # One topic's subscribers by name: /api/system counts them by prefix only.
        return json({"subscribers": broker.subscriber_count(request.args.get("topic", ""))})

    app.run(host="127.0.0.1", port=port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
