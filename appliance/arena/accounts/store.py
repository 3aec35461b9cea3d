"""Queries of arena accounts and bans (tables in ``appliance/arena/tables.py``), joined with the
platform's users for username and role. SQLAlchemy loads with the first query."""

from __future__ import annotations

from dataclasses import replace
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

    async def add_ban(self, ban: Ban) -> bool:
        """Store ``ban`` as its account's current ban, in one transaction: the account's
        ``ban_count`` goes up, its previous ban in force (if any) is deactivated. False
        (nothing written) when the account does not exist."""
        from appliance.arena import tables as sql

        a, b = sql.accounts, sql.bans
        async with self.store.session() as session, session.begin():
            updated = await session.execute(
                sql.update(a)
                .where(a.c.id == ban.account_id)
                .values(
                    current_ban_id=ban.id, ban_count=a.c.ban_count + 1, updated_at=ban.created_at
                )
            )
            if not updated.rowcount:  # type: ignore[attr-defined]
                return False
            await session.execute(
                sql.update(b)
                .where(b.c.account_id == ban.account_id, b.c.is_active.is_(True))
                .values(is_active=False, updated_at=ban.created_at)
            )
            await session.execute(
                b.insert().values(
                    id=ban.id,
                    account_id=ban.account_id,
                    banned_by_id=ban.banned_by_id,
                    ban_type=ban.ban_type,
                    reason=ban.reason,
                    start_date=ban.start_date,
                    end_date=ban.end_date,
                    is_active=ban.is_active,
                    created_at=ban.created_at,
                    updated_at=ban.updated_at,
                )
            )
        return True

    async def lift_ban(self, account_id: str, ban_id: str, note: str, now: datetime) -> bool:
        """End the account's ban in force ``ban_id`` before its time: inactive, ``note``
        appended to its reason, no longer the account's current ban. False when it is not
        (any more) the account's active ban."""
        from appliance.arena import tables as sql

        a, b = sql.accounts, sql.bans
        async with self.store.session() as session, session.begin():
            updated = await session.execute(
                sql.update(b)
                .where(b.c.id == ban_id, b.c.account_id == account_id, b.c.is_active.is_(True))
                .values(is_active=False, reason=b.c.reason + note, updated_at=now)
            )
            if not updated.rowcount:  # type: ignore[attr-defined]
                return False
            await session.execute(
                sql.update(a)
                .where(a.c.id == account_id, a.c.current_ban_id == ban_id)
                .values(current_ban_id=None, updated_at=now)
            )
        return True

    async def bans_of(self, account_id: str) -> list[Ban]:
        """Every ban of the account, newest first, with the banning moderator's username."""
        from appliance.arena import tables as sql

        b, a, u = sql.bans, sql.accounts, sql.users
        query = (
            sql.select(b, u.c.username.label("banned_by_name"))
            .select_from(
                b.outerjoin(a, b.c.banned_by_id == a.c.id).outerjoin(u, a.c.user_id == u.c.id)
            )
            .where(b.c.account_id == account_id)
            .order_by(b.c.created_at.desc(), b.c.id.desc())
        )
        async with self.store.session() as session:
            rows = (await session.execute(query)).all()
        return [replace(_ban(row), banned_by_name=row.banned_by_name) for row in rows]

    async def count_report(self, account_id: str, now: datetime) -> int | None:
        """Add one to the account's ``report_count``: the new count, or None when the account
        does not exist."""
        from appliance.arena import tables as sql

        a = sql.accounts
        async with self.store.session() as session, session.begin():
            updated = await session.execute(
                sql.update(a)
                .where(a.c.id == account_id)
                .values(report_count=a.c.report_count + 1, updated_at=now)
            )
            if not updated.rowcount:  # type: ignore[attr-defined]
                return None
            count = await session.scalar(sql.select(a.c.report_count).where(a.c.id == account_id))
        return int(count or 0)
