"""One APScheduler AsyncIOScheduler for every part's scheduled jobs.

Parts add their jobs (in their ``jobs.py``) before start-up; the scheduler starts once the
server serves (nothing scheduled is due in its first moments) and stops before it exits.
APScheduler is imported then, in a thread (:meth:`Jobs.load`): its import scans every
installed distribution's entry points, which the start does without.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

    @staticmethod
    def load() -> None:
        """Import APScheduler (blocking: call it in a thread before :meth:`start`)."""
        import apscheduler.schedulers.asyncio  # noqa: F401

    def start(self) -> None:
        """On the event loop's thread."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

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
