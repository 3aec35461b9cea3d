"""The clicker's contracts: player ids, names, request bodies and answers."""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Annotated, Any, NamedTuple, NotRequired

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from typing_extensions import TypedDict  # pydantic describes only this one on 3.11

from appliance.platform.errors import ServiceError
from appliance.platform.ratelimit import retry_after_header

NAME_MAX_CHARS = 24
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class InvalidInput(ValueError):
    """Input that is not a player id or a name; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def parse_player_id(value: object, field: str = "player_id") -> str:
    """A player id in its canonical form (lower-case, hyphenated UUID).

    Only the 36-character hyphenated form is accepted, so one player never has two spellings
    that map to different keys.
    """
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        raise InvalidInput(field, "must be a UUID like 3f2b8c1e-5d6a-4e7f-9a0b-1c2d3e4f5a6b")
    return value.lower()


def parse_name(value: object, field: str = "name") -> str:
    """A display name: 1–24 printable characters after trimming surrounding spaces.

    NFC-normalised first, so "é" typed two ways is one name and counts as one character.
    Control, format (zero-width, bidi) and separator characters other than the plain space
    are refused: they make names that look alike or break the leaderboard layout.
    """
    if not isinstance(value, str):
        raise InvalidInput(field, "must be a string")
    name = unicodedata.normalize("NFC", value).strip()
    if not name:
        raise InvalidInput(field, f"must be 1 to {NAME_MAX_CHARS} characters, not blank")
    if len(name) > NAME_MAX_CHARS:
        raise InvalidInput(field, f"must be at most {NAME_MAX_CHARS} characters (got {len(name)})")
    if not name.isprintable():
        bad = next(char for char in name if not char.isprintable())
        raise InvalidInput(
            field, f"must contain only printable characters (found U+{ord(bad):04X})"
        )
    return name


# InvalidInput is a ValueError: pydantic reports its message as the field's problem.
PlayerId = Annotated[str, BeforeValidator(parse_player_id)]
PlayerName = Annotated[str, AfterValidator(parse_name)]


class PlayerRef(BaseModel):
    """A player named in a path or a query string (``/players/<id>``, ``?player_id=``)."""

    player_id: PlayerId


class ClickRequest(BaseModel):
    """``POST /api/clicker/click``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    player_id: PlayerId


class NameRequest(BaseModel):
    """``PUT /api/clicker/players/<id>/name``."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: PlayerName


class NewPlayerRequest(BaseModel):
    """``POST /api/clicker/players`` (the body is optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: PlayerName | None = None


# Answers are plain typed dicts and tuples: the click path runs thousands of times a second and
# gets encoded straight by orjson, so it skips model construction.


class LeaderboardEntry(TypedDict):
    """A player as everyone sees them: by ``handle``, never by the id (their credential)."""

    handle: str
    name: str | None
    score: int


class PlayerView(TypedDict):
    """One player as they see themselves (only who holds the id gets this): their public
    ``handle`` too; ``rank`` is None while the live score is 0."""

    player_id: str
    handle: str
    name: str | None
    score: int
    rank: int | None


class ClickResult(NamedTuple):
    """A counted click: the new live score and the 1-based rank."""

    score: int
    rank: int


class Throttled(ServiceError):
    """A click that came too soon after the player's last counted one: a 429 with the exact
    wait in the envelope (``retry_after_ms``), as Retry-After only speaks whole seconds."""

    def __init__(self, retry_after_ms: int) -> None:
        super().__init__(
            429,
            "throttled",
            f"Too fast: wait {retry_after_ms} ms between clicks",
            headers={"Retry-After": retry_after_header(retry_after_ms / 1000)},
            extra={"retry_after_ms": retry_after_ms},
        )
        self.retry_after_ms = retry_after_ms


def _retry_after_ms(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


class RateLimited(ServiceError):
    """Too many new players or renames from one client address (``retry_after_ms`` as for
    a throttled click)."""

    def __init__(self, what: str, per_minute: int, retry_after_seconds: float) -> None:
        retry_after_ms = _retry_after_ms(retry_after_seconds)
        super().__init__(
            429,
            "rate_limited",
            f"Too many {what} from your address (at most {per_minute} a minute); "
            f"retry in {retry_after_header(retry_after_seconds)} s",
            headers={"Retry-After": retry_after_header(retry_after_seconds)},
            extra={"retry_after_ms": retry_after_ms},
        )
        self.retry_after_ms = retry_after_ms


class GameFull(ServiceError):
    """No place for a new player: the game holds its maximum of players and every one has a
    live score. A place frees when the oldest score goes stale."""

    def __init__(self, max_players: int, retry_after_seconds: float) -> None:
        retry_after_seconds = max(retry_after_seconds, 0.001)
        retry_after_ms = _retry_after_ms(retry_after_seconds)
        super().__init__(
            503,
            "game_full",
            f"The game is full ({max_players} players, all with a live score); a place frees "
            f"up in {retry_after_header(retry_after_seconds)} s",
            headers={"Retry-After": retry_after_header(retry_after_seconds)},
            extra={"retry_after_ms": retry_after_ms},
        )
        self.retry_after_ms = retry_after_ms


# -- the API's documentation (platform/openapi.py) --------------------------------------------


class _Doc(BaseModel):
    """Described for the API's documentation only (platform/openapi.py): validators are built
    when the document is made, not at start-up."""

    model_config = ConfigDict(defer_build=True)


class PlayerPath(_Doc):
    player_id: str = Field(pattern=f"^{_UUID.pattern}$", description="The player's UUID.")


class LeaderboardQuery(_Doc):
    player_id: str | None = Field(None, description="Also answer this player's own rank (a UUID).")


class ClickAnswer(TypedDict):
    """A counted click: the new live score and the 1-based rank."""

    player_id: str
    score: int
    rank: int | None


class Leaderboard(TypedDict):
    top: list[LeaderboardEntry]
    player: NotRequired[PlayerView]


class SnapshotStats(_Doc):
    model_config = ConfigDict(extra="allow")

    writes: int
    skips: int
    last: dict[str, Any]
    recent: list[dict[str, Any]]


class ClickerStats(_Doc):
    model_config = ConfigDict(extra="allow")

    players: int
    live_players: int
    clicks_counted: int
    clicks_throttled: int
    snapshot: SnapshotStats
