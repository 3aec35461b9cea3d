"""One settings object with a section per part.

Environment names that the specs fix (PORT, HOST, CORS_ORIGINS, …) work exactly as written;
everything else is ``SPARKHOUSE_*``. Command-line flags override the environment.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _split_commas(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


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
    data_dir: Path = Field(Path("data"), description="Folder for every file the appliance keeps.")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias=AliasChoices("CORS_ORIGINS", "SPARKHOUSE_CORS_ORIGINS"),
        description="Comma-separated browser origins allowed to call the API cross-origin "
        "(never '*').",
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

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        origins = _split_commas(value)
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


class Settings(_Section):
    """Every setting of the appliance, by section."""

    server: ServerSettings = Field(default_factory=ServerSettings)
    realtime: RealtimeSettings = Field(default_factory=RealtimeSettings)
    sparks: SparksSettings = Field(default_factory=SparksSettings)


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
