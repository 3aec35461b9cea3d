"""The identity tables of the platform store, with the SQLAlchemy constructs their queries
use. Written once, here: the platform's branch of the store's migrations
(``appliance/platform/store/migrations/versions``) builds exactly these tables
(tests/platform/test_store.py compares them with autogenerate).

The only identity module that imports SQLAlchemy: the repository (``store.py``) imports it with
its first query, so SQLAlchemy's imports are not on the way to the server's first answer.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    false,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

__all__ = ["IntegrityError", "delete", "func", "select", "update"]

metadata = MetaData()
users = Table(
    "users",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("email", String(320), unique=True),
    Column("password_hash", String(128)),
    Column("role", String(16), nullable=False, server_default="user"),
    Column("must_change_password", Boolean, nullable=False, server_default=false()),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", String(64), ForeignKey("users.id", ondelete="CASCADE")),
    Column("name", String(200), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("key_prefix", String(32), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_used_at", DateTime),
    Column("revoked_at", DateTime),
    Index("ix_api_keys_created_at", "created_at"),
)
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_ip", String(64), nullable=False),
    Column("failed_at", DateTime, nullable=False),
    Index("ix_login_failures_ip_at", "client_ip", "failed_at"),
)
auth_secrets = Table(
    "auth_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
    Column("updated_at", DateTime, nullable=False),
)
