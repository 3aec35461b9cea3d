"""One APScheduler AsyncIOScheduler for every part's scheduled jobs.

It starts after the server's loop is running and stops before the server exits; parts add
their jobs (in their ``jobs.py``) before start-up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger("sparkhouse.jobs")
# APScheduler logs every run at INFO ("Running job …", "executed successfully"): with jobs every
# few seconds that drowns the server log. Its warnings (missed runs, errors) still show.
logging.getLogger("apscheduler").setLevel(logging.WARNING)


class Jobs:
    def __init__(self) -> None:
        self._pending: list[tuple[Callable[..., Any], dict[str, Any]]] = []
        self.scheduler: AsyncIOScheduler | None = None

    def every(self, seconds: float, func: Callable[..., Any], *, name: str, **options: Any) -> None:
        """Run ``func`` (sync or async) every ``seconds``; one run at a time, missed runs
        merged into one."""
        self._pending.append(
            (
                func,
                {
                    "trigger": "interval",
                    "seconds": seconds,
                    "id": name,
                    "name": name,
                    "max_instances": 1,
                    "coalesce": True,
                    "replace_existing": True,
                    **options,
                },
            )
        )

    def cron(self, func: Callable[..., Any], *, name: str, **fields: Any) -> None:
        self._pending.append(
            (
                func,
                {
                    "trigger": "cron",
                    "id": name,
                    "name": name,
                    "max_instances": 1,
                    "coalesce": True,
                    "replace_existing": True,
                    **fields,
                },
            )
        )

    def start(self) -> None:
        scheduler = AsyncIOScheduler(timezone="UTC")
        for func, options in self._pending:
            scheduler.add_job(func, **options)
        scheduler.start()
        self.scheduler = scheduler
        log.info("scheduler started with %d job(s)", len(self._pending))

    def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.scheduler = None

    def names(self) -> list[str]:
        return [options["id"] for _, options in self._pending]
