"""The platform's relational store: ``sparkhouse.db`` (SQLite) through SQLAlchemy 2 async.

One :class:`Store` per app. ``start()`` brings the schema to the newest revision (in a thread,
before the first request); parts keep their own repositories and use :meth:`Store.session` /
:attr:`Store.engine`. Scaling out means pointing the same code at PostgreSQL; nothing here is
SQLite-specific except the pragmas and the start-up fast paths below.

Start-up cost is kept off the path to the first healthy answer:

* A store already at :data:`HEAD` (read from ``alembic_version`` with ``sqlite3``) starts
  without importing Alembic and Mako at all; only a store behind runs ``alembic upgrade``.
* An empty store is created from ``schema.sql``, the ``iterdump()`` of a database migrated
  from nothing to :data:`HEAD` (tests/platform/test_store.py keeps both equal to the
  migration scripts; ``python -m appliance.platform.store`` rewrites them).
* The async engine (``sqlalchemy.ext.asyncio``, which pulls in ``sqlalchemy.orm``) is created
  at its first use, not at start.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

log = logging.getLogger("sparkhouse.store")

MIGRATIONS = Path(__file__).parent / "migrations"
SCHEMA = Path(__file__).parent / "schema.sql"
DB_NAME = "sparkhouse.db"

# The newest revision of migrations/versions (tests/platform/test_store.py checks it).
HEAD = "0003_goals"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any = None) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


def stored_revision(connection: sqlite3.Connection) -> str | None:
    """The revision in ``alembic_version``; ``""`` for a database without any table."""
    tables = {
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    if not tables:
        return ""
    if "alembic_version" not in tables:
        return None
    rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    return rows[0][0] if len(rows) == 1 else None


def dump_schema(path: Path) -> str:
    """The SQL that recreates the database at ``path`` (schema, rows, alembic_version)."""
    with sqlite3.connect(path) as connection:
        return "\n".join(connection.iterdump()) + "\n"


OTHER_ALEMBIC_DIALECTS = ("mssql", "mysql", "oracle", "postgresql")


def _stub_other_alembic_dialects() -> None:
    """The binary leaves out SQLAlchemy's and Alembic's PostgreSQL/MySQL/MSSQL/Oracle support
    (packaging/sparkhouse.spec), but ``alembic.ddl`` imports all of them: give it empty
    modules instead (their only effect is registering DDL helpers for those databases)."""
    if not getattr(sys, "frozen", False):
        return
    from types import ModuleType

    for dialect in OTHER_ALEMBIC_DIALECTS:
        name = f"alembic.ddl.{dialect}"
        sys.modules.setdefault(name, ModuleType(name))


class Store:
    """The relational store of one data directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._started = False
        self._engine: AsyncEngine | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self._lock = threading.Lock()

    @classmethod
    def in_dir(cls, data_dir: Path) -> Store:
        return cls(data_dir / DB_NAME)

    @property
    def engine(self) -> AsyncEngine:
        if not self._started:
            raise RuntimeError("the store is not started")
        if self._engine is None:
            self.open_engine()
        assert self._engine is not None
        return self._engine

    def session(self) -> AsyncSession:
        if not self._started:
            raise RuntimeError("the store is not started")
        if self._sessions is None:
            self.open_engine()
        assert self._sessions is not None
        return self._sessions()

    def open_engine(self) -> None:
        """Create the async engine (no connection yet) if it does not exist. Its first use
        does it anyway; calling it from a thread beforehand keeps SQLAlchemy's import (~0.1 s
        for its ORM and asyncio layers) off the event loop."""
        with self._lock:
            if self._engine is not None:
                return
            from sqlalchemy import event
            from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

            engine = create_async_engine(f"sqlite+aiosqlite:///{self.path}")
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
            self._sessions = async_sessionmaker(engine, expire_on_commit=False)
            self._engine = engine

    def migrate(self) -> None:
        """Bring the schema to :data:`HEAD` (blocking: call it in a thread)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, isolation_level=None)
        try:
            _sqlite_pragmas(connection)
            revision = stored_revision(connection)
            if revision == HEAD:
                return
            if revision == "" and SCHEMA.is_file():
                # iterdump() wraps it in BEGIN/COMMIT: all of it or nothing
                connection.executescript(SCHEMA.read_text(encoding="utf-8"))
                log.info("created the store at revision %s", HEAD)
                return
        finally:
            connection.close()
        self.upgrade()

    def upgrade(self) -> None:
        """``alembic upgrade head`` (imports Alembic, Mako and SQLAlchemy's DDL helpers)."""
        _stub_other_alembic_dialects()
        from alembic import command
        from sqlalchemy import create_engine, event

        self.path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{self.path}"
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        try:
            with engine.begin() as connection:
                config = alembic_config(url)
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        finally:
            engine.dispose()

    async def start(self) -> None:
        if self._started:
            return
        await asyncio.to_thread(self.migrate)
        self._started = True
        log.info("store ready at %s", self.path)

    async def stop(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
        self._engine = None
        self._sessions = None
        self._started = False
