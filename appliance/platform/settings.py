"""The platform's own settings: where the appliance listens and keeps its data, and the
realtime socket. Parts keep theirs in ``<part>/settings.py``; ``appliance/settings.py`` composes
them, and only the entry points (server, cli) see the composed object.

Environment names that the specs fix (PORT, HOST, CORS_ORIGINS, …) work exactly as written;
everything else is ``SPARKHOUSE_*``.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def split_commas(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def _default_data_dir() -> Path:
    """``./data``, or under systemd the unit's ``StateDirectory=`` (systemd passes it as
    $STATE_DIRECTORY, a colon-separated list: the first is ours). SPARKHOUSE_DATA_DIR and
    ``--data-dir`` win over both."""
    state = os.environ.get("STATE_DIRECTORY", "").split(":")[0]
    return Path(state) if state else Path("data")


class SettingsSection(BaseSettings):
    """Base of every settings section (the platform's and each part's). A section declares
    only its environment prefix, ``model_config = SettingsConfigDict(env_prefix=...)``: pydantic
    merges it with this config, so unknown names are ignored and fields are set by name too."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)


class ServerSettings(SettingsSection):
    """Where the appliance listens and keeps its data."""

    model_config = SettingsConfigDict(env_prefix="SPARKHOUSE_")

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
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host names the server also answers to (comma-separated; '.example.com' "
        "includes its subdomains, '*' turns the check off). IP addresses, localhost, the bind "
        "address and the public URL's host always work; any other Host header gets 421 "
        "(protection against DNS rebinding).",
    )
    trusted_proxies: Annotated[list[IPNetwork], NoDecode] = Field(
        default_factory=list,
        validation_alias=AliasChoices(
            "SPARKHOUSE_TRUSTED_PROXIES",
            "SPARKLYTICS_TRUSTED_PROXIES",
            "SPARKHOUSE_ANALYTICS_TRUSTED_PROXIES",
        ),
        description="Comma- or space-separated CIDRs of reverse proxies whose X-Forwarded-For "
        "is believed, by every part; SPARKLYTICS_TRUSTED_PROXIES is read when this is unset. "
        "Invalid entries are ignored with a warning.",
    )
    max_body_bytes: int = Field(
        1024 * 1024, ge=1024, description="Default request body limit in bytes."
    )
    log_level: str = Field("INFO", description="Python log level (DEBUG, INFO, WARNING, …).")
    access_log: bool = Field(
        True,
        description="Write one JSON access-log line per request (to stderr, in batches every "
        "100 ms; at log level INFO or lower).",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        origins = split_commas(value.replace(" ", ",") if isinstance(value, str) else value)
        if isinstance(origins, list):
            if "*" in origins:
                raise ValueError("'*' is not allowed: list the origins that may call the API")
            return [origin.rstrip("/") for origin in origins]
        return origins

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _hosts(cls, value: Any) -> Any:
        return split_commas(value)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: Any) -> Any:
        # The Sparklytics rule (analytics-api.md 1.5) for the whole appliance: an invalid entry
        # is skipped with a warning, the valid ones still apply.
        items = split_commas(value.replace(" ", ",") if isinstance(value, str) else value)
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
                    "trusted proxies: ignoring invalid entry %r", item
                )
        return networks


class RealtimeSettings(SettingsSection):
    """The Phoenix Channels socket, the SSE streams and the broker behind them."""

    model_config = SettingsConfigDict(env_prefix="SPARKHOUSE_WS_")

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
    max_sockets_per_address: int = Field(
        500,
        ge=0,
        description="WebSocket connections one client address may hold open (an IPv6 client "
        "counts by its /64); one more upgrade is refused with 429. 0 turns the cap off.",
    )
    max_streams_per_address: int = Field(
        500,
        ge=0,
        validation_alias=AliasChoices("SPARKHOUSE_SSE_MAX_STREAMS_PER_ADDRESS"),
        description="Server-Sent Events streams one client address may hold open (an IPv6 "
        "client counts by its /64); one more gets 429. 0 turns the cap off.",
    )


class PlatformSettings(SettingsSection):
    """The sections every part may read: the server's and the realtime socket's."""

    server: ServerSettings = Field(default_factory=ServerSettings)
    realtime: RealtimeSettings = Field(default_factory=RealtimeSettings)
