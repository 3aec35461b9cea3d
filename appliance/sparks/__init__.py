"""sparks: POST a spark to /api/<x>/<y>; it is validated, acknowledged and broadcast."""

from __future__ import annotations

from sanic import Sanic

from appliance.platform.parts import PartInfo, Platform
from appliance.sparks import channels, routes
from appliance.sparks.service import SparkService

INFO = PartInfo(
    name="sparks",
    title="Spark board",
    path="/board",
    description="A 512×512 board: POST a spark to /api/<x>/<y> and every browser sees it.",
    topics=[channels.BOARD_TOPIC],
)


def mount(app: Sanic, platform: Platform) -> PartInfo:
    app.ctx.sparks = SparkService(platform.broker, platform.settings)
    platform.channels.add(*channels.CHANNELS)
    app.blueprint(routes.blueprint)
    return INFO
