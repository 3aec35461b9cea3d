"""websites: the analytics sites (analytics-api.md section 8)

The root of the analytics part's branch. Before each part owned its branch this was revision
``0001_websites`` of the platform store's one chain (``replaces``: the store relabels such a
database, see ``appliance.platform.store``).

Revision ID: analytics_0001_websites
Revises:
Create Date: 2026-03-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "analytics_0001_websites"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("analytics",)
depends_on: str | Sequence[str] | None = None
replaces: str | None = "0001_websites"


def upgrade() -> None:
    op.create_table(
        "websites",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("domain", sa.String(253), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"),
        sa.Column("ingest_peak_eps", sa.Integer, nullable=True),
        sa.Column("ingest_queue_max_events", sa.Integer, nullable=True),
        sa.Column("share_id", sa.String(36), nullable=True, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_websites_domain", "websites", ["domain"])


def downgrade() -> None:
    op.drop_index("ix_websites_domain", table_name="websites")
    op.drop_table("websites")
