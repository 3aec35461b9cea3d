"""Settings of the coding arena (section ``arena``).

The names CodinCod's own backend reads (FRONTEND_URL, FRONTEND_HOST, JWT_SECRET, PISTON_URI)
work as aliases, so a CodinCod deployment's environment carries over.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from appliance.platform.settings import SettingsSection, split_commas


class ArenaSettings(SettingsSection):
    """The coding arena: its browser origins, login cookie, and code execution."""

    model_config = SettingsConfigDict(env_prefix="SPARKHOUSE_ARENA_")

    frontend_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["http://localhost:5173"],
        validation_alias=AliasChoices("SPARKHOUSE_ARENA_FRONTEND_ORIGINS", "FRONTEND_URL"),
        description="Comma-separated origins of a CodinCod frontend allowed to call the arena "
        "API with credentials (never '*'); the default is CodinCod's development server. The "
        "appliance's own pages are always allowed.",
    )
    cookie_secure: bool = Field(
        False,
        description="Mark the arena's 'token' cookie Secure with SameSite=None (production "
        "behind HTTPS, frontend on another site); otherwise SameSite=Lax.",
    )
    cookie_domain: str = Field(
        "",
        validation_alias=AliasChoices("SPARKHOUSE_ARENA_COOKIE_DOMAIN", "FRONTEND_HOST"),
        description="Domain attribute of the 'token' cookie when cookie_secure is on (e.g. "
        "'.example.com'); empty: the cookie stays on this host.",
    )
    jwt_secret: str = Field(
        "",
        validation_alias=AliasChoices("SPARKHOUSE_ARENA_JWT_SECRET", "JWT_SECRET"),
        description="HS256 secret of arena login tokens; empty: one is generated on first run "
        "and kept in the data dir. Changing it logs every arena user out.",
    )
    rate_limits: bool = Field(
        True,
        description="Apply CodinCod's per-address rate limits (100 requests/min, login 5/min, "
        "register 3/15 min, execute 30/min, submission 10/min, vote 20/min).",
    )
    piston_url: str = Field(
        "",
        validation_alias=AliasChoices("PISTON_URL", "PISTON_URI", "SPARKHOUSE_ARENA_PISTON_URL"),
        description="Base URL of a Piston v2 server (e.g. http://piston:2000) to run code; "
        "empty: the built-in bubblewrap sandbox runs it on this machine.",
    )
    runtimes_cache_seconds: float = Field(
        30, ge=0, description="How long the list of Piston runtimes is reused."
    )
    execution_concurrency: int = Field(
        0, ge=0, description="Programs run at once; 0: one per CPU core."
    )
    execution_queue: int = Field(
        64,
        ge=0,
        description="Programs that may wait for a free slot; past it execution answers 503 "
        "with a Retry-After instead of piling up processes.",
    )
    run_timeout_seconds: float = Field(
        3, gt=0, le=60, description="Wall-clock limit of one run (Piston's default: 3 s)."
    )
    cpu_seconds: int = Field(3, ge=1, le=60, description="CPU-time limit of one sandboxed run.")
    memory_mb: int = Field(
        256, ge=16, le=8192, description="Address-space limit of one sandboxed run, in MiB."
    )
    max_processes: int = Field(
        64, ge=1, le=4096, description="Processes one sandboxed run may hold at once."
    )
    output_limit_bytes: int = Field(
        1024,
        ge=64,
        le=1024 * 1024,
        description="Bytes of stdout and of stderr kept from one run; the rest is cut "
        "(Piston's default: 1024).",
    )
    seed_samples: bool = Field(
        True, description="Add the sample puzzles on first start, so there is something to solve."
    )
    game_countdown_seconds: float = Field(
        15,
        ge=0,
        le=600,
        description="Seconds from a waiting room's game:start to the game's start (CodinCod: 15).",
    )
    ws_ping_seconds: float = Field(
        30, gt=0, le=3600, description="Seconds between the pings of a /ws or /ws/game socket."
    )
    ws_pong_timeout_seconds: float = Field(
        35,
        gt=0,
        le=3600,
        description="A /ws or /ws/game socket whose last pong is older than this is dropped.",
    )

    @field_validator("frontend_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        origins = split_commas(value)
        if isinstance(origins, list):
            if "*" in origins:
                raise ValueError("'*' is not allowed: list the frontend origins")
            return [origin.rstrip("/") for origin in origins]
        return origins
