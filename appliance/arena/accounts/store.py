"""Queries of arena accounts and bans (tables in ``appliance/arena/tables.py``), joined with the
platform's users for username and role. SQLAlchemy loads with the first query."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from appliance.arena.accounts.models import Account, Ban
from appliance.platform.auth import Role
from appliance.platform.store import Store


def _account(row: Any) -> Account:
    m = row._mapping
    return Account(
        id=m["id"],
        user_id=m["user_id"],
        username=m["username"],
        role=Role(m["role"]),
        profile=m["profile"] or {},
        current_ban_id=m["current_ban_id"],
        report_count=m["report_count"],
        ban_count=m["ban_count"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def _ban(row: Any) -> Ban:
    m = row._mapping
    return Ban(
        id=m["id"],
        account_id=m["account_id"],
        banned_by_id=m["banned_by_id"],
        ban_type=m["ban_type"],
        reason=m["reason"],
        start_date=m["start_date"],
        end_date=m["end_date"],
        is_active=bool(m["is_active"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


class AccountRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    @staticmethod
    def _select() -> Any:
        from appliance.arena import tables as sql

        a, u = sql.accounts, sql.users
        return sql.select(
            a.c.id,
            a.c.user_id,
            u.c.username,
            u.c.role,
            a.c.profile,
            a.c.current_ban_id,
            a.c.report_count,
            a.c.ban_count,
            a.c.created_at,
            a.c.updated_at,
        ).join_from(a, u, a.c.user_id == u.c.id)

    async def _one(self, where: Any) -> Account | None:
        async with self.store.session() as session:
            row = (await session.execute(self._select().where(where))).first()
        return _account(row) if row else None

    async def by_id(self, account_id: str) -> Account | None:
        from appliance.arena import tables as sql

        return await self._one(sql.accounts.c.id == account_id)

    async def by_user_id(self, user_id: str) -> Account | None:
        from appliance.arena import tables as sql

        return await self._one(sql.accounts.c.user_id == user_id)

    async def by_username(self, username: str) -> Account | None:
        from appliance.arena import tables as sql

        return await self._one(sql.users.c.username == username)

    async def add(self, account_id: str, user_id: str, now: datetime) -> None:
        """An account for ``user_id`` (none yet: a second one for the same user is ignored)."""
        from appliance.arena import tables as sql

        try:
            async with self.store.session() as session, session.begin():
                await session.execute(
                    sql.accounts.insert().values(
                        id=account_id, user_id=user_id, profile={}, created_at=now, updated_at=now
                    )
                )
        except sql.IntegrityError:
            return

    async def ban(self, ban_id: str) -> Ban | None:
        from appliance.arena import tables as sql

        async with self.store.session() as session:
            row = (
                await session.execute(sql.select(sql.bans).where(sql.bans.c.id == ban_id))
            ).first()
        return _ban(row) if row else None

    async def end_ban(self, account_id: str, ban_id: str, now: datetime) -> None:
        """Mark an expired ban inactive and clear it from its account (lazily, when seen)."""
        from appliance.arena import tables as sql

        async with self.store.session() as session, session.begin():
            await session.execute(
                sql.update(sql.bans)
                .where(sql.bans.c.id == ban_id)
                .values(is_active=False, updated_at=now)
            )
            await session.execute(
                sql.update(sql.accounts)
                .where(sql.accounts.c.id == account_id, sql.accounts.c.current_ban_id == ban_id)
                .values(current_ban_id=None, updated_at=now)
            )
