"""Who may use the analytics API (analytics-api.md section 7): the three auth modes, admin
setup with the bootstrap password, login with lock-out, password change, API keys.

Built on the platform's :class:`IdentityService`; no HTTP here. Refusals are
:class:`ServiceError` carrying the status and code of the spec.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from appliance.analytics.settings import AnalyticsSettings
from appliance.platform.auth import (
    ApiKey,
    ApiKeyPage,
    DuplicateUser,
    IdentityService,
    NewApiKey,
    Role,
    SessionClaims,
    User,
)
from appliance.platform.auth.service import LOCKOUT_RETRY_AFTER_SECONDS, same_secret
from appliance.platform.errors import ServiceError

ADMIN = "admin"  # the JWT subject and the username of the local-mode admin
DEFAULT_BOOTSTRAP_PASSWORD = "sparklytics"  # noqa: S105 - the public Sparklytics default
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024


class AuthMode(StrEnum):
    NONE = "none"
    PASSWORD = "password"  # noqa: S105 - a mode name
    LOCAL = "local"


def auth_mode(raw: str) -> AuthMode:
    """``none`` and ``password`` as written; any other value means ``local`` (section 7.1)."""
    value = raw.strip()
    if value == AuthMode.NONE:
        return AuthMode.NONE
    if value == AuthMode.PASSWORD:
        return AuthMode.PASSWORD
    return AuthMode.LOCAL


class AuthConfigError(ValueError):
    """The auth settings cannot work; the server must not start (not a request's error)."""


def _unauthorized(message: str) -> ServiceError:
    return ServiceError(401, "unauthorized", message)


def _setup_required() -> ServiceError:
    return ServiceError(403, "setup_required", "Set the admin password first")


def _setup_done() -> ServiceError:
    return ServiceError(410, "gone", "Setup has already been completed")


def check_new_password(password: str) -> None:
    if not password.strip() or len(password) < MIN_PASSWORD_CHARS:
        raise ServiceError(
            400,
            "validation_error",
            f"password must be at least {MIN_PASSWORD_CHARS} characters (not only spaces)",
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise ServiceError(
            400, "validation_error", f"password must be at most {MAX_PASSWORD_CHARS} characters"
        )


@dataclass(frozen=True)
class Status:
    mode: AuthMode
    setup_required: bool
    authenticated: bool
    password_change_required: bool


class AnalyticsAuth:
    def __init__(self, settings: AnalyticsSettings, identity: IdentityService) -> None:
        self.mode = auth_mode(settings.auth)
        self.shared_password = settings.password
        # Blank means the built-in default (section 7.1).
        self.bootstrap_password = (
            settings.bootstrap_password
            if settings.bootstrap_password.strip()
            else DEFAULT_BOOTSTRAP_PASSWORD
        )
        self.identity = identity
        self.session_days = settings.session_days
        self._admin: User | None = None  # cached: the guard asks on every request
        self._loaded = False
        self._loading = asyncio.Lock()

    @staticmethod
    def check_settings(settings: AnalyticsSettings) -> None:
        if auth_mode(settings.auth) is AuthMode.PASSWORD and not settings.password:
            raise AuthConfigError(
                "SPARKLYTICS_AUTH=password needs SPARKLYTICS_PASSWORD (the shared dashboard "
                "password); set it, or choose SPARKLYTICS_AUTH=local"
            )

    async def ready(self) -> None:
        """Load, once, what the guard reads: the JWT secret (created on the first run) and the
        local admin. Not at start-up: it needs the store's async engine (SQLAlchemy's ORM
        and asyncio layers, slow to import), so the server warms it up right after it
        serves (analytics._warm_up) and every guarded request awaits it. Concurrent callers
        share one load; a failed load is tried again by the next caller."""
        if self._loaded:
            return
        async with self._loading:
            if self._loaded:
                return
            await self.identity.start()
            if self.mode is AuthMode.LOCAL:
                self._admin = await self.identity.user(ADMIN)
            self._loaded = True

    # -- state the guard reads -------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        return self.mode is not AuthMode.NONE

    @property
    def setup_required(self) -> bool:
        return self.mode is AuthMode.LOCAL and self._admin is None

    @property
    def rotation_pending(self) -> bool:
        return (
            self.mode is AuthMode.LOCAL
            and self._admin is not None
            and self._admin.must_change_password
        )

    def session(self, token: str | None) -> SessionClaims | None:
        """The claims of a valid session cookie, else None."""
        if not token or self.setup_required:
            return None
        claims = self.identity.verify_session(token)
        return claims if claims is not None and claims.subject == ADMIN else None

    def require_session(self, token: str | None) -> SessionClaims:
        """The claims of a valid session cookie, else 401."""
        claims = self.session(token)
        if claims is None:
            raise _unauthorized("Not authenticated")
        return claims

    async def api_key(self, secret: str) -> ApiKey | None:
        return await self.identity.authenticate_key(secret) if secret else None

    def status(self, token: str | None) -> Status:
        authenticated = self.session(token) is not None
        return Status(
            mode=self.mode,
            setup_required=self.setup_required,
            authenticated=authenticated,
            password_change_required=authenticated and self.rotation_pending,
        )

    # -- setup, login, password ------------------------------------------------------------

    def ensure_setup_allowed(self) -> None:
        """The checks of setup that come before its body is read."""
        if self.mode is AuthMode.PASSWORD:
            raise ServiceError(
                400, "validation_error", "Setup is not available in auth mode password"
            )
        if not self.setup_required:
            raise _setup_done()

    async def setup(self, bootstrap_password: str, password: str) -> None:
        self.ensure_setup_allowed()
        expected = self.bootstrap_password
        if not same_secret(bootstrap_password, expected):
            raise _unauthorized("Invalid bootstrap password")
        check_new_password(password)
        try:
            # The built-in default bootstrap secret is public: the first password must go.
            self._admin = await self.identity.create_user(
                ADMIN,
                password,
                Role.ADMIN,
                must_change_password=expected == DEFAULT_BOOTSTRAP_PASSWORD,
            )
        except DuplicateUser:
            self._admin = await self.identity.user(ADMIN)
            raise _setup_done() from None

    async def ensure_not_locked_out(self, client_ip: str) -> None:
        if await self.identity.locked_out(client_ip):
            raise ServiceError(
                429,
                "rate_limited",
                "Too many failed login attempts; try again in 15 minutes",
                headers={"Retry-After": str(LOCKOUT_RETRY_AFTER_SECONDS)},
            )

    def ensure_login_possible(self) -> None:
        if self.setup_required:
            raise _setup_required()

    async def login(self, password: str, client_ip: str) -> tuple[str, datetime]:
        """A session token and its expiry; lock-out is checked first, even for the right
        password."""
        await self.ensure_not_locked_out(client_ip)
        self.ensure_login_possible()
        if not await self._password_matches(password):
            await self.identity.record_failure(client_ip)
            raise _unauthorized("Invalid password")
        return self.identity.issue_session(ADMIN)

    async def _password_matches(self, password: str) -> bool:
        if self.mode is AuthMode.PASSWORD:
            return same_secret(password, self.shared_password)
        admin = self._admin
        return admin is not None and await self.identity.check_password(
            password, admin.password_hash
        )

    def ensure_password_change_allowed(self) -> None:
        if self.mode is AuthMode.PASSWORD:
            raise ServiceError(
                405,
                "method_not_allowed",
                "The password of auth mode password is set by SPARKLYTICS_PASSWORD",
            )

    async def change_password(self, current_password: str, new_password: str) -> None:
        """Clears a forced rotation and rotates the JWT secret: every session ends."""
        self.ensure_password_change_allowed()
        admin = self._admin
        if admin is None:
            raise _setup_required()
        if not await self.identity.check_password(current_password, admin.password_hash):
            raise _unauthorized("Invalid current password")
        check_new_password(new_password)
        await self.identity.change_password(admin, new_password)
        self._admin = await self.identity.user(ADMIN)

    # -- API keys --------------------------------------------------------------------------

    async def create_key(self, name: str) -> NewApiKey:
        clean = name.strip()
        if not clean:
            raise ServiceError(400, "validation_error", "name must not be empty")
        if len(clean) > 200:
            raise ServiceError(400, "validation_error", "name must be at most 200 characters")
        owner = self._admin.id if self._admin is not None else None
        return await self.identity.create_key(clean, owner)

    async def list_keys(self, limit: int, offset: int) -> ApiKeyPage:
        return await self.identity.list_keys(limit, offset)

    async def revoke_key(self, key_id: str) -> None:
        if not await self.identity.revoke_key(key_id):
            raise ServiceError(404, "not_found", "API key not found")
