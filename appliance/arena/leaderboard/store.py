"""Queries of the leaderboard: the finished games not yet rated with their submissions
(``arena_games``, ``arena_submissions``), and the players' metrics (``arena_user_metrics``).
SQLAlchemy loads with the first query."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from appliance.arena.leaderboard.models import Board, FinishedGame, Metrics, PlayedSubmission
from appliance.platform.store import Store

KEY = ("account_id", "mode")
CHUNK = 500
"""Ids per ``IN (…)`` (SQLite's limit on bound parameters stays far away)."""


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _metrics(row: Any) -> Metrics:
    m = row._mapping
    return Metrics(
        account_id=m["account_id"],
        mode=m["mode"],
        games_played=m["games_played"],
        games_won=m["games_won"],
        best_score=m["best_score"],
        total_score=m["total_score"],
        rating=m["rating"],
        rd=m["rd"],
        volatility=m["volatility"],
        rank=m["rank"],
        last_game_date=m["last_game_date"],
        updated_at=m["updated_at"],
    )


def _values(metrics: Metrics) -> dict[str, Any]:
    return {
        "account_id": metrics.account_id,
        "mode": metrics.mode,
        "games_played": metrics.games_played,
        "games_won": metrics.games_won,
        "best_score": metrics.best_score,
        "total_score": metrics.total_score,
        "rating": metrics.rating,
        "rd": metrics.rd,
        "volatility": metrics.volatility,
        "last_game_date": metrics.last_game_date,
        "updated_at": metrics.updated_at,
    }


class LeaderboardRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- the ratings' input -------------------------------------------------------------------

    async def finished_games(self, ended_before: datetime) -> list[FinishedGame]:
        """Rated games ended before ``ended_before`` that the ratings have not counted, in the
        order they ended, each with the submissions linked to it (oldest first)."""
        from appliance.arena import tables as sql

        g, s = sql.games, sql.submissions
        unrated = (g.c.rated.is_(True), g.c.rated_at.is_(None), g.c.end_time < ended_before)
        async with self.store.session() as session:
            rows = await session.execute(
                sql.select(g.c.id, g.c.mode, g.c.created_at, g.c.end_time)
                .where(*unrated)
                .order_by(g.c.end_time, g.c.id)
            )
            games = {
                row.id: FinishedGame(row.id, row.mode, row.created_at, row.end_time) for row in rows
            }
            if not games:
                return []
            # One pass over the submissions (a game's are found by its id), whatever the
            # number of games: the unrated games are the join's filter.
            played = await session.execute(
                sql.select(
                    s.c.id,
                    s.c.game_id,
                    s.c.account_id,
                    s.c.success_rate,
                    sql.func.length(s.c.code).label("code_length"),
                    s.c.created_at,
                )
                .join_from(s, g, g.c.id == s.c.game_id)
                .where(*unrated)
                .order_by(s.c.created_at, s.c.id)
            )
            for row in played:
                game = games.get(row.game_id)
                if game is not None:  # both reads are one transaction: always found
                    game.submissions.append(
                        PlayedSubmission(
                            row.id,
                            row.account_id,
                            row.success_rate,
                            row.code_length or 0,
                            row.created_at,
                        )
                    )
        return list(games.values())

    async def metrics_of(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Metrics]:
        """The stored metrics of these (account, mode) pairs (absent ones are missing)."""
        from appliance.arena import tables as sql

        m = sql.user_metrics
        wanted = set(keys)
        accounts = sorted({account for account, _ in wanted})
        found: dict[tuple[str, str], Metrics] = {}
        async with self.store.session() as session:
            for ids in _chunks(accounts):
                rows = await session.execute(sql.select(m).where(m.c.account_id.in_(ids)))
                for row in rows:
                    metrics = _metrics(row)
                    key = (metrics.account_id, metrics.mode)
                    if key in wanted:
                        found[key] = metrics
        return found

    # -- the ratings' output ------------------------------------------------------------------

    async def save(
        self, metrics: Sequence[Metrics], game_ids: Sequence[str], now: datetime
    ) -> None:
        """In one transaction: write ``metrics`` (new rows inserted), mark the games counted,
        and number every mode's players by rating (best first)."""
        from sqlalchemy import bindparam

        from appliance.arena import tables as sql

        m, g = sql.user_metrics, sql.games
        inserted = [_values(x) for x in metrics if not x.stored]
        updated = [
            {f"v_{k}": v for k, v in _values(x).items() if k not in KEY}
            | {"key_account": x.account_id, "key_mode": x.mode}
            for x in metrics
            if x.stored
        ]
        async with self.store.session() as session, session.begin():
            if inserted:
                await session.execute(m.insert(), inserted)
            if updated:
                columns: dict[str, Any] = {
                    k: bindparam(f"v_{k}") for k in _values(metrics[0]) if k not in KEY
                }
                await session.execute(
                    sql.update(m)
                    .where(
                        m.c.account_id == bindparam("key_account"),
                        m.c.mode == bindparam("key_mode"),
                    )
                    .values(columns),
                    updated,
                )
            for ids in _chunks(list(game_ids)):
                await session.execute(
                    sql.update(g)
                    .where(g.c.id.in_(ids), g.c.rated_at.is_(None))
                    .values(rated_at=now)
                )
            await self._rank(session)

    @staticmethod
    async def _rank(session: Any) -> None:
        """``rank`` = position by rating (desc) in each mode; only changed ranks are written."""
        from sqlalchemy import bindparam

        from appliance.arena import tables as sql

        m = sql.user_metrics
        rows = await session.execute(
            sql.select(m.c.account_id, m.c.mode, m.c.rank).order_by(
                m.c.mode, m.c.rating.desc(), m.c.account_id
            )
        )
        changes: list[dict[str, Any]] = []
        mode, position = None, 0
        for row in rows:
            position = position + 1 if row.mode == mode else 1
            mode = row.mode
            if row.rank != position:
                changes.append(
                    {"key_account": row.account_id, "key_mode": row.mode, "new_rank": position}
                )
        if changes:
            await session.execute(
                sql.update(m)
                .where(
                    m.c.account_id == bindparam("key_account"),
                    m.c.mode == bindparam("key_mode"),
                )
                .values(rank=bindparam("new_rank")),
                changes,
            )

    # -- reading ------------------------------------------------------------------------------

    async def board(self, mode: str, offset: int, limit: int) -> Board:
        """A page of ``mode``'s players who have played, best rating first, with usernames."""
        from appliance.arena import tables as sql

        m, a, u = sql.user_metrics, sql.accounts, sql.users
        played = (m.c.mode == mode, m.c.games_played > 0)
        async with self.store.session() as session:
            total = (
                await session.execute(sql.select(sql.func.count()).select_from(m).where(*played))
            ).scalar_one()
            rows = await session.execute(
                sql.select(m, u.c.username)
                .join_from(m, a, m.c.account_id == a.c.id)
                .join(u, a.c.user_id == u.c.id)
                .where(*played)
                .order_by(m.c.rating.desc(), m.c.account_id)
                .offset(offset)
                .limit(limit)
            )
            return Board([(_metrics(row), row.username) for row in rows], total)

    async def of_account(self, account_id: str) -> list[Metrics]:
        """Every mode ``account_id`` has played."""
        from appliance.arena import tables as sql

        m = sql.user_metrics
        async with self.store.session() as session:
            rows = await session.execute(
                sql.select(m)
                .where(m.c.account_id == account_id, m.c.games_played > 0)
                .order_by(m.c.mode)
            )
            return [_metrics(row) for row in rows]
