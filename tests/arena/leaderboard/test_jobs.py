"""The hourly recalculation is on the platform's scheduler, as the arena part declares it."""

from __future__ import annotations

from typing import Any

from appliance.arena import PART
from appliance.arena.leaderboard.jobs import RECALCULATION_JOB
from appliance.platform.jobs import Jobs


class Context:
    def __init__(self) -> None:
        self.leaderboard = self
        self.runs = 0

    async def scheduled(self) -> None:
        self.runs += 1


def test_the_arena_recalculates_hourly_at_minute_zero() -> None:
    jobs = Jobs()
    context: Any = Context()
    PART.jobs(context, jobs)
    assert RECALCULATION_JOB in jobs.names()
    func, options = next((f, o) for f, o in jobs._pending if o["id"] == RECALCULATION_JOB)
    assert options["trigger"] == "cron" and options["minute"] == 0
    assert "hour" not in options and options["max_instances"] == 1
    assert func == context.scheduled
