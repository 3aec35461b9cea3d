"""The leaderboard's shapes (codincod-contract.md §3.11, §6 UserMetrics): a player's stored
metrics in one game mode, a finished game as the ratings read it, and the answers of the
leaderboard's routes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from appliance.arena.leaderboard.glicko2 import Rating
from appliance.arena.wire import IsoDate, Wire


@dataclass
class Metrics:
    """One row of ``arena_user_metrics``: a player's record and Glicko-2 rating in a mode."""

    account_id: str
    mode: str
    games_played: int = 0
    games_won: int = 0
    best_score: float = 0.0
    total_score: float = 0.0
    rating: float = 1500.0
    rd: float = 350.0
    volatility: float = 0.06
    rank: int | None = None
    last_game_date: datetime | None = None
    updated_at: datetime | None = None
    stored: bool = True
    """Whether the row exists (a new one is inserted)."""

    @property
    def glicko(self) -> Rating:
        return Rating(self.rating, self.rd, self.volatility)

    @property
    def win_rate(self) -> float:
        return self.games_won / self.games_played if self.games_played else 0.0

    @property
    def average_score(self) -> float:
        return self.total_score / self.games_played if self.games_played else 0.0


@dataclass(frozen=True)
class PlayedSubmission:
    """A submission linked to a game: who, how well, how long its code is, when."""

    id: str
    account_id: str
    success_rate: float
    code_length: int
    created_at: datetime


@dataclass
class FinishedGame:
    """A rated game past its end (and the 10 s buffer) that the ratings have not counted."""

    id: str
    mode: str
    created_at: datetime
    end_time: datetime
    submissions: list[PlayedSubmission] = field(default_factory=list)


@dataclass
class Board:
    """A page of one mode's metrics with the players' names, best first."""

    rows: list[tuple[Metrics, str]]
    total: int


# -- requests ----------------------------------------------------------------------------------

PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


def _whole(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


class BoardQuery(BaseModel):
    """``?page&pageSize`` of a leaderboard (§3.11), never refused: page ≥ 1 (1); pageSize
    clamped to 1–100 (50); a value that is no whole number is its default."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, alias="pageSize")

    @field_validator("page", mode="before")
    @classmethod
    def _page(cls, value: object) -> int:
        number = _whole(value)
        return 1 if number is None else min(max(number, 1), 1_000_000)

    @field_validator("page_size", mode="before")
    @classmethod
    def _page_size(cls, value: object) -> int:
        number = _whole(value)
        return PAGE_SIZE if number is None else min(max(number, 1), MAX_PAGE_SIZE)


# -- answers ------------------------------------------------------------------------------------


class Glicko(Wire):
    rating: float
    rd: float
    volatility: float
    last_updated: IsoDate = Field(alias="lastUpdated")


class LeaderboardEntry(Wire):
    rank: int
    user_id: str = Field(alias="userId")
    username: str
    rating: float
    glicko: Glicko
    games_played: int = Field(alias="gamesPlayed")
    games_won: int = Field(alias="gamesWon")
    win_rate: float = Field(alias="winRate", description="0–1")
    best_score: float = Field(alias="bestScore")
    average_score: float = Field(alias="averageScore")


class LeaderboardPage(Wire):
    """``GET /leaderboard/:gameMode``: best rating first; ``lastUpdated`` is the latest
    calculation among the entries (the epoch when there are none)."""

    game_mode: str = Field(alias="gameMode")
    entries: list[LeaderboardEntry]
    page: int
    page_size: int = Field(alias="pageSize")
    total_entries: int = Field(alias="totalEntries")
    total_pages: int = Field(alias="totalPages")
    last_updated: IsoDate = Field(alias="lastUpdated")


class ModeRanking(Wire):
    rank: int | None = Field(None, description="Absent until the mode's ranks are computed")
    rating: float
    games_played: int = Field(alias="gamesPlayed")
    win_rate: float = Field(alias="winRate")


class UserRankings(Wire):
    """``GET /leaderboard/user/:id``: only the modes the user has played."""

    user_id: str = Field(alias="userId")
    username: str
    rankings: dict[str, ModeRanking]


class Recalculation(Wire):
    """``POST /leaderboard/recalculate``: games counted per mode by this run."""

    success: bool = True
    message: str
    processed_games: dict[str, int] = Field(alias="processedGames")
    total_processed: int = Field(alias="totalProcessed")
