"""The arena's ratings and leaderboard (codincod-contract.md §9.2, §9.3, §3.11).

Each rated game, once finished (``now > endTime + 10 s``), is one Glicko-2 rating period in
its mode, counted exactly once (``arena_games.rated_at`` marks it, in the same transaction as
the ratings it changed). In a game, each player with a submission is ranked by the mode's
order (``games/scoring.py``, shared with the games' standings) and gets one outcome against
every other ranked player: 1 if ranked above them, else 0. Every opponent's rating is the
one they had *before* the game (CodinCod read the player's own record instead: QUIRK
fixed). Rank 1 wins. The record (games played and won, best and total score, last game) is
updated alongside; a game with fewer than two submissions changes nobody but is marked
counted all the same. After a run, each mode's players are numbered by rating, best first.

Recalculation runs hourly (``jobs.py``) and on a moderator's request; it only ever adds the
games not counted yet, so running it again changes nothing (idempotent). One run at a time.
The arithmetic runs in a thread: the loop keeps answering.

No HTTP here.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from appliance.arena.accounts.service import AccountService
from appliance.arena.errors import arena_error
from appliance.arena.games.scoring import MODES, Entry, rank
from appliance.arena.leaderboard.glicko2 import rate
from appliance.arena.leaderboard.models import (
    FinishedGame,
    Glicko,
    LeaderboardEntry,
    LeaderboardPage,
    Metrics,
    ModeRanking,
    Recalculation,
    UserRankings,
)
from appliance.arena.leaderboard.store import LeaderboardRepository
from appliance.arena.wire import is_id
from appliance.platform.clock import utc_now

log = logging.getLogger("sparkhouse.arena")

SUBMISSION_BUFFER = timedelta(seconds=10)
"""A game counts once this long past its end (late submissions still arrive until then)."""
EPOCH = datetime(1970, 1, 1)


@dataclass
class Outcome:
    """What rating a batch of games changed: the metrics touched, the games counted."""

    metrics: dict[tuple[str, str], Metrics] = field(default_factory=dict)
    counted: list[str] = field(default_factory=list)
    rated: dict[str, int] = field(default_factory=dict)
    skipped: int = 0


def players(game: FinishedGame) -> list[Entry]:
    """The game's submissions as the ranking sees them (§9.1), one per player (their first),
    in submission order (the ranking keeps it between equals): ``time_spent`` from the
    game's creation, attempts 1."""
    seen: set[str] = set()
    result = []
    for s in sorted(game.submissions, key=lambda s: (s.created_at, s.id)):
        if s.account_id in seen:
            continue
        seen.add(s.account_id)
        result.append(
            Entry(
                user_id=s.account_id,
                submission_id=s.id,
                success_rate=s.success_rate,
                time_spent=(s.created_at - game.created_at).total_seconds(),
                code_length=s.code_length,
            )
        )
    return result


def rate_games(
    games: Sequence[FinishedGame], known: dict[tuple[str, str], Metrics], now: datetime
) -> Outcome:
    """Rate ``games`` in order (each one rating period) on top of the ``known`` metrics
    (missing players start at 1500 / 350 / 0.06). Pure: ``known`` is not changed."""
    outcome = Outcome()

    def metrics(account_id: str, mode: str) -> Metrics:
        key = (account_id, mode)
        if key not in outcome.metrics:
            stored = known.get(key)
            outcome.metrics[key] = (
                replace(stored) if stored else Metrics(account_id, mode, stored=False)
            )
        return outcome.metrics[key]

    for game in games:
        outcome.counted.append(game.id)
        entries = players(game)
        if len(entries) < 2:
            outcome.skipped += 1
            continue
        standings = rank(game.mode, entries)
        before = {r.entry.user_id: metrics(r.entry.user_id, game.mode).glicko for r in standings}
        for player in standings:
            account_id = player.entry.user_id
            results = [
                (before[other.entry.user_id], 1.0 if player.rank < other.rank else 0.0)
                for other in standings
                if other is not player
            ]
            after = rate(before[account_id], results)
            record = metrics(account_id, game.mode)
            record.rating, record.rd, record.volatility = after.rating, after.rd, after.volatility
            record.games_played += 1
            record.games_won += 1 if player.rank == 1 else 0
            record.total_score += player.score
            record.best_score = max(record.best_score, player.score)
            if record.last_game_date is None or record.last_game_date < game.end_time:
                record.last_game_date = game.end_time
            record.updated_at = now
        outcome.rated[game.mode] = outcome.rated.get(game.mode, 0) + 1
    return outcome


