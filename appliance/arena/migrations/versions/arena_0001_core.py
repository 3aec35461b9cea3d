"""core: accounts, bans, languages, puzzles with their validators, submissions

The root of the arena part's branch (CodinCod's users, puzzles and submissions; issue Arena I).

Revision ID: arena_0001_core
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "arena_0001_core"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("arena",)
depends_on: str | Sequence[str] | None = None


def _id(name: str = "id", *args: Any, **kwargs: Any) -> sa.Column[str]:
    return sa.Column(name, sa.String(24), *args, **kwargs)


def _times() -> list[sa.Column[Any]]:
    return [
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "arena_accounts",
        _id(primary_key=True),
        sa.Column(
            "user_id",
            sa.String(64),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("profile", sa.JSON, nullable=False, server_default="{}"),
        sa.Column("report_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("ban_count", sa.Integer, nullable=False, server_default="0"),
        _id("current_ban_id"),
        *_times(),
    )
    op.create_table(
        "arena_bans",
        _id(primary_key=True),
        _id(
            "account_id",
            sa.ForeignKey("arena_accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _id("banned_by_id", sa.ForeignKey("arena_accounts.id", ondelete="SET NULL")),
        sa.Column("ban_type", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("start_date", sa.DateTime, nullable=False),
        sa.Column("end_date", sa.DateTime),
        sa.Column("is_active", sa.Boolean, nullable=False),
        *_times(),
    )
    op.create_index("ix_arena_bans_account", "arena_bans", ["account_id", "created_at"])
    op.create_table(
        "arena_languages",
        _id(primary_key=True),
        sa.Column("language", sa.String(64), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("aliases", sa.JSON, nullable=False, server_default="[]"),
        sa.Column("runtime", sa.String(64)),
        *_times(),
        sa.UniqueConstraint("language", "version", name="uq_arena_languages_language_version"),
    )
    op.create_table(
        "arena_puzzles",
        _id(primary_key=True),
        _id(
            "author_id",
            sa.ForeignKey("arena_accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("title", sa.String(128), nullable=False),
        sa.Column("statement", sa.Text),
        sa.Column("constraints", sa.Text),
        sa.Column("difficulty", sa.String(16), nullable=False, server_default="intermediate"),
        sa.Column("visibility", sa.String(16), nullable=False, server_default="draft"),
        sa.Column("solution_code", sa.Text, nullable=False),
        _id("solution_language_id", sa.ForeignKey("arena_languages.id", ondelete="SET NULL")),
        sa.Column("tags", sa.JSON, nullable=False, server_default="[]"),
        sa.Column("moderation_feedback", sa.Text),
        *_times(),
    )
    op.create_index("ix_arena_puzzles_created", "arena_puzzles", ["created_at"])
    op.create_index("ix_arena_puzzles_author", "arena_puzzles", ["author_id", "created_at"])
    op.create_index("ix_arena_puzzles_visibility", "arena_puzzles", ["visibility", "created_at"])
    op.create_table(
        "arena_validators",
        _id(primary_key=True),
        _id(
            "puzzle_id",
            sa.ForeignKey("arena_puzzles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("input", sa.Text, nullable=False),
        sa.Column("output", sa.Text, nullable=False),
        sa.Column("test_result", sa.JSON),
        *_times(),
    )
    op.create_index("ix_arena_validators_puzzle", "arena_validators", ["puzzle_id", "position"])
    op.create_table(
        "arena_submissions",
        _id(primary_key=True),
        _id(
            "puzzle_id",
            sa.ForeignKey("arena_puzzles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _id(
            "account_id",
            sa.ForeignKey("arena_accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _id(
            "language_id",
            sa.ForeignKey("arena_languages.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("success_rate", sa.Float, nullable=False),
        sa.Column("passed", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        _id("game_id"),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index(
        "ix_arena_submissions_account", "arena_submissions", ["account_id", "created_at"]
    )
    op.create_index("ix_arena_submissions_puzzle", "arena_submissions", ["puzzle_id", "created_at"])
    op.create_table(
        "arena_seeds",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("seeded_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "arena_seeds",
        "arena_submissions",
        "arena_validators",
        "arena_puzzles",
        "arena_languages",
        "arena_bans",
        "arena_accounts",
    ):
        op.drop_table(table)
