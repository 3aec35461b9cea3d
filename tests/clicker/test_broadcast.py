"""The leaderboard broadcaster on a real event loop: at most one publish per 100 ms."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from appliance.clicker.jobs import LeaderboardBroadcaster
from appliance.clicker.service import ClickEngine
from appliance.platform.realtime.broker import Broker


class RecordingBroker(Broker):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[float, str, str, dict[str, Any]]] = []

    def publish(self, topic: str, event: str, payload: dict[str, Any]) -> int:
        self.sent.append((asyncio.get_running_loop().time(), topic, event, payload))
        return 1


def player(index: int) -> str:
    return f"00000000-0000-4000-8000-{index:012d}"


async def test_a_burst_of_clicks_makes_one_broadcast_per_interval() -> None:
    engine = ClickEngine(min_interval_ms=0)
    broker = RecordingBroker()
    broadcaster = LeaderboardBroadcaster(engine, broker)
    engine.listeners.append(broadcaster.notify)
    loop = asyncio.get_running_loop()
    started = loop.time()
    count = 0
    while loop.time() - started < 0.55:  # clicks on every loop turn for 550 ms
        engine.click(player(count % 50))
        count += 1
        await asyncio.sleep(0.001)
    await asyncio.sleep(0.15)
    times = [sent[0] for sent in broker.sent]
    assert count > 100
    assert 5 <= len(times) <= 7
    assert all(later - earlier >= 0.099 for earlier, later in itertools.pairwise(times))
    assert times[0] - started < 0.01  # the first change goes out at once
    assert broker.sent[-1][1:3] == ("clicker:lobby", "leaderboard")
    assert broker.sent[-1][3] == {"top": engine.top()}  # the last one is the settled board


async def test_changes_that_leave_the_top_alone_are_not_broadcast() -> None:
    engine = ClickEngine(min_interval_ms=0, top_n=1)
    broker = RecordingBroker()
    broadcaster = LeaderboardBroadcaster(engine, broker, interval=0.01)
    engine.listeners.append(broadcaster.notify)
    for _ in range(3):
        engine.click(player(1))
    await asyncio.sleep(0.03)
    assert len(broker.sent) == 1
    engine.click(player(2))  # far below the leader
    await asyncio.sleep(0.03)
    engine.set_name(player(2), "Nobody sees me")
    await asyncio.sleep(0.03)
    assert len(broker.sent) == 1
    engine.set_name(player(1), "Leader")
    await asyncio.sleep(0.03)
    leader = {"handle": engine.handle(player(1)), "name": "Leader", "score": 3}
    assert broker.sent[-1][3] == {"top": [leader]}
