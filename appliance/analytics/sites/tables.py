"""The analytics tables of the platform store (``websites``, ``goals``) and the statements run
on them. Written once, here: the analytics branch of the store's migrations
(``appliance/analytics/migrations/versions``) builds exactly these tables
(tests/platform/test_store.py compares them with autogenerate).

The only analytics module that imports SQLAlchemy. The repositories (``repository.py``,
``admin/goals.py``) import it with their first query, so that SQLAlchemy is not
on the way to the server's first answer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Delete,
    Float,
    ForeignKey,
    Index,
    Insert,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    UniqueConstraint,
    Update,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

__all__ = ["IntegrityError"]

metadata = MetaData()
websites = Table(
    "websites",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64)),
    Column("name", String(200), nullable=False),
    Column("domain", String(253), nullable=False),
    Column("timezone", String(64), nullable=False, server_default="UTC"),
    Column("ingest_peak_eps", Integer),
    Column("ingest_queue_max_events", Integer),
    Column("share_id", String(36), unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_websites_domain", "domain"),
)
goals = Table(
    "goals",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("website_id", String(64), ForeignKey("websites.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("goal_type", String(16), nullable=False),
    Column("match_value", String(500), nullable=False),
    Column("match_operator", String(16), nullable=False),
    Column("value_mode", String(16), nullable=False),
    Column("fixed_value", Float),
    Column("value_property_key", String(200)),
    Column("currency", String(8), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("website_id", "name", name="uq_goals_website_name"),
)

# -- websites ----------------------------------------------------------------------------------


def website_by_id(website_id: str) -> Select[Any]:
    return select(websites).where(websites.c.id == website_id)


def website_by_domain(domain: str) -> Select[Any]:
    """The oldest website with this (lower-case) domain."""
    return (
        select(websites)
        .where(func.lower(websites.c.domain) == domain)
        .order_by(websites.c.created_at, websites.c.id)
        .limit(1)
    )


def website_by_share_id(share_id: str) -> Select[Any]:
    return select(websites).where(websites.c.share_id == share_id)


def insert_website(**values: Any) -> Insert:
    return websites.insert().values(**values)


def all_websites() -> Select[Any]:
    return select(websites).order_by(websites.c.id)


def websites_after(after: str | None, limit: int) -> Select[Any]:
    query = select(websites).order_by(websites.c.id).limit(limit)
    return query.where(websites.c.id > after) if after else query


def website_count() -> Select[Any]:
    return select(func.count()).select_from(websites)


def update_website(website_id: str, **values: Any) -> Update:
    return update(websites).where(websites.c.id == website_id).values(**values)


def delete_website(website_id: str) -> Delete:
    return delete(websites).where(websites.c.id == website_id)


# -- goals -------------------------------------------------------------------------------------


def goals_of(website_id: str) -> Select[Any]:
    """Newest first."""
    return (
        select(goals)
        .where(goals.c.website_id == website_id)
        .order_by(goals.c.created_at.desc(), goals.c.id.desc())
    )


def goal_by_id(website_id: str, goal_id: str) -> Select[Any]:
    return select(goals).where(goals.c.website_id == website_id, goals.c.id == goal_id)


def goal_count(website_id: str) -> Select[Any]:
    return select(func.count()).select_from(goals).where(goals.c.website_id == website_id)


def goal_named(website_id: str, name: str, other_than: str | None) -> Select[Any]:
    query = select(goals.c.id).where(goals.c.website_id == website_id, goals.c.name == name)
    return query.where(goals.c.id != other_than) if other_than is not None else query


def insert_goal(**values: Any) -> Insert:
    return goals.insert().values(**values)


def update_goal(website_id: str, goal_id: str, **values: Any) -> Update:
    return (
        goals.update()
        .where(goals.c.website_id == website_id, goals.c.id == goal_id)
        .values(**values)
    )


def delete_goal(website_id: str, goal_id: str) -> Delete:
    return goals.delete().where(goals.c.website_id == website_id, goals.c.id == goal_id)
