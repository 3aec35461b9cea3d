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


class Failing:
    async def finished_games(self, _: Any) -> Any:
        raise RuntimeError("the store is gone")


async def test_a_failed_hourly_run_is_logged_and_the_next_one_tries_again(
    caplog: Any,
) -> None:
    from appliance.arena.leaderboard.service import LeaderboardService

    service = LeaderboardService(Failing(), accounts=None)  # type: ignore[arg-type]
    await service.scheduled()
    await service.scheduled()
    failures = [r for r in caplog.records if "recalculation failed" in r.getMessage()]
    assert len(failures) == 2 and not service._running.locked()
