"""``clicker:lobby`` over the Phoenix socket: join, click, throttle, the coalesced leaderboard."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx

from tests.conftest import RunningServer
from tests.support.phoenix_raw import RawSocket

TOPIC = "clicker:lobby"


async def push(socket: RawSocket, join_ref: str, event: str, payload: dict[str, Any]) -> Any:
    ref = socket.next_ref()
    await socket.send(join_ref, ref, TOPIC, event, payload)
    while True:  # skip broadcasts until our reply
        frame = await socket.recv()
        if frame[1] == ref:
            return frame


async def test_join_hands_out_an_id_then_clicks_count_and_throttle(server: RunningServer) -> None:
    socket = await RawSocket.open(server.ws_url)
    try:
        join_ref, reply = await socket.join(TOPIC)
        assert reply[:4] == [join_ref, join_ref, TOPIC, "phx_reply"]
        assert reply[4]["status"] == "ok"
        joined = reply[4]["response"]
        player_id = joined["player_id"]
        assert str(uuid.UUID(player_id)) == player_id
        assert joined["score"] == 0 and joined["rank"] is None
        assert isinstance(joined["top"], list)
        assert joined["min_interval_ms"] == 100

        frame = await push(socket, join_ref, "click", {})
        assert frame[4]["status"] == "ok"
        assert frame[4]["response"]["score"] == 1 and frame[4]["response"]["rank"] >= 1
        assert set(frame[4]["response"]) == {"score", "rank"}

        frame = await push(socket, join_ref, "click", {})
        assert frame[4]["status"] == "error"
        assert frame[4]["response"]["reason"] == "throttled"
        assert 1 <= frame[4]["response"]["retry_after_ms"] <= 100
        await asyncio.sleep(frame[4]["response"]["retry_after_ms"] / 1000 + 0.005)
        frame = await push(socket, join_ref, "click", {})
        assert frame[4]["response"]["score"] == 2
    finally:
        await socket.close()


async def test_join_with_an_id_resumes_that_player(server: RunningServer) -> None:
    player_id = str(uuid.uuid4())
    async with httpx.AsyncClient(base_url=server.url) as http:
        await http.put(f"/api/clicker/players/{player_id}/name", json={"name": "Resume"})
        await http.post("/api/clicker/click", json={"player_id": player_id})
    socket = await RawSocket.open(server.ws_url)
    try:
        _, reply = await socket.join(TOPIC, {"player_id": player_id.upper()})
        response = reply[4]["response"]
        assert response["player_id"] == player_id
        assert response["name"] == "Resume" and response["score"] == 1
    finally:
        await socket.close()


async def test_join_with_a_bad_id_is_refused_with_the_reason(server: RunningServer) -> None:
    socket = await RawSocket.open(server.ws_url)
    try:
        for bad in ("nope", 42):
            _, reply = await socket.join(TOPIC, {"player_id": bad})
            assert reply[4]["status"] == "error"
            assert reply[4]["response"]["reason"] == "invalid_player_id"
            assert "UUID" in reply[4]["response"]["message"]
    finally:
        await socket.close()


async def test_leaderboard_broadcasts_are_coalesced_to_one_per_100_ms(
    server: RunningServer,
) -> None:
    watcher = await RawSocket.open(server.ws_url)
    await watcher.join(TOPIC)
    players = [str(uuid.uuid4()) for _ in range(40)]
    received: list[tuple[float, Any]] = []

    async def watch() -> None:
        while True:
            frame = await watcher.recv(timeout=30)
            if frame[3] == "leaderboard":
                assert frame[0] is None and frame[1] is None  # a broadcast
                received.append((time.monotonic(), frame[4]))

    watching = asyncio.create_task(watch())
    started = time.monotonic()
    clicks = 0
    async with httpx.AsyncClient(base_url=server.url) as http:
        # ~1 s of clicks as fast as one connection goes, rotating so nobody is throttled.
        while time.monotonic() - started < 1.0:
            batch = [
                http.post("/api/clicker/click", json={"player_id": player_id})
                for player_id in players
            ]
            answers = await asyncio.gather(*batch)
            clicks += sum(answer.status_code == 200 for answer in answers)
            await asyncio.sleep(0.1)
        elapsed = time.monotonic() - started
        await asyncio.sleep(0.3)
        final = (await http.get("/api/clicker/leaderboard")).json()
        for _ in range(20):  # the last broadcast is the settled board (allow a slow client)
            if received and received[-1][1] == final:
                break
            await asyncio.sleep(0.1)
    watching.cancel()
    await watcher.close()

    # The spacing on the server is checked exactly in test_broadcast.py; over the network
    # the client's own loop blurs arrival times, so count instead.
    broadcasts = [when for when, _ in received if when <= started + elapsed + 0.15]
    assert 3 <= len(broadcasts) <= elapsed / 0.1 + 2, (clicks, len(broadcasts))
    assert clicks >= 3 * len(broadcasts), (clicks, len(broadcasts))  # many clicks, few sends
    assert received[-1][1] == final
    async with httpx.AsyncClient(base_url=server.url) as http:
        views = [(await http.get(f"/api/clicker/players/{p}")).json() for p in players]
    assert {entry["handle"] for entry in final["top"]} <= {v["handle"] for v in views} | {
        entry["handle"] for entry in received[0][1]["top"]
    }
