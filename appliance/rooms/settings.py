"""Settings of the JSON state rooms (section ``rooms``)."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from appliance.platform.settings import SettingsSection


class RoomsSettings(SettingsSection):
    """JSON state rooms: limits, TTL and the SSE streams."""

    model_config = SettingsConfigDict(env_prefix="SPARKHOUSE_ROOMS_")

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
    max_rooms_per_address: int = Field(
        1000,
        ge=0,
        description="Rooms one client address may have created and still held (an IPv6 "
        "client counts by its /64); a PUT creating one more gets 429. 0 turns the cap off.",
    )
    sweep_seconds: float = Field(60, gt=0, description="How often the TTL sweep runs.")
    retry_ms: int = Field(
        2000, ge=0, description="The 'retry:' reconnect delay sent to EventSource clients."
    )
