"""Settings of the Click-the-Button game (section ``clicker``)."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from appliance.platform.settings import SettingsSection


class ClickerSettings(SettingsSection):
    """The Click-the-Button game."""

    model_config = SettingsConfigDict(env_prefix="SPARKHOUSE_CLICKER_")

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
    forget_after_seconds: float = Field(
        7 * 86400,
        gt=0,
        description="A player at 0 (no live score) with no click or rename for this long is "
        "forgotten, name included.",
    )
    max_players: int = Field(
        1_000_000,
        ge=1,
        description="Players the game keeps (live scores and names). At the cap a new player "
        "displaces the longest-idle player at 0; if every player has a live score, new players "
        "get 503 game_full until one goes stale.",
    )
    new_players_per_minute: int = Field(
        120,
        ge=0,
        description="New players (a first click or name on an unknown id) one client address "
        "may make per minute; 0 turns the limit off.",
    )
    renames_per_minute: int = Field(
        60,
        ge=0,
        description="Renames one client address may make per minute; 0 turns the limit off.",
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
