"""Queries of account preferences (``arena_preferences`` in ``appliance/arena/tables.py``):
one row per account. Writes are compare-and-set — an insert that finds the row already made,
or an update whose ``updated_at`` is no longer the one read, reports it and the service reads
again — so two requests of one account never lose each other's fields. SQLAlchemy loads
with the first query."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from appliance.arena.preferences.models import Preferences
from appliance.platform.store import Store


def _preferences(row: Any) -> Preferences:
    m = row._mapping
    return Preferences(
        id=m["id"],
        account_id=m["account_id"],
        preferred_language=m["preferred_language"],
        theme=m["theme"],
        blocked_users=tuple(m["blocked_users"] or ()),
        editor=dict(m["editor"] or {}),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def _values(preferences: Preferences) -> dict[str, Any]:
    return {
        "preferred_language": preferences.preferred_language,
        "theme": preferences.theme,
        "blocked_users": list(preferences.blocked_users),
        "editor": preferences.editor,
        "updated_at": preferences.updated_at,
    }


class PreferenceRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, account_id: str) -> Preferences | None:
        from appliance.arena import tables as sql

        table = sql.preferences
        async with self.store.session() as session:
            row = (
                await session.execute(sql.select(table).where(table.c.account_id == account_id))
            ).first()
        return _preferences(row) if row else None

    async def insert(self, preferences: Preferences) -> bool:
        """Store the account's first record; False when the account has one already."""
        from appliance.arena import tables as sql

        try:
            async with self.store.session() as session, session.begin():
                await session.execute(
                    sql.preferences.insert().values(
                        id=preferences.id,
                        account_id=preferences.account_id,
                        created_at=preferences.created_at,
                        **_values(preferences),
                    )
                )
        except sql.IntegrityError:
            return False
        return True

    async def replace(self, preferences: Preferences, read_at: datetime) -> bool:
        """Write the record over the one read (last updated at ``read_at``); False when it
        changed or went since."""
        from appliance.arena import tables as sql

        table = sql.preferences
        async with self.store.session() as session, session.begin():
            result = await session.execute(
                sql.update(table)
                .where(table.c.id == preferences.id, table.c.updated_at == read_at)
                .values(**_values(preferences))
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def delete(self, account_id: str) -> bool:
        """Delete the account's record; False when it had none."""
        from appliance.arena import tables as sql

        table = sql.preferences
        async with self.store.session() as session, session.begin():
            result = await session.execute(
                sql.delete(table).where(table.c.account_id == account_id)
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]
