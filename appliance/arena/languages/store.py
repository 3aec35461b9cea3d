"""Queries of the arena's languages (``arena_languages`` in ``appliance/arena/tables.py``).
SQLAlchemy loads with the first query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from appliance.arena.execution import Runtime
from appliance.arena.languages.models import Language
from appliance.arena.wire import new_id
from appliance.platform.store import Store


def _language(row: Any) -> Language:
    m = row._mapping
    return Language(
        id=m["id"],
        language=m["language"],
        version=m["version"],
        aliases=tuple(m["aliases"] or ()),
        runtime=m["runtime"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


class LanguageRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def all(self) -> list[Language]:
        from appliance.arena import tables as sql

        async with self.store.session() as session:
            rows = (await session.execute(sql.select(sql.languages))).all()
        return [_language(row) for row in rows]

    async def by_id(self, language_id: str) -> Language | None:
        from appliance.arena import tables as sql

        async with self.store.session() as session:
            row = (
                await session.execute(
                    sql.select(sql.languages).where(sql.languages.c.id == language_id)
                )
            ).first()
        return _language(row) if row else None

    async def upsert(self, runtimes: Sequence[Runtime], now: datetime) -> list[Language]:
        """A row for each runtime, by (language, version): new ones get a new id, known ones
        keep theirs and take the runtime's aliases and runtime name when they changed.
        Returns every stored language. Safe against a concurrent upsert (another process on
        the same store): a row it inserted first is taken as is."""
        from appliance.arena import tables as sql

        table = sql.languages
        for _attempt in range(3):
            try:
                async with self.store.session() as session, session.begin():
                    rows = (await session.execute(sql.select(table))).all()
                    known = {(r.language, r.version): _language(r) for r in rows}
                    for runtime in runtimes:
                        aliases = list(runtime.aliases)
                        stored = known.get((runtime.language, runtime.version))
                        if stored is None:
                            await session.execute(
                                table.insert().values(
                                    id=new_id(),
                                    language=runtime.language,
                                    version=runtime.version,
                                    aliases=aliases,
                                    runtime=runtime.runtime,
                                    created_at=now,
                                    updated_at=now,
                                )
                            )
                        elif list(stored.aliases) != aliases or stored.runtime != runtime.runtime:
                            await session.execute(
                                sql.update(table)
                                .where(table.c.id == stored.id)
                                .values(aliases=aliases, runtime=runtime.runtime, updated_at=now)
                            )
                break
            except sql.IntegrityError:
                continue  # another writer added the same (language, version): read it again
        return await self.all()
