"""The replay: a board that joins ``board:lobby`` with ``{"replay": true}`` gets the recent
sparks in its join reply (bounded by count and age); a join without it is the spec's plain
join, with an empty reply."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

from appliance.platform.realtime.broker import Broker
from appliance.sparks.service import SparkService
from appliance.sparks.settings import SparksSettings
from tests.conftest import RunningServer
from tests.support.phoenix_raw import RawSocket

SPARK: dict[str, Any] = {"color": [1, 0, 0], "radius": 10, "transparency": 0, "time_to_grow": 0}


def spark_at(x: int) -> dict[str, Any]:
    return {**SPARK, "x": x, "y": 0}


def test_the_replay_keeps_the_last_sparks_oldest_first_with_their_age() -> None:
    now = [1000.0]
    service = SparkService(Broker(), SparksSettings(), [], clock=lambda: now[0], replay_count=3)
    for x in range(5):
        service.broadcast(spark_at(x))
        now[0] += 1
    recent = service.recent()
    assert [item["data"]["x"] for item in recent] == [2, 3, 4]
    assert [item["age_ms"] for item in recent] == [3000, 2000, 1000]


def test_the_replay_drops_sparks_older_than_its_window() -> None:
    now = [0.0]
    service = SparkService(Broker(), SparksSettings(), [], clock=lambda: now[0], replay_seconds=60)
    service.broadcast(spark_at(1))
    now[0] = 30
    service.broadcast(spark_at(2))
    now[0] = 61
    assert [item["data"]["x"] for item in service.recent()] == [2]
    now[0] = 200
    assert service.recent() == []


def test_a_replay_count_of_zero_keeps_nothing() -> None:
    service = SparkService(Broker(), SparksSettings(), [], replay_count=0)
    service.broadcast(spark_at(1))
    assert service.recent() == []


async def test_a_late_joiner_gets_the_recent_sparks_in_its_join_reply(
    make_server: Callable[..., RunningServer],
) -> None:
    running = make_server()  # its own server: only this test's sparks
    async with httpx.AsyncClient() as client:
        for x in (10, 20, 30):
            response = await client.post(f"{running.url}/api/{x}/5", json=SPARK)
            assert response.status_code == 202
    await asyncio.sleep(0.1)  # the broadcast follows the 202

    plain = await RawSocket.open(running.ws_url)
    ref, reply = await plain.join("board:lobby")
    assert reply == [ref, ref, "board:lobby", "phx_reply", {"status": "ok", "response": {}}]

    late = await RawSocket.open(running.ws_url)
    ref, reply = await late.join("board:lobby", {"replay": True})
    assert reply[:4] == [ref, ref, "board:lobby", "phx_reply"]
    assert reply[4]["status"] == "ok"
    recent = reply[4]["response"]["recent"]
    assert [item["data"]["x"] for item in recent] == [10, 20, 30]
    assert recent[0]["data"] == {**SPARK, "x": 10, "y": 5, "radius": 10.0, "transparency": 0.0,
                                 "time_to_grow": 0.0}  # fmt: skip
    assert all(isinstance(item["age_ms"], int) and item["age_ms"] >= 0 for item in recent)

    # Only a literal true asks for the replay; anything else is the plain join.
    other = await RawSocket.open(running.ws_url)
    _, reply = await other.join("board:lobby", {"replay": "yes"})
    assert reply[4] == {"status": "ok", "response": {}}

    # After the join, sparks arrive as events as before.
    async with httpx.AsyncClient() as client:
        assert (await client.post(f"{running.url}/api/40/5", json=SPARK)).status_code == 202
    frame = await late.recv()
    assert frame[2:4] == ["board:lobby", "sparkle_event"]
    assert frame[4]["data"]["x"] == 40
    for sock in (plain, late, other):
        await sock.close()
