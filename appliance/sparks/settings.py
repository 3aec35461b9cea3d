"""Settings of the spark board (section ``sparks``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from appliance.platform.settings import SettingsSection


class SparksSettings(SettingsSection):
    """The spark board."""

    model_config = SettingsConfigDict(env_prefix="SPARKHOUSE_SPARKS_")

    rate_per_minute: int = Field(
        600,
        ge=0,
        description="Sparks one client address may post per minute (an IPv6 client counts by "
        "its /64); past it 429 with Retry-After. 0 turns the limit off.",
    )
