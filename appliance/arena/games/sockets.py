"""CodinCod's own WebSocket door of live games (codincod-contract.md §4; issue 19, door 2):
``/ws`` (the waiting room) and ``/ws/game/<gameId>``, so CodinCod's unmodified frontend plays
against the appliance. Plain JSON text frames ``{event, …}`` both ways.

The handshake is refused with a plain HTTP answer before the upgrade: 403 for an Origin that
is neither the appliance's own, a configured frontend origin
(``SPARKHOUSE_ARENA_FRONTEND_ORIGINS``) nor one of CORS_ORIGINS (no Origin: not a browser,
allowed); 429 past 20 upgrades a minute from one address (the arena's ``ws`` rate-limit scope)
or past the sockets one address may hold open (``SPARKHOUSE_WS_MAX_SOCKETS_PER_ADDRESS``, the
Phoenix socket's cap, counted apart); 401/400 without a valid ``token`` cookie (or Bearer
header), as REST's "required".

Liveness: a WebSocket ping every ``SPARKHOUSE_ARENA_WS_PING_SECONDS`` (30); a socket whose last
pong is older than ``SPARKHOUSE_ARENA_WS_PONG_TIMEOUT_SECONDS`` (35) is dropped. One socket per
user per endpoint: a second one closes the first (1008, so CodinCod's client does not
reconnect and steal it back). Close codes: 1008 (banned, game not found, replaced), 1011 (the
server failed), 1001 (the server stops: every socket, before Sanic ends the handlers). A
frame that is not JSON or not one of the events below with its fields gets
``{event: "error", message: "parsing message failed"}`` and the socket stays open; a refusal
gets ``{event: "error", message}``.

``/ws``
  on connect ``rooms:overview``; ``room:host {options?}``, ``room:join {roomId}``,
  ``room:join-by-invite {inviteCode}``, ``room:leave {roomId}``, ``room:chat-message {roomId,
  message}``, ``game:start {roomId}``. Members get ``room:overview``, ``room:chat-message``,
  ``game:start`` (``rooms:not-enough`` to the starter when no puzzle is approved); every
  waiting-room socket of both doors gets ``rooms:overview`` after each handled message. When a
  user's waiting-room socket closes or misses its pongs (and they hold none at the Phoenix
  door), they leave their room.

``/ws/game/<gameId>``
  on connect: banned → ``error`` then 1008; a malformed id → ``error "Game not found"``, 1008;
  an unknown game → ``game:nonexistent {message}``, 1008; else ``game:finished {game}`` once
  ended, or ``game:overview {game, puzzle}`` — to players and spectators alike (QUIRK fixed).
  ``game:join`` (a spectator becomes a player; refused once ended), ``player:submitted``,
  ``message:send {chatMessage: {message}}`` (the username from the token; read-only once
  ended), ``language:change {language}``, each after a ban check. Broadcasts reach the
  sockets of that game only (QUIRK fixed): ``game:overview``/``game:finished``,
  ``message:send``, ``language:change``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from sanic import Blueprint, Request, Sanic
from websockets.exceptions import ConnectionClosed

from appliance.arena.accounts.guard import signed_in
from appliance.arena.accounts.models import Principal
from appliance.arena.errors import arena_error
from appliance.arena.games.service import (
    CHAT_MESSAGE,
    GAME_NOT_FOUND,
    GAME_UPDATE,
    PLAYER_SUBMITTED,
    ROOMS_NOT_ENOUGH,
    ROOMS_OVERVIEW,
    GameService,
)
from appliance.arena.http import RateLimits, arena_blueprint
from appliance.arena.wire import is_id
from appliance.platform.errors import ServiceError
from appliance.platform.http import client_ip
from appliance.platform.origins import normalized_origin, policy
from appliance.platform.ratelimit import OpenPerAddress
from appliance.platform.realtime.wire import websocket_text_frame
from appliance.platform.sanic_compat import ws_is_open, ws_transport
from appliance.platform.validation import JsonTooDeep, loads_json

log = logging.getLogger("sparkhouse.arena.games")

LOBBY_PATH = "/ws"
GAME_PATH = "/ws/game/<game_id>"
PARSING_FAILED = "parsing message failed"
POLICY = 1008
INTERNAL = 1011
GOING_AWAY = 1001
CLOSE_ALL_SECONDS = 2.0
"""How long a stopping server waits for its /ws sockets' closing handshakes."""

