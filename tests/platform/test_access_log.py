"""The access log (platform/accesslog.py): one JSON line per request, nothing personal, no
credential from a path, written in batches off the event loop, nothing lost at a clean stop."""

from __future__ import annotations

import json
import signal
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sanic import Request, Sanic
from sanic.response import HTTPResponse, empty

from appliance.platform.accesslog import Redaction
from tests.conftest import RunningServer

SPARK = {"color": [1, 1, 1], "radius": 1, "transparency": 0, "time_to_grow": 0}
MARK = " sparkhouse.access: "


def access_records(log: str) -> list[dict[str, object]]:
    return [json.loads(line.split(MARK, 1)[1]) for line in log.splitlines() if MARK in line]


def wait_for(server: RunningServer, path: str, count: int = 1, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(1 for r in access_records(server.log()) if r["path"] == path) >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"no access line for {path} after {timeout} s:\n{server.log()[-2000:]}")


def write_syscalls(pid: int) -> int:
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("syscw:"):
            return int(line.split()[1])
    raise AssertionError("no syscw in /proc/<pid>/io")


def test_access_log_is_json_without_personal_data(server: RunningServer) -> None:
    httpx.post(
        f"{server.url}/api/3/4?email=someone@example.com",
        json=SPARK,
        headers={"User-Agent": "UniqueAgent/1.0", "X-Forwarded-For": "198.51.100.77"},
    )
    wait_for(server, "/api/3/4")  # written within the flush interval, the server still running
    records = access_records(server.log())
    spark = next(r for r in records if r["path"] == "/api/3/4")
    assert spark["status"] == 202 and spark["method"] == "POST"
    assert spark["route"] == "sparkhouse.sparks.create_spark"
    assert isinstance(spark["ms"], float) and isinstance(spark["bytes"], int)
    lines = "\n".join(line for line in server.log().splitlines() if MARK in line)
    for secret in ("127.0.0.1", "198.51.100.77", "UniqueAgent", "someone@example.com"):
        assert secret not in lines


def test_access_lines_are_written_in_batches_not_one_write_each(server: RunningServer) -> None:
    # Each answer is one write() to its socket; a line written (and flushed) per request
    # would be a second one.
    requests = 600
    with httpx.Client(base_url=server.url) as client:
        client.get("/api/system")
        before = write_syscalls(server.process.pid)
        for _ in range(requests):
            assert client.get("/api/system").status_code == 200
        writes = write_syscalls(server.process.pid) - before
    assert writes < requests * 1.3, f"{writes} write syscalls for {requests} requests"
    wait_for(server, "/api/system", requests + 1)


def test_a_clean_stop_writes_every_line(make_server) -> None:  # type: ignore[no-untyped-def]
    running: RunningServer = make_server()
    requests = 300
    with httpx.Client(base_url=running.url) as client:
        for _ in range(requests):
            assert client.post("/api/5/6", json=SPARK).status_code == 202
    # At once: the last lines are still waiting for the writer's next batch.
    assert running.stop(signal.SIGTERM) == 0
    lines = [r for r in access_records(running.log()) if r["path"] == "/api/5/6"]
    assert len(lines) == requests


def test_a_crash_loses_at_most_the_last_flush_interval(make_server) -> None:  # type: ignore[no-untyped-def]
    running: RunningServer = make_server()
    requests = 100
    with httpx.Client(base_url=running.url) as client:
        for _ in range(requests):
            assert client.post("/api/6/7", json=SPARK).status_code == 202
    time.sleep(0.5)  # longer than the flush interval (0.1 s)
    running.stop(signal.SIGKILL)
    lines = [r for r in access_records(running.log()) if r["path"] == "/api/6/7"]
    assert len(lines) == requests


def test_secret_path_segments_never_reach_the_log(make_server) -> None:  # type: ignore[no-untyped-def]
    running: RunningServer = make_server()
    share_id = f"share{uuid.uuid4().hex}"
    room_id = f"room-{uuid.uuid4().hex}"
    with httpx.Client(base_url=running.url) as client:
        player_id = client.post("/api/clicker/players").json()["player_id"]
        answers = {
            "share": client.get(f"/api/share/{share_id}/stats").status_code,
            "share, no such report": client.get(f"/api/share/{share_id}/nothing").status_code,
            "room put": client.put(f"/api/rooms/{room_id}", json={"state": {}}).status_code,
            "room get": client.get(f"/api/rooms/{room_id}").status_code,
            "room, wrong method": client.delete(f"/api/rooms/{room_id}").status_code,
            "room, no such path": client.get(f"/api/rooms/{room_id}/nothing").status_code,
            "player": client.get(f"/api/clicker/players/{player_id}").status_code,
            "rename": client.put(
                f"/api/clicker/players/{player_id}/name", json={"name": "someone"}
            ).status_code,
        }
        with client.stream("GET", f"/api/rooms/{room_id}/stream") as stream:
            answers["stream"] = stream.status_code
    assert answers["room put"] == 200 and answers["stream"] == 200, answers
    running.stop(signal.SIGTERM)
    log = running.log()
    for secret in (share_id, room_id, player_id):
        assert secret not in log
    paths = {r["path"] for r in access_records(log)}
    assert {
        "/api/share/<share_id>/stats",
        "/api/share/<share_id>/nothing",
        "/api/rooms/<room_id>",
        "/api/rooms/<room_id>/nothing",
        "/api/rooms/<room_id>/stream",
        "/api/clicker/players/<player_id>",
        "/api/clicker/players/<player_id>/name",
    } <= paths, paths


def test_a_route_declaring_a_secret_it_does_not_have_fails_at_start() -> None:
    app = Sanic("secret_params_test", configure_logging=False)

    async def handler(request: Request, room: str) -> HTTPResponse:
        return empty()

    app.add_route(handler, "/rooms/<room>", name="room", ctx_secret_params=("room_id",))
    with pytest.raises(ValueError, match="room_id"):
        Redaction(app.router.routes)
