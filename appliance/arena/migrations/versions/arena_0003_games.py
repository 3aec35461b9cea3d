"""games: live games, their players and chat, per-mode ratings

The arena's third revision (issue Arena III).

Revision ID: arena_0003_games
Revises: arena_0002_community
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "arena_0003_games"
down_revision: str | None = "arena_0002_community"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ref(name: str, table: str, ondelete: str, **kwargs: Any) -> sa.Column[str]:
    return sa.Column(name, sa.String(24), sa.ForeignKey(f"{table}.id", ondelete=ondelete), **kwargs)


def upgrade() -> None:
    op.create_table(
        "arena_games",
        sa.Column("id", sa.String(24), primary_key=True),
        _ref("owner_id", "arena_accounts", "SET NULL"),
        _ref("puzzle_id", "arena_puzzles", "CASCADE", nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("visibility", sa.String(8), nullable=False),
        sa.Column("rated", sa.Boolean, nullable=False),
        sa.Column("options", sa.JSON, nullable=False, server_default="{}"),
        sa.Column("start_time", sa.DateTime, nullable=False),
        sa.Column("end_time", sa.DateTime, nullable=False),
        sa.Column("rated_at", sa.DateTime),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_arena_games_end", "arena_games", ["end_time"])
    # a game's submissions (standings, the rating job), by the column revision 0001 added
    op.create_index("ix_arena_submissions_game", "arena_submissions", ["game_id"])
    op.create_index("ix_arena_games_unrated", "arena_games", ["rated", "rated_at", "end_time"])
    op.create_table(
        "arena_game_players",
        _ref("game_id", "arena_games", "CASCADE", primary_key=True),
        _ref("account_id", "arena_accounts", "CASCADE", primary_key=True),
        sa.Column("joined_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "arena_chat_messages",
        sa.Column("id", sa.String(24), primary_key=True),
        _ref("game_id", "arena_games", "CASCADE", nullable=False),
        _ref("account_id", "arena_accounts", "SET NULL"),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("is_deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_arena_chat_messages_game", "arena_chat_messages", ["game_id", "created_at"])
    op.create_table(
        "arena_user_metrics",
        _ref("account_id", "arena_accounts", "CASCADE", primary_key=True),
        sa.Column("mode", sa.String(16), primary_key=True),
        sa.Column("games_played", sa.Integer, nullable=False, server_default="0"),
        sa.Column("games_won", sa.Integer, nullable=False, server_default="0"),
        sa.Column("best_score", sa.Float, nullable=False, server_default="0"),
        sa.Column("total_score", sa.Float, nullable=False, server_default="0"),
        sa.Column("rating", sa.Float, nullable=False, server_default="1500"),
        sa.Column("rd", sa.Float, nullable=False, server_default="350"),
        sa.Column("volatility", sa.Float, nullable=False, server_default="0.06"),
        sa.Column("rank", sa.Integer),
        sa.Column("last_game_date", sa.DateTime),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_arena_user_metrics_mode_rating", "arena_user_metrics", ["mode", "rating"])


def downgrade() -> None:
    op.drop_index("ix_arena_submissions_game", "arena_submissions")
    for table in ("arena_user_metrics", "arena_chat_messages", "arena_game_players", "arena_games"):
        op.drop_table(table)
