"""A bounded execution queue: a fixed number of programs run at once, a fixed number wait,
and the next one is refused at once with a Retry-After instead of piling up processes (or
requests to Piston) until the machine or the server falls over."""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from appliance.arena.execution.executor import ExecutorBusy


class ExecutionQueue:
    """``slots`` runs at once (0: one per CPU core) and at most ``waiting`` admitted runs
    waiting for a slot. ``seconds_per_run`` (the wall-clock limit) estimates Retry-After."""

    def __init__(self, slots: int, waiting: int, seconds_per_run: float) -> None:
        self.slots = slots or os.cpu_count() or 1
        self.waiting = waiting
        self.seconds_per_run = seconds_per_run
        self._semaphore = asyncio.Semaphore(self.slots)
        self._admitted = 0  # running + waiting

    @property
    def admitted(self) -> int:
        """Runs holding or waiting for a slot now."""
        return self._admitted

    def retry_after(self) -> int:
        """Seconds until the queue has likely drained enough to admit one more run."""
        rounds = math.ceil(max(self._admitted - self.slots + 1, 1) / self.slots)
        return max(1, math.ceil(rounds * self.seconds_per_run))

    def admit(self, count: int = 1) -> None:
        """Reserve places for ``count`` runs, all or none; raises ExecutorBusy when full.

        A batch (a submission's tests) is admitted whole so it never half-runs; an idle queue
        takes any batch, so a puzzle with more tests than places can still be judged.
        """
        if self._admitted and self._admitted + count > self.slots + self.waiting:
            raise ExecutorBusy(self.retry_after())
        self._admitted += count

    def release_admission(self, count: int = 1) -> None:
        """Give back places reserved by ``admit`` that will not run."""
        self._admitted -= count

    @asynccontextmanager
    async def slot(self, admitted: bool = False) -> AsyncIterator[None]:
        """Hold a running slot for the body; admits one run first unless ``admitted`` says a
        place was already reserved with ``admit``. The place is given back on exit, also
        when the waiter is cancelled."""
        if not admitted:
            self.admit()
        try:
            async with self._semaphore:
                yield
        finally:
            self._admitted -= 1
