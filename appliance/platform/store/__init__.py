"""The platform's relational store: ``sparkhouse.db`` (SQLite) through SQLAlchemy 2 async.

One :class:`Store` per app. ``start()`` brings the schema to the newest revisions (in a thread,
before the first request); parts keep their own repositories and use :meth:`Store.session` /
:attr:`Store.engine`. Scaling out means pointing the same code at PostgreSQL; nothing here is
SQLite-specific except the pragmas and the start-up fast paths below.

The schema is one Alembic environment (``migrations/``: env.py, the script template) with a
branch per owner: the platform's own (label ``platform``, :data:`VERSIONS`: identity and
secrets, tables in ``appliance.platform.auth.tables``) and one per part that has tables (its
``Part.migrations``, e.g. ``appliance/analytics/migrations/versions``, label ``analytics``).
A store is opened with the platform's branch plus the parts' (``Store.in_dir(data_dir,
[part.migrations, ...])``) and upgraded to ``heads``. Each table is written once, as
SQLAlchemy metadata in its owner's ``tables.py``; tests/platform/test_store.py checks that
the migrations build exactly that metadata (autogenerate finds no difference).

Start-up cost is kept off the path to the first healthy answer:

* A store whose ``alembic_version`` (read with ``sqlite3``) already holds the head of every
  branch it was given starts without importing Alembic and Mako at all. The heads are read
  from the ``revision``/``down_revision`` lines of the revision files (:func:`version_heads`),
  so a revision file writes both as plain string literals (or ``None``, or a tuple of them).
* An empty store is created from ``schema.sql``: the ``iterdump()`` of a database migrated
  from nothing with every part's branch, i.e. the composed set the server uses. It is used
  only when its heads are the store's heads (a store of fewer branches runs Alembic).
  Generated, never edited: ``python -m appliance.platform.store dump-schema``, which a test
  runs and compares.
* The async engine (``sqlalchemy.ext.asyncio``, which pulls in ``sqlalchemy.orm``) is created
  at its first use, not at start.

Before the branches, the store was one chain ``0001_websites`` → ``0002_identity`` →
``0003_goals`` (:data:`LEGACY_CHAIN`). Its revisions were split, DDL unchanged, into the
branches; each new revision that took one over names it in a module-level ``replaces``. A
store still at a revision of that chain is relabelled to the matching branch revisions in
the same transaction as its upgrade (:func:`relabel_legacy_chain`), rows untouched.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
import sys
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

log = logging.getLogger("sparkhouse.store")

MIGRATIONS = Path(__file__).parent / "migrations"
"""The Alembic environment every branch runs in (env.py, script.py.mako)."""
VERSIONS = MIGRATIONS / "versions"
"""The platform's branch (label ``platform``), part of every store."""
SCHEMA = Path(__file__).parent / "schema.sql"
DB_NAME = "sparkhouse.db"

LEGACY_CHAIN = ("0001_websites", "0002_identity", "0003_goals")
"""The single chain of revisions before each part owned a branch, oldest first."""

