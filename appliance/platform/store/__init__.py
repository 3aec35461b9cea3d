"""The platform's relational store: ``sparkhouse.db`` (SQLite) through SQLAlchemy 2 async.

One :class:`Store` per app. ``start()`` runs the Alembic migrations embedded in this package
(in a thread, before the first request) and opens the async engine (aiosqlite); parts keep
their own repositories and use :meth:`Store.session` / :attr:`Store.engine`. Scaling out means
pointing the same code at PostgreSQL; nothing here is SQLite-specific except the pragmas.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger("sparkhouse.store")

MIGRATIONS = Path(__file__).parent / "migrations"
DB_NAME = "sparkhouse.db"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
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


class Store:
    """The relational store of one data directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._engine: AsyncEngine | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None

    @classmethod
    def in_dir(cls, data_dir: Path) -> Store:
        return cls(data_dir / DB_NAME)

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("the store is not started")
        return self._engine

    def session(self) -> AsyncSession:
        if self._sessions is None:
            raise RuntimeError("the store is not started")
        return self._sessions()

    def migrate(self) -> None:
        """Bring the schema to the newest revision (blocking: call it in a thread)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{self.path}"
        from alembic import command

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
        if self._engine is not None:
            return
        await asyncio.to_thread(self.migrate)
        engine = create_async_engine(f"sqlite+aiosqlite:///{self.path}")
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        log.info("store ready at %s", self.path)

    async def stop(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
        self._engine = None
        self._sessions = None
