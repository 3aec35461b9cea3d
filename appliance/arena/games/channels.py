"""The Phoenix Channels door of live games (issue 19, "Channel payloads"), on the appliance's
socket ``/socket/websocket``. Both topics need a signed-in socket: the ``token`` JWT in the
connect params (``?token=…``) or the ``token`` cookie of the upgrade; without a valid one the
join is refused (``{reason: "unauthorized", message}``). Every push is answered: ``ok`` with a
payload, or ``error`` with ``{reason, message, …}`` (CodinCod's refusal in ``reason``).

``waiting_room:lobby``
  join → ``rooms:overview`` (the reply, and pushed); pushes ``room:host {options?}`` →
  ``{roomId, inviteCode?, room}``, ``room:join {roomId}``, ``room:join-by-invite
  {inviteCode}``, ``room:leave {roomId}``, ``room:chat-message {roomId, message}``,
  ``rooms:overview``, ``game:start {roomId}`` → ``{gameUrl, gameId, startTime}``. The room's
  members get ``room:overview {room}``, ``room:chat-message {username, message, createdAt}``
  and ``game:start``; every lobby socket (of both doors) gets ``rooms:overview`` after each
  lobby message. When a user's last lobby socket (at either door) goes, they leave their
  room.

``game:<gameId>``
  join (refused to a banned user) → ``game:update {game, puzzle}`` (the reply, and pushed);
  pushes ``game:join``,
  ``game:leave`` (the socket leaves the topic: no more broadcasts, ``phx_close``; a player
  stays a player, as CodinCod has no leaving a game), ``game:submit {submissionId}``,
  ``player:submitted``, ``chat:message {message}`` (refused once the game ended),
  ``language:change {language}``. Broadcasts to the game's sockets only: ``game:update
  {game}`` (with ``standings`` once ended), ``player:submitted {userId, username}``,
  ``chat:message {chatMessage}`` (not to those who blocked its author), ``language:change
  {language, username}``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from appliance.arena.accounts.guard import COOKIE
from appliance.arena.accounts.models import Principal
from appliance.arena.accounts.service import AccountService
from appliance.arena.games.service import GAME_UPDATE, ROOMS_OVERVIEW, GameService
from appliance.platform.errors import ServiceError
from appliance.platform.realtime.broker import Broker
from appliance.platform.realtime.channels import Channel, ChannelConnection, ChannelError

LOBBY_TOPIC = "waiting_room:lobby"
GAME_PREFIX = "game:"
PRINCIPAL = "principal"

Handler = Callable[[ChannelConnection, dict[str, Any]], Awaitable[dict[str, Any] | None]]


def refusal(error: ServiceError) -> ChannelError:
    """A service's refusal as an error reply: ``{reason, message, …}``; CodinCod's own
    ``reason`` member (a submission's refusal) comes as ``detail``."""
    details = {k: v for k, v in error.extra.items() if k not in ("error", "message")}
    if "reason" in details:
        details["detail"] = details.pop("reason")
    return ChannelError(error.message, message=error.message, status=error.status, **details)


class PhoenixDoor:
    """The service's :class:`~appliance.arena.games.service.Outbox` on Phoenix: the lobby and
    each game are broker topics (one encoding per broadcast); a room's members are reached
    through their lobby sockets."""

    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.lobby: dict[str, dict[int, ChannelConnection]] = {}
        """account id → its lobby sockets (by identity: a joined channel is not hashable)"""
        self.games: dict[str, dict[int, tuple[str, ChannelConnection]]] = {}
        """game id → its sockets and their users (a chat line skips those who blocked its
        author)"""

    def to_lobby(self, event: str, payload: dict[str, Any]) -> None:
        self.broker.publish(LOBBY_TOPIC, event, payload)

    def to_users(self, account_ids: Iterable[str], event: str, payload: dict[str, Any]) -> None:
        for account_id in account_ids:
            for connection in list(self.lobby.get(account_id, {}).values()):
                connection.push(event, payload)

    def to_game(
        self,
        game_id: str,
        event: str,
        payload: dict[str, Any],
        hidden_from: frozenset[str] = frozenset(),
    ) -> None:
        if not hidden_from:
            self.broker.publish(GAME_PREFIX + game_id, event, payload)
            return
        # someone blocked the author: socket by socket (rare), not one broadcast
        for account_id, connection in list(self.games.get(game_id, {}).values()):
            if account_id not in hidden_from:
                connection.push(event, payload)

    def watchers(self, game_id: str) -> Iterable[str]:
        return {account_id for account_id, _ in self.games.get(game_id, {}).values()}

    def watch(self, game_id: str, account_id: str, connection: ChannelConnection) -> None:
        self.games.setdefault(game_id, {})[id(connection)] = (account_id, connection)

    def unwatch(self, game_id: str, connection: ChannelConnection) -> None:
        sockets = self.games.get(game_id)
        if sockets is not None:
            sockets.pop(id(connection), None)
            if not sockets:
                del self.games[game_id]

    def in_lobby(self, account_id: str) -> bool:
        return account_id in self.lobby

    def enter(self, account_id: str, connection: ChannelConnection) -> None:
        self.lobby.setdefault(account_id, {})[id(connection)] = connection

    def exit(self, account_id: str, connection: ChannelConnection) -> bool:
        """Forget a lobby socket; True when it was the user's last one."""
        connections = self.lobby.get(account_id)
        if connections is None:
            return False
        connections.pop(id(connection), None)
        if connections:
            return False
        del self.lobby[account_id]
        return True


def _later(connection: ChannelConnection, event: str, payload: dict[str, Any]) -> None:
    """Push after the join's reply (which is written as soon as the handler returns)."""
    asyncio.get_running_loop().call_soon(connection.push, event, payload)


def door_of(service: GameService) -> PhoenixDoor:
    """The Phoenix door added to the service (when the part was built)."""
    for outbox in service.outboxes:
        if isinstance(outbox, PhoenixDoor):
            return outbox
    raise LookupError("the game service has no Phoenix door")


def build_channels(service: GameService, accounts: AccountService) -> list[Channel]:
    door = door_of(service)

    async def authenticate(connection: ChannelConnection) -> Principal:
        token = connection.params.get("token") or connection.cookies.get(COOKIE)
        if not token:
            raise ChannelError("unauthorized", message="No authentication token provided")
        try:
            return await accounts.principal(token)
        except ServiceError as exc:
            raise ChannelError("unauthorized", message=exc.message) from None

    def principal(connection: ChannelConnection) -> Principal:
        found: Principal = connection.assigns[PRINCIPAL]
        return found

    def guarded(handler: Handler) -> Handler:
        """Service refusals → error replies; a payload must be an object (the socket checks)."""

        async def run(
            connection: ChannelConnection, payload: dict[str, Any]
        ) -> dict[str, Any] | None:
            try:
                return await handler(connection, payload)
            except ServiceError as exc:
                raise refusal(exc) from None

        return run

    def overview_after(handler: Handler) -> Handler:
        """``rooms:overview`` to the lobby after the message, unless it sent one (§4.1)."""

        async def run(
            connection: ChannelConnection, payload: dict[str, Any]
        ) -> dict[str, Any] | None:
            before = service.overviews_sent
            try:
                return await handler(connection, payload)
            finally:
                if service.overviews_sent == before:
                    service.overview_changed()

        return run

    # -- waiting_room:lobby -------------------------------------------------------------------

    async def join_lobby(connection: ChannelConnection, params: dict[str, Any]) -> dict[str, Any]:
        caller = await authenticate(connection)
        connection.assigns[PRINCIPAL] = caller
        door.enter(caller.account_id, connection)
        overview = service.overview()
        _later(connection, ROOMS_OVERVIEW, overview)
        return overview

    async def leave_lobby(connection: ChannelConnection) -> None:
        caller = connection.assigns.get(PRINCIPAL)
        if caller is not None and door.exit(caller.account_id, connection):
            service.gone(caller.account_id)

    async def host(connection: ChannelConnection, payload: dict[str, Any]) -> dict[str, Any]:
        room = service.host(principal(connection), payload.get("options"))
        answer: dict[str, Any] = {"roomId": room.id, "room": room.wire()}
        if room.invite_code:
            answer["inviteCode"] = room.invite_code
        return answer

    async def join_room(connection: ChannelConnection, payload: dict[str, Any]) -> dict[str, Any]:
        room = service.join(principal(connection), payload.get("roomId"))
        return {"roomId": room.id, "room": room.wire()}

    async def join_by_invite(
        connection: ChannelConnection, payload: dict[str, Any]
    ) -> dict[str, Any]:
        room = service.join_by_invite(principal(connection), payload.get("inviteCode"))
        return {"roomId": room.id, "room": room.wire()}

    async def leave_room(connection: ChannelConnection, payload: dict[str, Any]) -> dict[str, Any]:
        room = service.leave(principal(connection), payload.get("roomId"))
        return {"roomId": room.id}

    async def overview(connection: ChannelConnection, payload: dict[str, Any]) -> dict[str, Any]:
        return service.overview()

    async def room_chat(connection: ChannelConnection, payload: dict[str, Any]) -> dict[str, Any]:
        await service.room_chat(
            principal(connection), payload.get("roomId"), payload.get("message")
        )
        return {}

    async def start(connection: ChannelConnection, payload: dict[str, Any]) -> dict[str, Any]:
        pending = await service.start(principal(connection), payload.get("roomId"))
        return pending.wire()

    lobby = Channel(
        LOBBY_TOPIC,
        join=join_lobby,
        leave=leave_lobby,
        events={
            "room:host": overview_after(guarded(host)),
            "room:join": overview_after(guarded(join_room)),
            "room:join-by-invite": overview_after(guarded(join_by_invite)),
            "room:leave": overview_after(guarded(leave_room)),
            "room:chat-message": overview_after(guarded(room_chat)),
            "rooms:overview": overview_after(guarded(overview)),
            "game:start": overview_after(guarded(start)),
        },
    )

    # -- game:<id> ----------------------------------------------------------------------------

    def game_id(connection: ChannelConnection) -> str:
        return connection.topic[len(GAME_PREFIX) :]

    async def join_game_topic(
        connection: ChannelConnection, params: dict[str, Any]
    ) -> dict[str, Any]:
        caller = await authenticate(connection)
        try:
            # a banned user may not watch either, as /ws/game refuses them on connect (§4.2)
            await service.admit(caller.account_id)
            snapshot = await service.snapshot(game_id(connection))
        except ServiceError as exc:
            raise refusal(exc) from None
        connection.assigns[PRINCIPAL] = caller
        door.watch(game_id(connection), caller.account_id, connection)
        _later(connection, GAME_UPDATE, snapshot)
        return snapshot

    async def leave_game_topic(connection: ChannelConnection) -> None:
        door.unwatch(game_id(connection), connection)

    async def join_game(connection: ChannelConnection, payload: dict[str, Any]) -> dict[str, Any]:
        game = await service.join_game(principal(connection), game_id(connection))
        return {"game": service.game_wire(game)}

    async def leave_game(connection: ChannelConnection, payload: dict[str, Any]) -> dict[str, Any]:
        connection.close()
        return {}

    async def submit(connection: ChannelConnection, payload: dict[str, Any]) -> dict[str, Any]:
        caller = principal(connection)
        await accounts.ensure_not_banned(caller.account_id)
        return await service.link(
            caller, game_id(connection), payload.get("submissionId"), payload.get("userId")
        )

    async def submitted(connection: ChannelConnection, payload: dict[str, Any]) -> dict[str, Any]:
        game = await service.game(game_id(connection))
        return {"game": service.game_wire(game)}

    async def chat(connection: ChannelConnection, payload: dict[str, Any]) -> dict[str, Any]:
        message = await service.chat(principal(connection), game_id(connection), payload)
        return {"chatMessage": message.wire()}

    async def language(connection: ChannelConnection, payload: dict[str, Any]) -> dict[str, Any]:
        await service.language(principal(connection), game_id(connection), payload.get("language"))
        return {}

    game = Channel(
        GAME_PREFIX + "*",
        join=join_game_topic,
        leave=leave_game_topic,
        events={
            "game:join": guarded(join_game),
            "game:leave": guarded(leave_game),
            "game:submit": guarded(submit),
            "player:submitted": guarded(submitted),
            "chat:message": guarded(chat),
            "language:change": guarded(language),
        },
    )
    return [lobby, game]
