"""Identity logic shared by the parts: passwords, sessions (JWT), lock-out, API keys.

No HTTP here. Passwords are hashed with bcrypt (the house standard) over the base64 SHA-256 of
the password, so long passwords are neither truncated at bcrypt's 72 bytes nor refused; every
hash and check runs in bcrypt's own small thread pool, never on the event loop nor in the
default executor (a burst of logins must not delay the jobs that share that one).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import bcrypt
import jwt

from appliance.platform.auth.models import ApiKey, ApiKeyPage, NewApiKey, Role, SessionClaims, User
from appliance.platform.auth.store import IdentityRepository
from appliance.platform.clock import utc_now
from appliance.platform.ids import random_id

log = logging.getLogger("sparkhouse.auth")

JWT_ALGORITHM = "HS256"
JWT_SECRET_NAME = "jwt_secret"  # noqa: S105 - a row name
JWT_SOURCE_NAME = "jwt_secret_source"  # row: SHA-256 of the configured secret in use
BOUND_PREFIX = "sessions_bound_to:"  # rows: bcrypt of what sessions depend on
API_KEY_PREFIX = "spk_selfhosted_"
API_KEY_SHOWN_CHARS = 20
LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
LOCKOUT_RETRY_AFTER_SECONDS = 900
KEY_TOUCH_INTERVAL = timedelta(seconds=60)
BCRYPT_ROUNDS = 12
BCRYPT_THREADS = 2


def hash_api_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode()).digest())


def _hash_password_sync(password: str, rounds: int) -> str:
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds)).decode()


LEGACY_BCRYPT = "legacy$"
"""Prefix of an imported hash that is plain bcrypt of the password (CodinCod's, by bcryptjs,
which reads at most 72 bytes of it): checked as such, and replaced by the house scheme at the
next successful login (:meth:`IdentityService.verify_password`)."""
BCRYPT_MAX_BYTES = 72


def _check_password_sync(password: str, password_hash: str) -> bool:
    try:
        if password_hash.startswith(LEGACY_BCRYPT):
            legacy = password_hash[len(LEGACY_BCRYPT) :].encode()
            return bcrypt.checkpw(password.encode()[:BCRYPT_MAX_BYTES], legacy)
        return bcrypt.checkpw(_prehash(password), password_hash.encode())
    except ValueError:  # a malformed stored hash never matches
        return False


class IdentityService:
    def __init__(
        self,
        repository: IdentityRepository,
        *,
        session_days: int,
        initial_jwt_secret: str = "",
        bcrypt_rounds: int = BCRYPT_ROUNDS,
    ) -> None:
        self.repository = repository
        self.session_lifetime = timedelta(days=session_days)
        self.initial_jwt_secret = initial_jwt_secret
        self.bcrypt_rounds = bcrypt_rounds
        self._jwt_secret: str | None = None
        # Threads start on first use; lock-out bounds the work one address can queue.
        self._bcrypt = ThreadPoolExecutor(BCRYPT_THREADS, thread_name_prefix="bcrypt")
        # Count-then-record of attempts is atomic within the process (the store's
        # transaction makes it so across connections on SQLite).
        self._attempts = asyncio.Lock()

    async def start(self) -> None:
        """Load the JWT secret. On first run: the configured one, or a random one. Later: the
        stored one, unless the configured secret changed since it was stored, which replaces
        it (every session ends: changing SPARKLYTICS_JWT_SECRET is how an operator revokes
        logins)."""
        configured = self.initial_jwt_secret
        now = utc_now()
        if not configured:
            self._jwt_secret = await self.repository.add_secret_if_missing(
                JWT_SECRET_NAME, secrets.token_hex(32), now
            )
            return
        source = hashlib.sha256(configured.encode()).hexdigest()
        stored = await self.repository.secret(JWT_SECRET_NAME)
        stored_source = await self.repository.secret(JWT_SOURCE_NAME)
        if stored is not None and (
            stored_source == source or (stored_source is None and stored == configured)
        ):
            if stored_source is None:  # stored before sources were recorded
                await self.repository.put_secret(JWT_SOURCE_NAME, source, now)
            self._jwt_secret = stored
            return
        if stored is not None:
            log.warning("the configured JWT secret changed: every session has ended")
        await self.repository.put_secrets(
            {JWT_SECRET_NAME: configured, JWT_SOURCE_NAME: source}, now
        )
        self._jwt_secret = configured

    async def end_sessions_when_changed(self, name: str, value: str) -> bool:
        """Sessions last only while ``value`` (e.g. a shared password from the configuration)
        stays what it was when last seen: if it differs, rotate the signing secret. The first
        call records it. Only a bcrypt hash of ``value`` is stored. True when rotated."""
        row = BOUND_PREFIX + name
        stored = await self.repository.secret(row)
        if stored is not None and await self.check_password(value, stored):
            return False
        await self.repository.put_secret(row, await self.hash_password(value), utc_now())
        if stored is None:
            return False
        log.warning("%s changed: every session has ended", name)
        await self.rotate_jwt_secret()
        return True

    def close(self) -> None:
        self._bcrypt.shutdown(wait=False, cancel_futures=True)

    # -- passwords -------------------------------------------------------------------------

    async def hash_password(self, password: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(
            self._bcrypt, _hash_password_sync, password, self.bcrypt_rounds
        )

    async def check_password(self, password: str, password_hash: str | None) -> bool:
        if not password_hash:
            return False
        return await asyncio.get_running_loop().run_in_executor(
            self._bcrypt, _check_password_sync, password, password_hash
        )

    async def verify_password(self, user: User, password: str) -> bool:
        """:meth:`check_password` of the user's own hash; an imported (legacy) hash that
        matches is replaced by the house scheme, so it is checked that way once only."""
        if not await self.check_password(password, user.password_hash):
            return False
        if user.password_hash and user.password_hash.startswith(LEGACY_BCRYPT):
            await self.repository.set_password(
                user.id, await self.hash_password(password), user.must_change_password, utc_now()
            )
        return True

    # -- users -----------------------------------------------------------------------------

    async def create_user(
        self,
        username: str,
        password: str,
        role: Role,
        *,
        must_change_password: bool = False,
        email: str | None = None,
        user_id: str | None = None,
    ) -> User:
        """Raises :class:`~appliance.platform.auth.store.DuplicateUser` when the username or
        the email is taken. ``user_id``: the id a part needs its users to have (the arena's
        24-hex ids); a fresh ``usr_…`` otherwise."""
        now = utc_now()
        user = User(
            id=user_id or random_id(10, "usr_"),
            username=username,
            role=role,
            must_change_password=must_change_password,
            created_at=now,
            updated_at=now,
            email=email,
            password_hash=await self.hash_password(password),
        )
        return await self.repository.add_user(user)

    async def user(self, username: str) -> User | None:
        return await self.repository.user_by_username(username)

    async def user_by_email(self, email: str) -> User | None:
        return await self.repository.user_by_email(email)

    async def user_by_id(self, user_id: str) -> User | None:
        return await self.repository.user_by_id(user_id)

    async def change_password(self, user: User, new_password: str) -> None:
        """Set a new password, clear any forced change and end every session."""
        password_hash = await self.hash_password(new_password)
        await self.repository.set_password(user.id, password_hash, False, utc_now())
        await self.rotate_jwt_secret()

    # -- sessions --------------------------------------------------------------------------

    @property
    def jwt_secret(self) -> str:
        if self._jwt_secret is None:
            raise RuntimeError("the identity service is not started")
        return self._jwt_secret

    async def rotate_jwt_secret(self) -> None:
        """A new signing secret: every session token issued so far stops verifying (a
        password change, "log out everywhere")."""
        secret = secrets.token_hex(32)
        await self.repository.put_secret(JWT_SECRET_NAME, secret, utc_now())
        self._jwt_secret = secret

    def issue_session(self, subject: str) -> tuple[str, datetime]:
        """A signed token and its expiry (naive UTC, whole seconds)."""
        issued = utc_now().replace(microsecond=0)
        expires = issued + self.session_lifetime
        claims = {
            "sub": subject,
            "iat": int(issued.replace(tzinfo=UTC).timestamp()),
            "exp": int(expires.replace(tzinfo=UTC).timestamp()),
        }
        return jwt.encode(claims, self.jwt_secret, algorithm=JWT_ALGORITHM), expires

    def verify_session(self, token: str) -> SessionClaims | None:
        try:
            claims = jwt.decode(
                token,
                self.jwt_secret,
                algorithms=[JWT_ALGORITHM],
                options={"require": ["sub", "iat", "exp"]},
            )
        except jwt.PyJWTError:
            return None
        subject = claims.get("sub")
        if not isinstance(subject, str):
            return None
        return SessionClaims(
            subject=subject,
            issued_at=datetime.fromtimestamp(claims["iat"], UTC).replace(tzinfo=None),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC).replace(tzinfo=None),
        )

    # -- lock-out of attempts at a secret -------------------------------------------------

    async def locked_out(self, scope: str, client: str) -> bool:
        """Whether ``client`` (an address) has used up its attempts at ``scope`` (e.g.
        "login", "setup"); a quick check before reading a request's body."""
        since = utc_now() - LOCKOUT_WINDOW
        count = await self.repository.count_failures(_attempt_key(scope, client), since)
        return count >= LOCKOUT_FAILURES

    async def begin_attempt(self, scope: str, client: str) -> int | None:
        """Count one attempt at ``scope``'s secret from ``client`` *before* the secret is
        checked, so concurrent guesses cannot all pass the lock-out while the hashes run: the
        attempt's id, or None when ``client`` is locked out. An attempt that succeeds is
        forgotten (:meth:`forget_attempt`); a failed one keeps counting for the window."""
        async with self._attempts:
            now = utc_now()
            return await self.repository.add_attempt(
                _attempt_key(scope, client), now, now - LOCKOUT_WINDOW, LOCKOUT_FAILURES
            )

    async def forget_attempt(self, attempt_id: int) -> None:
        await self.repository.delete_attempt(attempt_id)

    # -- API keys --------------------------------------------------------------------------

    async def create_key(self, name: str, user_id: str | None = None) -> NewApiKey:
        secret = API_KEY_PREFIX + secrets.token_hex(16)
        key = ApiKey(
            id=random_id(10, "key_"),
            user_id=user_id,
            name=name,
            key_prefix=secret[:API_KEY_SHOWN_CHARS],
            created_at=utc_now(),
        )
        await self.repository.add_key(key, hash_api_key(secret))
        return NewApiKey(key=key, secret=secret)

    async def list_keys(self, limit: int, offset: int) -> ApiKeyPage:
        keys, total = await self.repository.keys(limit, offset)
        return ApiKeyPage(keys=keys, total=total)

    async def authenticate_key(self, secret: str) -> ApiKey | None:
        """The active key whose SHA-256 matches; marks it used (at most once a minute, so a
        busy script does not turn every read into a write)."""
        key = await self.repository.active_key_by_hash(hash_api_key(secret))
        if key is None:
            return None
        now = utc_now()
        if key.last_used_at is None or now - key.last_used_at >= KEY_TOUCH_INTERVAL:
            await self.repository.touch_key(key.id, now)
        return key

    async def revoke_key(self, key_id: str) -> bool:
        return await self.repository.revoke_key(key_id, utc_now())


def _attempt_key(scope: str, client: str) -> str:
    return f"{scope}:{client}"[:64]  # the column's width; an IPv6 address fits


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of two secrets (e.g. a configured shared password)."""
    return hmac.compare_digest(given.encode(), expected.encode())
