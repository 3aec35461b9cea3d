"""Finished games written straight into a data dir's SQLite, as the games context stores them
(``arena_games``, ``arena_game_players``, ``arena_submissions``; the store's forms: ids of
24 hex, naive-UTC datetimes as SQLAlchemy writes them, booleans as 0/1), so the leaderboard
is tested without playing a game live."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

_ids = itertools.count(1)
PUZZLE = "f" * 24
LANGUAGE = "e" * 24


def new_id() -> str:
    return f"{next(_ids):024x}"


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass(frozen=True)
class Played:
    """A player's submission: success rate, seconds after the game's creation, code."""

    account_id: str
    success_rate: float = 1.0
    seconds: float = 30.0
    code: str = "print(1)"


def connect(data_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(Path(data_dir) / "sparkhouse.db", timeout=10)


def insert_game(
    connection: sqlite3.Connection,
    played: Sequence[Played],
    *,
    mode: str = "fastest",
    ended: datetime,
    rated: bool = True,
    duration: timedelta = timedelta(minutes=15),
) -> str:
    """A game created ``duration`` + 15 s before ``ended``, its players and submissions."""
    game_id = new_id()
    created = ended - duration - timedelta(seconds=15)
    connection.execute(
        "INSERT INTO arena_games (id, owner_id, puzzle_id, mode, visibility, rated, options,"
        " start_time, end_time, rated_at, created_at) VALUES (?, ?, ?, ?, 'public', ?, '{}',"
        " ?, ?, NULL, ?)",
        (
            game_id,
            played[0].account_id if played else None,
            PUZZLE,
            mode,
            1 if rated else 0,
            stamp(created + timedelta(seconds=15)),
            stamp(ended),
            stamp(created),
        ),
    )
    for player in played:
        connection.execute(
            "INSERT OR IGNORE INTO arena_game_players (game_id, account_id, joined_at)"
            " VALUES (?, ?, ?)",
            (game_id, player.account_id, stamp(created)),
        )
        connection.execute(
            "INSERT INTO arena_submissions (id, puzzle_id, account_id, language_id, code,"
            " result, success_rate, passed, failed, total, game_id, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 10, ?, ?)",
            (
                new_id(),
                PUZZLE,
                player.account_id,
                LANGUAGE,
                player.code,
                "success" if player.success_rate == 1 else "error",
                player.success_rate,
                round(10 * player.success_rate),
                10 - round(10 * player.success_rate),
                game_id,
                stamp(created + timedelta(seconds=player.seconds)),
            ),
        )
    return game_id


def rated_at(connection: sqlite3.Connection, game_id: str) -> str | None:
    row = connection.execute("SELECT rated_at FROM arena_games WHERE id = ?", (game_id,)).fetchone()
    return row[0]
