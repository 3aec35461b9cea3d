"""The Phoenix Channels endpoint, frame by frame (specs/phoenix-channels-protocol.md)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import websockets

from tests.conftest import RunningServer
from tests.support.phoenix_raw import RawSocket

OK = {"status": "ok", "response": {}}
SPARK = {"color": [1, 0, 0], "radius": 5, "transparency": 0, "time_to_grow": 0}


def post_spark(server: RunningServer, x: int = 1, y: int = 2) -> httpx.Response:
    return httpx.post(f"{server.url}/api/{x}/{y}", json=SPARK, timeout=5)


async def assert_server_healthy(server: RunningServer) -> None:
    """/healthz answers and a fresh socket still joins and gets a broadcast."""
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{server.url}/healthz")).json() == {"ok": True}
    sock = await RawSocket.open(server.ws_url)
    _, reply = await sock.join("board:lobby")
    assert reply[4] == OK
    await asyncio.to_thread(post_spark, server, 9, 9)
    frame = await sock.recv()
    assert frame[:4] == [None, None, "board:lobby", "sparkle_event"]
    await sock.close()


async def test_heartbeat_is_answered_with_the_same_ref(server: RunningServer) -> None:
    sock = await RawSocket.open(server.ws_url)
    ref, reply = await sock.heartbeat()
    assert reply == [None, ref, "phoenix", "phx_reply", OK]
    await sock.close()


async def test_join_then_receive_a_broadcast(server: RunningServer) -> None:
    sock = await RawSocket.open(server.ws_url)
    ref, reply = await sock.join("board:lobby", {"nick": "n1"})
    assert reply == [ref, ref, "board:lobby", "phx_reply", OK]
    response = await asyncio.to_thread(post_spark, server, 10, 20)
    assert response.status_code == 202
    frame = await sock.recv()
    assert frame == [
        None,
        None,
        "board:lobby",
        "sparkle_event",
        {
            "data": {
                "x": 10,
                "y": 20,
                "color": [1.0, 0.0, 0.0],
                "radius": 5.0,
                "transparency": 0.0,
                "time_to_grow": 0.0,
            }
        },
    ]
    await sock.close()


async def test_unknown_topic_gets_unmatched_topic_with_null_join_ref(server: RunningServer) -> None:
    sock = await RawSocket.open(server.ws_url)
    ref, reply = await sock.join("nope:1")
    assert reply == [
        None,
        ref,
        "nope:1",
        "phx_reply",
        {"status": "error", "response": {"reason": "unmatched topic"}},
    ]
    # a push to a topic this socket has not joined is answered the same way
    await sock.send("5", "6", "board:lobby", "anything", {})
    assert await sock.recv() == [
        None,
        "6",
        "board:lobby",
        "phx_reply",
        {"status": "error", "response": {"reason": "unmatched topic"}},
    ]
    await sock.close()


async def test_leave_replies_ok_then_closes_the_channel(server: RunningServer) -> None:
    sock = await RawSocket.open(server.ws_url)
    join_ref, _ = await sock.join("board:lobby")
    await sock.send(join_ref, "30", "board:lobby", "phx_leave", {})
    assert await sock.recv() == [join_ref, "30", "board:lobby", "phx_reply", OK]
    assert await sock.recv() == [join_ref, join_ref, "board:lobby", "phx_close", {}]
    # no longer subscribed: the next spark does not arrive, the heartbeat reply does
    await asyncio.to_thread(post_spark, server)
    ref, reply = await sock.heartbeat()
    assert reply[1] == ref and reply[2] == "phoenix"
    # leaving a topic that is not joined is still ok
    await sock.send("77", "31", "other:topic", "phx_leave", {})
    assert await sock.recv() == ["77", "31", "other:topic", "phx_reply", OK]
    await sock.close()


async def test_duplicate_join_replaces_the_old_channel(server: RunningServer) -> None:
    sock = await RawSocket.open(server.ws_url)
    old_ref, _ = await sock.join("board:lobby")
    new_ref, close_frame = await sock.join("board:lobby")
    assert close_frame == [old_ref, old_ref, "board:lobby", "phx_close", {}]
    assert await sock.recv() == [new_ref, new_ref, "board:lobby", "phx_reply", OK]
    await asyncio.to_thread(post_spark, server, 3, 3)
    assert (await sock.recv())[3] == "sparkle_event"
    ref, reply = await sock.heartbeat()  # exactly one copy of the spark arrived
    assert reply[1] == ref
    await sock.close()


async def test_version_1_object_frames(server: RunningServer) -> None:
    sock = await RawSocket.open(server.ws_url, vsn="1.0.0")
    await sock.send(None, "1", "phoenix", "heartbeat", {})
    assert await sock.recv() == {
        "topic": "phoenix",
        "event": "phx_reply",
        "payload": OK,
        "ref": "1",
    }
    await sock.send("2", "2", "board:lobby", "phx_join", {})
    assert await sock.recv() == {
        "topic": "board:lobby",
        "event": "phx_reply",
        "payload": OK,
        "ref": "2",
    }
    await asyncio.to_thread(post_spark, server, 4, 4)
    frame = await sock.recv()
    assert frame["event"] == "sparkle_event" and frame["ref"] is None
    assert frame["payload"]["data"]["x"] == 4
    await sock.close()


async def test_missing_vsn_means_version_1(server: RunningServer) -> None:
    sock = await RawSocket.open(server.ws_url, vsn=None)
    await sock.send(None, "1", "phoenix", "heartbeat", {})
    assert (await sock.recv())["ref"] == "1"
    await sock.close()


async def test_unsupported_vsn_is_refused_with_403(server: RunningServer) -> None:
    with pytest.raises(websockets.InvalidStatus) as refused:
        await RawSocket.open(server.ws_url, vsn="3.0.0")
    assert refused.value.response.status_code == 403


async def test_origin_check(server: RunningServer, make_server) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(websockets.InvalidStatus) as refused:
        await RawSocket.open(server.ws_url, origin="http://evil.example")
    assert refused.value.response.status_code == 403
    own = await RawSocket.open(server.ws_url, origin=server.url)
    assert (await own.heartbeat())[1][3] == "phx_reply"
    await own.close()
    listed = make_server(env={"CORS_ORIGINS": "http://app.example:8080"})
    friend = await RawSocket.open(listed.ws_url, origin="http://app.example:8080")
    assert (await friend.heartbeat())[1][3] == "phx_reply"
    await friend.close()


async def test_malformed_json_closes_only_that_socket(server: RunningServer) -> None:
    bystander = await RawSocket.open(server.ws_url)
    await bystander.join("board:lobby")
    bad = await RawSocket.open(server.ws_url)
    await bad.send_raw("{not json")
    assert await bad.closed_with() == 1007
    await asyncio.to_thread(post_spark, server, 5, 5)
    assert (await bystander.recv())[3] == "sparkle_event"
    await bystander.close()
    await assert_server_healthy(server)


async def test_binary_garbage_closes_only_that_socket(server: RunningServer) -> None:
    bad = await RawSocket.open(server.ws_url)
    await bad.send_raw(bytes(range(256)) * 4)
    assert await bad.closed_with() == 1003
    await assert_server_healthy(server)


@pytest.mark.parametrize(
    "frame",
    [
        '["1","2","board:lobby","phx_join",[1,2]]',
        '["1","2","board:lobby","phx_join","text"]',
        '["1","2",7,"phx_join",{}]',
        "[1, 2]",
        '{"topic": "x"}',
    ],
)
async def test_wrong_shapes_are_answered_or_closed(server: RunningServer, frame: str) -> None:
    sock = await RawSocket.open(server.ws_url)
    await sock.send_raw(frame)
    try:
        reply = await sock.recv()
    except websockets.ConnectionClosed as closed:
        assert closed.rcvd is not None and closed.rcvd.code == 1007
    else:
        assert reply[1] == "2" and reply[3] == "phx_reply"
        assert reply[4]["status"] == "error"
        assert reply[4]["response"]["reason"] == "malformed message"
        await sock.close()
    await assert_server_healthy(server)


async def test_oversized_frame_closes_only_that_socket(server: RunningServer) -> None:
    bad = await RawSocket.open(server.ws_url)
    await bad.send(None, "1", "phoenix", "heartbeat", {"pad": "x" * (300 * 1024)})
    assert await bad.closed_with() == 1009
    await assert_server_healthy(server)


async def test_two_hundred_subscribers_all_receive_one_spark(server: RunningServer) -> None:
    sockets = await asyncio.gather(*(RawSocket.open(server.ws_url) for _ in range(200)))
    replies = await asyncio.gather(*(sock.join("board:lobby") for sock in sockets))
    assert all(reply[4] == OK for _, reply in replies)
    response = await asyncio.to_thread(post_spark, server, 200, 201)
    assert response.status_code == 202
    frames = await asyncio.gather(*(sock.recv() for sock in sockets))
    assert all(frame[3] == "sparkle_event" and frame[4]["data"]["x"] == 200 for frame in frames)
    await asyncio.gather(*(sock.close() for sock in sockets))


async def test_idle_socket_is_closed_and_heartbeats_keep_it_open(make_server) -> None:  # type: ignore[no-untyped-def]
    running = make_server(env={"SPARKHOUSE_WS_IDLE_TIMEOUT_SECONDS": "0.8"})
    lively = await RawSocket.open(running.ws_url)
    idle = await RawSocket.open(running.ws_url)
    for _ in range(5):
        await asyncio.sleep(0.3)
        await lively.heartbeat()
    assert await idle.closed_with(timeout=5) == 1000
    assert (await lively.heartbeat())[1][3] == "phx_reply"
    await lively.close()


# -- platform rules, with the test channel echo:* of tests/support/platform_app.py ----------


async def test_join_params_reply_and_connect_params(platform_server: RunningServer) -> None:
    sock = await RawSocket.open(platform_server.ws_url, params="token=abc")
    ref, reply = await sock.join("echo:1", {"a": 1})
    assert reply == [
        ref,
        ref,
        "echo:1",
        "phx_reply",
        {"status": "ok", "response": {"joined": "echo:1", "params": {"token": "abc"}}},
    ]
    await sock.send(ref, "9", "echo:1", "echo", {"n": 1})
    assert await sock.recv() == [
        ref,
        "9",
        "echo:1",
        "phx_reply",
        {"status": "ok", "response": {"echo": {"n": 1}, "count": 1}},
    ]
    await sock.send(ref, "10", "echo:1", "fail", {})
    assert await sock.recv() == [
        ref,
        "10",
        "echo:1",
        "phx_reply",
        {"status": "error", "response": {"reason": "nope", "detail": "asked to fail"}},
    ]
    await sock.send(ref, "11", "echo:1", "push", {"hello": "you"})
    assert await sock.recv() == [ref, None, "echo:1", "pushed", {"hello": "you"}]
    ref2, refused = await sock.join("echo:2", {"refuse": True})
    assert refused == [
        ref2,
        ref2,
        "echo:2",
        "phx_reply",
        {"status": "error", "response": {"reason": "unauthorized"}},
    ]
    await sock.close()


async def test_stale_join_ref_is_ignored(platform_server: RunningServer) -> None:
    sock = await RawSocket.open(platform_server.ws_url)
    ref, _ = await sock.join("echo:stale")
    await sock.send("999", "12", "echo:stale", "echo", {})
    hb_ref, reply = await sock.heartbeat()  # the next frame is the heartbeat reply, not an echo
    assert reply == [None, hb_ref, "phoenix", "phx_reply", OK]
    await sock.send(ref, "13", "echo:stale", "echo", {})
    assert (await sock.recv())[1] == "13"
    await sock.close()


async def test_crashing_handler_sends_phx_error(platform_server: RunningServer) -> None:
    sock = await RawSocket.open(platform_server.ws_url)
    ref, _ = await sock.join("echo:crash")
    await sock.send(ref, "20", "echo:crash", "crash", {})
    assert await sock.recv() == [ref, ref, "echo:crash", "phx_error", {}]
    # the channel is gone, the socket is not
    await sock.send(ref, "21", "echo:crash", "echo", {})
    assert (await sock.recv())[4]["response"] == {"reason": "unmatched topic"}
    await sock.close()


async def test_the_101st_channel_is_refused(platform_server: RunningServer) -> None:
    sock = await RawSocket.open(platform_server.ws_url)
    for index in range(100):
        _, reply = await sock.join(f"echo:{index}")
        assert reply[4]["status"] == "ok"
    ref, reply = await sock.join("echo:100")
    assert reply == [
        ref,
        ref,
        "echo:100",
        "phx_reply",
        {"status": "error", "response": {"reason": "too many channels joined"}},
    ]
    # rejoining one already joined is still allowed (it replaces it)
    _, close_frame = await sock.join("echo:5")
    assert close_frame[3] == "phx_close"
    assert (await sock.recv())[4]["status"] == "ok"
    await sock.close()
    await assert_server_healthy(platform_server)


async def test_slow_subscriber_is_dropped_not_buffered(platform_server: RunningServer) -> None:
    """A subscriber that stops reading is disconnected once its send buffer passes the limit
    (4 MiB); a subscriber that reads gets every message."""
    slow = await RawSocket.open(platform_server.ws_url, max_queue=1)
    await slow.join("echo:flood")
    slow.connection.transport.pause_reading()  # type: ignore[attr-defined]
    reader = await RawSocket.open(platform_server.ws_url)
    join_ref, _ = await reader.join("echo:flood")
    count, pad = 100, "x" * (200 * 1024)  # 20 MB in all: past kernel buffers and the limit
    for index in range(count):  # paced: the reader never has more than one in flight
        await reader.send(
            join_ref, str(1000 + index), "echo:flood", "broadcast", {"i": index, "pad": pad}
        )
        kinds = {(await reader.recv(timeout=10))[3] for _ in range(2)}
        assert kinds == {"shout", "phx_reply"}
    async with httpx.AsyncClient(base_url=platform_server.url) as client:
        counted = await client.get("/_test/subscribers", params={"topic": "echo:flood"})
    assert counted.json() == {"subscribers": 1}  # only the reader is left
    slow.connection.transport.resume_reading()  # type: ignore[attr-defined]
    received = 0
    with pytest.raises(websockets.ConnectionClosed):
        while True:
            await slow.recv(timeout=10)
            received += 1
    assert received < count
    assert "fell behind" in platform_server.log()
    await reader.close()


async def test_sockets_per_address_are_capped(make_server) -> None:  # type: ignore[no-untyped-def]
    """Past SPARKHOUSE_WS_MAX_SOCKETS_PER_ADDRESS the upgrade is refused with a 429 JSON
    answer; another address has its own count, and a closed socket frees its place."""
    running = make_server(
        env={
            "SPARKHOUSE_WS_MAX_SOCKETS_PER_ADDRESS": "3",
            "SPARKHOUSE_TRUSTED_PROXIES": "127.0.0.1",
        }
    )
    client_a = {"X-Forwarded-For": "203.0.113.1"}
    held = [await RawSocket.open(running.ws_url, headers=client_a) for _ in range(3)]
    with pytest.raises(websockets.InvalidStatus) as refused:
        await RawSocket.open(running.ws_url, headers=client_a)
    response = refused.value.response
    assert response.status_code == 429
    assert b'"too_many_sockets"' in response.body
    other = await RawSocket.open(running.ws_url, headers={"X-Forwarded-For": "203.0.113.2"})
    _, reply = await other.heartbeat()
    assert reply[4] == OK
    await held.pop().close()
    held.append(await open_when_admitted(running.ws_url, headers=client_a))
    for sock in [*held, other]:
        await sock.close()


async def open_when_admitted(url: str, **options: Any) -> RawSocket:
    """Open a socket, retrying a 429 for a few seconds: the server notices a closed
    connection a moment after the client closed it."""
    deadline = asyncio.get_running_loop().time() + 5
    while True:
        try:
            return await RawSocket.open(url, **options)
        except websockets.InvalidStatus as refused:
            assert refused.response.status_code == 429
            assert asyncio.get_running_loop().time() < deadline, "the place was never freed"
            await asyncio.sleep(0.05)


async def test_a_client_gone_before_its_handler_runs_does_not_keep_its_place(make_server) -> None:  # type: ignore[no-untyped-def]
    """A socket counts while its connection is open, whatever became of its handler: an
    upgrade request whose connection closes is not counted forever."""
    running = make_server(env={"SPARKHOUSE_WS_MAX_SOCKETS_PER_ADDRESS": "2"})
    for _ in range(5):  # upgrade requests that are not upgrades; their connections close
        async with httpx.AsyncClient(base_url=running.url) as client:
            answer = await client.get("/socket/websocket", params={"vsn": "2.0.0"})
            assert answer.status_code < 500
    socks = [await open_when_admitted(running.ws_url) for _ in range(2)]
    for sock in socks:
        assert (await sock.heartbeat())[1][4] == OK
        await sock.close()
