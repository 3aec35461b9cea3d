"""sparks: POST a spark to /api/<x>/<y>; it is validated, acknowledged and broadcast."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from appliance.platform.parts import Part, PartInfo, Platform
from appliance.sparks import channels, cli
from appliance.sparks.settings import SparksSettings

if TYPE_CHECKING:
    from sanic import Blueprint

    from appliance.sparks.service import SparkService


@dataclass(frozen=True)
class SparksContext:
    """The spark board's services, on ``app.ctx.sparks``."""

    service: SparkService


def _build(platform: Platform, settings: SparksSettings) -> SparksContext:
    from appliance.sparks.service import SparkService

    trusted = platform.settings.server.trusted_proxies
    return SparksContext(SparkService(platform.broker, settings, trusted))


def _blueprints(_: SparksContext) -> Sequence[Blueprint]:
    from appliance.sparks import routes

    return [routes.blueprint]


PART = Part(
    info=PartInfo(
        name="sparks",
        title="Spark board",
        path="/board",
        description="A 512×512 board: POST a spark to /api/<x>/<y> and every browser sees it.",
        topics=[channels.BOARD_TOPIC],
    ),
    settings=SparksSettings,
    build=_build,
    blueprints=_blueprints,
    channels=lambda context: channels.build_channels(context.service.recent),
    commands=cli.add_commands,
)
