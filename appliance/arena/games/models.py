"""The shapes of live games (codincod-contract.md §4, §6 Game and ChatMessage, §7 GameOptions):
the options a room is hosted with, a stored game with its players and linked submissions, a
chat message, and the wire payloads built from them. No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from appliance.arena.games.scoring import DEFAULT_MODE, Mode
from appliance.arena.wire import iso

DEFAULT_DURATION_SECONDS = 900
"""A game lasts 15 minutes unless its options say otherwise (§6)."""
MAX_DURATION_SECONDS = 24 * 3600
SUBMISSION_BUFFER_SECONDS = 10
"""A submission is linked to a game within 10 s of its creation (§3.7)."""
CHAT_MIN, CHAT_MAX = 1, 160
NOT_ENOUGH = "Create a puzzle and get it approved to play multiplayer"


class GameOptions(BaseModel):
    """§7: what a room is hosted with; defaults applied. Unknown keys are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    allowed_languages: list[str] = Field(
        default_factory=list, alias="allowedLanguages", max_length=100
    )
    max_game_duration_in_seconds: int = Field(
        DEFAULT_DURATION_SECONDS,
        alias="maxGameDurationInSeconds",
        ge=1,
        le=MAX_DURATION_SECONDS,
    )
    visibility: Literal["public", "private"] = "public"
    mode: Mode = DEFAULT_MODE
    rated: bool = True

    @field_validator("allowed_languages", mode="before")
    @classmethod
    def _ids(cls, value: Any) -> Any:
        """Languages as ids or as language objects (``{_id, ...}``)."""
        if isinstance(value, list):
            return [item.get("_id") if isinstance(item, dict) else item for item in value]
        return value

    def wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)


@dataclass(frozen=True)
class Player:
    account_id: str
    username: str
    joined_at: datetime

    def wire(self) -> dict[str, Any]:
        return {"_id": self.account_id, "username": self.username}


@dataclass(frozen=True)
class LinkedSubmission:
    """A submission linked to a game, without its code (frames never carry code)."""

    id: str
    account_id: str
    username: str
    language_id: str
    result: str
    success_rate: float
    passed: int
    failed: int
    total: int
    code_length: int
    created_at: datetime

    def wire(self) -> dict[str, Any]:
        return {
            "_id": self.id,
            "user": {"_id": self.account_id, "username": self.username},
            "programmingLanguage": self.language_id,
            "result": {
                "result": self.result,
                "successRate": self.success_rate,
                "passed": self.passed,
                "failed": self.failed,
                "total": self.total,
            },
            "codeLength": self.code_length,
            "createdAt": iso(self.created_at),
        }


@dataclass(frozen=True)
class Game:
    """A stored game (table ``arena_games``) with its players and linked submissions, in the
    order they joined / were linked."""

    id: str
    owner_id: str | None
    owner_name: str | None
    puzzle_id: str
    options: GameOptions
    start_time: datetime
    end_time: datetime
    created_at: datetime
    players: list[Player] = field(default_factory=list)
    submissions: list[LinkedSubmission] = field(default_factory=list)

    @property
    def mode(self) -> str:
        return self.options.mode

    def ended(self, now: datetime) -> bool:
        return now >= self.end_time

    def status(self, now: datetime) -> str:
        if now >= self.end_time:
            return "finished"
        return "in_progress" if now >= self.start_time else "waiting"

    def has_player(self, account_id: str) -> bool:
        return any(player.account_id == account_id for player in self.players)


@dataclass(frozen=True)
class ChatMessage:
    id: str
    game_id: str
    account_id: str
    username: str
    message: str
    created_at: datetime

    def wire(self) -> dict[str, Any]:
        return {
            "_id": self.id,
            "username": self.username,
            "message": self.message,
            "createdAt": iso(self.created_at),
        }


def chat_text(payload: dict[str, Any]) -> str:
    """The message of a ``chat:message`` payload: ``{message}`` or, as CodinCod's frontend
    sends it, ``{chatMessage: {message}}``; 1–160 characters, not only blanks."""
    message = payload.get("message")
    nested = payload.get("chatMessage")
    if message is None and isinstance(nested, dict):
        message = nested.get("message")
    if not isinstance(message, str):
        raise ValueError("message must be a string")
    if not CHAT_MIN <= len(message) <= CHAT_MAX or not message.strip():
        raise ValueError(f"message must be {CHAT_MIN}–{CHAT_MAX} characters")
    return message
