"""The platform store: one Alembic environment, a branch per owner (the platform's and each
part's), run programmatically; tables written once as SQLAlchemy metadata."""

from __future__ import annotations

import fnmatch
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, inspect, text
from sqlalchemy.exc import OperationalError

from appliance.analytics.migrations import VERSIONS as ANALYTICS
from appliance.analytics.sites import tables as site_tables
from appliance.arena import tables as arena_tables
from appliance.arena.migrations import VERSIONS as ARENA
from appliance.platform.auth import tables as identity_tables
from appliance.platform.store import (
    LEGACY_CHAIN,
    MIGRATIONS,
    SCHEMA,
    VERSIONS,
    DriverSql,
    Store,
    alembic_config,
    dump_schema,
    schema_heads,
    version_heads,
)
from appliance.platform.store.__main__ import COMMAND, part_migrations, render_schema

ROOT = Path(__file__).resolve().parents[2]
LEGACY_STORE = Path(__file__).parent / "fixtures" / "store-0003_goals.sql"
ALL = [ANALYTICS, ARENA]  # every part's branch, as the server composes them
BRANCH_LABELS = {VERSIONS: "platform", ANALYTICS: "analytics", ARENA: "arena"}


def script_of(locations: list[Path]) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://", locations))


def revisions_in(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        return {row[0] for row in connection.execute("SELECT version_num FROM alembic_version")}


def tables_in(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row[0] for row in rows}


def imported_by_a_start(data_dir: Path, migrations: list[Path]) -> list[str]:
    """The heavy modules that a start of the store in a fresh interpreter imports."""
    code = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from appliance.platform.store import Store\n"
        f"migrations = [Path(p) for p in {[str(p) for p in migrations]!r}]\n"
        f"store = Store.in_dir(Path({str(data_dir)!r}), migrations)\n"
        "asyncio.run(store.start())\n"
        "print(*sorted(m for m in ('alembic', 'mako', 'sqlalchemy.orm') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.split()


def metadata() -> MetaData:
    """Every table of the store as written in its owner's tables.py."""
    combined = MetaData()
    for owned in (identity_tables.metadata, site_tables.metadata, arena_tables.metadata):
        for table in owned.tables.values():
            table.to_metadata(combined)
    return combined


def shape(path: Path) -> dict[str, Any]:
    """What SQLite reflects of every table: columns, keys, uniques, indexes, foreign keys with
    their ON DELETE (which autogenerate does not compare on SQLite, nor an unnamed unique
    constraint the metadata lacks)."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            reflected = inspect(connection)
            return {
                table: {
                    "columns": [
                        (c["name"], str(c["type"]), c["nullable"], c["default"])
                        for c in reflected.get_columns(table)
                    ],
                    "primary_key": reflected.get_pk_constraint(table)["constrained_columns"],
                    "uniques": sorted(
                        (u["name"] or "", tuple(u["column_names"]))
                        for u in reflected.get_unique_constraints(table)
                    ),
                    "indexes": sorted(
                        (i["name"] or "", tuple(map(str, i["column_names"])), i["unique"])
                        for i in reflected.get_indexes(table)
                    ),
                    "foreign_keys": sorted(
                        (
                            tuple(f["constrained_columns"]),
                            f["referred_table"],
                            tuple(f["referred_columns"]),
                            f["options"].get("ondelete") or "",
                        )
                        for f in reflected.get_foreign_keys(table)
                    ),
                }
                for table in sorted(reflected.get_table_names())
                if table != "alembic_version"
            }
    finally:
        engine.dispose()


# -- branches and heads ------------------------------------------------------------------------


async def test_start_migrates_every_branch_to_its_head_and_is_idempotent(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path / "data", ALL)
    await store.start()
    async with store.session() as session:
        tables = await session.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        names = {row[0] for row in tables}
    await store.stop()
    assert {"alembic_version", "users", "websites", "goals"} <= names
    again = Store.in_dir(tmp_path / "data", ALL)
    await again.start()  # a second start finds every branch at its head and changes nothing
    await again.stop()
    assert revisions_in(store.path) == set(script_of([VERSIONS, *ALL]).get_heads())
    with sqlite3.connect(store.path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_driver_reads_answer_the_stored_values_of_each_read(tmp_path: Path) -> None:
    """A parameter used twice is bound twice; the rows are tuples of SQLite's own values
    (a date as its stored text), the same as a read through SQLAlchemy but for the types."""
    from sqlalchemy import bindparam, select

    users = identity_tables.users
    store = Store.in_dir(tmp_path / "data", ALL)
    await store.start()
    try:
        async with store.session() as session, session.begin():
            await session.execute(
                text(
                    "INSERT INTO users (id, email, username, password_hash, role, created_at, "
                    "updated_at) "
                    "VALUES ('u1', 'a@example.org', 'alice', 'x', 'user', "
                    "'2026-01-02 03:04:05.123456', '2026-01-02 03:04:05.123456')"
                )
            )
        twice = DriverSql.of(
            select(users.c.username, users.c.created_at).where(
                (users.c.id == bindparam("who")) | (users.c.username == bindparam("who"))
            )
        )
        assert twice.names == ("who", "who")
        none = DriverSql.of(select(users.c.id).where(users.c.role == bindparam("role")))
        found = await store.driver_reads([(twice, {"who": "alice"}), (none, {"role": "admin"})])
        assert found == [[("alice", "2026-01-02 03:04:05.123456")], []]
    finally:
        await store.stop()


def test_each_location_is_one_labelled_branch_and_its_heads_are_read_without_alembic() -> None:
    # version_heads (plain text) is what the fast start trusts instead of Alembic
    for locations in ([VERSIONS], [VERSIONS, *ALL]):
        assert version_heads(locations) == set(script_of(locations).get_heads())
    script = script_of([VERSIONS, *ALL])
    for location, label in BRANCH_LABELS.items():
        scripts = [rev for rev in script.walk_revisions() if rev.path.startswith(str(location))]
        roots = [rev for rev in scripts if rev.down_revision is None]
        assert [root.branch_labels for root in roots] == [{label}], location
        assert len(version_heads([location])) == 1, f"{location} holds more than one branch"
    assert Store(Path("x.db"), [ANALYTICS, ANALYTICS]).version_locations == (VERSIONS, ANALYTICS)


def test_the_migrations_ship_inside_the_package() -> None:
    assert (MIGRATIONS / "env.py").is_file()
    assert (MIGRATIONS / "script.py.mako").is_file()
    files = [SCHEMA, *VERSIONS.glob("*.py"), *ANALYTICS.glob("*.py"), *MIGRATIONS.glob("*.*")]
    assert len(files) >= 6
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["appliance"]
    for path in files:
        name = path.relative_to(ROOT / "appliance").as_posix()
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name


def test_every_part_declares_the_branch_it_keeps() -> None:
    # dump-schema finds the parts' branches by their folder; the server composes the ones the
    # parts declare: both must be the same set
    from appliance.registry import PARTS

    for part in PARTS:
        folder = ROOT / "appliance" / part.info.name / "migrations" / "versions"
        assert part.migrations == (folder if folder.is_dir() else None), part.info.name
    assert part_migrations() == ALL


# -- schema.sql --------------------------------------------------------------------------------


def test_schema_sql_is_generated_from_every_parts_migrations() -> None:
    # what the empty-store fast path executes instead of running Alembic
    assert SCHEMA.read_text(encoding="utf-8") == render_schema(part_migrations()), (
        f"appliance/platform/store/schema.sql is stale: run `{COMMAND}`"
    )
    assert schema_heads(SCHEMA.read_text(encoding="utf-8")) == version_heads([VERSIONS, *ALL])


def test_the_generator_checks_the_committed_copy() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "appliance.platform.store", "dump-schema", "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr


async def test_an_empty_store_is_created_from_the_snapshot_like_alembic_would(
    tmp_path: Path,
) -> None:
    by_alembic = Store.in_dir(tmp_path / "a", ALL)
    by_alembic.upgrade()
    fast = Store.in_dir(tmp_path / "b", ALL)
    await fast.start()
    async with fast.session() as session:
        await session.execute(
            text(
                "INSERT INTO websites (id, name, domain, created_at, updated_at) "
                "VALUES ('w', 'n', 'example.com', '2026-01-01', '2026-01-01')"
            )
        )
        await session.commit()
    await fast.stop()
    with sqlite3.connect(fast.path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        connection.execute("DELETE FROM websites")
    assert dump_schema(fast.path) == dump_schema(by_alembic.path)


async def test_a_store_of_fewer_branches_gets_them_from_alembic_and_the_rest_later(
    tmp_path: Path,
) -> None:
    platform_only = Store.in_dir(tmp_path)
    await platform_only.start()  # schema.sql holds more branches: not used
    await platform_only.stop()
    assert revisions_in(platform_only.path) == version_heads([VERSIONS])
    assert "websites" not in tables_in(platform_only.path)
    composed = Store.in_dir(tmp_path, ALL)
    await composed.start()  # a part added later: its branch is created, the rest kept
    await composed.stop()
    assert revisions_in(composed.path) == composed.heads
    assert {"users", "websites", "goals"} <= tables_in(composed.path)
    # a store holding a branch not given (another part's) starts without Alembic
    assert imported_by_a_start(tmp_path, []) == []


async def test_a_store_behind_head_is_upgraded_by_alembic(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path, ALL)
    store.path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{store.path}")
    with engine.begin() as connection:
        config = store.alembic_config(f"sqlite:///{store.path}")
        config.attributes["connection"] = connection
        command.upgrade(config, "analytics_0001_websites")
    engine.dispose()
    assert revisions_in(store.path) == {"analytics_0001_websites"}
    await store.start()
    await store.stop()
    assert revisions_in(store.path) == store.heads


def test_a_start_at_head_imports_neither_alembic_nor_the_orm(tmp_path: Path) -> None:
    Store.in_dir(tmp_path, ALL).upgrade()
    assert imported_by_a_start(tmp_path, ALL) == []


# -- tables written once -----------------------------------------------------------------------


def test_the_migrations_build_exactly_the_tables_metadata(tmp_path: Path) -> None:
    migrated = Store.in_dir(tmp_path / "migrated", ALL)
    migrated.upgrade()
    engine = create_engine(f"sqlite:///{migrated.path}")
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            assert compare_metadata(context, metadata()) == []
    finally:
        engine.dispose()
    from_metadata = tmp_path / "metadata.db"
    engine = create_engine(f"sqlite:///{from_metadata}")
    metadata().create_all(engine)
    engine.dispose()
    assert shape(migrated.path) == shape(from_metadata)


# -- the store before the branches -------------------------------------------------------------

ROWS = {
    "users": "INSERT INTO users VALUES "
    "('u1', 'admin', 'a@example.com', 'hash', 'admin', 0, '2026-03-01', '2026-03-01')",
    "api_keys": "INSERT INTO api_keys VALUES "
    "('k1', 'u1', 'ci', 'h1', 'spk_', '2026-03-02', NULL, NULL)",
    "login_failures": "INSERT INTO login_failures VALUES (7, '10.0.0.1', '2026-03-03')",
    "auth_secrets": "INSERT INTO auth_secrets VALUES ('jwt', 's3cret', '2026-03-01')",
    "websites": "INSERT INTO websites VALUES "
    "('w1', NULL, 'Blog', 'blog.example', 'Europe/Paris', 50, NULL, 'share-1', "
    "'2026-03-01', '2026-03-01')",
    "goals": "INSERT INTO goals VALUES ('g1', 'w1', 'Signup', 'page_view', '/welcome', "
    "'equals', 'none', NULL, NULL, 'EUR', '2026-03-04', '2026-03-04')",
}
TABLES_AT = {
    "0001_websites": {"websites"},
    "0002_identity": {"websites", "users", "api_keys", "login_failures", "auth_secrets"},
    "0003_goals": set(ROWS),
}


def legacy_store(path: Path, revision: str) -> dict[str, list[tuple[Any, ...]]]:
    """A data dir as the single-chain store left it at ``revision``, with a row per table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as connection:
        connection.executescript(LEGACY_STORE.read_text(encoding="utf-8"))
        for table in set(ROWS) - TABLES_AT[revision]:
            connection.execute(f"DROP TABLE {table}")
        connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))
        for table in TABLES_AT[revision]:
            connection.execute(ROWS[table])
    return rows_of(path, TABLES_AT[revision])


