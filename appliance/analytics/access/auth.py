"""Who may use the analytics API (analytics-api.md section 7): the three auth modes, admin
setup with the bootstrap password (a random first-run secret when none is configured, issue
15), login and setup with lock-out, password change, "log out everywhere", API keys.

Built on the platform's :class:`IdentityService`; no HTTP here. Refusals are
:class:`ServiceError` carrying the status and code of the spec.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from appliance.analytics.settings import AnalyticsSettings
from appliance.platform.auth import (
    ApiKey,
    ApiKeyPage,
    DuplicateUser,
    FirstRunSecret,
    IdentityService,
    NewApiKey,
    Role,
    SessionClaims,
    User,
)
from appliance.platform.auth.service import LOCKOUT_RETRY_AFTER_SECONDS, same_secret
from appliance.platform.errors import ServiceError
from appliance.platform.settings import ServerSettings

log = logging.getLogger("sparkhouse.analytics")

ADMIN = "admin"  # the JWT subject and the username of the local-mode admin
DEFAULT_BOOTSTRAP_PASSWORD = "sparklytics"  # noqa: S105 - Sparklytics' public default
SHARED_PASSWORD_NAME = "SPARKLYTICS_PASSWORD"  # noqa: S105 - the setting sessions are bound to
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


def _locked_out(what: str) -> ServiceError:
    return ServiceError(
        429,
        "rate_limited",
        f"Too many failed {what} attempts; try again in 15 minutes",
        headers={"Retry-After": str(LOCKOUT_RETRY_AFTER_SECONDS)},
    )


def dashboard_url(settings: AnalyticsSettings, server: ServerSettings) -> str:
    """Where a person opens the analytics dashboard: the configured public URL, else this
    server's own address (the public URL's default assumes port 4000)."""
    if "public_url" in settings.model_fields_set:
        return settings.public_url.rstrip("/") + "/analytics"
    host = server.host.strip().strip("[]")
    try:
        address = ipaddress.ip_address(host) if host else None
    except ValueError:
        address = None  # a name
    if not host or (address is not None and address.is_unspecified):
        host = "localhost"  # listening everywhere: this machine is one of them
    elif address is not None and address.version == 6:
        host = f"[{host}]"
    return f"http://{host}:{server.port}/analytics"


def setup_link(dashboard: str, secret: str) -> str:
    """The one-time setup URL: the secret rides in the fragment, which browsers never send,
    so it reaches no access log; the setup page reads it and removes it from the address."""
    return f"{dashboard}#bootstrap={secret}"


def setup_notices(
    settings: AnalyticsSettings, server: ServerSettings, secret_file: FirstRunSecret
) -> list[str]:
    """What ``sparkhouse config`` says while the first-run setup is pending."""
    if auth_mode(settings.auth) is not AuthMode.LOCAL or settings.bootstrap_password.strip():
        return []
    if not secret_file.path.exists():
        return []
    secret = secret_file.read()
    where = f"the one-time setup secret is in {secret_file.path.resolve()}"
    if secret is None:
        return [f"Analytics setup is pending: {where} (readable by the server's user only)."]
    return [
        f"Analytics setup is pending: open {setup_link(dashboard_url(settings, server), secret)}",
        f"  ({where}; it is deleted once the admin password is set)",
    ]


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
    def __init__(
        self,
        settings: AnalyticsSettings,
        identity: IdentityService,
        first_run: FirstRunSecret,
        dashboard: str,
    ) -> None:
        self.mode = auth_mode(settings.auth)
        self.shared_password = settings.password
        # Blank: a random first-run secret, made when it is needed (ready), never a public
        # default (issue 15 overrides section 7.1 here).
        self.bootstrap_password: str | None = (
            settings.bootstrap_password if settings.bootstrap_password.strip() else None
        )
        self.configured_bootstrap = self.bootstrap_password is not None
        self.first_run = first_run
        self.dashboard = dashboard
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
            if self.mode is AuthMode.PASSWORD:
                await self.identity.end_sessions_when_changed(
                    SHARED_PASSWORD_NAME, self.shared_password
                )
            if self.mode is AuthMode.LOCAL:
                self._admin = await self.identity.user(ADMIN)
                await self._prepare_setup()
            self._loaded = True

    async def _prepare_setup(self) -> None:
        """Before setup, with no configured bootstrap password: make (or reread) the
        first-run secret and say where it is. After setup: no secret stays behind."""
        if self._admin is not None:
            await asyncio.to_thread(self.first_run.discard)
            return
        if self.configured_bootstrap:
            return
        self.bootstrap_password = await asyncio.to_thread(self.first_run.ensure)
        log.warning(
            "analytics setup is pending: open %s to choose the admin password (the one-time "
            "setup secret is in %s)",
            setup_link(self.dashboard, self.bootstrap_password),
            self.first_run.path.resolve(),
        )

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

    async def ensure_setup_not_locked_out(self, client_ip: str) -> None:
        if await self.identity.locked_out("setup", client_ip):
            raise _locked_out("setup")

    async def setup(self, bootstrap_password: str, password: str, client_ip: str) -> None:
        """Wrong bootstrap passwords count like failed logins, per address."""
        self.ensure_setup_allowed()
        attempt = await self.identity.begin_attempt("setup", client_ip)
        if attempt is None:
            raise _locked_out("setup")
        expected = self.bootstrap_password
        if expected is None or not same_secret(bootstrap_password, expected):
            raise _unauthorized("Invalid bootstrap password")
        await self.identity.forget_attempt(attempt)
        check_new_password(password)
        try:
            # Sparklytics' default bootstrap secret is public: the first password must go.
            self._admin = await self.identity.create_user(
                ADMIN,
                password,
                Role.ADMIN,
                must_change_password=expected == DEFAULT_BOOTSTRAP_PASSWORD,
            )
        except DuplicateUser:
            self._admin = await self.identity.user(ADMIN)
            raise _setup_done() from None
        await asyncio.to_thread(self.first_run.discard)

    async def ensure_not_locked_out(self, client_ip: str) -> None:
        if await self.identity.locked_out("login", client_ip):
            raise _locked_out("login")

    def ensure_login_possible(self) -> None:
        if self.setup_required:
            raise _setup_required()

    async def login(self, password: str, client_ip: str) -> tuple[str, datetime]:
        """A session token and its expiry; lock-out is checked first, even for the right
        password. The attempt is counted before the (slow) check and forgotten on success,
        so concurrent guesses cannot all slip under the limit."""
        self.ensure_login_possible()
        attempt = await self.identity.begin_attempt("login", client_ip)
        if attempt is None:
            raise _locked_out("login")
        if not await self._password_matches(password):
            raise _unauthorized("Invalid password")
        await self.identity.forget_attempt(attempt)
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

    async def log_out_everywhere(self) -> None:
        """End every session, the caller's included (a new signing secret)."""
        await self.identity.rotate_jwt_secret()

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
