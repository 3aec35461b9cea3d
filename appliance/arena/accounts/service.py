"""Arena accounts: registration, login, the login token, bans as they bear on a request.

People are the platform's users (``platform.auth``: bcrypt passwords, roles), shared with
analytics. An arena registration is always role ``user``; its token is signed with the
arena's own secret and carries CodinCod's claims (``userId``, ``username``, ``role``,
``isAuthenticated``; 24 h), so it never opens the analytics dashboard (whose sessions are
``{sub}`` tokens under another secret), and an analytics session opens nothing here.
No HTTP here.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from appliance.arena.accounts.models import (
    Account,
    Ban,
    BanType,
    LoginBody,
    Principal,
    RegisterBody,
    is_username,
)
from appliance.arena.accounts.store import AccountRepository
from appliance.arena.errors import arena_error
from appliance.arena.wire import is_id, iso, new_id
from appliance.platform.auth import DuplicateUser, IdentityService, Role, User
from appliance.platform.clock import utc_now
from appliance.platform.errors import ServiceError

TOKEN_LIFETIME = timedelta(hours=24)
JWT_ALGORITHM = "HS256"
SECRET_NAME = "arena_jwt_secret"  # noqa: S105 - a row name
BAD_LOGIN = "Invalid email/username or password"
# A real hash to check against when the user is unknown, so both answers take as long.
_DUMMY_PASSWORD = "an unknown user's password"  # noqa: S105


class AccountService:
    def __init__(
        self, identity: IdentityService, accounts: AccountRepository, configured_secret: str
    ) -> None:
        self.identity = identity
        self.accounts = accounts
        self.configured_secret = configured_secret
        self._secret: str | None = None
        self._loading = asyncio.Lock()
        self._dummy_hash: str | None = None

    async def ready(self) -> None:
        """Load the token secret once: the configured one, else the one stored in the data
        dir (made on first run). Called when serving begins (the store's first query imports
        SQLAlchemy, kept off the way to the first answer) and by anything that needs it
        sooner."""
        if self._secret is not None:
            return
        async with self._loading:
            if self._secret is not None:
                return
            if self.configured_secret:
                self._secret = self.configured_secret
                return
            self._secret = await self.identity.repository.add_secret_if_missing(
                SECRET_NAME, secrets.token_hex(32), utc_now()
            )

    def close(self) -> None:
        self.identity.close()

    @property
    def secret(self) -> str:
        if self._secret is None:
            raise RuntimeError("the arena's accounts are not started")
        return self._secret

    # -- tokens ---------------------------------------------------------------------------------

    async def issue_token(self, principal: Principal) -> str:
        await self.ready()
        issued = datetime.now(UTC).replace(microsecond=0)
        claims = {
            "userId": principal.account_id,
            "username": principal.username,
            "role": principal.role.value,
            "isAuthenticated": True,
            "iat": int(issued.timestamp()),
            "exp": int((issued + TOKEN_LIFETIME).timestamp()),
        }
        return jwt.encode(claims, self.secret, algorithm=JWT_ALGORITHM)

    async def read_token(self, token: str) -> dict[str, Any]:
        """The claims of a valid token, or the 400 CodinCod answers for a bad one (§2: 400
        with the JWT library's message, not 401)."""
        await self.ready()
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[JWT_ALGORITHM],
                options={"require": ["userId", "username", "exp", "iat"]},
            )
        except jwt.PyJWTError as error:
            raise arena_error(400, str(error) or "Invalid token", error="Invalid token") from None
        if not isinstance(claims.get("userId"), str) or not isinstance(claims.get("username"), str):
            raise arena_error(400, "Invalid token", error="Invalid token")
        return claims

    async def principal(self, token: str) -> Principal:
        """Who the token names, with the role as the store has it now (a demoted moderator
        loses the role at once, §2). A token of an account since deleted is refused."""
        claims = await self.read_token(token)
        account = await self.accounts.by_id(claims["userId"])
        if account is None:
            raise arena_error(401, "User not found", error="Unauthorized")
        return _principal(account)

    # -- registration and login -----------------------------------------------------------------

    async def register(self, body: RegisterBody) -> Principal:
        if await self.identity.user(body.username) is not None:
            raise arena_error(400, "Username already exists")
        if await self.identity.user_by_email(body.email) is not None:
            raise arena_error(400, "Email already exists")
        account_id = new_id()
        try:
            user = await self.identity.create_user(
                body.username, body.password, Role.USER, email=body.email, user_id=account_id
            )
        except DuplicateUser:  # another registration won the race
            raise arena_error(400, "Username or email already exists") from None
        return await self._account_for(user, account_id)

    async def create_user(
        self, username: str, password: str, role: Role, email: str | None
    ) -> Principal:
        """``sparkhouse arena user create``: any role, for an operator."""
        if not is_username(username):
            raise arena_error(400, "username is invalid: 3–20 of A-Z a-z 0-9 _ -")
        account_id = new_id()
        try:
            user = await self.identity.create_user(
                username,
                password,
                role,
                email=email.strip().lower() if email else None,
                user_id=account_id,
            )
        except DuplicateUser:
            raise arena_error(400, "Username or email already exists") from None
        return await self._account_for(user, account_id)

    async def system_account(self, username: str) -> Principal | None:
        """The arena's own account ``username`` (role user, no password: nobody can sign in
        as it), made on first call; the sample puzzles' author. None when a person (a user
        with a password) already holds the name."""
        user = await self.identity.user(username)
        if user is None:
            now = utc_now()
            fresh = User(new_id(), username, Role.USER, False, now, now)
            try:
                user = await self.identity.repository.add_user(fresh)
            except DuplicateUser:
                user = await self.identity.user(username)
        if user is None or user.password_hash:
            return None
        return await self._account_for(user, user.id)

    async def login(self, body: LoginBody) -> Principal:
        identifier = body.identifier.strip()
        if "@" in identifier:
            user = await self.identity.user_by_email(identifier.lower())
        elif is_username(identifier):
            user = await self.identity.user(identifier)
        else:
            raise arena_error(400, "Invalid request data")
        if user is None or not user.password_hash:
            await self.identity.check_password(body.password, await self._dummy())
            raise arena_error(400, BAD_LOGIN)
        if not await self.identity.verify_password(user, body.password):
            raise arena_error(400, BAD_LOGIN)
        return await self._account_for(user, new_id())

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await self.identity.hash_password(_DUMMY_PASSWORD)
        return self._dummy_hash

    async def _account_for(self, user: User, account_id: str) -> Principal:
        """The user's arena account, made on first sight (a user the analytics setup or the
        CLI created has none until they first log in here)."""
        account = await self.accounts.by_user_id(user.id)
        if account is None:
            await self.accounts.add(account_id, user.id, utc_now())
            account = await self.accounts.by_user_id(user.id)
        if account is None:
            raise ServiceError(500, "internal_error", "The account could not be stored")
        return _principal(account)

    # -- users ----------------------------------------------------------------------------------

    async def account(self, account_id: str) -> Account | None:
        return await self.accounts.by_id(account_id)

    async def by_username(self, username: str) -> Account | None:
        return await self.accounts.by_username(username)

    async def is_available(self, username: str) -> bool:
        return await self.identity.user(username) is None

    # -- bans -----------------------------------------------------------------------------------

    async def active_ban(self, account_id: str) -> Ban | None:
        """The account's ban in force; an expired temporary one is ended here, lazily (§2)."""
        account = await self.accounts.by_id(account_id)
        if account is None or account.current_ban_id is None:
            return None
        ban = await self.accounts.ban(account.current_ban_id)
        if ban is None or not ban.is_active:
            return None
        now = utc_now()
        if ban.ban_type == "temporary" and ban.end_date is not None and ban.end_date <= now:
            await self.accounts.end_ban(account_id, ban.id, now)
            return None
        return ban

    async def ensure_not_banned(self, account_id: str) -> None:
        """403 with CodinCod's ``banDetails`` when the account is banned."""
        ban = await self.active_ban(account_id)
        if ban is None:
            return
        if ban.ban_type == "permanent" or ban.end_date is None:
            what = "You have been permanently banned"
        else:
            what = f"You have been temporarily banned until {iso(ban.end_date)}"
        message = f"{what}. Reason: {ban.reason}"
        raise arena_error(
            403,
            message,
            error=message,
            banDetails={
                "type": ban.ban_type,
                "reason": ban.reason,
                "endDate": iso(ban.end_date) if ban.end_date else None,
            },
        )

    async def ban(
        self,
        account_id: str,
        banned_by_id: str | None,
        ban_type: BanType,
        reason: str,
        duration: timedelta | None = None,
    ) -> Ban:
        """Ban the account (``duration`` for a temporary ban): the new ban becomes its current
        one, the previous ban in force ends, ``banCount`` goes up (§3.10). 404 for an unknown
        account."""
        now = utc_now()
        ban = Ban(
            id=new_id(),
            account_id=account_id,
            banned_by_id=banned_by_id,
            ban_type=ban_type,
            reason=reason,
            start_date=now,
            end_date=now + duration if ban_type == "temporary" and duration else None,
            is_active=True,
            created_at=now,
            updated_at=now,
        )
        if not is_id(account_id) or not await self.accounts.add_ban(ban):
            raise arena_error(404, "User not found")
        return ban

    async def unban(self, account_id: str, reason: str) -> Ban:
        """End the account's ban in force, noting why in its reason (§3.10). 404 for an
        unknown account, 409 when it is not banned (CodinCod answered 500)."""
        if not is_id(account_id) or await self.accounts.by_id(account_id) is None:
            raise arena_error(404, "User not found")
        ban = await self.active_ban(account_id)
        note = f" | Unbanned by moderator: {reason}"
        if ban is None or not await self.accounts.lift_ban(account_id, ban.id, note, utc_now()):
            raise arena_error(409, "User is not currently banned", error="Conflict")
        lifted = await self.accounts.ban(ban.id)
        return lifted or ban

    async def ban_history(self, account_id: str) -> list[Ban]:
        """The account's bans, newest first, the banning moderator's name joined in; 404 for
        an unknown account."""
        if not is_id(account_id) or await self.accounts.by_id(account_id) is None:
            raise arena_error(404, "User not found")
        return await self.accounts.bans_of(account_id)

    async def count_report(self, account_id: str) -> int | None:
        """One more upheld report against the account: its new ``reportCount`` (None when the
        account is gone)."""
        return await self.accounts.count_report(account_id, utc_now())


def _principal(account: Account) -> Principal:
    return Principal(account.id, account.user_id, account.username, account.role)
