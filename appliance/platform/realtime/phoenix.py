"""The Phoenix Channels endpoint ``/socket/websocket`` (see specs/phoenix-channels-protocol.md).

One :class:`PhoenixSocket` per connection reads frames in order and writes every frame it sends
— replies and broadcasts alike — straight to the transport as one complete WebSocket frame, so
replies and broadcasts keep their order and the broker never awaits a subscriber.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson
from sanic import Request, Sanic
from sanic.response import HTTPResponse
from websockets.exceptions import ConnectionClosed

from appliance.platform.errors import ServiceError
from appliance.platform.http import client_ip
from appliance.platform.ratelimit import OpenPerAddress
from appliance.platform.realtime.broker import Broker, Message
from appliance.platform.realtime.channels import Channel, ChannelError, ChannelRegistry
from appliance.platform.realtime.wire import (
    broadcast_frame_v1,
    broadcast_frame_v2,
    phoenix_v1,
    phoenix_v2,
    websocket_text_frame,
)
from appliance.platform.sanic_compat import (
    install_websocket_close_patch,
    install_websocket_utf8_patch,
    ws_is_open,
    ws_transport,
)
from appliance.platform.settings import PlatformSettings
from appliance.platform.validation import JsonTooDeep, loads_json

log = logging.getLogger("sparkhouse.realtime")

SOCKET_PATH = "/socket/websocket"
SUPPORTED_VSN = {"2.0.0": 2, "1.0.0": 1}
PHOENIX_TOPIC = "phoenix"
OK_EMPTY: dict[str, Any] = {"status": "ok", "response": {}}
MALFORMED_CLOSE_CODE = 1007  # "invalid frame payload data"
UNSUPPORTED_CLOSE_CODE = 1003


class MalformedFrame(ValueError):
    def __init__(self, message: str, ref: str | None = None, topic: str | None = None) -> None:
        super().__init__(message)
        self.ref = ref
        self.topic = topic


@dataclass
class Incoming:
    join_ref: str | None
    ref: str | None
    topic: str
    event: str
    payload: dict[str, Any]


def _opt_str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # old clients send numeric refs
    raise TypeError


def decode_frame(raw: str | bytes, vsn: int) -> Incoming:
    """Parse one text frame of either serializer; MalformedFrame names what is wrong."""
    try:
        value = loads_json(raw)
    except orjson.JSONDecodeError:
        raise MalformedFrame("frame is not JSON") from None
    except JsonTooDeep as exc:
        raise MalformedFrame(f"frame refused: {exc}") from None
    if vsn == 2:
        if not isinstance(value, list) or len(value) != 5:
            raise MalformedFrame("a V2 frame is a JSON array of 5 elements")
        join_ref, ref, topic, event, payload = value
    else:
        if not isinstance(value, dict):
            raise MalformedFrame("a V1 frame is a JSON object")
        join_ref, ref = value.get("join_ref"), value.get("ref")
        topic, event, payload = value.get("topic"), value.get("event"), value.get("payload")
    try:
        join_ref, ref = _opt_str(join_ref), _opt_str(ref)
    except TypeError:
        raise MalformedFrame("join_ref and ref must be strings or null") from None
    if not isinstance(topic, str) or not topic or not isinstance(event, str) or not event:
        raise MalformedFrame("topic and event must be non-empty strings", ref)
    if not isinstance(payload, dict):
        raise MalformedFrame("payload must be a JSON object", ref, topic)
    return Incoming(join_ref, ref, topic, event, payload)


@dataclass
class JoinedChannel:
    """A channel joined by one socket; implements ``ChannelConnection`` for part handlers."""

    socket: PhoenixSocket
    channel: Channel
    topic: str
    join_ref: str | None
    assigns: dict[str, Any] = field(default_factory=dict)

    @property
    def params(self) -> Mapping[str, str]:
        return self.socket.params

    @property
    def cookies(self) -> Mapping[str, str]:
        return self.socket.cookies

    @property
    def client_ip(self) -> str:
        return self.socket.client_ip

    def push(self, event: str, payload: dict[str, Any]) -> None:
        self.socket.send(self.join_ref, None, self.topic, event, payload)

    def close(self) -> None:
        """Leave the channel once the current reply is written, as a ``phx_leave`` would:
        no more broadcasts of the topic, and ``phx_close`` to the client."""
        asyncio.get_running_loop().call_soon(self.socket.close_channel, self)


class PhoenixSocket:
    """One WebSocket connection speaking Phoenix Channels; a broker subscriber."""

    def __init__(
        self,
        ws: Any,
        vsn: int,
        params: Mapping[str, str],
        ip: str,
        broker: Broker,
        registry: ChannelRegistry,
        settings: PlatformSettings,
        cookies: Mapping[str, str] | None = None,
    ) -> None:
        self.ws = ws
        self.cookies: Mapping[str, str] = cookies or {}
        self.vsn = vsn
        self.params = params
        self.client_ip = ip
        self.broker = broker
        self.registry = registry
        self.limits = settings.realtime
        self.joined: dict[str, JoinedChannel] = {}
        self.closed = False
        self._closing: set[asyncio.Task[None]] = set()

    # -- writing --------------------------------------------------------------------------

    def _write(self, frame: bytes) -> bool:
        transport = ws_transport(self.ws)
        if self.closed or transport is None or transport.is_closing():
            return False
        if not ws_is_open(self.ws):
            return False
        if transport.get_write_buffer_size() + len(frame) > self.limits.send_buffer_bytes:
            return False
        transport.write(frame)
        return True

    def send(
        self, join_ref: str | None, ref: str | None, topic: str, event: str, payload: dict[str, Any]
    ) -> None:
        body = (
            phoenix_v2(join_ref, ref, topic, event, payload)
            if self.vsn == 2
            else phoenix_v1(ref, topic, event, payload)
        )
        if not self._write(websocket_text_frame(body)) and not self.closed:
            self.drop("send buffer full")

    def reply(
        self,
        join_ref: str | None,
        ref: str | None,
        topic: str,
        status: str,
        response: dict[str, Any],
    ) -> None:
        self.send(join_ref, ref, topic, "phx_reply", {"status": status, "response": response})

    # -- broker subscriber ----------------------------------------------------------------

    def deliver(self, message: Message) -> bool:
        if self.vsn == 2:
            return self._write(message.encoded("phoenix-v2", broadcast_frame_v2))
        return self._write(message.encoded("phoenix-v1", broadcast_frame_v1))

    def drop(self, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        log.warning("closing a socket: %s", reason)
        transport = ws_transport(self.ws)
        if transport is not None:
            transport.abort()  # its buffer is full: a close frame would queue behind it

    # -- reading --------------------------------------------------------------------------

    async def serve(self) -> None:
        idle = self.limits.idle_timeout_seconds
        try:
            while not self.closed:
                try:
                    raw = await self.ws.recv(timeout=idle)
                except ConnectionClosed:
                    break
                if raw is None:
                    if ws_is_open(self.ws):
                        await self.ws.close(1000, "idle timeout")
                    break
                if isinstance(raw, bytes):
                    await self.ws.close(UNSUPPORTED_CLOSE_CODE, "binary frames are not supported")
                    break
                try:
                    frame = decode_frame(raw, self.vsn)
                except MalformedFrame as exc:
                    if exc.ref is None:
                        await self.ws.close(MALFORMED_CLOSE_CODE, f"malformed frame: {exc}")
                        break
                    self.reply(
                        None,
                        exc.ref,
                        exc.topic or PHOENIX_TOPIC,
                        "error",
                        {"reason": "malformed message", "detail": str(exc)},
                    )
                    continue
                await self.handle(frame)
        finally:
            self.closed = True
            for joined in list(self.joined.values()):
                await self._forget(joined)

    async def handle(self, frame: Incoming) -> None:
        if frame.topic == PHOENIX_TOPIC and frame.event == "heartbeat":
            self.send(None, frame.ref, PHOENIX_TOPIC, "phx_reply", OK_EMPTY)
        elif frame.event == "phx_join":
            await self._join(frame)
        elif frame.event == "phx_leave":
            await self._leave(frame)
        else:
            await self._push(frame)

    async def _join(self, frame: Incoming) -> None:
        channel = self.registry.find(frame.topic)
        if channel is None:
            self.reply(None, frame.ref, frame.topic, "error", {"reason": "unmatched topic"})
            return
        previous = self.joined.get(frame.topic)
        if previous is not None:
            # A duplicate join replaces the old channel instance, as Phoenix does.
            self.send(previous.join_ref, previous.join_ref, frame.topic, "phx_close", {})
            await self._forget(previous)
        elif len(self.joined) >= self.limits.max_channels:
            self.reply(
                frame.join_ref,
                frame.ref,
                frame.topic,
                "error",
                {"reason": "too many channels joined"},
            )
            return
        joined = JoinedChannel(self, channel, frame.topic, frame.join_ref)
        try:
            response = await channel.join(joined, frame.payload)
        except ChannelError as exc:
            self.reply(frame.join_ref, frame.ref, frame.topic, "error", exc.response)
            return
        except Exception:
            log.exception("join handler of %s failed", frame.topic)
            self.reply(frame.join_ref, frame.ref, frame.topic, "error", {"reason": "join crashed"})
            return
        if self.closed:
            return
        self.joined[frame.topic] = joined
        self.broker.subscribe(frame.topic, self)
        self.reply(frame.join_ref, frame.ref, frame.topic, "ok", response or {})

    async def _leave(self, frame: Incoming) -> None:
        joined = self.joined.get(frame.topic)
        join_ref = joined.join_ref if joined else frame.join_ref
        self.reply(join_ref, frame.ref, frame.topic, "ok", {})
        if joined is not None:
            await self._forget(joined)
            self.send(join_ref, join_ref, frame.topic, "phx_close", {})

    async def _push(self, frame: Incoming) -> None:
        joined = self.joined.get(frame.topic)
        if joined is None:
            self.reply(None, frame.ref, frame.topic, "error", {"reason": "unmatched topic"})
            return
        if frame.join_ref is not None and frame.join_ref != joined.join_ref:
            return  # stale: from an earlier join of this topic
        handler = joined.channel.events.get(frame.event)
        if handler is None:
            self.reply(
                joined.join_ref,
                frame.ref,
                frame.topic,
                "error",
                {"reason": f"unknown event {frame.event!r}"},
            )
            return
        try:
            response = await handler(joined, frame.payload)
        except ChannelError as exc:
            self.reply(joined.join_ref, frame.ref, frame.topic, "error", exc.response)
            return
        except Exception:
            log.exception("handler %s on %s crashed", frame.event, frame.topic)
            await self._forget(joined)
            self.send(joined.join_ref, joined.join_ref, frame.topic, "phx_error", {})
            return
        if response is not None:
            self.reply(joined.join_ref, frame.ref, frame.topic, "ok", response)

    def close_channel(self, joined: JoinedChannel) -> None:
        if self.joined.get(joined.topic) is not joined:
            return
        self.send(joined.join_ref, joined.join_ref, joined.topic, "phx_close", {})
        task = asyncio.get_running_loop().create_task(self._forget(joined))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _forget(self, joined: JoinedChannel) -> None:
        if self.joined.get(joined.topic) is joined:
            del self.joined[joined.topic]
        self.broker.unsubscribe(joined.topic, self)
        if joined.channel.leave is not None:
            try:
                await joined.channel.leave(joined)
            except Exception:
                log.exception("leave handler of %s failed", joined.topic)


def origin_allowed(request: Request, allow_list: list[str]) -> bool:
    """No Origin (a non-browser client), our own origin, or one listed in CORS_ORIGINS."""
    origin = request.headers.get("origin")
    if not origin:
        return True
    if origin.rstrip("/") in allow_list:
        return True
    return urlsplit(origin).netloc.lower() == (request.host or "").lower()


def install(
    app: Sanic, broker: Broker, registry: ChannelRegistry, settings: PlatformSettings
) -> None:
    """Mount ``/socket/websocket``. Refusals are plain HTTP answers before the upgrade: 403
    for the origin or vsn, 429 past the sockets one address may hold open."""
    install_websocket_utf8_patch()
    install_websocket_close_patch()
    app.config.WEBSOCKET_MAX_SIZE = settings.realtime.max_frame_bytes
    counter = {"open": 0}
    per_address = OpenPerAddress(settings.realtime.max_sockets_per_address)

    # A plain function (no coroutine per request), and only where it can act: on the socket's
    # route and on requests that matched no route (a wrong method on the socket path), which
    # Sanic runs through the app's own list. Every other route leaves it out of its list.
    def check_upgrade(request: Request) -> HTTPResponse | None:
        if request.path != SOCKET_PATH:
            return None
        if not origin_allowed(request, settings.server.cors_origins):
            raise ServiceError(
                403, "origin_refused", "This origin may not open the socket; add it to CORS_ORIGINS"
            )
        if request.args.get("vsn", "1.0.0") not in SUPPORTED_VSN:
            raise ServiceError(403, "unsupported_vsn", "Supported vsn: 2.0.0 and 1.0.0")
        address = client_ip(request, settings.server.trusted_proxies)
        # Counted from here, before the upgrade, so a burst of upgrades cannot overshoot;
        # released when the socket's handler ends (or, never reaching it, once it closes).
        if not per_address.admit(address, request.transport):
            limit = settings.realtime.max_sockets_per_address
            raise ServiceError(
                429,
                "too_many_sockets",
                f"This address already holds {limit} open sockets "
                "(SPARKHOUSE_WS_MAX_SOCKETS_PER_ADDRESS); close one first",
            )
        request.ctx.socket_address = address
        return None

    app.on_request(check_upgrade)

    @app.before_server_start  # after Sanic has given each route its list of middleware
    async def scope_check_upgrade(app: Sanic, _: Any = None) -> None:
        for route in app.router.routes:
            if "/" + route.path.rstrip("/") != SOCKET_PATH:
                route.extra.request_middleware = deque(
                    middleware
                    for middleware in route.extra.request_middleware
                    if middleware.func is not check_upgrade
                )

    @app.websocket(SOCKET_PATH, name="phoenix_socket")
    async def phoenix_socket(request: Request, ws: Any) -> None:
        vsn = SUPPORTED_VSN[request.args.get("vsn", "1.0.0")]
        params = {key: value for key, value in request.args.items() if key != "vsn"}
        flat = {key: values[-1] for key, values in params.items()}
        address: str = request.ctx.socket_address
        cookies = {name: request.cookies.get(name) or "" for name in request.cookies}
        socket = PhoenixSocket(ws, vsn, flat, address, broker, registry, settings, cookies)
        counter["open"] += 1
        try:
            await socket.serve()
        except asyncio.CancelledError:
            raise
        finally:
            counter["open"] -= 1
            per_address.release(address, request.transport)

    app.ctx.socket_counter = counter
