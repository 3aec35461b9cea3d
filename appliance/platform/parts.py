"""What the platform hands each part when it is mounted, and what a part tells back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from appliance.platform.jobs import Jobs
from appliance.platform.realtime.broker import Broker
from appliance.platform.realtime.channels import ChannelRegistry
from appliance.settings import Settings

if TYPE_CHECKING:  # the store pulls in SQLAlchemy; the CLI imports parts without it
    from appliance.platform.store import Store


@dataclass
class Platform:
    settings: Settings
    broker: Broker
    channels: ChannelRegistry
    jobs: Jobs
    store: Store


@dataclass(frozen=True)
class PartInfo:
    """Shown on the home page and used by the dashboard's navigation."""

    name: str
    title: str
    path: str
    description: str
    topics: list[str] = field(default_factory=list)
