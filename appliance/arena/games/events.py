"""The live games' events as a contract (issue 19's "Channel payloads"): each event's name and
the shape of its payload, for the TypeScript types (``appliance/arena/typegen.py``).

The service builds these payloads as plain dicts (``service.py``, ``rooms.py``, ``models.py``:
one encoding per broadcast, no model validation on the way out); the models here describe them
and ``tests/arena/games/test_event_shapes.py`` checks the frames of real games on both doors
against them (``extra="forbid"``: a key the service adds without a model here fails there).
The doors carry the same payloads under their own event names: the Phoenix channels
(``LOBBY_*``, ``GAME_*``) and CodinCod's plain ``/ws`` (``WS_*``, frames ``{event, …}``). No
I/O.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from appliance.arena.games.models import GameOptions
from appliance.arena.puzzles.models import PuzzleDto
from appliance.arena.submissions.models import Outcome

LOBBY_TOPIC = "waiting_room:lobby"
GAME_TOPIC = "game:{gameId}"

GameStatus = Literal["waiting", "in_progress", "finished"]

LobbyPush = Literal[
    "room:host",
    "room:join",
    "room:join-by-invite",
    "room:leave",
    "room:chat-message",
    "rooms:overview",
    "game:start",
]
"""What a client pushes on ``waiting_room:lobby``."""
LobbyBroadcast = Literal[
    "rooms:overview", "room:overview", "room:chat-message", "game:start", "rooms:not-enough"
]
"""What the server sends on ``waiting_room:lobby``."""
GamePush = Literal[
    "game:join", "game:leave", "game:submit", "player:submitted", "chat:message", "language:change"
]
"""What a client pushes on ``game:<gameId>``."""
GameBroadcast = Literal["game:update", "player:submitted", "chat:message", "language:change"]
"""What the server sends on ``game:<gameId>``."""

WS_LOBBY_PATH = "/ws"
WS_GAME_PATH = "/ws/game/{gameId}"
WsLobbySend = Literal[
    "room:host", "room:join", "room:join-by-invite", "room:leave", "room:chat-message", "game:start"
]
"""What a client sends on CodinCod's ``/ws`` (frames ``{event, …payload}``)."""
WsLobbyReceive = Literal[
    "rooms:overview",
    "room:overview",
    "room:chat-message",
    "game:start",
    "rooms:not-enough",
    "error",
]
"""What the server sends on ``/ws``."""
WsGameSend = Literal["game:join", "player:submitted", "message:send", "language:change"]
"""What a client sends on ``/ws/game/<gameId>``."""
WsGameReceive = Literal[
    "game:overview", "game:finished", "game:nonexistent", "message:send", "language:change", "error"
]
"""What the server sends on ``/ws/game/<gameId>``."""


class Frame(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)


class Body(BaseModel):
    """A pushed payload: unknown keys are ignored, as the service does."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


# -- waiting_room:lobby -------------------------------------------------------------------------


class HostRoom(Body):
    """``room:host``: the options of the room (§7; the defaults when left out)."""

    options: GameOptions | None = None


class RoomRef(Body):
    """``room:join``, ``room:leave``, ``game:start``: which room."""

    room_id: str = Field(alias="roomId")


class InviteRef(Body):
    """``room:join-by-invite``: a private room's code (case and blanks ignored)."""

    invite_code: str = Field(alias="inviteCode")


class RoomMember(Frame):
    user_id: str = Field(alias="userId")
    username: str
    joined_at: str = Field(alias="joinedAt", description="ISO-8601 UTC")


class Room(Frame):
    """A waiting room: its members in the order they joined, the first one its owner."""

    room_id: str = Field(alias="roomId")
    users: list[RoomMember]
    owner: RoomMember
    options: GameOptions
    invite_code: str | None = Field(None, alias="inviteCode", description="Private rooms only")


class RoomSummary(Frame):
    room_id: str = Field(alias="roomId")
    amount_of_players_joined: int = Field(alias="amountOfPlayersJoined")


class RoomsOverview(Frame):
    """``rooms:overview``: the public rooms (the lobby join's reply, and pushed after each
    room change)."""

    rooms: list[RoomSummary]


