"""One settings object with a section per part.

Environment names that the specs fix (PORT, HOST, CORS_ORIGINS, …) work exactly as written;
everything else is ``SPARKHOUSE_*``. Command-line flags override the environment.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _split_commas(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def _default_data_dir() -> Path:
    """``./data``, or under systemd the unit's ``StateDirectory=`` (systemd passes it as
    $STATE_DIRECTORY, a colon-separated list: the first is ours). SPARKHOUSE_DATA_DIR and
    ``--data-dir`` win over both."""
    state = os.environ.get("STATE_DIRECTORY", "").split(":")[0]
    return Path(state) if state else Path("data")


class _Section(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)


class ServerSettings(_Section):
    """Where the appliance listens and keeps its data."""

    model_config = SettingsConfigDict(
        env_prefix="SPARKHOUSE_", extra="ignore", populate_by_name=True
    )

    host: str = Field(
        "127.0.0.1",
        validation_alias=AliasChoices("HOST", "SPARKHOUSE_HOST"),
        description="Interface to listen on.",
    )
    port: int = Field(
        4000,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("PORT", "SPARKHOUSE_PORT"),
        description="TCP port for HTTP, WebSocket and SSE.",
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Folder for every file the appliance keeps (under systemd, when unset: "
        "the unit's state directory, $STATE_DIRECTORY).",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias=AliasChoices(
            "CORS_ORIGINS", "SPARKHOUSE_CORS_ORIGINS", "SPARKLYTICS_CORS_ORIGINS"
        ),
        description="Comma- or space-separated browser origins allowed to call the API "
        "cross-origin (never '*'); SPARKLYTICS_CORS_ORIGINS is read when CORS_ORIGINS is unset.",
    )
    trusted_proxies: Annotated[list[IPNetwork], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed.",
    )
    max_body_bytes: int = Field(
        1024 * 1024, ge=1024, description="Default request body limit in bytes."
    )
    log_level: str = Field("INFO", description="Python log level (DEBUG, INFO, WARNING, …).")
    access_log: bool = Field(True, description="Write one JSON access-log line per request.")
    bench_baseline: bool = Field(
        False, description="Mount POST /bench/bare, the baseline endpoint of make bench."
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        origins = _split_commas(value.replace(" ", ",") if isinstance(value, str) else value)
        if isinstance(origins, list):
            if "*" in origins:
                raise ValueError("'*' is not allowed: list the origins that may call the API")
            return [origin.rstrip("/") for origin in origins]
        return origins

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: Any) -> Any:
        items = _split_commas(value)
        if isinstance(items, list):
            return [ipaddress.ip_network(item, strict=False) for item in items]
        return items


class RealtimeSettings(_Section):
    """The Phoenix Channels socket and the broker behind it."""

    model_config = SettingsConfigDict(
        env_prefix="SPARKHOUSE_WS_", extra="ignore", populate_by_name=True
    )

    idle_timeout_seconds: float = Field(
        60.0, gt=0, description="Close a socket that sends nothing this long."
    )
    max_channels: int = Field(100, ge=1, description="Channels one socket may join.")
    max_frame_bytes: int = Field(
        256 * 1024, ge=1024, description="Largest WebSocket frame accepted from a client."
    )
    send_buffer_bytes: int = Field(
        4 * 1024 * 1024,
        ge=64 * 1024,
        description="Bytes queued for one subscriber before it is disconnected as too slow.",
    )


class SparksSettings(_Section):
    """The spark board."""

    model_config = SettingsConfigDict(
        env_prefix="SPARKHOUSE_SPARKS_", extra="ignore", populate_by_name=True
    )

    rate_per_minute: int = Field(
        0, ge=0, description="Sparks one client IP may post per minute; 0 turns the limit off."
    )


class RoomsSettings(_Section):
    """JSON state rooms: limits, TTL and the SSE streams."""

    model_config = SettingsConfigDict(
        env_prefix="SPARKHOUSE_ROOMS_", extra="ignore", populate_by_name=True
    )

    max_state_bytes: int = Field(
        32768,
        ge=64,
        le=16 * 1024 * 1024,
        validation_alias=AliasChoices("MAX_STATE_BYTES", "SPARKHOUSE_ROOMS_MAX_STATE_BYTES"),
        description="Largest PUT body in bytes; a bigger one is refused with 413, unread.",
    )
    room_ttl_seconds: float = Field(
        86400,
        gt=0,
        validation_alias=AliasChoices("ROOM_TTL_SECONDS", "SPARKHOUSE_ROOMS_ROOM_TTL_SECONDS"),
        description="A room not written for this long is deleted by the sweep.",
    )
    heartbeat_seconds: float = Field(
        15,
        gt=0,
        validation_alias=AliasChoices("HEARTBEAT_SECONDS", "SPARKHOUSE_ROOMS_HEARTBEAT_SECONDS"),
        description="Seconds between ': heartbeat' comments on an idle room stream.",
    )
    max_rooms: int = Field(
        10_000, ge=1, description="Rooms held at once; a PUT creating one more gets 503."
    )
    max_subscribers_per_room: int = Field(
        10_000, ge=1, description="Open streams per room; one more gets 503."
    )
    sweep_seconds: float = Field(60, gt=0, description="How often the TTL sweep runs.")
    retry_ms: int = Field(
        2000, ge=0, description="The 'retry:' reconnect delay sent to EventSource clients."
    )


class ClickerSettings(_Section):
    """The Click-the-Button game."""

    model_config = SettingsConfigDict(
        env_prefix="SPARKHOUSE_CLICKER_", extra="ignore", populate_by_name=True
    )

    min_interval_ms: int = Field(
        100,
        ge=0,
        le=60_000,
        validation_alias=AliasChoices(
            "CLICKER_MIN_INTERVAL_MS", "SPARKHOUSE_CLICKER_MIN_INTERVAL_MS"
        ),
        description="A click counts only this many ms after the player's last counted one "
        "(0: no throttle).",
    )
    reset_after_seconds: float = Field(
        3600,
        gt=0,
        validation_alias=AliasChoices(
            "CLICKER_RESET_AFTER_SECONDS", "SPARKHOUSE_CLICKER_RESET_AFTER_SECONDS"
        ),
        description="A player idle this long restarts from 0 and leaves the leaderboard.",
    )
    top_n: int = Field(
        10,
        ge=1,
        le=1000,
        validation_alias=AliasChoices("CLICKER_TOP_N", "SPARKHOUSE_CLICKER_TOP_N"),
        description="Players shown on the leaderboard.",
    )
    snapshot_seconds: float = Field(
        5,
        ge=0.1,
        validation_alias=AliasChoices(
            "CLICKER_SNAPSHOT_SECONDS", "SPARKHOUSE_CLICKER_SNAPSHOT_SECONDS"
        ),
        description="Seconds between snapshot writes (clicker/snapshot.json in the data dir), "
        "made only when something changed.",
    )


class AnalyticsSettings(_Section):
    """Web analytics (Sparklytics-compatible). The SPARKLYTICS_* names are the spec's."""

    model_config = SettingsConfigDict(
        env_prefix="SPARKHOUSE_ANALYTICS_", extra="ignore", populate_by_name=True
    )

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
    trusted_proxies: Annotated[list[IPNetwork], NoDecode] = Field(
        default_factory=list,
        validation_alias=AliasChoices(
            "SPARKLYTICS_TRUSTED_PROXIES", "SPARKHOUSE_ANALYTICS_TRUSTED_PROXIES"
        ),
        description="Comma-separated CIDRs whose X-Forwarded-For collect believes "
        "(invalid entries are ignored with a warning).",
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
        "1GB",
        validation_alias=AliasChoices(
            "SPARKLYTICS_DUCKDB_MEMORY", "SPARKHOUSE_ANALYTICS_DUCKDB_MEMORY"
        ),
        description="DuckDB memory_limit.",
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
        description="The shared password of auth mode password (required in that mode).",
    )
    bootstrap_password: str = Field(
        "sparklytics",
        validation_alias=AliasChoices(
            "SPARKLYTICS_BOOTSTRAP_PASSWORD", "SPARKHOUSE_ANALYTICS_BOOTSTRAP_PASSWORD"
        ),
        description="One-time secret that authorises /api/auth/setup (blank = the default; "
        "using the default forces a password change after setup).",
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
        description="Initial JWT signing secret; empty = generated on first run and stored in "
        "the data dir. Rotated by every password change.",
    )
    public_url: str = Field(
        "http://localhost:4000",
        validation_alias=AliasChoices("SPARKLYTICS_PUBLIC_URL", "SPARKHOUSE_ANALYTICS_PUBLIC_URL"),
        description="Where browsers reach this server; used in share links.",
    )
    tracking_public_base: str = Field(
        "",
        validation_alias=AliasChoices(
            "SPARKLYTICS_TRACKING_PUBLIC_BASE", "SPARKHOUSE_ANALYTICS_TRACKING_PUBLIC_BASE"
        ),
        description="Base URL of /s.js in tracking snippets; empty = the public URL.",
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

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: Any) -> Any:
        items = _split_commas(value.replace(" ", ",") if isinstance(value, str) else value)
        if not isinstance(items, list):
            return items
        networks: list[IPNetwork] = []
        for item in items:
            if not isinstance(item, str):
                networks.append(item)
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                logging.getLogger("sparkhouse.settings").warning(
                    "SPARKLYTICS_TRUSTED_PROXIES: ignoring invalid entry %r", item
                )
        return networks