_REVISION = re.compile(r"^revision\b[^=\n]*=(.*)$", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\b[^=\n]*=(.*)$", re.MULTILINE)
_STRING = re.compile(r"""["']([^"']+)["']""")
_SCHEMA_VERSION = re.compile(r"""^INSERT INTO "alembic_version" VALUES\('([^']+)'\);$""", re.M)
# the revision files Alembic loads from a version location (alembic.script.base)
_REVISION_FILE = re.compile(r"(?!\.#|__init__).*\.py$")


STOP_WAIT_SECONDS = 5.0
"""How long a stop waits for connections still in use, and then for each one's worker."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any = None) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def version_locations(migrations: Iterable[Path] = ()) -> tuple[Path, ...]:
    """The platform's branch first, then each given location once."""
    locations = [VERSIONS]
    for location in migrations:
        if location not in locations:
            locations.append(location)
    return tuple(locations)


def version_heads(locations: Iterable[Path]) -> frozenset[str]:
    """The head revisions of the revision files in ``locations``, read as text (no Alembic:
    this is the start-up check). tests/platform/test_store.py checks it against Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for location in locations:
        for path in location.iterdir():
            if not _REVISION_FILE.match(path.name) or not path.is_file():
                continue
            text = path.read_text(encoding="utf-8")
            revision, down_revision = _REVISION.search(text), _DOWN_REVISION.search(text)
            names = _STRING.findall(revision.group(1)) if revision else []
            if len(names) != 1 or down_revision is None:
                raise ValueError(f"{path}: write revision and down_revision as plain literals")
            revisions.add(names[0])
            parents.update(_STRING.findall(down_revision.group(1)))
    return frozenset(revisions - parents)


def schema_heads(schema: str) -> frozenset[str]:
    """The revisions a ``schema.sql`` stores in ``alembic_version``."""
    return frozenset(_SCHEMA_VERSION.findall(schema))


def alembic_config(url: str, locations: Sequence[Path] = (VERSIONS,)) -> Config:
    from alembic.config import Config

    def escaped(value: str) -> str:  # ConfigParser interpolates %
        return value.replace("%", "%%")

    config = Config()
    config.set_main_option("script_location", escaped(str(MIGRATIONS)))
    config.set_main_option("path_separator", "os")
    config.set_main_option(
        "version_locations", escaped(os.pathsep.join(str(location) for location in locations))
    )
    config.set_main_option("sqlalchemy.url", escaped(url))
    return config


def stored_revisions(connection: sqlite3.Connection) -> frozenset[str] | None:
    """The revisions in ``alembic_version``; None for a database without any table."""
    tables = {
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    if not tables:
        return None
    if "alembic_version" not in tables:
        return frozenset()
    return frozenset(
        row[0] for row in connection.execute("SELECT version_num FROM alembic_version")
    )


def relabel_legacy_chain(connection: Connection, script: ScriptDirectory) -> None:
    """A store at a revision of :data:`LEGACY_CHAIN` gets the branch revisions that replace
    it and the revisions before it (their DDL is already there); the caller's transaction
    then upgrades it. Refused when a branch that replaces one of them is not among the
    store's locations: its tables exist, so a later upgrade of that branch could not run."""
    from alembic.util import to_tuple
    from sqlalchemy import inspect, text

    if not inspect(connection).has_table("alembic_version"):
        return
    stored = [row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))]
    if len(stored) != 1 or stored[0] not in LEGACY_CHAIN:
        return
    done = set(LEGACY_CHAIN[: LEGACY_CHAIN.index(stored[0]) + 1])
    applied = {
        rev.revision: rev
        for rev in script.walk_revisions()
        if getattr(rev.module, "replaces", None) in done
    }
    missing = done - {getattr(rev.module, "replaces", None) for rev in applied.values()}
    if missing:
        raise RuntimeError(
            f"the store is at revision {stored[0]} of the single chain before the parts' "
            f"branches; no given branch replaces {', '.join(sorted(missing))}: open it with "
            "every part's migrations (as the server does) to upgrade it"
        )
    parents = {parent for rev in applied.values() for parent in to_tuple(rev.down_revision, ())}
    heads = sorted(set(applied) - parents)
    connection.execute(text("DELETE FROM alembic_version"))
    for head in heads:
        connection.execute(text("INSERT INTO alembic_version VALUES (:head)"), {"head": head})
    log.info("store at %s of the single chain: relabelled as %s", stored[0], ", ".join(heads))


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


