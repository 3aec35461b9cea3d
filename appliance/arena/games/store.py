"""Queries of live games (tables ``arena_games``, ``arena_game_players``,
``arena_chat_messages`` and ``arena_submissions.game_id`` in ``appliance/arena/tables.py``).
Usernames come from the platform's users, joined through the arena accounts. SQLAlchemy loads
with the first query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from appliance.arena.games.models import ChatMessage, Game, GameOptions, LinkedSubmission, Player
from appliance.platform.store import Store


class GameRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def random_approved_puzzle(self) -> str | None:
        """The id of one approved puzzle, picked at random, or None when there is none."""
        from appliance.arena import tables as sql

        p = sql.puzzles
        async with self.store.session() as session:
            return (
                await session.execute(
                    sql.select(p.c.id)
                    .where(p.c.visibility == "approved")
                    .order_by(sql.func.random())
                    .limit(1)
                )
            ).scalar()

    async def add(self, game: Game) -> None:
        from appliance.arena import tables as sql

        async with self.store.session() as session, session.begin():
            await session.execute(
                sql.games.insert().values(
                    id=game.id,
                    owner_id=game.owner_id,
                    puzzle_id=game.puzzle_id,
                    mode=game.options.mode,
                    visibility=game.options.visibility,
                    rated=game.options.rated,
                    options=game.options.wire(),
                    start_time=game.start_time,
                    end_time=game.end_time,
                    created_at=game.created_at,
                )
            )
            if game.players:
                await session.execute(
                    sql.game_players.insert(),
                    [
                        {"game_id": game.id, "account_id": p.account_id, "joined_at": p.joined_at}
                        for p in game.players
                    ],
                )

    async def get(self, game_id: str) -> Game | None:
        """The game with its players (in joining order) and linked submissions (in the
        order they were made), without code."""
        from appliance.arena import tables as sql

        g, gp, a, u, s = sql.games, sql.game_players, sql.accounts, sql.users, sql.submissions
        async with self.store.session() as session:
            row = (
                await session.execute(
                    sql.select(g, u.c.username.label("owner_name"))
                    .select_from(g.outerjoin(a, a.c.id == g.c.owner_id).outerjoin(u))
                    .where(g.c.id == game_id)
                )
            ).first()
            if row is None:
                return None
            players = await session.execute(
                sql.select(gp.c.account_id, gp.c.joined_at, u.c.username)
                .select_from(gp.join(a, a.c.id == gp.c.account_id).join(u))
                .where(gp.c.game_id == game_id)
                .order_by(gp.c.joined_at, gp.c.account_id)
            )
            submissions = await session.execute(
                sql.select(
                    s.c.id,
                    s.c.account_id,
                    s.c.language_id,
                    s.c.result,
                    s.c.success_rate,
                    s.c.passed,
                    s.c.failed,
                    s.c.total,
                    sql.func.length(s.c.code).label("code_length"),
                    s.c.created_at,
                    u.c.username,
                )
                .select_from(s.join(a, a.c.id == s.c.account_id).join(u))
                .where(s.c.game_id == game_id)
                .order_by(s.c.created_at, s.c.id)
            )
            return _game(row, players.all(), submissions.all())

    async def add_player(self, game_id: str, account_id: str, now: datetime) -> bool:
        """Add a player; False when they already were one."""
        from appliance.arena import tables as sql

        gp = sql.game_players
        async with self.store.session() as session, session.begin():
            found = (
                await session.execute(
                    sql.select(gp.c.account_id).where(
                        gp.c.game_id == game_id, gp.c.account_id == account_id
                    )
                )
            ).first()
            if found is not None:
                return False
            await session.execute(
                gp.insert().values(game_id=game_id, account_id=account_id, joined_at=now)
            )
            return True

    async def link(self, submission_id: str, game_id: str) -> bool:
        """Link a submission not yet in a game; False when it already is in one."""
        from appliance.arena import tables as sql

        s = sql.submissions
        async with self.store.session() as session, session.begin():
            done = await session.execute(
                sql.update(s)
                .where(s.c.id == submission_id, s.c.game_id.is_(None))
                .values(game_id=game_id)
            )
            return bool(getattr(done, "rowcount", 0))

    async def add_chat(self, message: ChatMessage) -> None:
        await self.add_chats([message])

    async def add_chats(self, messages: Sequence[ChatMessage]) -> None:
        """Store chat lines in one transaction (all or none)."""
        from appliance.arena import tables as sql

        if not messages:
            return
        async with self.store.session() as session, session.begin():
            await session.execute(
                sql.chat_messages.insert(),
                [
                    {
                        "id": message.id,
                        "game_id": message.game_id,
                        "account_id": message.account_id,
                        "username": message.username,
                        "message": message.message,
                        "is_deleted": False,
                        "created_at": message.created_at,
                        "updated_at": message.created_at,
                    }
                    for message in messages
                ],
            )

    async def chat(self, game_id: str) -> list[ChatMessage]:
        """The game's chat, oldest first, without deleted messages."""
        from appliance.arena import tables as sql

        c = sql.chat_messages
        async with self.store.session() as session:
            rows = await session.execute(
                sql.select(c)
                .where(c.c.game_id == game_id, c.c.is_deleted.is_(False))
                .order_by(c.c.created_at, c.c.id)
            )
            return [
                ChatMessage(
                    id=m["id"],
                    game_id=m["game_id"],
                    account_id=m["account_id"] or "",
                    username=m["username"],
                    message=m["message"],
                    created_at=m["created_at"],
                )
                for m in (row._mapping for row in rows)
            ]

    async def blocked_lists(self, account_ids: Sequence[str]) -> dict[str, frozenset[str]]:
        """The users each account blocked (``blockedUsers`` of its preferences, as
        ``PreferenceService.blocked`` reads them; none without a record), in one query per
        500 accounts."""
        from appliance.arena import tables as sql

        p = sql.preferences
        found: dict[str, frozenset[str]] = {account_id: frozenset() for account_id in account_ids}
        ids = list(found)
        async with self.store.session() as session:
            for start in range(0, len(ids), 500):
                rows = await session.execute(
                    sql.select(p.c.account_id, p.c.blocked_users).where(
                        p.c.account_id.in_(ids[start : start + 500])
                    )
                )
                for row in rows:
                    found[row.account_id] = frozenset(row.blocked_users or ())
        return found

    async def running(self, now: datetime) -> list[tuple[str, datetime]]:
        """``(id, end_time)`` of every game not yet ended (their timers, after a restart)."""
        from appliance.arena import tables as sql

        g = sql.games
        async with self.store.session() as session:
            rows = await session.execute(sql.select(g.c.id, g.c.end_time).where(g.c.end_time > now))
            return [(row.id, row.end_time) for row in rows]


def _game(row: Any, players: Sequence[Any], submissions: Sequence[Any]) -> Game:
    m = row._mapping
    return Game(
        id=m["id"],
        owner_id=m["owner_id"],
        owner_name=m["owner_name"],
        puzzle_id=m["puzzle_id"],
        options=GameOptions.model_validate(m["options"] or {}),
        start_time=m["start_time"],
        end_time=m["end_time"],
        created_at=m["created_at"],
        players=[Player(p.account_id, p.username, p.joined_at) for p in players],
        submissions=[
            LinkedSubmission(
                id=x.id,
                account_id=x.account_id,
                username=x.username,
                language_id=x.language_id,
                result=x.result,
                success_rate=x.success_rate,
                passed=x.passed,
                failed=x.failed,
                total=x.total,
                code_length=x.code_length or 0,
                created_at=x.created_at,
            )
            for x in submissions
        ],
    )
