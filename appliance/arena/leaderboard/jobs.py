"""The leaderboard's scheduled job (codincod-contract.md §9.3): the ratings recalculated
hourly at minute 0 (UTC), on the platform's one scheduler."""

from __future__ import annotations

from appliance.arena.leaderboard.service import LeaderboardService
from appliance.platform.jobs import Jobs

RECALCULATION_JOB = "arena-leaderboard"


def register(jobs: Jobs, leaderboard: LeaderboardService) -> None:
    jobs.cron(leaderboard.scheduled, name=RECALCULATION_JOB, minute=0)
