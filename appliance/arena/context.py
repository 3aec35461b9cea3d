"""The arena's typed context, on ``app.ctx.arena``: its settings and services."""

from __future__ import annotations

from dataclasses import dataclass

from appliance.arena.accounts.service import AccountService
from appliance.arena.comments.service import CommentService
from appliance.arena.execution import ExecutionService
from appliance.arena.games.service import GameService
from appliance.arena.http import RateLimits
from appliance.arena.languages.service import LanguageService
from appliance.arena.leaderboard.service import LeaderboardService
from appliance.arena.moderation.service import ModerationService
from appliance.arena.preferences.service import PreferenceService
from appliance.arena.puzzles.service import PuzzleService
from appliance.arena.settings import ArenaSettings
from appliance.arena.submissions.service import SubmissionService


@dataclass(frozen=True)
class ArenaContext:
    settings: ArenaSettings
    frontend_origins: frozenset[str]
    """The normalised frontend origins: CORS with credentials, and cookie writes from them."""
    limits: RateLimits
    accounts: AccountService
    execution: ExecutionService
    """Runs code (Piston or the sandbox); closed when the part stops."""
    languages: LanguageService
    preferences: PreferenceService
    puzzles: PuzzleService
    """Puzzles; its validator checks run in the background, cancelled when the part stops."""
    comments: CommentService
    submissions: SubmissionService
    leaderboard: LeaderboardService
    """Ratings and the leaderboard, recalculated hourly (the part's job) and on request."""
    moderation: ModerationService
    games: GameService
    """Waiting rooms and live games; their timers are cancelled when the part stops."""
