"""The clicker's background work: the periodic snapshot and the coalesced leaderboard
broadcast."""

from __future__ import annotations

import asyncio

from appliance.clicker.channels import LEADERBOARD_EVENT, LOBBY_TOPIC
from appliance.clicker.models import LeaderboardEntry
from appliance.clicker.service import ClickEngine
from appliance.clicker.store import SnapshotStore
from appliance.platform.jobs import Jobs
from appliance.platform.realtime.broker import Broker

SNAPSHOT_JOB = "clicker-snapshot"
BROADCAST_INTERVAL = 0.1  # the issue: at most one leaderboard broadcast every 100 ms


class LeaderboardBroadcaster:
    """Publishes ``leaderboard`` on ``clicker:lobby`` at most once per interval.

    The first change after a quiet spell is sent on the next loop iteration (low latency); the
    changes that follow within the interval are merged into one send at its end. A send whose
    top list equals the previous one is skipped: clicks far down the board cost watchers
    nothing.
    """

    def __init__(
        self, engine: ClickEngine, broker: Broker, interval: float = BROADCAST_INTERVAL
    ) -> None:
        self.engine = engine
        self.broker = broker
        self.interval = interval
        self._timer: asyncio.TimerHandle | None = None
        self._checked_at = -interval
        self._last_top: list[LeaderboardEntry] | None = None
        self.sent = 0

    def notify(self) -> None:
        """Engine listener: something changed. Cheap; called on every counted click."""
        if self._timer is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # start-up load or shutdown save: nobody is listening
        delay = self._checked_at + self.interval - loop.time()
        self._timer = loop.call_later(max(delay, 0.0), self._send, loop)

    def _send(self, loop: asyncio.AbstractEventLoop) -> None:
        top = self.engine.top()  # may expire stale scores and notify(): still timed, so ignored
        self._timer = None
        self._checked_at = loop.time()
        if top == self._last_top:
            return
        self._last_top = top
        self.sent += 1
        self.broker.publish(LOBBY_TOPIC, LEADERBOARD_EVENT, {"top": top})

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class SnapshotJob:
    """Every ``CLICKER_SNAPSHOT_SECONDS``: capture on the loop, write in a worker thread."""

    def __init__(self, engine: ClickEngine, store: SnapshotStore) -> None:
        self.engine = engine
        self.store = store

    async def run(self) -> None:
        capture = self.store.try_capture(self.engine)
        if capture is None:
            return  # nothing changed (file untouched) or the previous write is still running
        loop = asyncio.get_running_loop()
        # The writer thread releases the capture itself, so even if this coroutine is
        # abandoned at shutdown the final save is not locked out.
        await loop.run_in_executor(None, self.store.write, capture)


def schedule(jobs: Jobs, snapshot: SnapshotJob, every_seconds: float) -> None:
    jobs.every(every_seconds, snapshot.run, name=SNAPSHOT_JOB)
