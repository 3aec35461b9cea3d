"""community: preferences, comments and their votes, reports, the moderation audit log

The arena's second revision (issue Arena II).

Revision ID: arena_0002_community
Revises: arena_0001_core
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "arena_0002_community"
down_revision: str | None = "arena_0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id(name: str = "id", *args: Any, **kwargs: Any) -> sa.Column[str]:
    return sa.Column(name, sa.String(24), *args, **kwargs)


def _account(name: str, ondelete: str = "CASCADE", nullable: bool = False) -> sa.Column[str]:
    return _id(name, sa.ForeignKey("arena_accounts.id", ondelete=ondelete), nullable=nullable)


def _times() -> list[sa.Column[Any]]:
    return [
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "arena_preferences",
        _id(primary_key=True),
        _id(
            "account_id",
            sa.ForeignKey("arena_accounts.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("preferred_language", sa.String(64)),
        sa.Column("theme", sa.String(8)),
        sa.Column("blocked_users", sa.JSON, nullable=False, server_default="[]"),
        sa.Column("editor", sa.JSON, nullable=False, server_default="{}"),
        *_times(),
    )
    op.create_table(
        "arena_comments",
        _id(primary_key=True),
        _account("author_id"),
        _id("puzzle_id", sa.ForeignKey("arena_puzzles.id", ondelete="CASCADE")),
        _id("parent_id", nullable=False),
        sa.Column("comment_type", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("upvote", sa.Integer, nullable=False, server_default="0"),
        sa.Column("downvote", sa.Integer, nullable=False, server_default="0"),
        *_times(),
    )
    op.create_index("ix_arena_comments_parent", "arena_comments", ["parent_id", "created_at"])
    op.create_index("ix_arena_comments_author", "arena_comments", ["author_id", "created_at"])
    op.create_index("ix_arena_comments_puzzle", "arena_comments", ["puzzle_id"])
    op.create_table(
        "arena_comment_votes",
        _id(primary_key=True),
        _id(
            "comment_id",
            sa.ForeignKey("arena_comments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _account("account_id"),
        sa.Column("vote_type", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint(
            "comment_id", "account_id", name="uq_arena_comment_votes_comment_account"
        ),
    )
    op.create_table(
        "arena_reports",
        _id(primary_key=True),
        _id("problematic_identifier", nullable=False),
        sa.Column("problem_type", sa.String(16), nullable=False),
        _account("reported_by_id"),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        _account("resolved_by_id", ondelete="SET NULL", nullable=True),
        *_times(),
    )
    op.create_index(
        "ix_arena_reports_queue", "arena_reports", ["status", "problem_type", "created_at"]
    )
    op.create_index("ix_arena_reports_target", "arena_reports", ["problematic_identifier"])
    op.create_table(
        "arena_audit_log",
        _id(primary_key=True),
        _account("actor_id", ondelete="SET NULL", nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target_type", sa.String(32), nullable=False),
        _id("target_id", nullable=False),
        sa.Column("details", sa.JSON, nullable=False, server_default="{}"),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_arena_audit_log_created", "arena_audit_log", ["created_at"])
    op.create_index(
        "ix_arena_audit_log_target", "arena_audit_log", ["target_type", "target_id", "created_at"]
    )


def downgrade() -> None:
    for table in (
        "arena_audit_log",
        "arena_reports",
        "arena_comment_votes",
        "arena_comments",
        "arena_preferences",
    ):
        op.drop_table(table)
