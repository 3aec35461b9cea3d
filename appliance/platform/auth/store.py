"""The identity tables' queries (the tables: ``tables.py``, migration ``platform_0001_identity``).

SQLAlchemy loads with the first query, not at start."""

from __future__ import annotations

from datetime import datetime

from appliance.platform.auth.models import ApiKey, Role, User
from appliance.platform.store import Store


class DuplicateUser(Exception):
    """The username (or email) is taken."""


def _user(row: object) -> User:
    m = row._mapping  # type: ignore[attr-defined]
    return User(
        id=m["id"],
        username=m["username"],
        email=m["email"],
        password_hash=m["password_hash"],
        role=Role(m["role"]),
        must_change_password=bool(m["must_change_password"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def _key(row: object) -> ApiKey:
    m = row._mapping  # type: ignore[attr-defined]
    return ApiKey(
        id=m["id"],
        user_id=m["user_id"],
        name=m["name"],
        key_prefix=m["key_prefix"],
        created_at=m["created_at"],
        last_used_at=m["last_used_at"],
        revoked_at=m["revoked_at"],
    )


class IdentityRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- users -----------------------------------------------------------------------------

    async def add_user(self, user: User) -> User:
        from appliance.platform.auth import tables as sql  # SQLAlchemy loads with the first query

        try:
            async with self.store.session() as session, session.begin():
                await session.execute(
                    sql.users.insert().values(
                        id=user.id,
                        username=user.username,
                        email=user.email,
                        password_hash=user.password_hash,
                        role=user.role.value,
                        must_change_password=user.must_change_password,
                        created_at=user.created_at,
                        updated_at=user.updated_at,
                    )
                )
        except sql.IntegrityError:
            raise DuplicateUser(user.username) from None
        return user

    async def user_by_username(self, username: str) -> User | None:
        return await self._user_where("username", username)

    async def user_by_email(self, email: str) -> User | None:
        return await self._user_where("email", email)

    async def user_by_id(self, user_id: str) -> User | None:
        return await self._user_where("id", user_id)

    async def _user_where(self, column: str, value: str) -> User | None:
        from appliance.platform.auth import tables as sql  # SQLAlchemy loads with the first query

        async with self.store.session() as session:
            row = (
                await session.execute(sql.select(sql.users).where(sql.users.c[column] == value))
            ).first()
        return _user(row) if row else None

    async def set_password(
        self, user_id: str, password_hash: str, must_change: bool, now: datetime
    ) -> None:
        from appliance.platform.auth import tables as sql  # SQLAlchemy loads with the first query

        async with self.store.session() as session, session.begin():
            await session.execute(
                sql.update(sql.users)
                .where(sql.users.c.id == user_id)
                .values(
                    password_hash=password_hash, must_change_password=must_change, updated_at=now
                )
            )

    # -- secrets ---------------------------------------------------------------------------

    async def secret(self, name: str) -> str | None:
        from appliance.platform.auth import tables as sql  # SQLAlchemy loads with the first query

        async with self.store.session() as session:
            value = await session.scalar(
                sql.select(sql.auth_secrets.c.value).where(sql.auth_secrets.c.name == name)
            )
        return value

    async def put_secret(self, name: str, value: str, now: datetime) -> None:
        from appliance.platform.auth import tables as sql  # SQLAlchemy loads with the first query

        async with self.store.session() as session, session.begin():
            await session.execute(
                sql.delete(sql.auth_secrets).where(sql.auth_secrets.c.name == name)
            )
            await session.execute(
                sql.auth_secrets.insert().values(name=name, value=value, updated_at=now)
            )

    async def put_secrets(self, values: dict[str, str], now: datetime) -> None:
        """Replace several secrets in one transaction."""
        from appliance.platform.auth import tables as sql  # SQLAlchemy loads with the first query

        async with self.store.session() as session, session.begin():
            for name, value in values.items():
                await session.execute(
                    sql.delete(sql.auth_secrets).where(sql.auth_secrets.c.name == name)
                )
                await session.execute(
                    sql.auth_secrets.insert().values(name=name, value=value, updated_at=now)
                )

    async def add_secret_if_missing(self, name: str, value: str, now: datetime) -> str:
        """Store ``value`` unless a value exists; returns the stored one (first writer wins)."""
        from appliance.platform.auth import tables as sql  # SQLAlchemy loads with the first query

        try:
            async with self.store.session() as session, session.begin():
                await session.execute(
                    sql.auth_secrets.insert().values(name=name, value=value, updated_at=now)
                )
        except sql.IntegrityError:
            pass
        stored = await self.secret(name)
        assert stored is not None
        return stored

    # -- attempts at a secret (login lock-out) --------------------------------------------

    async def count_failures(self, key: str, since: datetime) -> int:
        from appliance.platform.auth import tables as sql  # SQLAlchemy loads with the first query

        async with self.store.session() as session:
            count = await session.scalar(
                sql.select(sql.func.count())
                .select_from(sql.login_failures)
                .where(
                    sql.login_failures.c.client_ip == key,
                    sql.login_failures.c.failed_at >= since,
                )
            )
        return int(count or 0)

    async def add_attempt(self, key: str, now: datetime, since: datetime, limit: int) -> int | None:
        """Record an attempt for ``key`` unless ``limit`` attempts were recorded since
        ``since``: the new row's id, or None (locked out). Count and insert are one
        transaction; rows older than ``since`` are pruned on the way."""
        from appliance.platform.auth import tables as sql  # SQLAlchemy loads with the first query

        table = sql.login_failures
        async with self.store.session() as session, session.begin():
            await session.execute(sql.delete(table).where(table.c.failed_at < since))
            count = await session.scalar(
                sql.select(sql.func.count()).select_from(table).where(table.c.client_ip == key)
            )
            if int(count or 0) >= limit:
                return None
            result = await session.execute(table.insert().values(client_ip=key, failed_at=now))
            attempt_id = result.inserted_primary_key[0]  # type: ignore[attr-defined]
        return int(attempt_id)

    async def delete_attempt(self, attempt_id: int) -> None:
        from appliance.platform.auth import tables as sql  # SQLAlchemy loads with the first query

        async with self.store.session() as session, session.begin():
            await session.execute(
                sql.delete(sql.login_failures).where(sql.login_failures.c.id == attempt_id)
            )

    # -- API keys --------------------------------------------------------------------------

    async def add_key(self, key: ApiKey, key_hash: str) -> None:
        from appliance.platform.auth import tables as sql  # SQLAlchemy loads with the first query

        async with self.store.session() as session, session.begin():
            await session.execute(
                sql.api_keys.insert().values(
                    id=key.id,
                    user_id=key.user_id,
                    name=key.name,
                    key_hash=key_hash,
                    key_prefix=key.key_prefix,
                    created_at=key.created_at,
                )
            )

    async def keys(self, limit: int, offset: int) -> tuple[list[ApiKey], int]:
        from appliance.platform.auth import tables as sql  # SQLAlchemy loads with the first query

        async with self.store.session() as session:
            total = await session.scalar(sql.select(sql.func.count()).select_from(sql.api_keys))
            rows = (
                await session.execute(
                    sql.select(sql.api_keys)
                    .order_by(sql.api_keys.c.created_at.desc(), sql.api_keys.c.id.desc())
                    .limit(limit)
                    .offset(offset)
                )
            ).all()
        return [_key(row) for row in rows], int(total or 0)

    async def active_key_by_hash(self, key_hash: str) -> ApiKey | None:
        from appliance.platform.auth import tables as sql  # SQLAlchemy loads with the first query

        async with self.store.session() as session:
            row = (
                await session.execute(
                    sql.select(sql.api_keys).where(
                        sql.api_keys.c.key_hash == key_hash, sql.api_keys.c.revoked_at.is_(None)
                    )
                )
            ).first()
        return _key(row) if row else None

    async def touch_key(self, key_id: str, now: datetime) -> None:
        from appliance.platform.auth import tables as sql  # SQLAlchemy loads with the first query

        async with self.store.session() as session, session.begin():
            await session.execute(
                sql.update(sql.api_keys).where(sql.api_keys.c.id == key_id).values(last_used_at=now)
            )

    async def revoke_key(self, key_id: str, now: datetime) -> bool:
        """True when an active key was revoked now."""
        from appliance.platform.auth import tables as sql  # SQLAlchemy loads with the first query

        async with self.store.session() as session, session.begin():
            result = await session.execute(
                sql.update(sql.api_keys)
                .where(sql.api_keys.c.id == key_id, sql.api_keys.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]
