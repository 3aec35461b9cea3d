"""POST /api/<x>/<y> through a real server: 202 and the broadcast, or a 4xx and nothing."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from tests.conftest import RunningServer
from tests.support.phoenix_raw import RawSocket

SPARK: dict[str, Any] = {
    "color": [0.2, 0.4, 0.6, 0.8],
    "radius": 32,
    "transparency": 0.1,
    "time_to_grow": 1.5,
}

INVALID_REQUESTS: list[tuple[str, str, dict[str, Any], int, str]] = [
    # (id, path, httpx kwargs, status, field named in the errors)
    ("x-not-integer", "/api/abc/5", {"json": SPARK}, 400, "x"),
    ("x-decimal", "/api/1.5/5", {"json": SPARK}, 400, "x"),
    ("x-negative", "/api/-1/5", {"json": SPARK}, 400, "x"),
    ("y-too-big", "/api/5/512", {"json": SPARK}, 400, "y"),
    ("y-huge", "/api/5/99999999999999999999999", {"json": SPARK}, 400, "y"),
    ("missing-color", "/api/1/1", {"json": {**SPARK, "color": None}}, 400, "color"),
    ("short-color", "/api/1/1", {"json": {**SPARK, "color": [1, 1]}}, 400, "color"),
    ("color-out-of-range", "/api/1/1", {"json": {**SPARK, "color": [1, 2, 1]}}, 400, "color"),
    ("radius-zero", "/api/1/1", {"json": {**SPARK, "radius": 0}}, 400, "radius"),
    ("radius-string", "/api/1/1", {"json": {**SPARK, "radius": "5"}}, 400, "radius"),
    (
        "transparency-high",
        "/api/1/1",
        {"json": {**SPARK, "transparency": 1.01}},
        400,
        "transparency",
    ),
    ("grow-too-long", "/api/1/1", {"json": {**SPARK, "time_to_grow": 61}}, 400, "time_to_grow"),
    ("unknown-field", "/api/1/1", {"json": {**SPARK, "size": 3}}, 400, "size"),
    ("x-in-body", "/api/1/1", {"json": {**SPARK, "x": 3}}, 400, "x"),
    ("empty-object", "/api/1/1", {"json": {}}, 400, "color"),
    ("body-array", "/api/1/1", {"json": [SPARK]}, 400, "body"),
    ("body-string", "/api/1/1", {"json": "spark"}, 400, "body"),
    (
        "not-json",
        "/api/1/1",
        {"content": b"{oops", "headers": {"content-type": "application/json"}},
        400,
        "body",
    ),
    (
        "empty-body",
        "/api/1/1",
        {"content": b"", "headers": {"content-type": "application/json"}},
        400,
        "body",
    ),
    ("form-encoded", "/api/1/1", {"data": {"radius": "3"}}, 415, "body"),
    (
        "text-plain",
        "/api/1/1",
        {"content": b'{"radius": 3}', "headers": {"content-type": "text/plain"}},
        415,
        "body",
    ),
    ("no-content-type", "/api/1/1", {"content": b'{"radius": 3}'}, 415, "body"),
]


@pytest.fixture
async def board(server: RunningServer) -> Any:
    sock = await RawSocket.open(server.ws_url)
    _, reply = await sock.join("board:lobby")
    assert reply[4]["status"] == "ok"
    yield sock
    await sock.close()


async def test_valid_spark_is_accepted_and_broadcast(
    server: RunningServer, board: RawSocket
) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{server.url}/api/123/456", json=SPARK)
    assert response.status_code == 202
    expected = {
        "x": 123,
        "y": 456,
        "color": [0.2, 0.4, 0.6, 0.8],
        "radius": 32.0,
        "transparency": 0.1,
        "time_to_grow": 1.5,
    }
    assert response.json() == expected
    assert response.headers["content-type"] == "application/json"
    frame = await board.recv()
    assert frame == [None, None, "board:lobby", "sparkle_event", {"data": expected}]


@pytest.mark.parametrize(
    ("path", "kwargs", "status", "field"),
    [case[1:] for case in INVALID_REQUESTS],
    ids=[case[0] for case in INVALID_REQUESTS],
)
async def test_invalid_spark_gets_4xx_naming_the_field_and_no_broadcast(
    server: RunningServer,
    board: RawSocket,
    path: str,
    kwargs: dict[str, Any],
    status: int,
    field: str,
) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(server.url + path, **kwargs)
        assert response.status_code == status, response.text
        errors = response.json()["errors"]
        assert field in errors and all(isinstance(m, str) and m for m in errors[field])
        # the next frame on the board is the valid spark sent after: nothing else went out
        assert (await client.post(f"{server.url}/api/7/7", json=SPARK)).status_code == 202
    frame = await board.recv()
    assert frame[4]["data"]["x"] == 7


async def test_oversized_body_is_413_json_and_not_broadcast(
    server: RunningServer, board: RawSocket
) -> None:
    padded = {**SPARK, "pad": "x" * 20_000}
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{server.url}/api/1/1", json=padded)
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"
        # chunked, no Content-Length: refused while it streams in
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(
            b"POST /api/1/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + b"400\r\n" + b" " * 1024 + b"\r\n"
        )
        for _ in range(40):
            writer.write(b"400\r\n" + b" " * 1024 + b"\r\n")
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 5)
        assert status_line.startswith(b"HTTP/1.1 413")
        writer.close()
        assert (await client.post(f"{server.url}/api/8/8", json=SPARK)).status_code == 202
    assert (await board.recv())[4]["data"]["x"] == 8


async def test_wrong_method_and_unknown_paths_are_json(server: RunningServer) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{server.url}/api/1/2")
        assert response.status_code == 405
        assert response.json()["error"]["code"] == "method_not_allowed"
        assert "POST" in response.headers["allow"]
        response = await client.post(f"{server.url}/api/1/2/3", json=SPARK)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        # a two-segment API path that is no board position: unknown, not "wrong method"
        for path in ("/api/admin/tenants", "/api/auth/nonexistent", "/api/1/512"):
            response = await client.get(f"{server.url}{path}")
            assert response.status_code == 404, path
            assert response.json()["error"]["code"] == "not_found"


async def test_many_sparks_arrive_in_order(server: RunningServer, board: RawSocket) -> None:
    async with httpx.AsyncClient() as client:
        for index in range(50):
            response = await client.post(f"{server.url}/api/{index}/{index}", json=SPARK)
            assert response.status_code == 202
    frames = [await board.recv() for _ in range(50)]
    assert [frame[4]["data"]["x"] for frame in frames] == list(range(50))


async def test_rate_limit_when_configured(make_server) -> None:  # type: ignore[no-untyped-def]
    running = make_server(env={"SPARKHOUSE_SPARKS_RATE_PER_MINUTE": "3"})
    async with httpx.AsyncClient() as client:
        statuses = [
            (await client.post(f"{running.url}/api/1/1", json=SPARK)).status_code for _ in range(4)
        ]
        assert statuses == [202, 202, 202, 429]
        refused = await client.post(f"{running.url}/api/1/1", json=SPARK)
        assert int(refused.headers["retry-after"]) >= 1
        assert "rate" in refused.json()["errors"]
    await asyncio.sleep(0)


async def test_the_default_rate_limit_is_generous_but_there(make_server) -> None:  # type: ignore[no-untyped-def]
    """At its defaults one address may post 600 sparks a minute (a person could not click that
    fast); the 601st in the same minute is refused."""
    running = make_server()
    limit = 600
    # The limiter's windows are whole wall-clock minutes, and the estimate is a sliding one:
    # sparks counted in the previous minute weigh less as the new one goes on, so a burst
    # that straddles a minute boundary may rightly get a 601st through. Start the burst
    # early in a minute so it sits inside one.
    into_minute = time.time() % 60
    if into_minute > 30:
        await asyncio.sleep(60 - into_minute + 0.2)
    async with httpx.AsyncClient(base_url=running.url, timeout=10) as client:

        async def post_many(count: int) -> list[int]:
            return [(await client.post("/api/1/1", json=SPARK)).status_code for _ in range(count)]

        batches = await asyncio.gather(*(post_many(limit // 20) for _ in range(20)))
        assert [status for batch in batches for status in batch] == [202] * limit
        refused = await client.post("/api/1/1", json=SPARK)
    assert refused.status_code == 429, refused.text
    assert int(refused.headers["retry-after"]) >= 1


def test_an_ipv6_client_counts_by_its_64(make_server) -> None:  # type: ignore[no-untyped-def]
    """One host is usually handed a whole /64: counting IPv6 addresses one by one would let
    it walk around the limit."""
    running = make_server(
        env={"SPARKHOUSE_SPARKS_RATE_PER_MINUTE": "2", "SPARKHOUSE_TRUSTED_PROXIES": "127.0.0.0/8"}
    )
    with httpx.Client(base_url=running.url) as client:

        def post_from(address: str) -> int:
            headers = {"X-Forwarded-For": address}
            return client.post("/api/1/1", json=SPARK, headers=headers).status_code

        same_64 = [post_from(f"2001:db8:1:2::{n:x}") for n in range(1, 4)]
        assert same_64 == [202, 202, 429]
        assert post_from("2001:db8:1:3::1") == 202  # the next /64 is another client