class Settings(_Section):
    """Every setting of the appliance, by section."""

    server: ServerSettings = Field(default_factory=ServerSettings)
    realtime: RealtimeSettings = Field(default_factory=RealtimeSettings)
    sparks: SparksSettings = Field(default_factory=SparksSettings)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)
    clicker: ClickerSettings = Field(default_factory=ClickerSettings)
    rooms: RoomsSettings = Field(default_factory=RoomsSettings)


def load_settings(**server_overrides: Any) -> Settings:
    """Read the environment, then apply command-line overrides to the server section."""
    overrides = {key: value for key, value in server_overrides.items() if value is not None}
    return Settings(server=ServerSettings(**overrides))


def _env_names(section: type[BaseSettings], name: str) -> list[str]:
    field = section.model_fields[name]
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    prefix = section.model_config.get("env_prefix", "")
    return [f"{prefix}{name}".upper()]


def describe(settings: Settings) -> list[dict[str, Any]]:
    """Each setting with its environment name, effective value and meaning (secrets masked)."""
    rows: list[dict[str, Any]] = []
    for section_name in type(settings).model_fields:
        section = getattr(settings, section_name)
        for name, field in type(section).model_fields.items():
            value = getattr(section, name)
            if "secret" in name or "password" in name:
                value = "********" if value else ""
            elif isinstance(value, list):
                value = ",".join(str(item) for item in value)
            elif isinstance(value, Path):
                value = str(value)
            rows.append(
                {
                    "section": section_name,
                    "setting": name,
                    "env": _env_names(type(section), name)[0],
                    "value": value,
                    "default": field.get_default(call_default_factory=True),
                    "description": field.description or "",
                }
            )
    return rows


def markdown_table() -> str:
    """The README's table of every setting and its default (``make docs`` writes it; a test
    keeps it true). Built without reading the environment."""
    defaults = Settings.model_construct(
        **{
            name: field.annotation.model_construct()  # type: ignore[union-attr]
            for name, field in Settings.model_fields.items()
        }
    )
    lines = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for row in describe(defaults):
        default = row["default"]
        if isinstance(default, list):
            default = ",".join(str(item) for item in default)
        shown = f"`{default}`" if default not in ("", None) else "(empty)"
        lines.append(f"| `{row['env']}` | {shown} | {row['description']} |")
    return "\n".join(lines) + "\n"
