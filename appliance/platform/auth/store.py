"""The identity tables (migration ``0002_identity``) and their queries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from appliance.platform.auth.models import ApiKey, Role, User
from appliance.platform.store import Store

metadata = MetaData()
users = Table(
    "users",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("email", String(320)),
    Column("password_hash", String(128)),
    Column("role", String(16), nullable=False),
    Column("must_change_password", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", String(64), ForeignKey("users.id", ondelete="CASCADE")),
    Column("name", String(200), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("key_prefix", String(32), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_used_at", DateTime),
    Column("revoked_at", DateTime),
)
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_ip", String(64), nullable=False),
    Column("failed_at", DateTime, nullable=False),
)
auth_secrets = Table(
    "auth_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
    Column("updated_at", DateTime, nullable=False),
)


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
        try:
            async with self.store.session() as session, session.begin():
                await session.execute(
                    users.insert().values(
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
        except IntegrityError:
            raise DuplicateUser(user.username) from None
        return user

    async def user_by_username(self, username: str) -> User | None:
        async with self.store.session() as session:
            row = (await session.execute(select(users).where(users.c.username == username))).first()
        return _user(row) if row else None

    async def set_password(
        self, user_id: str, password_hash: str, must_change: bool, now: datetime
    ) -> None:
        async with self.store.session() as session, session.begin():
            await session.execute(
                update(users)
                .where(users.c.id == user_id)
                .values(
                    password_hash=password_hash, must_change_password=must_change, updated_at=now
                )
            )

    # -- secrets ---------------------------------------------------------------------------

    async def secret(self, name: str) -> str | None:
        async with self.store.session() as session:
            value = await session.scalar(
                select(auth_secrets.c.value).where(auth_secrets.c.name == name)
            )
        return value

    async def put_secret(self, name: str, value: str, now: datetime) -> None:
        async with self.store.session() as session, session.begin():
            await session.execute(delete(auth_secrets).where(auth_secrets.c.name == name))
            await session.execute(
                auth_secrets.insert().values(name=name, value=value, updated_at=now)
            )

    async def add_secret_if_missing(self, name: str, value: str, now: datetime) -> str:
        """Store ``value`` unless a value exists; returns the stored one (first writer wins)."""
        try:
            async with self.store.session() as session, session.begin():
                await session.execute(
                    auth_secrets.insert().values(name=name, value=value, updated_at=now)
                )
        except IntegrityError:
            pass
        stored = await self.secret(name)
        assert stored is not None
        return stored

    # -- login failures --------------------------------------------------------------------

    async def count_failures(self, client_ip: str, since: datetime) -> int:
        async with self.store.session() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(login_failures)
                .where(login_failures.c.client_ip == client_ip, login_failures.c.failed_at >= since)
            )
        return int(count or 0)

    async def add_failure(self, client_ip: str, now: datetime, forget_before: datetime) -> None:
        async with self.store.session() as session, session.begin():
            # Old failures no longer count: prune them while we are writing anyway.
            await session.execute(
                delete(login_failures).where(login_failures.c.failed_at < forget_before)
            )
            await session.execute(
                login_failures.insert().values(client_ip=client_ip, failed_at=now)
            )

    # -- API keys --------------------------------------------------------------------------

    async def add_key(self, key: ApiKey, key_hash: str) -> None:
        async with self.store.session() as session, session.begin():
            await session.execute(
                api_keys.insert().values(
                    id=key.id,
                    user_id=key.user_id,
                    name=key.name,
                    key_hash=key_hash,
                    key_prefix=key.key_prefix,
                    created_at=key.created_at,
                )
            )

    async def keys(self, limit: int, offset: int) -> tuple[list[ApiKey], int]:
        async with self.store.session() as session:
            total = await session.scalar(select(func.count()).select_from(api_keys))
            rows = (
                await session.execute(
                    select(api_keys)
                    .order_by(api_keys.c.created_at.desc(), api_keys.c.id.desc())
                    .limit(limit)
                    .offset(offset)
                )
            ).all()
        return [_key(row) for row in rows], int(total or 0)

    async def active_key_by_hash(self, key_hash: str) -> ApiKey | None:
        async with self.store.session() as session:
            row = (
                await session.execute(
                    select(api_keys).where(
                        api_keys.c.key_hash == key_hash, api_keys.c.revoked_at.is_(None)
                    )
                )
            ).first()
        return _key(row) if row else None

    async def touch_key(self, key_id: str, now: datetime) -> None:
        async with self.store.session() as session, session.begin():
            await session.execute(
                update(api_keys).where(api_keys.c.id == key_id).values(last_used_at=now)
            )

    async def revoke_key(self, key_id: str, now: datetime) -> bool:
        """True when an active key was revoked now."""
        async with self.store.session() as session, session.begin():
            result = await session.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]
