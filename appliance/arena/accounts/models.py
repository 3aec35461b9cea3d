"""The shapes of CodinCod's accounts (codincod-contract.md §2, §3.1, §3.2, §6: User, UserBan)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from appliance.arena.wire import IsoDate, Wire
from appliance.platform.auth import Role

USERNAME = re.compile(r"[A-Za-z0-9_-]{3,20}")
PASSWORD_MIN = 14


def is_username(value: str) -> bool:
    return USERNAME.fullmatch(value) is not None


class RegisterBody(BaseModel):
    """``POST /register``: email, username 3–20 of ``[A-Za-z0-9_-]``, password ≥ 14."""

    model_config = ConfigDict(extra="ignore")

    email: EmailStr = Field(max_length=254)
    username: str = Field(min_length=3, max_length=20, pattern=f"^{USERNAME.pattern}$")
    password: str = Field(min_length=PASSWORD_MIN, max_length=1024)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()


class LoginBody(BaseModel):
    """``POST /login``: an email or a username, and a password of the register rule."""

    model_config = ConfigDict(extra="ignore")

    identifier: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=PASSWORD_MIN, max_length=1024)


@dataclass(frozen=True)
class Principal:
    """Who a request is: the arena account and the platform user behind it."""

    account_id: str
    user_id: str
    username: str
    role: Role

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.MODERATOR, Role.ADMIN)


@dataclass(frozen=True)
class Account:
    """An arena account joined with its platform user."""

    id: str
    user_id: str
    username: str
    role: Role
    profile: dict[str, Any]
    current_ban_id: str | None
    report_count: int
    ban_count: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Ban:
    id: str
    account_id: str
    banned_by_id: str | None
    ban_type: Literal["temporary", "permanent"]
    reason: str
    start_date: datetime
    end_date: datetime | None
    is_active: bool
    created_at: datetime
    updated_at: datetime
    banned_by_name: str | None = None
    """The username of ``banned_by_id``, when it was joined in (a ban history)."""


BanType = Literal["temporary", "permanent"]


def _absent(value: Any) -> bool:
    return value is None


class Profile(BaseModel):
    """A user's profile, all optional. Fields without a value are left out of an answer
    (CodinCod's frontend checks users with zod, whose ``optional()`` refuses ``null``, and
    ``socials`` must be non-empty when present)."""

    model_config = ConfigDict(extra="ignore")

    picture: str | None = Field(None, exclude_if=_absent)
    bio: str | None = Field(None, exclude_if=_absent)
    location: str | None = Field(None, exclude_if=_absent)
    socials: list[str] | None = Field(None, exclude_if=lambda value: not value)


class UserDto(Wire):
    """A user as anyone may see them: never the email, password or counters (§3.2)."""

    id_: str = Field(alias="_id")
    username: str
    profile: Profile | None = Field(None, exclude_if=_absent)
    role: str
    current_ban: str | None = Field(alias="currentBan")
    created_at: IsoDate = Field(alias="createdAt")
    updated_at: IsoDate = Field(alias="updatedAt")

    @classmethod
    def of(cls, account: Account) -> UserDto:
        return cls(
            id_=account.id,
            username=account.username,
            profile=Profile.model_validate(account.profile) if account.profile else None,
            role=account.role.value,
            current_ban=account.current_ban_id,
            created_at=account.created_at,
            updated_at=account.updated_at,
        )


class AuthorDto(Wire):
    """A populated reference to a user (author, owner, player)."""

    id_: str = Field(alias="_id")
    username: str
    profile: Profile | None = Field(None, exclude_if=_absent)
    role: str


class Message(BaseModel):
    message: str


class Me(Wire):
    """``GET /user/me``."""

    is_authenticated: bool = Field(alias="isAuthenticated")
    user_id: str = Field(alias="userId")
    username: str
    role: str


class UserFound(BaseModel):
    message: str
    user: UserDto


class Availability(Wire):
    is_available: bool = Field(alias="isAvailable")
