"""rooms: JSON state rooms with last write wins, versions, SSE streams and a TTL sweep."""

from __future__ import annotations

from sanic import Sanic

from appliance.platform.parts import PartInfo, Platform
from appliance.platform.realtime import sse
from appliance.rooms import jobs, routes
from appliance.rooms.service import RoomService

INFO = PartInfo(
    name="rooms",
    title="Rooms",
    path="/rooms",
    description="JSON state rooms: PUT a room's state, every subscriber's stream gets it (SSE).",
)


def mount(app: Sanic, platform: Platform) -> PartInfo:
    service = RoomService(platform.broker, platform.settings.rooms)
    app.ctx.rooms = service
    app.blueprint(routes.create_blueprint(platform.settings.rooms))
    jobs.schedule(platform.jobs, service)
    sse.install(app)  # open streams end promptly when the server stops
    return INFO
