"""goals: conversion goals of analytics websites (analytics-api.md 11.3)

Before each part owned its branch this was revision ``0003_goals`` of the platform store's one
chain (``replaces``: the store relabels such a database, see ``appliance.platform.store``).

Revision ID: analytics_0002_goals
Revises: analytics_0001_websites
Create Date: 2026-03-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "analytics_0002_goals"
down_revision: str | None = "analytics_0001_websites"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
replaces: str | None = "0003_goals"


def upgrade() -> None:
    op.create_table(
        "goals",
        sa.Column("id", sa.String(64), primary_key=True),
        # Deleting a website deletes its goals (8: DELETE /api/websites/{id}).
        sa.Column(
            "website_id",
            sa.String(64),
            sa.ForeignKey("websites.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("goal_type", sa.String(16), nullable=False),
        sa.Column("match_value", sa.String(500), nullable=False),
        sa.Column("match_operator", sa.String(16), nullable=False),
        sa.Column("value_mode", sa.String(16), nullable=False),
        sa.Column("fixed_value", sa.Float, nullable=True),
        sa.Column("value_property_key", sa.String(200), nullable=True),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("website_id", "name", name="uq_goals_website_name"),
    )


def downgrade() -> None:
    op.drop_table("goals")
