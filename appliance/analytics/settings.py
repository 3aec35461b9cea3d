"""Settings of web analytics (section ``analytics``). The SPARKLYTICS_* names are the spec's.

SPARKLYTICS_CORS_ORIGINS and SPARKLYTICS_TRUSTED_PROXIES are read by the platform's server
section (platform/settings.py): one setting each for the whole appliance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import SettingsConfigDict

from appliance.platform.settings import SettingsSection


class AnalyticsSettings(SettingsSection):
    """Web analytics (Sparklytics-compatible). The SPARKLYTICS_* names are the spec's."""

    model_config = SettingsConfigDict(env_prefix="SPARKHOUSE_ANALYTICS_")

    rate_limit: int = Field(
        60,
        ge=0,
        validation_alias=AliasChoices("SPARKLYTICS_RATE_LIMIT", "SPARKHOUSE_ANALYTICS_RATE_LIMIT"),
        description="Collect requests one client IP may make per rolling minute; 0 = no limit.",
    )
    rate_limit_disable: bool = Field(
        False,
        validation_alias=AliasChoices(
            "SPARKLYTICS_RATE_LIMIT_DISABLE", "SPARKHOUSE_ANALYTICS_RATE_LIMIT_DISABLE"
        ),
        description="Turn the collect rate limit off entirely (benchmarks only).",
    )
    geoip_path: Path = Field(
        Path("GeoLite2-City.mmdb"),
        validation_alias=AliasChoices("SPARKLYTICS_GEOIP_PATH", "SPARKHOUSE_ANALYTICS_GEOIP_PATH"),
        description="MaxMind-format city database; missing file = no country/region/city.",
    )
    buffer_flush_ms: int = Field(
        5000,
        ge=10,
        validation_alias=AliasChoices(
            "SPARKLYTICS_BUFFER_FLUSH_MS", "SPARKHOUSE_ANALYTICS_BUFFER_FLUSH_MS"
        ),
        description="Move journaled events into DuckDB at least this often (milliseconds).",
    )
    buffer_size: int = Field(
        10_000,
        ge=1,
        validation_alias=AliasChoices(
            "SPARKLYTICS_BUFFER_SIZE", "SPARKHOUSE_ANALYTICS_BUFFER_SIZE"
        ),
        description="Flush as soon as this many events wait (also the largest flush batch).",
    )
    ingest_queue_max_events: int = Field(
        100_000,
        ge=1,
        validation_alias=AliasChoices(
            "SPARKLYTICS_INGEST_QUEUE_MAX_EVENTS", "SPARKHOUSE_ANALYTICS_INGEST_QUEUE_MAX_EVENTS"
        ),
        description="Journal backlog (events not yet in DuckDB) past which collect answers 503.",
    )
    retention_days: int = Field(
        365,
        ge=1,
        validation_alias=AliasChoices(
            "SPARKLYTICS_RETENTION_DAYS", "SPARKHOUSE_ANALYTICS_RETENTION_DAYS"
        ),
        description="Events older than this many days are deleted by a daily job.",
    )
    duckdb_memory: str = Field(
        "256MB",
        validation_alias=AliasChoices(
            "SPARKLYTICS_DUCKDB_MEMORY", "SPARKHOUSE_ANALYTICS_DUCKDB_MEMORY"
        ),
        description="DuckDB memory_limit: the most its cache of analytics.duckdb and its "
        "query work hold (more spills to disk); given back after 2 s without analytics work. "
        "Sparklytics' default is 1GB; ours fits a small VPS.",
    )
    duckdb_threads: int = Field(
        0,
        ge=0,
        le=256,
        description="DuckDB threads (one query's parallelism, flushes included); 0 = half "
        "the cores, at least 1. A flush of a backlog needs about 32 MB of memory per thread.",
    )
    query_timeout_seconds: float = Field(
        10,
        gt=0,
        description="A dashboard/API query running longer than this is stopped and answered "
        "503 (query_timeout): narrow the date range.",
    )
    journal_sync: Literal["full", "normal", "off"] = Field(
        "full",
        description="SQLite synchronous mode of the ingest journal: full fsyncs every group "
        "commit (survives power loss); normal/off never fsync on commit (survive a crash of "
        "the process only; for benchmarks).",
    )

    auth: str = Field(
        "local",
        validation_alias=AliasChoices("SPARKLYTICS_AUTH", "SPARKHOUSE_ANALYTICS_AUTH"),
        description="Dashboard/API auth: none (open), password (shared SPARKLYTICS_PASSWORD) or "
        "local (admin password set through /api/auth/setup); anything else means local.",
    )
    password: str = Field(
        "",
        validation_alias=AliasChoices("SPARKLYTICS_PASSWORD", "SPARKHOUSE_ANALYTICS_PASSWORD"),
        description="The shared password of auth mode password (required in that mode); "
        "changing it ends every session.",
    )
    bootstrap_password: str = Field(
        "",
        validation_alias=AliasChoices(
            "SPARKLYTICS_BOOTSTRAP_PASSWORD", "SPARKHOUSE_ANALYTICS_BOOTSTRAP_PASSWORD"
        ),
        description="One-time secret that authorises /api/auth/setup. Blank = a random one, "
        "made at the first start and kept (0600) in the data dir as setup-secret until setup "
        "is done; the log and `sparkhouse config` show where it is and the setup URL. "
        "Sparklytics' public default 'sparklytics' works but forces a password change.",
    )
    session_days: int = Field(
        7,
        ge=1,
        le=365,
        validation_alias=AliasChoices(
            "SPARKLYTICS_SESSION_DAYS", "SPARKHOUSE_ANALYTICS_SESSION_DAYS"
        ),
        description="Lifetime of a dashboard login (JWT and cookie), in days.",
    )
    https: bool = Field(
        True,
        validation_alias=AliasChoices("SPARKLYTICS_HTTPS", "SPARKHOUSE_ANALYTICS_HTTPS"),
        description="Mark the session cookie Secure (set false only for plain-HTTP setups).",
    )
    jwt_secret: str = Field(
        "",
        validation_alias=AliasChoices("SPARKLYTICS_JWT_SECRET", "SPARKHOUSE_ANALYTICS_JWT_SECRET"),
        description="JWT signing secret; empty = generated on first run and stored in the data "
        "dir. Changing it ends every session, as do a password change and 'log out everywhere' "
        "(which replace the stored secret with a random one).",
    )
    public_url: str = Field(
        "http://localhost:4000",
        validation_alias=AliasChoices("SPARKLYTICS_PUBLIC_URL", "SPARKHOUSE_ANALYTICS_PUBLIC_URL"),
        description="Where browsers reach this server; used in share links and tracking "
        "snippets. Unset: the address the dashboard (or API client) reached the server on.",
    )
    tracking_public_base: str = Field(
        "",
        validation_alias=AliasChoices(
            "SPARKLYTICS_TRACKING_PUBLIC_BASE", "SPARKHOUSE_ANALYTICS_TRACKING_PUBLIC_BASE"
        ),
        description="Base URL of /s.js in tracking snippets; empty = the public URL (or, unset, "
        "the address the dashboard is opened on).",
    )

    @field_validator("https", mode="before")
    @classmethod
    def _https(cls, value: Any) -> Any:
        # Sparklytics: the cookie is Secure unless the value is exactly "false".
        return (
            not (isinstance(value, str) and value.strip() == "false")
            if isinstance(value, str)
            else value
        )
