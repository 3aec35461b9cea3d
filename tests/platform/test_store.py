"""The platform store: Alembic migrations embedded in the package, run programmatically."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text

from appliance.platform.store import HEAD, MIGRATIONS, SCHEMA, Store, alembic_config, dump_schema


async def test_start_migrates_to_head_and_is_idempotent(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path / "data")
    await store.start()
    async with store.session() as session:
        tables = await session.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        names = {row[0] for row in tables}
    await store.stop()
    assert {"alembic_version", "websites"} <= names
    again = Store.in_dir(tmp_path / "data")
    await again.start()  # a second start finds the schema at head and changes nothing
    await again.stop()
    with sqlite3.connect(tmp_path / "data" / "sparkhouse.db") as connection:
        versions = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        mode = connection.execute("PRAGMA journal_mode").fetchone()
    # one head: every revision file in the package chained, and the store at its end
    head = ScriptDirectory(str(MIGRATIONS)).get_heads()
    assert len(head) == 1
    assert versions == [(head[0],)]
    assert mode == ("wal",)


def test_the_migrations_ship_inside_the_package() -> None:
    assert (MIGRATIONS / "env.py").is_file()
    assert (MIGRATIONS / "script.py.mako").is_file()
    assert any((MIGRATIONS / "versions").glob("r0001_*.py"))


def test_head_and_schema_snapshot_match_the_migrations(tmp_path: Path) -> None:
    # HEAD and schema.sql are what the start-up fast paths trust instead of running Alembic:
    # after adding a migration, run `python -m appliance.platform.store` and set HEAD.
    assert ScriptDirectory(str(MIGRATIONS)).get_heads() == [HEAD]
    store = Store.in_dir(tmp_path)
    store.upgrade()  # Alembic, from nothing
    assert SCHEMA.read_text(encoding="utf-8") == dump_schema(store.path), (
        "schema.sql is stale: run `python -m appliance.platform.store`"
    )


async def test_an_empty_store_is_created_from_the_snapshot_like_alembic_would(
    tmp_path: Path,
) -> None:
    by_alembic = Store.in_dir(tmp_path / "a")
    by_alembic.upgrade()
    fast = Store.in_dir(tmp_path / "b")
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


async def test_a_store_behind_head_is_upgraded_by_alembic(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path)
    store.path.parent.mkdir(parents=True, exist_ok=True)
    from alembic import command
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{store.path}")
    with engine.begin() as connection:
        config = alembic_config(f"sqlite:///{store.path}")
        config.attributes["connection"] = connection
        command.upgrade(config, "0001_websites")
    engine.dispose()
    await store.start()
    await store.stop()
    with sqlite3.connect(store.path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]


def test_a_start_at_head_imports_neither_alembic_nor_the_orm(tmp_path: Path) -> None:
    Store.in_dir(tmp_path).upgrade()
    code = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from appliance.platform.store import Store\n"
        f"store = Store.in_dir(Path({str(tmp_path)!r}))\n"
        "asyncio.run(store.start())\n"
        "print(sorted(m for m in ('alembic', 'mako', 'sqlalchemy.orm') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
