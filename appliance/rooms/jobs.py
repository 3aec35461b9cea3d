"""The rooms' scheduled job: the TTL sweep."""

from __future__ import annotations

from appliance.platform.jobs import Jobs
from appliance.rooms.service import RoomService

SWEEP_JOB = "rooms-ttl-sweep"


def schedule(jobs: Jobs, service: RoomService) -> None:
    # A coroutine, so APScheduler runs it on the event loop that owns the rooms (a plain
    # function would run in a worker thread, racing the request handlers).
    async def sweep_expired_rooms() -> None:
        service.sweep()

    jobs.every(service.settings.sweep_seconds, sweep_expired_rooms, name=SWEEP_JOB)
