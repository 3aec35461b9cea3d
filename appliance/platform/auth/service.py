"""Identity logic shared by the parts: passwords, sessions (JWT), login lock-out, API keys.

No HTTP here. Passwords are hashed with bcrypt (the house standard) over the base64 SHA-256 of
the password, so long passwords are neither truncated at bcrypt's 72 bytes nor refused; every
hash and check runs in a thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import secrets
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
API_KEY_PREFIX = "spk_selfhosted_"
API_KEY_SHOWN_CHARS = 20
LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
LOCKOUT_RETRY_AFTER_SECONDS = 900
KEY_TOUCH_INTERVAL = timedelta(seconds=60)
BCRYPT_ROUNDS = 12


def hash_api_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode()).digest())


def _hash_password_sync(password: str, rounds: int) -> str:
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds)).decode()


def _check_password_sync(password: str, password_hash: str) -> bool:
    try:
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

    async def start(self) -> None:
        """Load the JWT secret; on first run store the configured one, or a random one."""
        initial = self.initial_jwt_secret or secrets.token_hex(32)
        self._jwt_secret = await self.repository.add_secret_if_missing(
            JWT_SECRET_NAME, initial, utc_now()
        )

    # -- passwords -------------------------------------------------------------------------

    async def hash_password(self, password: str) -> str:
        return await asyncio.to_thread(_hash_password_sync, password, self.bcrypt_rounds)

    async def check_password(self, password: str, password_hash: str | None) -> bool:
        if not password_hash:
            return False
        return await asyncio.to_thread(_check_password_sync, password, password_hash)

    # -- users -----------------------------------------------------------------------------

    async def create_user(
        self, username: str, password: str, role: Role, *, must_change_password: bool = False
    ) -> User:
        """Raises :class:`~appliance.platform.auth.store.DuplicateUser` when taken."""
        now = utc_now()
        user = User(
            id=random_id(10, "usr_"),
            username=username,
            role=role,
            must_change_password=must_change_password,
            created_at=now,
            updated_at=now,
            password_hash=await self.hash_password(password),
        )
        return await self.repository.add_user(user)

    async def user(self, username: str) -> User | None:
        return await self.repository.user_by_username(username)

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
        """A new signing secret: every session token issued so far stops verifying."""
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

    # -- login lock-out --------------------------------------------------------------------

    async def locked_out(self, client_ip: str) -> bool:
        since = utc_now() - LOCKOUT_WINDOW
        return await self.repository.count_failures(client_ip, since) >= LOCKOUT_FAILURES

    async def record_failure(self, client_ip: str) -> None:
        now = utc_now()
        await self.repository.add_failure(client_ip, now, now - LOCKOUT_WINDOW)

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


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of two secrets (e.g. a configured shared password)."""
    return hmac.compare_digest(given.encode(), expected.encode())