def _keys(games: Iterable[FinishedGame]) -> set[tuple[str, str]]:
    return {(s.account_id, game.mode) for game in games for s in game.submissions}


class LeaderboardService:
    def __init__(self, repository: LeaderboardRepository, accounts: AccountService) -> None:
        self.repository = repository
        self.accounts = accounts
        self._running = asyncio.Lock()

    # -- recalculation --------------------------------------------------------------------------

    async def recalculate(self) -> Recalculation:
        """Count every finished rated game not counted yet (§9.3), then renumber the ranks."""
        async with self._running:
            now = utc_now()
            games = await self.repository.finished_games(now - SUBMISSION_BUFFER)
            known = await self.repository.metrics_of(_keys(games))
            outcome = await asyncio.to_thread(rate_games, games, known, now)
            await self.repository.save(list(outcome.metrics.values()), outcome.counted, now)
        processed = {mode: outcome.rated.get(mode, 0) for mode in MODES}
        total = sum(processed.values())
        message = f"Ratings recalculated: {total} game(s) rated"
        if outcome.skipped:
            message += f", {outcome.skipped} skipped (fewer than 2 submissions)"
        return Recalculation(message=message, processed_games=processed, total_processed=total)

    async def scheduled(self) -> None:
        """The hourly job: a failure is logged, and the next hour tries again."""
        try:
            done = await self.recalculate()
        except Exception:
            log.exception("leaderboard recalculation failed")
            return
        if done.total_processed:
            log.info("leaderboard: %s", done.message)

    # -- reading --------------------------------------------------------------------------------

    async def board(self, mode: str, page: int, page_size: int) -> LeaderboardPage:
        """A page of ``mode``'s leaderboard (§3.11); 400 for a mode that does not exist."""
        if mode not in MODES:
            raise arena_error(
                400,
                f"Invalid game mode. Must be one of: {', '.join(MODES)}",
                error="Invalid game mode",
            )
        found = await self.repository.board(mode, (page - 1) * page_size, page_size)
        entries = [
            LeaderboardEntry(
                rank=m.rank if m.rank is not None else (page - 1) * page_size + position,
                user_id=m.account_id,
                username=username,
                rating=m.rating,
                glicko=Glicko(
                    rating=m.rating,
                    rd=m.rd,
                    volatility=m.volatility,
                    last_updated=m.updated_at or EPOCH,
                ),
                games_played=m.games_played,
                games_won=m.games_won,
                win_rate=m.win_rate,
                best_score=m.best_score,
                average_score=m.average_score,
            )
            for position, (m, username) in enumerate(found.rows, 1)
        ]
        return LeaderboardPage(
            game_mode=mode,
            entries=entries,
            page=page,
            page_size=page_size,
            total_entries=found.total,
            total_pages=math.ceil(found.total / page_size) if found.total else 0,
            last_updated=max((e.glicko.last_updated for e in entries), default=EPOCH),
        )

    async def of_user(self, account_id: str) -> UserRankings:
        """A user's standing in each mode they have played (§3.11); 404 for an unknown user.
        Reading creates nothing (CodinCod wrote an empty record: QUIRK fixed)."""
        account = await self.accounts.account(account_id) if is_id(account_id) else None
        if account is None:
            raise arena_error(404, "User not found")
        rankings = {
            m.mode: ModeRanking(
                rank=m.rank, rating=m.rating, games_played=m.games_played, win_rate=m.win_rate
            )
            for m in await self.repository.of_account(account.id)
        }
        return UserRankings(user_id=account.id, username=account.username, rankings=rankings)