GAME_OVERVIEW = "game:overview"
GAME_FINISHED = "game:finished"
GAME_NONEXISTENT = "game:nonexistent"
MESSAGE_SEND = "message:send"

LOBBY_FIELDS: dict[str, tuple[str, ...]] = {
    "room:host": (),
    "room:join": ("roomId",),
    "room:join-by-invite": ("inviteCode",),
    "room:leave": ("roomId",),
    "room:chat-message": ("roomId", "message"),
    "game:start": ("roomId",),
}
"""The waiting room's events and the string fields each needs (else: parsing failed)."""
GAME_EVENTS = frozenset({"game:join", "player:submitted", "message:send", "language:change"})


def frame(event: str, payload: dict[str, Any]) -> bytes:
    """One complete text frame ``{event, …payload}``, encoded once for every recipient."""
    return websocket_text_frame(orjson.dumps({"event": event, **payload}))


def codincod_game_event(event: str, payload: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The service's game event in CodinCod's words (None: CodinCod has no such event;
    ``player:submitted`` is followed by the game itself)."""
    if event == GAME_UPDATE:
        game = payload["game"]
        return (GAME_FINISHED if game.get("status") == "finished" else GAME_OVERVIEW), {
            "game": game
        }
    if event == CHAT_MESSAGE:
        return MESSAGE_SEND, payload
    if event == PLAYER_SUBMITTED:
        return None
    return event, payload


class Connection:
    """One ``/ws`` or ``/ws/game/<id>`` socket; frames are written whole to its transport
    (as the Phoenix socket does), and one that cannot keep up is dropped."""

    __slots__ = ("closed", "last_pong", "principal", "send_limit", "ws")

    def __init__(self, ws: Any, principal: Principal, send_limit: int) -> None:
        self.ws = ws
        self.principal = principal
        self.send_limit = send_limit
        self.closed = False
        self.last_pong = asyncio.get_running_loop().time()

    @property
    def account_id(self) -> str:
        return self.principal.account_id

    def write(self, data: bytes) -> None:
        transport = ws_transport(self.ws)
        if self.closed or transport is None or transport.is_closing() or not ws_is_open(self.ws):
            return
        if transport.get_write_buffer_size() + len(data) > self.send_limit:
            self.abort("send buffer full")
            return
        transport.write(data)

    def send(self, event: str, payload: dict[str, Any]) -> None:
        self.write(frame(event, payload))

    def error(self, message: str) -> None:
        self.send("error", {"message": message})

    async def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        if ws_is_open(self.ws):
            await self.ws.close(code, reason)

    def close_soon(self, code: int, reason: str) -> None:
        task = asyncio.get_running_loop().create_task(self.close(code, reason))
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)

    def abort(self, reason: str) -> None:
        """Drop the connection without a close handshake (its peer is gone or too slow)."""
        if self.closed:
            return
        self.closed = True
        log.info("dropping a /ws socket of %s: %s", self.principal.username, reason)
        transport = ws_transport(self.ws)
        if transport is not None:
            transport.abort()


_tasks: set[asyncio.Task[None]] = set()


@dataclass(frozen=True)
class WsSettings:
    ping_seconds: float
    pong_timeout_seconds: float
    send_buffer_bytes: int
    max_sockets_per_address: int


class CodinCodDoor:
    """The service's :class:`~appliance.arena.games.service.Outbox` for ``/ws``: one
    registry per endpoint keyed by user (one socket each), and the game sockets by game."""

    def __init__(self, settings: WsSettings) -> None:
        self.settings = settings
        self.lobby: dict[str, Connection] = {}
        self.games: dict[str, dict[str, Connection]] = {}
        self.playing: dict[str, tuple[str, Connection]] = {}
        """account id → the game its game socket watches, and that socket"""
        self.open = OpenPerAddress(settings.max_sockets_per_address)

    async def close_all(self, code: int, reason: str) -> None:
        """Close every socket of both endpoints at once (the server stops: 1001, §4),
        waiting for the closing handshakes at most :data:`CLOSE_ALL_SECONDS`."""
        connections = [*self.lobby.values()]
        for sockets in self.games.values():
            connections += sockets.values()
        closing = [asyncio.ensure_future(c.close(code, reason)) for c in connections]
        if closing:
            await asyncio.wait(closing, timeout=CLOSE_ALL_SECONDS)

    # -- the outbox -----------------------------------------------------------------------

    def to_lobby(self, event: str, payload: dict[str, Any]) -> None:
        if not self.lobby:
            return
        data = frame(event, payload)
        for connection in list(self.lobby.values()):
            connection.write(data)

    def to_users(self, account_ids: Iterable[str], event: str, payload: dict[str, Any]) -> None:
        data: bytes | None = None
        for account_id in account_ids:
            connection = self.lobby.get(account_id)
            if connection is not None:
                data = data or frame(event, payload)
                connection.write(data)

    def to_game(
        self,
        game_id: str,
        event: str,
        payload: dict[str, Any],
        hidden_from: frozenset[str] = frozenset(),
    ) -> None:
        sockets = self.games.get(game_id)
        if not sockets:
            return
        translated = codincod_game_event(event, payload)
        if translated is None:
            return
        data = frame(*translated)
        for account_id, connection in list(sockets.items()):
            if account_id not in hidden_from:
                connection.write(data)

    def watchers(self, game_id: str) -> Iterable[str]:
        return self.games.get(game_id, {}).keys()

    def in_lobby(self, account_id: str) -> bool:
        return account_id in self.lobby

    # -- registries -----------------------------------------------------------------------

    def enter_lobby(self, connection: Connection) -> None:
        previous = self.lobby.get(connection.account_id)
        self.lobby[connection.account_id] = connection
        if previous is not None:
            previous.close_soon(POLICY, "replaced by a newer connection")

    def exit_lobby(self, connection: Connection) -> bool:
        """Forget a waiting-room socket; True when it was the user's (not replaced)."""
        if self.lobby.get(connection.account_id) is connection:
            del self.lobby[connection.account_id]
            return True
        return False

    def enter_game(self, game_id: str, connection: Connection) -> None:
        previous = self.playing.get(connection.account_id)
        if previous is not None:
            self._forget_game(*previous)
            previous[1].close_soon(POLICY, "replaced by a newer connection")
        self.playing[connection.account_id] = (game_id, connection)
        self.games.setdefault(game_id, {})[connection.account_id] = connection

    def exit_game(self, game_id: str, connection: Connection) -> None:
        if self.playing.get(connection.account_id) == (game_id, connection):
            del self.playing[connection.account_id]
        self._forget_game(game_id, connection)

    def _forget_game(self, game_id: str, connection: Connection) -> None:
        sockets = self.games.get(game_id)
        if sockets is not None and sockets.get(connection.account_id) is connection:
            del sockets[connection.account_id]
            if not sockets:
                del self.games[game_id]


def door_of(service: GameService) -> CodinCodDoor:
    for outbox in service.outboxes:
        if isinstance(outbox, CodinCodDoor):
            return outbox
    raise LookupError("the game service has no /ws door")


# -- the handshake ------------------------------------------------------------------------------


def _origin_allowed(request: Request, frontend_origins: frozenset[str]) -> bool:
    origin = request.headers.get("origin")
    if not origin:
        return True
    if normalized_origin(origin) in frontend_origins:
        return True
    return policy(request).allows_origin(origin, request.headers.get("host", ""))


async def admit(request: Request) -> None:
    """Refuse the upgrade (a plain HTTP answer) or note who the socket is for."""
    arena = request.app.ctx.arena
    if not _origin_allowed(request, arena.frontend_origins):
        raise arena_error(403, "Origin not allowed", error="Forbidden")
    limits: RateLimits = arena.limits
    quota = limits.hit(request, "ws")
    if quota is not None and not quota.allowed:
        seconds = quota.reset_seconds
        raise arena_error(
            429,
            f"Rate limit exceeded. Please try again in {seconds} seconds.",
            error="Too Many Requests",
            statusCode=429,
            retryAfter=seconds,
        )
    principal = await signed_in(request, allow_banned=True)
    door = door_of(arena.games)
    address = client_ip(request, limits.trusted_proxies)
    if not door.open.admit(address, request.transport):
        raise arena_error(429, "Too many open sockets from this address", error="Too Many Requests")
    request.ctx.ws_principal = principal
    request.ctx.ws_address = address


# -- serving ------------------------------------------------------------------------------------


def _parse(raw: str | bytes) -> dict[str, Any] | None:
    try:
        value = loads_json(raw)
    except (orjson.JSONDecodeError, JsonTooDeep, UnicodeDecodeError):
        return None
    if not isinstance(value, dict) or not isinstance(value.get("event"), str):
        return None
    return value


async def _keepalive(connection: Connection, settings: WsSettings) -> None:
    """A ping every ``ping_seconds``; a socket whose last pong is older than
    ``pong_timeout_seconds`` is dropped (its reader then ends, and with it the socket)."""
    loop = asyncio.get_running_loop()

    def ponged(waiter: asyncio.Future[Any]) -> None:
        if not waiter.cancelled() and waiter.exception() is None:
            connection.last_pong = loop.time()

    while not connection.closed:
        await asyncio.sleep(settings.ping_seconds)
        if loop.time() - connection.last_pong > settings.pong_timeout_seconds:
            connection.abort("no pong")
            return
        try:
            waiter = await connection.ws.ping()
        except Exception:  # closing meanwhile
            return
        waiter.add_done_callback(ponged)


async def _serve(
    request: Request,
    ws: Any,
    connection: Connection,
    handle: Callable[[dict[str, Any]], Awaitable[None]],
    door: CodinCodDoor,
) -> None:
    keepalive = asyncio.get_running_loop().create_task(_keepalive(connection, door.settings))
    try:
        while not connection.closed:
            try:
                raw = await ws.recv()
            except ConnectionClosed:
                break
            if raw is None:
                break
            message = _parse(raw)
            if message is None:
                connection.error(PARSING_FAILED)
                continue
            try:
                await handle(message)
            except Exception:
                log.exception("a /ws message %r failed", message.get("event"))
                await connection.close(INTERNAL, "internal error")
    finally:
        connection.closed = True
        keepalive.cancel()
        door.open.release(request.ctx.ws_address, request.transport)


def build_blueprint() -> Blueprint:
    blueprint = arena_blueprint("arena_ws")

    @blueprint.on_request
    async def handshake(request: Request) -> None:
        await admit(request)

    @blueprint.listener("before_server_stop")
    async def going_away(app: Sanic, _: Any = None) -> None:
        # Before Sanic ends the handlers, whose sockets it would close as 1000 (normal).
        await door_of(app.ctx.arena.games).close_all(GOING_AWAY, "server shutdown")

    @blueprint.websocket(LOBBY_PATH, name="arena_ws_lobby")
    async def lobby(request: Request, ws: Any) -> None:
        arena = request.app.ctx.arena
        service: GameService = arena.games
        door = door_of(service)
        caller: Principal = request.ctx.ws_principal
        connection = Connection(ws, caller, door.settings.send_buffer_bytes)
        door.enter_lobby(connection)
        connection.send(ROOMS_OVERVIEW, service.overview())

        async def handle(message: dict[str, Any]) -> None:
            event = message["event"]
            fields = LOBBY_FIELDS.get(event)
            if fields is None or not all(isinstance(message.get(f), str) for f in fields):
                connection.error(PARSING_FAILED)
                return
            options = message.get("options")
            if event == "room:host" and options is not None and not isinstance(options, dict):
                connection.error(PARSING_FAILED)
                return
            before = service.overviews_sent
            try:
                await _lobby_event(service, caller, event, message)
            except ServiceError as exc:
                if exc.extra.get("event") == ROOMS_NOT_ENOUGH:
                    return  # rooms:not-enough went to the caller; CodinCod returns early
                connection.error(exc.message)
            if service.overviews_sent == before:
                service.overview_changed()

        try:
            await _serve(request, ws, connection, handle, door)
        finally:
            if door.exit_lobby(connection):
                service.gone(caller.account_id)

    @blueprint.websocket(GAME_PATH, name="arena_ws_game")
    async def game(request: Request, ws: Any, game_id: str) -> None:
        arena = request.app.ctx.arena
        service: GameService = arena.games
        door = door_of(service)
        caller: Principal = request.ctx.ws_principal
        connection = Connection(ws, caller, door.settings.send_buffer_bytes)
        try:
            opening = await _open_game(service, connection, game_id)
        except BaseException:
            door.open.release(request.ctx.ws_address, request.transport)
            raise
        if opening is None:
            door.open.release(request.ctx.ws_address, request.transport)
            return
        door.enter_game(game_id, connection)
        connection.send(*opening)

        async def handle(message: dict[str, Any]) -> None:
            event = message["event"]
            if event not in GAME_EVENTS:
                connection.error(PARSING_FAILED)
                return
            try:
                await _game_event(service, connection, game_id, event, message)
            except ServiceError as exc:
                connection.error(exc.message)

        try:
            await _serve(request, ws, connection, handle, door)
        finally:
            door.exit_game(game_id, connection)

    return blueprint


async def _lobby_event(
    service: GameService, caller: Principal, event: str, message: dict[str, Any]
) -> None:
    if event == "room:host":
        service.host(caller, message.get("options"))
    elif event == "room:join":
        service.join(caller, message["roomId"])
    elif event == "room:join-by-invite":
        service.join_by_invite(caller, message["inviteCode"])
    elif event == "room:leave":
        service.leave(caller, message["roomId"])
    elif event == "room:chat-message":
        await service.room_chat(caller, message["roomId"], message["message"])
    else:  # game:start: game:start to the members, or rooms:not-enough
        await service.start(caller, message["roomId"])


async def _open_game(
    service: GameService, connection: Connection, game_id: str
) -> tuple[str, dict[str, Any]] | None:
    """The first frame of a game socket, or None once refused (and closed) as §4.2 says."""
    try:
        await service.admit(connection.account_id)
    except ServiceError as exc:
        reason = exc.extra.get("banDetails", {}).get("reason", "")
        connection.error(f"You are banned: {reason}. {exc.message}")
        await connection.close(POLICY, "banned")
        return None
    if not is_id(game_id):
        connection.error(GAME_NOT_FOUND)
        await connection.close(POLICY, "game not found")
        return None
    try:
        snapshot = await service.snapshot(game_id)
    except ServiceError:
        connection.send(GAME_NONEXISTENT, {"message": GAME_NOT_FOUND})
        await connection.close(POLICY, "game not found")
        return None
    if snapshot["game"]["status"] == "finished":
        return GAME_FINISHED, {"game": snapshot["game"]}
    return GAME_OVERVIEW, snapshot


async def _game_event(
    service: GameService,
    connection: Connection,
    game_id: str,
    event: str,
    message: dict[str, Any],
) -> None:
    caller = connection.principal
    if event == "message:send":  # the service checks the ban itself
        await service.chat(caller, game_id, message)
    elif event == "language:change":
        await service.language(caller, game_id, message.get("language"))
    elif event == "game:join":  # the service checks the ban itself
        await service.join_game(caller, game_id)
        connection.send(GAME_OVERVIEW, await service.snapshot(game_id))
    else:  # player:submitted
        await service.accounts.ensure_not_banned(caller.account_id)
        await service.refresh(game_id)