class RoomOverview(Frame):
    """``room:overview``, to the members of a room that changed."""

    room: Room


class RoomJoined(Frame):
    """The reply to ``room:host``, ``room:join`` and ``room:join-by-invite``."""

    room_id: str = Field(alias="roomId")
    invite_code: str | None = Field(None, alias="inviteCode", description="room:host, private")
    room: Room


class RoomLeft(Frame):
    """The reply to ``room:leave``."""

    room_id: str = Field(alias="roomId")


class RoomChat(Body):
    """``room:chat-message``: a line to the members of one's room (1–500 characters; not
    kept)."""

    room_id: str = Field(alias="roomId")
    message: str


class RoomChatMessage(Frame):
    """``room:chat-message``, to each member of the room (the sender too) who has not blocked
    the sender."""

    username: str
    message: str
    created_at: str = Field(alias="createdAt", description="ISO-8601 UTC")


class GameStart(Frame):
    """``game:start``: the reply to it, and pushed to the room's members (and to a late
    joiner while the game runs)."""

    game_url: str = Field(alias="gameUrl", description="/multiplayer/<gameId>")
    game_id: str = Field(alias="gameId")
    start_time: str = Field(alias="startTime", description="ISO-8601 UTC, after the countdown")


class NotEnough(Frame):
    """``rooms:not-enough``: no approved puzzle to play."""

    message: str


# -- game:<gameId> ------------------------------------------------------------------------------


class SubmitToGame(Body):
    """``game:submit``: link one's fresh submission to the game (as ``POST /submission/game``)."""

    submission_id: str = Field(alias="submissionId")
    user_id: str | None = Field(None, alias="userId")


class ChatText(Frame):
    message: str


class SendChat(Body):
    """``chat:message``: ``{message}`` or, as CodinCod's frontend sends it,
    ``{chatMessage: {message}}``; 1–160 characters."""

    message: str | None = None
    chat_message: ChatText | None = Field(None, alias="chatMessage")


class PlayerRef(Frame):
    id_: str = Field(alias="_id")
    username: str


class GameResult(Frame):
    result: Outcome
    success_rate: float = Field(alias="successRate")
    passed: int
    failed: int
    total: int


class GameSubmission(Frame):
    """A submission linked to the game, without its code."""

    id_: str = Field(alias="_id")
    user: PlayerRef
    programming_language: str = Field(alias="programmingLanguage")
    result: GameResult
    code_length: int = Field(alias="codeLength")
    created_at: str = Field(alias="createdAt", description="ISO-8601 UTC")


class Standing(Frame):
    """A player's place by the game's mode (§9.1), best first."""

    rank: int
    user_id: str = Field(alias="userId")
    username: str
    submission_id: str = Field(alias="submissionId")
    score: float
    success_rate: float = Field(alias="successRate")
    time_spent: float = Field(alias="timeSpent", description="Seconds from the game's creation")
    code_length: int = Field(alias="codeLength")


class GameState(Frame):
    id_: str = Field(alias="_id")
    owner: PlayerRef | None
    puzzle: str
    players: list[PlayerRef]
    created_at: str = Field(alias="createdAt")
    start_time: str = Field(alias="startTime")
    end_time: str = Field(alias="endTime")
    options: GameOptions
    player_submissions: list[GameSubmission] = Field(alias="playerSubmissions")
    status: GameStatus
    standings: list[Standing]


class GameUpdate(Frame):
    """``game:update``: the game (the join's reply carries its puzzle, without the solution;
    the end of the game carries the final ``standings``)."""

    game: GameState
    puzzle: PuzzleDto | None = None
    standings: list[Standing] | None = None


class GameJoined(Frame):
    """The reply to ``game:join`` and ``player:submitted``."""

    game: GameState


class PlayerSubmitted(Frame):
    """``player:submitted``: who just linked a submission."""

    user_id: str = Field(alias="userId")
    username: str


class ChatMessage(Frame):
    id_: str = Field(alias="_id")
    username: str
    message: str
    created_at: str = Field(alias="createdAt", description="ISO-8601 UTC")


