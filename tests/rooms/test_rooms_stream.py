"""The rooms' SSE streams against a real server, over raw sockets."""

from __future__ import annotations

import asyncio
import re
import signal
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.conftest import RunningServer
from tests.rooms.sse_client import SseClient, StreamEnded
from tests.rooms.support import new_room_id, own_loop

STREAM = "/api/rooms/{}/stream"


async def put(client: httpx.AsyncClient, room_id: str, state: object) -> dict:
    response = await client.put(f"/api/rooms/{room_id}", json={"state": state})
    assert response.status_code == 200, response.text
    return response.json()


def room_subscribers(http: httpx.Client) -> int:
    """Open room streams, as /api/system counts them: by topic prefix, never by room id."""
    topics: dict[str, int] = http.get("/api/system").json()["realtime"]["topics"]
    assert not [topic for topic in topics if topic.startswith("room:") and topic != "room:*"]
    return topics.get("room:*", 0)


def server_rss_kib(server: RunningServer) -> int:
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]


@own_loop
async def test_stream_gets_current_record_then_every_put(
    server: RunningServer, room_id: str
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as ahttp:
        created = await put(ahttp, room_id, {"round": 1})
        async with await SseClient.connect(server.url, STREAM.format(room_id)) as stream:
            assert stream.status == 200
            assert stream.headers["content-type"] == "text/event-stream"
            assert stream.headers["cache-control"] == "no-cache"
            assert stream.headers["connection"] == "keep-alive"
            first = await stream.next_block()
            assert first.retry == 2000
            assert (first.event, first.id) == ("state", "1")
            assert first.json() == created
            updated = await put(ahttp, room_id, {"round": 2})
            event = await stream.next_event()
            assert (event.event, event.id) == ("state", "2")
            assert event.json() == updated


@own_loop
async def test_unknown_room_streams_version_0(server: RunningServer, room_id: str) -> None:
    async with await SseClient.connect(server.url, STREAM.format(room_id)) as stream:
        first = await stream.next_event()
        assert first.id == "0"
        assert first.json() == {"room_id": room_id, "version": 0, "updated_at": None, "state": None}


@own_loop
async def test_twenty_concurrent_puts_each_seen_once(server: RunningServer, room_id: str) -> None:
    async with (
        httpx.AsyncClient(base_url=server.url, timeout=10) as ahttp,
        await SseClient.connect(server.url, STREAM.format(room_id)) as stream,
    ):
        assert (await stream.next_event()).json()["version"] == 0
        records = await asyncio.gather(*(put(ahttp, room_id, {"writer": n}) for n in range(20)))
        assert sorted(r["version"] for r in records) == list(range(1, 21))
        seen = [await stream.next_event() for _ in range(20)]
        assert [int(event.id or -1) for event in seen] == list(range(1, 21))
        by_version = {r["version"]: r for r in records}
        assert all(event.json() == by_version[int(event.id or -1)] for event in seen)
        final = (await ahttp.get(f"/api/rooms/{room_id}")).json()
        assert final["version"] == 20
        assert final == seen[-1].json()
        with pytest.raises(TimeoutError):
            await stream.next_event(timeout=0.3)  # nothing more, nothing twice


@own_loop
async def test_subscribers_see_only_their_room(server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as ahttp:
        room_a, room_b = new_room_id("a"), new_room_id("b")
        async with (
            await SseClient.connect(server.url, STREAM.format(room_a)) as stream_a,
            await SseClient.connect(server.url, STREAM.format(room_b)) as stream_b,
        ):
            await stream_a.next_event()
            await stream_b.next_event()
            await put(ahttp, room_a, {"room": "a", "n": 1})
            await put(ahttp, room_b, {"room": "b", "n": 1})
            await put(ahttp, room_a, {"room": "a", "n": 2})
            a_events = [(await stream_a.next_event()).json() for _ in range(2)]
            b_event = (await stream_b.next_event()).json()
            assert [e["state"] for e in a_events] == [{"room": "a", "n": 1}, {"room": "a", "n": 2}]
            assert all(e["room_id"] == room_a for e in a_events)
            assert b_event["room_id"] == room_b
            assert b_event["state"] == {"room": "b", "n": 1}
            with pytest.raises(TimeoutError):
                await stream_b.next_event(timeout=0.3)


@own_loop
async def test_last_event_id_resume(server: RunningServer, room_id: str) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as ahttp:
        for n in range(3):
            await put(ahttp, room_id, {"n": n})
        path = STREAM.format(room_id)
        # Up to date (header): only the retry, then the next write.
        async with await SseClient.connect(server.url, path, {"Last-Event-ID": "3"}) as stream:
            first = await stream.next_block()
            assert (first.retry, first.data) == (2000, None)
            await put(ahttp, room_id, {"n": 3})
            assert (await stream.next_event()).id == "4"
        # Up to date (query parameter, for clients that cannot set headers).
        async with await SseClient.connect(server.url, path + "?lastEventId=4") as stream:
            assert (await stream.next_block()).data is None
            with pytest.raises(TimeoutError):
                await stream.next_event(timeout=0.3)
        # Behind, or an id from before a restart or sweep, or not ours: the current record.
        for stale in ("2", "99", "not-a-version"):
            async with await SseClient.connect(
                server.url, path, {"Last-Event-ID": stale}
            ) as stream:
                event = await stream.next_event()
                assert (event.id, event.json()["state"]) == ("4", {"n": 3})


@own_loop
async def test_heartbeat_with_short_heartbeat_seconds(fast_server: RunningServer) -> None:
    async with await SseClient.connect(fast_server.url, STREAM.format(new_room_id())) as stream:
        await stream.next_event()
        started = time.monotonic()
        heartbeats = []
        while len(heartbeats) < 3:
            block = await stream.next_block(timeout=2)
            assert block.data is None
            heartbeats += block.comments
        elapsed = time.monotonic() - started
        assert heartbeats == ["heartbeat"] * 3
        assert 0.6 < elapsed < 3  # every 0.3 s (slack for a busy machine)
        raw = stream.bytes_received
    assert raw > 0


@own_loop
async def test_ttl_sweep_deletes_idle_rooms(fast_server: RunningServer) -> None:
    room_id = new_room_id("ttl")
    async with httpx.AsyncClient(base_url=fast_server.url) as client:
        await put(client, room_id, {"short": "lived"})
        async with await SseClient.connect(fast_server.url, STREAM.format(room_id)) as stream:
            assert (await stream.next_event()).json()["version"] == 1
            # ROOM_TTL_SECONDS=1, swept every 0.2 s: the stream hears the room is gone.
            gone = await stream.next_event(timeout=3)
            assert gone.id == "0"
            assert gone.json() == {
                "room_id": room_id,
                "version": 0,
                "updated_at": None,
                "state": None,
            }
        assert (await client.get(f"/api/rooms/{room_id}")).status_code == 404
        assert (await put(client, room_id, {"again": True}))["version"] == 1
        # A room that keeps being written stays.
        kept = new_room_id("kept")
        for n in range(8):
            await put(client, kept, {"n": n})
            await asyncio.sleep(0.2)
        assert (await client.get(f"/api/rooms/{kept}")).json()["version"] == 8
        # Empty subscriber sets do not linger either (every stream of these tests has ended).
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            overview = (await client.get("/api/rooms")).json()
            if overview["rooms_with_subscribers"] == 0:
                break
            await asyncio.sleep(0.05)
        assert overview["rooms_with_subscribers"] == overview["subscribers"] == 0
        topics = (await client.get("/api/system")).json()["realtime"]["topics"]
        assert "room:*" not in topics


@own_loop
async def test_subscriber_counts_logged_at_debug(fast_server: RunningServer) -> None:
    room_id = new_room_id("log")
    async with await SseClient.connect(fast_server.url, STREAM.format(room_id)) as stream:
        await stream.next_event()
    deadline = time.monotonic() + 3
    # The room id is the room's only key: a per-process reference stands in for it.
    closed = re.compile(r"room #[0-9a-f]{8}: subscriber disconnected, 0 open")
    while not closed.search(fast_server.log()):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    log = fast_server.log()
    assert re.search(r"room #[0-9a-f]{8}: subscriber connected, 1 open", log)
    assert room_id not in log


@own_loop
async def test_no_leak_after_thousands_of_connects(
    server: RunningServer, http: httpx.Client
) -> None:
    room_id = new_room_id("leak")
    path = STREAM.format(room_id)
    http.put(f"/api/rooms/{room_id}", json={"state": {"big": "x" * 4000}})
    streams_before = room_subscribers(http)

    async def connect_and_leave(n: int) -> None:
        stream = await SseClient.connect(server.url, path)
        if n % 3:
            await stream.next_event()  # read the first event, then leave
        await stream.close()  # a third leave before reading anything

    async def churn(total: int, parallel: int = 50) -> None:
        for start in range(0, total, parallel):
            await asyncio.gather(*(connect_and_leave(n) for n in range(start, start + parallel)))

    await churn(500)  # warm-up: allocator pools, caches
    rss_before = server_rss_kib(server)
    started = time.monotonic()
    await churn(2500)
    churn_seconds = time.monotonic() - started
    deadline = time.monotonic() + 5
    while room_subscribers(http) > streams_before and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert room_subscribers(http) == streams_before
    assert http.get("/api/rooms").json()["subscribers"] == streams_before
    growth_kib = server_rss_kib(server) - rss_before
    assert growth_kib < 8 * 1024, f"server grew {growth_kib} KiB over 2500 streams"
    assert churn_seconds < 20


@own_loop
async def test_slow_subscriber_gets_latest_state_with_bounded_memory(
    server: RunningServer, room_id: str
) -> None:
    """A client that stops reading is not sent a backlog: it ends on the newest record, and
    far fewer bytes than were written reach it."""
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as ahttp:
        writes, state_size = 300, 20_000
        async with await SseClient.connect(
            server.url, STREAM.format(room_id), receive_buffer=4096
        ) as slow:
            await slow.next_event()
            for n in range(writes):
                await put(ahttp, room_id, {"n": n, "pad": "x" * state_size})
            # Other clients are unaffected while it stalls.
            async with await SseClient.connect(server.url, STREAM.format(room_id)) as fresh:
                assert (await fresh.next_event()).id == str(writes)
            last = None
            while last is None or last.id != str(writes):
                last = await slow.next_event(timeout=5)
            written = writes * state_size
            assert slow.bytes_received < written / 10, (slow.bytes_received, written)
            assert last.json()["state"]["n"] == writes - 1


@own_loop
async def test_shutdown_closes_streams_promptly(make_server: Callable[..., RunningServer]) -> None:
    running = make_server(env={"HEARTBEAT_SECONDS": "60"})
    streams = [
        await SseClient.connect(running.url, STREAM.format(new_room_id("bye"))) for _ in range(5)
    ]
    for stream in streams:
        await stream.next_event()
    started = time.monotonic()
    running.process.send_signal(signal.SIGTERM)
    for stream in streams:
        with pytest.raises(StreamEnded) as ended:
            await stream.next_block(timeout=3)
        assert ended.value.clean  # the final chunk, not a cut connection
        await stream.close()
    assert time.monotonic() - started < 2.5  # not Sanic's 5 s graceful timeout
    returncode = await asyncio.to_thread(running.process.wait, 10)
    # Open streams would otherwise hold the exit for Sanic's whole 5 s graceful timeout.
    assert time.monotonic() - started < 5
    assert returncode == 0
    assert "closed 5 event stream(s) for shutdown" in running.log()


@own_loop
async def test_no_public_answer_names_a_room_id(server: RunningServer, room_id: str) -> None:
    """A room's id is the only key to it: /api/system counts room streams under ``room:*``
    and nothing else that anyone may read lists an id."""
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        await put(client, room_id, {"secret": True})
        async with await SseClient.connect(server.url, STREAM.format(room_id)) as stream:
            await stream.next_event()
            system = await client.get("/api/system")
            assert system.json()["realtime"]["topics"].get("room:*", 0) >= 1
            for path in ("/api/system", "/api/rooms", "/healthz", "/api/openapi.json"):
                answer = await client.get(path)
                assert room_id not in answer.text, path