def rows_of(path: Path, tables: set[str]) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as connection:
        return {table: connection.execute(f"SELECT * FROM {table}").fetchall() for table in tables}


@pytest.mark.parametrize("revision", LEGACY_CHAIN)
async def test_a_store_of_the_single_chain_upgrades_to_the_branches_and_keeps_its_rows(
    tmp_path: Path, revision: str
) -> None:
    store = Store.in_dir(tmp_path / "data", ALL)
    rows = legacy_store(store.path, revision)
    await store.start()
    await store.stop()
    assert revisions_in(store.path) == store.heads
    assert rows_of(store.path, TABLES_AT[revision]) == rows
    fresh = Store.in_dir(tmp_path / "fresh", ALL)
    fresh.upgrade()
    assert shape(store.path) == shape(fresh.path)
    assert imported_by_a_start(store.path.parent, ALL) == []  # and now starts fast


async def test_a_store_of_the_single_chain_without_a_branch_it_needs_is_left_alone(
    tmp_path: Path,
) -> None:
    store = Store.in_dir(tmp_path)  # the platform's branch only: goals has no owner here
    rows = legacy_store(store.path, "0003_goals")
    with pytest.raises(RuntimeError, match="every part's migrations"):
        await store.start()
    assert revisions_in(store.path) == {"0003_goals"}
    assert rows_of(store.path, set(ROWS)) == rows


