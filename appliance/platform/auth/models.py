"""Identity records shared by every part: users, API keys and session claims."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    USER = "user"
    MODERATOR = "moderator"
    ADMIN = "admin"


@dataclass(frozen=True)
class User:
    id: str
    username: str
    role: Role
    must_change_password: bool
    created_at: datetime
    updated_at: datetime
    email: str | None = None
    password_hash: str | None = None


@dataclass(frozen=True)
class ApiKey:
    """A stored key: only the SHA-256 of the secret is kept, plus its first characters."""

    id: str
    name: str
    key_prefix: str
    created_at: datetime
    user_id: str | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class NewApiKey:
    """A key just created: the only moment the raw secret exists."""

    key: ApiKey
    secret: str


@dataclass(frozen=True)
class SessionClaims:
    """A verified session token (JWT HS256 ``{sub, iat, exp}``); times are naive UTC."""

    subject: str
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class ApiKeyPage:
    keys: list[ApiKey]
    total: int
