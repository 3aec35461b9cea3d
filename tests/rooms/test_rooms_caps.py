"""Per-address caps on the rooms: rooms one address may create, and event streams one address
may hold open. Each test has a server of its own (the caps count per server)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import httpx

from tests.conftest import RunningServer
from tests.rooms.sse_client import SseClient
from tests.rooms.support import new_room_id, own_loop

STREAM = "/api/rooms/{}/stream"
PROXIED = {"SPARKHOUSE_TRUSTED_PROXIES": "127.0.0.1"}  # X-Forwarded-For names the client


def client(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


@own_loop
async def test_one_address_cannot_fill_the_server_with_rooms(
    make_server: Callable[..., RunningServer],
) -> None:
    """At the defaults one address may hold 1,000 rooms it created (the server 10,000)."""
    running = make_server(env=PROXIED)
    async with httpx.AsyncClient(base_url=running.url, timeout=30) as http:

        async def create(count: int, address: str) -> list[int]:
            statuses = []
            for _ in range(count):
                answer = await http.put(
                    f"/api/rooms/{new_room_id('cap')}",
                    json={"state": {"n": 1}},
                    headers=client(address),
                )
                statuses.append(answer.status_code)
            return statuses

        batches = await asyncio.gather(*(create(40, "203.0.113.1") for _ in range(25)))
        assert [status for batch in batches for status in batch] == [200] * 1000
        kept = new_room_id("kept")
        refused = await http.put(
            f"/api/rooms/{kept}", json={"state": {}}, headers=client("203.0.113.1")
        )
        assert refused.status_code == 429, refused.text
        body = refused.json()
        assert body["error"] == "too_many_rooms_from_address"
        assert "1000" in body["message"]
        assert (await http.get(f"/api/rooms/{kept}")).status_code == 404  # nothing created
        # Another address creates rooms; anyone still writes the rooms that exist.
        other = await http.put(
            f"/api/rooms/{kept}", json={"state": {}}, headers=client("203.0.113.2")
        )
        assert other.status_code == 200
        again = await http.put(
            f"/api/rooms/{kept}", json={"state": {"v": 2}}, headers=client("203.0.113.1")
        )
        assert again.json()["version"] == 2
        overview = (await http.get("/api/rooms")).json()
    assert overview["rooms"] == 1001
    assert overview["limits"]["max_rooms_per_address"] == 1000


@own_loop
async def test_expired_rooms_free_their_creators_places(
    make_server: Callable[..., RunningServer],
) -> None:
    running = make_server(
        env={
            "SPARKHOUSE_ROOMS_MAX_ROOMS_PER_ADDRESS": "2",
            "ROOM_TTL_SECONDS": "1",
            "SPARKHOUSE_ROOMS_SWEEP_SECONDS": "0.2",
        }
    )
    async with httpx.AsyncClient(base_url=running.url, timeout=10) as http:

        async def create() -> int:
            answer = await http.put(f"/api/rooms/{new_room_id('ttl')}", json={"state": {}})
            return answer.status_code

        assert [await create() for _ in range(3)] == [200, 200, 429]
        deadline = time.monotonic() + 5
        while await create() == 429:  # the sweep deletes both rooms after 1 s
            assert time.monotonic() < deadline, "expired rooms still count"
            await asyncio.sleep(0.1)


@own_loop
async def test_streams_per_address_are_capped(make_server: Callable[..., RunningServer]) -> None:
    running = make_server(env={"SPARKHOUSE_SSE_MAX_STREAMS_PER_ADDRESS": "2", **PROXIED})
    room = new_room_id("streams")
    path = STREAM.format(room)
    first = await SseClient.connect(running.url, path, headers=client("203.0.113.1"))
    second = await SseClient.connect(
        running.url, STREAM.format(new_room_id("other")), headers=client("203.0.113.1")
    )
    assert (first.status, second.status) == (200, 200)
    third = await SseClient.connect(running.url, path, headers=client("203.0.113.1"))
    assert third.status == 429
    assert json.loads(third.body)["error"] == "too_many_streams"
    await third.close()
    # Another address has its own count; a closed stream frees its place.
    elsewhere = await SseClient.connect(running.url, path, headers=client("203.0.113.2"))
    assert elsewhere.status == 200
    await first.close()
    deadline = time.monotonic() + 5
    while True:
        again = await SseClient.connect(running.url, path, headers=client("203.0.113.1"))
        if again.status == 200:
            break
        await again.close()
        assert time.monotonic() < deadline, "a closed stream still counts"
        await asyncio.sleep(0.05)
    assert (await again.next_event()).json()["room_id"] == room
    for stream in (second, elsewhere, again):
        await stream.close()