def test_a_failed_upgrade_of_the_single_chain_leaves_it_as_it_was(tmp_path: Path) -> None:
    # the relabelling and every branch's DDL are one transaction
    store = Store.in_dir(tmp_path, ALL)
    rows = legacy_store(store.path, "0001_websites")
    with sqlite3.connect(store.path) as connection:
        connection.execute("CREATE TABLE goals (id INTEGER)")  # the goals revision fails
    with pytest.raises(OperationalError, match="already exists"):
        store.upgrade()
    assert revisions_in(store.path) == {"0001_websites"}
    assert tables_in(store.path) == {"alembic_version", "websites", "goals"}
    assert rows_of(store.path, {"websites"}) == rows


SLOW_QUERY = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 400000) "
    "SELECT count(*) FROM c"
)


def test_a_stop_while_queries_are_cancelled_leaves_no_worker_to_the_closed_loop(
    tmp_path: Path,
) -> None:
    """As the server stops: requests cancelled in the middle of a query, then the store stops
    and the loop closes. A connection's worker still busy then finishes into the closed loop
    and raises "Event loop is closed" in its thread, printed after "Server Stopped"."""
    import asyncio
    import threading

    import uvloop

    raised: list[str] = []
    previous_hook = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        raised.append(f"{args.thread.name if args.thread else '?'}: {args.exc_value!r}")

    async def scenario() -> None:
        store = Store.in_dir(tmp_path, ALL)
        await store.start()

        async def query() -> None:
            async with store.session() as session:
                await session.execute(text(SLOW_QUERY))

        tasks = [asyncio.create_task(query()) for _ in range(3)]
        await asyncio.sleep(0.05)  # every query under way in its connection's worker
        for task in tasks:
            task.cancel()
        await store.stop()

    threading.excepthook = hook
    try:
        loop = uvloop.new_event_loop()
        try:
            loop.run_until_complete(scenario())
        finally:
            loop.close()
        workers = [t for t in threading.enumerate() if "_connection_worker_thread" in t.name]
        for worker in workers:
            worker.join(10)  # what they would do after the loop closed
    finally:
        threading.excepthook = previous_hook
    assert not workers, "aiosqlite workers outlived the store's stop"
    assert not raised


async def test_the_aiosqlite_internals_the_stop_waits_on_are_there(tmp_path: Path) -> None:
    from appliance.platform.store import aiosqlite_is_open, aiosqlite_worker

    store = Store.in_dir(tmp_path, ALL)
    await store.start()
    async with store.engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        worker = aiosqlite_worker(driver)
        assert worker is not None and worker.is_alive(), "aiosqlite's Connection._thread moved"
        assert aiosqlite_is_open(driver), "aiosqlite's _running/_connection changed"
    await store.stop()
    assert not worker.is_alive() and not aiosqlite_is_open(driver)
