"""The platform store: Alembic migrations embedded in the package, run programmatically."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text

from appliance.platform.store import MIGRATIONS, Store


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
