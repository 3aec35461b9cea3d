"""The bounded queue: slots, waiting places, refusal with a Retry-After, batches."""

from __future__ import annotations

import asyncio

import pytest

from appliance.arena.execution import ExecutorBusy
from appliance.arena.execution.queue import ExecutionQueue


async def test_one_past_the_waiting_places_is_refused_with_retry_after() -> None:
    queue = ExecutionQueue(slots=2, waiting=1, seconds_per_run=3)
    release = asyncio.Event()
    running = 0

    async def hold() -> None:
        nonlocal running
        async with queue.slot():
            running += 1
            await release.wait()

    tasks = [asyncio.create_task(hold()) for _ in range(3)]  # 2 run, 1 waits
    await asyncio.sleep(0.05)
    assert running == 2 and queue.admitted == 3
    with pytest.raises(ExecutorBusy) as busy:
        async with queue.slot():
            pass
    assert busy.value.retry_after_seconds >= 3
    release.set()
    await asyncio.gather(*tasks)
    assert running == 3 and queue.admitted == 0
    async with queue.slot():  # room again
        pass


async def test_a_cancelled_waiter_gives_its_place_back() -> None:
    queue = ExecutionQueue(slots=1, waiting=1, seconds_per_run=1)
    release = asyncio.Event()

    async def hold() -> None:
        async with queue.slot():
            await release.wait()

    first = asyncio.create_task(hold())
    await asyncio.sleep(0.01)
    waiter = asyncio.create_task(hold())
    await asyncio.sleep(0.01)
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    assert queue.admitted == 1
    release.set()
    await first
    assert queue.admitted == 0


def test_batches_are_admitted_whole_and_an_idle_queue_takes_any_batch() -> None:
    queue = ExecutionQueue(slots=2, waiting=2, seconds_per_run=1)
    queue.admit(10)  # idle: a big puzzle can still be judged
    with pytest.raises(ExecutorBusy):
        queue.admit(1)
    queue.release_admission(10)
    queue.admit(3)
    with pytest.raises(ExecutorBusy):
        queue.admit(2)  # all or none
    assert queue.admitted == 3


def test_zero_slots_means_one_per_core() -> None:
    import os

    assert ExecutionQueue(slots=0, waiting=0, seconds_per_run=1).slots == (os.cpu_count() or 1)