@dataclass(frozen=True, slots=True)
class DriverSql:
    """A statement compiled once for :meth:`Store.driver_reads`: its text with the driver's
    placeholders and the names of its parameters in their order."""

    text: str
    names: tuple[str, ...]

    @classmethod
    def of(cls, statement: Any) -> DriverSql:
        """Compile a SQLAlchemy statement whose parameters are named ``bindparam``s."""
        from sqlalchemy.dialects import sqlite

        compiled = statement.compile(dialect=sqlite.dialect())
        return cls(str(compiled), tuple(compiled.positiontup or ()))

    def values(self, given: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(given[name] for name in self.names)


class Store:
    """The relational store of one data directory, with the platform's branch of the schema
    and the branches in ``migrations`` (the parts' version locations)."""

    def __init__(self, path: Path, migrations: Iterable[Path] = ()) -> None:
        self.path = path
        self.version_locations = version_locations(migrations)
        self._started = False
        self._engine: AsyncEngine | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self._lock = threading.Lock()
        self._drivers: weakref.WeakSet[Any] = weakref.WeakSet()  # aiosqlite connections

    @classmethod
    def in_dir(cls, data_dir: Path, migrations: Iterable[Path] = ()) -> Store:
        return cls(data_dir / DB_NAME, migrations)

    @property
    def heads(self) -> frozenset[str]:
        """The newest revision of each branch (read from the revision files, no Alembic)."""
        return version_heads(self.version_locations)

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

    async def driver_reads(
        self, reads: Sequence[tuple[DriverSql, Mapping[str, Any]]]
    ) -> list[list[tuple[Any, ...]]]:
        """The rows of each read, on one connection, straight from the driver: tuples of
        SQLite's own values (text dates, JSON as text), without SQLAlchemy's statement cache
        lookups and result objects (most of the cost of a read of a thousand rows). For hot
        reads of many rows; aiosqlite's, like the pragmas: another database would read
        through :meth:`session`."""
        async with self.engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None
            return [
                [tuple(row) for row in await driver.execute_fetchall(sql.text, sql.values(given))]
                for sql, given in reads
            ]

    def open_engine(self) -> None:
        """Create the async engine (no connection yet) if it does not exist. Its first use
        does it anyway; calling it from a thread beforehand keeps SQLAlchemy's import (its ORM
        and asyncio layers) off the event loop."""
        with self._lock:
            if self._engine is not None:
                return
            from sqlalchemy import event
            from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

            engine = create_async_engine(f"sqlite+aiosqlite:///{self.path}")
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(engine.sync_engine, "connect", self._remember_driver)
            self._sessions = async_sessionmaker(engine, expire_on_commit=False)
            self._engine = engine

    def alembic_config(self, url: str) -> Config:
        return alembic_config(url, self.version_locations)

    def migrate(self) -> None:
        """Bring every branch to its head (blocking: call it in a thread)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        heads = self.heads
        connection = sqlite3.connect(self.path, isolation_level=None)
        try:
            _sqlite_pragmas(connection)
            stored = stored_revisions(connection)
            # Revisions of branches not given here (another part's) do not hold this start up.
            if stored is not None and heads <= stored:
                return
            if stored is None and SCHEMA.is_file():
                schema = SCHEMA.read_text(encoding="utf-8")
                if schema_heads(schema) == heads:
                    # iterdump() wraps it in BEGIN/COMMIT: all of it or nothing
                    connection.executescript(schema)
                    log.info("created the store at %s", ", ".join(sorted(heads)))
                    return
        finally:
            connection.close()
        self.upgrade()

    def upgrade(self) -> None:
        """``alembic upgrade heads`` (imports Alembic, Mako and SQLAlchemy's DDL helpers), after
        relabelling a store of the single chain before the branches, in one transaction."""
        _stub_other_alembic_dialects()
        from alembic import command
        from alembic.script import ScriptDirectory
        from sqlalchemy import create_engine, event

        self.path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{self.path}"
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        try:
            with engine.begin() as connection:
                config = self.alembic_config(url)
                config.attributes["connection"] = connection
                relabel_legacy_chain(connection, ScriptDirectory.from_config(config))
                command.upgrade(config, "heads")
        finally:
            engine.dispose()

    async def start(self) -> None:
        if self._started:
            return
        await asyncio.to_thread(self.migrate)
        self._started = True
        log.info("store ready at %s", self.path)

    async def stop(self) -> None:
        engine = self._engine
        if engine is not None:
            await self._settle(engine)
            await engine.dispose()
            await self._end_workers()
        self._engine = None
        self._sessions = None
        self._started = False

    # Each aiosqlite connection has a worker thread that hands every result back to the event
    # loop. When the server stops, requests it cancelled may still be in the middle of a query
    # or giving their connection back (a cancelled one is closed without waiting); dispose()
    # closes only the connections in the pool. A worker that finishes after the loop closed
    # raises "Event loop is closed" in its thread, printed after "Server Stopped". So the stop
    # waits for the connections in use, and then for every worker, while the loop still runs.

    def _remember_driver(self, dbapi_connection: Any, _record: Any = None) -> None:
        self._drivers.add(dbapi_connection.driver_connection)

    @staticmethod
    async def _settle(engine: AsyncEngine) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STOP_WAIT_SECONDS
        pool: Any = engine.pool  # a QueuePool: it counts the connections in use
        while pool.checkedout() and loop.time() < deadline:  # noqa: ASYNC110 (a count, no event)
            await asyncio.sleep(0.01)

    async def _end_workers(self) -> None:
        for driver in list(self._drivers):
            worker = aiosqlite_worker(driver)
            if worker is None or not worker.is_alive():
                continue
            if aiosqlite_is_open(driver):  # still in use after the wait: close it now
                try:
                    await asyncio.wait_for(driver.close(), STOP_WAIT_SECONDS)
                except Exception:
                    log.warning("a store connection did not close cleanly", exc_info=True)
            await asyncio.to_thread(worker.join, STOP_WAIT_SECONDS)
        self._drivers = weakref.WeakSet()


def aiosqlite_worker(connection: Any) -> threading.Thread | None:
    """The worker thread of an aiosqlite connection (``Connection._thread``: aiosqlite has no
    public name for it; tests/platform/test_store.py checks it is still there)."""
    worker = getattr(connection, "_thread", None)
    return worker if isinstance(worker, threading.Thread) else None


def aiosqlite_is_open(connection: Any) -> bool:
    """Whether ``close()`` may still be called: not closed and not stopped (aiosqlite's
    ``_running`` and ``_connection``; a stopped worker would never answer a close)."""
    return bool(getattr(connection, "_running", False)) and (
        getattr(connection, "_connection", None) is not None
    )
