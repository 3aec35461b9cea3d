"""rooms: JSON state rooms with last write wins, versions, SSE streams and a TTL sweep."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from appliance.platform.jobs import Jobs
from appliance.platform.parts import Part, PartInfo, Platform
from appliance.rooms.settings import RoomsSettings

if TYPE_CHECKING:
    from sanic import Blueprint

    from appliance.rooms.service import RoomService


@dataclass(frozen=True)
class RoomsContext:
    """The rooms' services, on ``app.ctx.rooms``."""

    service: RoomService


def _build(platform: Platform, settings: RoomsSettings) -> RoomsContext:
    from appliance.rooms.service import RoomService

    trusted = platform.settings.server.trusted_proxies
    return RoomsContext(RoomService(platform.broker, settings, trusted_proxies=trusted))


def _blueprints(context: RoomsContext) -> Sequence[Blueprint]:
    from appliance.rooms import routes

    return [routes.create_blueprint(context.service.settings)]


def _jobs(context: RoomsContext, jobs: Jobs) -> None:
    from appliance.rooms.jobs import schedule

    schedule(jobs, context.service)


PART = Part(
    info=PartInfo(
        name="rooms",
        title="Rooms",
        path="/rooms",
        description="JSON state rooms: PUT a room's state, every subscriber's stream gets it "
        "(SSE).",
    ),
    settings=RoomsSettings,
    build=_build,
    blueprints=_blueprints,
    jobs=_jobs,
)
