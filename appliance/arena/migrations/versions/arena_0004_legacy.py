"""legacy: the map of ids a CodinCod (MongoDB) import kept or gave

The arena's fourth revision (issue Arena IV, ``sparkhouse arena import-legacy``): one row per
imported document, by collection and Mongo id, so a second import skips what the first wrote.

Revision ID: arena_0004_legacy
Revises: arena_0003_games
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "arena_0004_legacy"
down_revision: str | None = "arena_0003_games"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "arena_legacy_ids",
        sa.Column("collection", sa.String(32), primary_key=True),
        sa.Column("legacy_id", sa.String(24), primary_key=True),
        sa.Column("new_id", sa.String(24), nullable=False),
        sa.Column("imported_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("arena_legacy_ids")
