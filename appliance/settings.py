"""The composed settings of the appliance: the platform's sections and one per part.

Only the entry points (server.py, cli.py) and the docs import this module: the platform and
the parts each read their own section (``platform/settings.py``, ``<part>/settings.py``).
Command-line flags override the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings

from appliance.analytics.settings import AnalyticsSettings
from appliance.arena.settings import ArenaSettings
from appliance.clicker.settings import ClickerSettings
from appliance.platform.settings import PlatformSettings, ServerSettings
from appliance.rooms.settings import RoomsSettings
from appliance.sparks.settings import SparksSettings


class Settings(PlatformSettings):
    """Every setting of the appliance, by section."""

    sparks: SparksSettings = Field(default_factory=SparksSettings)
    analytics: AnalyticsSettings = Field(default_factory=AnalyticsSettings)
    clicker: ClickerSettings = Field(default_factory=ClickerSettings)
    rooms: RoomsSettings = Field(default_factory=RoomsSettings)
    arena: ArenaSettings = Field(default_factory=ArenaSettings)


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