class ChatSent(Frame):
    """``chat:message``: the reply to it, and broadcast to the game."""

    chat_message: ChatMessage = Field(alias="chatMessage")


class LanguageChange(Body):
    """``language:change``: the language one now writes in (1–100 characters)."""

    language: str


class LanguageChanged(Frame):
    """``language:change``, to the game: who writes in which language now."""

    language: str
    username: str


class LinkedGame(Frame):
    id: str
    status: GameStatus
    player_count: int = Field(alias="playerCount")


class GameLinked(Frame):
    """The reply to ``game:submit`` and ``POST /submission/game``'s 201."""

    success: bool
    message: str
    game: LinkedGame
    leaderboard_position: int | None = Field(None, alias="leaderboardPosition")


class GameFinished(Frame):
    """``/ws/game``'s ``game:finished``: the ended game (on connect, and when it ends)."""

    game: GameState


class WsError(Frame):
    """``/ws``'s ``error`` (a refusal, or ``parsing message failed`` for a frame it could not
    read) and ``game:nonexistent`` (``Game not found``)."""

    message: str


class Refusal(BaseModel):
    """An ``error`` reply: ``reason`` (CodinCod's refusal, or ``unauthorized`` on join),
    ``message`` for people; some carry more (``status``, ``detail``, ``event``)."""

    model_config = ConfigDict(extra="allow")

    reason: str
    message: str
    status: int | None = None
    detail: str | None = None


LOBBY_PUSHES: dict[str, tuple[type[BaseModel] | None, type[BaseModel] | None]] = {
    "room:host": (HostRoom, RoomJoined),
    "room:join": (RoomRef, RoomJoined),
    "room:join-by-invite": (InviteRef, RoomJoined),
    "room:leave": (RoomRef, RoomLeft),
    "room:chat-message": (RoomChat, None),
    "rooms:overview": (None, RoomsOverview),
    "game:start": (RoomRef, GameStart),
}
"""Each lobby push: (its payload, its ``ok`` reply)."""
LOBBY_BROADCASTS: dict[str, type[BaseModel]] = {
    "rooms:overview": RoomsOverview,
    "room:overview": RoomOverview,
    "room:chat-message": RoomChatMessage,
    "game:start": GameStart,
    "rooms:not-enough": NotEnough,
}
GAME_PUSHES: dict[str, tuple[type[BaseModel] | None, type[BaseModel] | None]] = {
    "game:join": (None, GameJoined),
    "game:leave": (None, None),
    "game:submit": (SubmitToGame, GameLinked),
    "player:submitted": (None, GameJoined),
    "chat:message": (SendChat, ChatSent),
    "language:change": (LanguageChange, None),
}
GAME_BROADCASTS: dict[str, type[BaseModel]] = {
    "game:update": GameUpdate,
    "player:submitted": PlayerSubmitted,
    "chat:message": ChatSent,
    "language:change": LanguageChanged,
}

# CodinCod's /ws door names the events its own way; a frame is {event, ...payload} (the
# payload's fields beside the event's name), the payloads those of the channels.
WS_LOBBY_SENDS: dict[str, type[BaseModel] | None] = {
    "room:host": HostRoom,
    "room:join": RoomRef,
    "room:join-by-invite": InviteRef,
    "room:leave": RoomRef,
    "room:chat-message": RoomChat,
    "game:start": RoomRef,
}
WS_LOBBY_RECEIVES: dict[str, type[BaseModel]] = {
    "rooms:overview": RoomsOverview,
    "room:overview": RoomOverview,
    "room:chat-message": RoomChatMessage,
    "game:start": GameStart,
    "rooms:not-enough": NotEnough,
    "error": WsError,
}
WS_GAME_SENDS: dict[str, type[BaseModel] | None] = {
    "game:join": None,
    "player:submitted": None,
    "message:send": SendChat,
    "language:change": LanguageChange,
}
WS_GAME_RECEIVES: dict[str, type[BaseModel]] = {
    "game:overview": GameUpdate,
    "game:finished": GameFinished,
    "game:nonexistent": WsError,
    "message:send": ChatSent,
    "language:change": LanguageChanged,
    "error": WsError,
}
