"""Snapshots on a real server: skipped when idle, graceful restart, kill -9, corrupt files,
and clicks served while a large snapshot is written."""

from __future__ import annotations

import asyncio
import signal
import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from appliance.clicker.store import (
    PREVIOUS_NAME,
    SNAPSHOT_NAME,
    parse_snapshot,
    write_snapshot_file,
)
from tests.conftest import RunningServer
from tests.support.phoenix_raw import RawSocket

MakeServer = Callable[..., RunningServer]


def snapshot(server: RunningServer) -> Path:
    return server.data_dir / "clicker" / SNAPSHOT_NAME


def click_times(http: httpx.Client, player_id: str, times: int) -> int:
    score = 0
    for _ in range(times):
        answer = http.post("/api/clicker/click", json={"player_id": player_id})
        assert answer.status_code == 200, answer.text
        score = answer.json()["score"]
        time.sleep(0.105)
    return score


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def score_of(server: RunningServer, player_id: str) -> dict[str, Any]:
    answer = httpx.get(f"{server.url}/api/clicker/players/{player_id}", timeout=10)
    return dict(answer.json())


def test_snapshot_is_skipped_when_nothing_changed(make_server: MakeServer) -> None:
    running = make_server(env={"CLICKER_SNAPSHOT_SECONDS": "0.2"})
    path = snapshot(running)
    time.sleep(0.5)
    assert not path.exists()  # an empty game writes nothing
    player_id = str(uuid.uuid4())
    with httpx.Client(base_url=running.url, timeout=10) as http:
        click_times(http, player_id, 1)
        wait_for(path.exists)
        time.sleep(0.3)  # let the job that wrote it finish
        before = path.stat()
        time.sleep(1.2)  # six intervals with nothing to do; reads change nothing
        http.get("/api/clicker/leaderboard")
        http.get(f"/api/clicker/players/{player_id}")
        time.sleep(0.5)
        after = path.stat()
        assert (after.st_ino, after.st_mtime_ns, after.st_size) == (
            before.st_ino,
            before.st_mtime_ns,
            before.st_size,
        )
        assert not (path.parent / PREVIOUS_NAME).exists()  # never rotated either
        assert http.get("/api/clicker/stats").json()["snapshot"]["skips"] >= 6

        click_times(http, player_id, 1)
        wait_for(lambda: path.stat().st_ino != before.st_ino)
    assert {r[0]: r[2] for r in parse_snapshot(path.read_bytes())} == {player_id: 2}


def test_graceful_restart_keeps_scores_and_names(make_server: MakeServer, tmp_path: Path) -> None:
    data_dir = tmp_path / "keep"
    # An interval far longer than the test: only the shutdown save can persist the clicks.
    env = {"CLICKER_SNAPSHOT_SECONDS": "3600"}
    first = make_server(env=env, data_dir=data_dir)
    player_id = str(uuid.uuid4())
    with httpx.Client(base_url=first.url, timeout=10) as http:
        http.put(f"/api/clicker/players/{player_id}/name", json={"name": "Stays"})
        assert click_times(http, player_id, 3) == 3
        before = http.get("/api/clicker/leaderboard", params={"player_id": player_id}).json()
    assert first.stop(signal.SIGTERM) == 0
    assert "final snapshot" in first.log()

    second = make_server(env=env, data_dir=data_dir)
    with httpx.Client(base_url=second.url, timeout=10) as http:
        after = http.get("/api/clicker/leaderboard", params={"player_id": player_id}).json()
        assert after == before  # the handles too: their secret is kept in the data dir
        assert after["player"] == {
            "player_id": player_id,
            "handle": before["player"]["handle"],
            "name": "Stays",
            "score": 3,
            "rank": 1,
        }
        assert click_times(http, player_id, 1) == 4


def test_kill_9_loses_at_most_the_last_interval(make_server: MakeServer, tmp_path: Path) -> None:
    data_dir = tmp_path / "killed"
    interval = 0.5
    env = {"CLICKER_SNAPSHOT_SECONDS": str(interval)}
    first = make_server(env=env, data_dir=data_dir)
    player_id = str(uuid.uuid4())
    with httpx.Client(base_url=first.url, timeout=10) as http:
        kept = click_times(http, player_id, 4)
        time.sleep(2.5 * interval)  # at least two snapshot runs after those clicks
        recent = click_times(http, player_id, 2)  # within the last interval: may be lost
    first.stop(signal.SIGKILL)
    assert first.process.returncode == -signal.SIGKILL

    second = make_server(env=env, data_dir=data_dir)
    assert kept <= score_of(second, player_id)["score"] <= recent


def test_a_corrupt_snapshot_falls_back_to_the_previous_good_copy(
    make_server: MakeServer, tmp_path: Path
) -> None:
    data_dir = tmp_path / "corrupt"
    folder = data_dir / "clicker"
    player_id = str(uuid.uuid4())
    now = time.time()
    write_snapshot_file(folder / PREVIOUS_NAME, {player_id: ("Prev", 7, now)}, now)
    write_snapshot_file(folder / SNAPSHOT_NAME, {player_id: ("Main", 9, now)}, now)
    (folder / SNAPSHOT_NAME).write_bytes((folder / SNAPSHOT_NAME).read_bytes()[:-20])  # torn

    running = make_server(env={"CLICKER_SNAPSHOT_SECONDS": "0.3"}, data_dir=data_dir)
    view = score_of(running, player_id)
    assert view | {"handle": ""} == {
        "player_id": player_id,
        "handle": "",
        "name": "Prev",
        "score": 7,
        "rank": 1,
    }
    assert "is unusable" in running.log()
    assert len(list(folder.glob(f"{SNAPSHOT_NAME}.corrupt-*"))) == 1
    wait_for(lambda: (folder / SNAPSHOT_NAME).exists())  # made whole again by the next job
    assert parse_snapshot((folder / SNAPSHOT_NAME).read_bytes())[0][1:3] == ("Prev", 7)


SEEDED_PLAYERS = 300_000


async def test_clicks_are_served_while_a_large_snapshot_is_written(
    make_server: MakeServer, tmp_path: Path
) -> None:
    data_dir = tmp_path / "large"
    now = time.time()
    seeded = {
        str(uuid.UUID(int=index + 1, version=4)): (None, 1 + index % 500, now)
        for index in range(SEEDED_PLAYERS)
    }
    write_snapshot_file(data_dir / "clicker" / SNAPSHOT_NAME, seeded, now)
    del seeded
    running = make_server(env={"CLICKER_SNAPSHOT_SECONDS": "0.3"}, data_dir=data_dir)

    # 60 sockets, one player each, clicking every ~110 ms: ~550 clicks/s for 3 s, while every
    # 0.3 s a snapshot of 300k players is captured and written.
    sockets = [await RawSocket.open(running.ws_url) for _ in range(60)]

    clicks: list[tuple[float, float]] = []  # (sent, answered) in epoch seconds

    async def player(socket: RawSocket) -> None:
        join_ref, reply = await socket.join("clicker:lobby")
        assert reply[4]["status"] == "ok"
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            ref = socket.next_ref()
            sent = time.time()
            await socket.send(join_ref, ref, "clicker:lobby", "click", {})
            while True:
                frame = await socket.recv(timeout=10)
                if frame[1] == ref:
                    break
            clicks.append((sent, time.time()))
            assert frame[4]["status"] == "ok", frame
            await asyncio.sleep(0.11)

    async with httpx.AsyncClient(base_url=running.url, timeout=10) as http:
        await asyncio.gather(*(player(socket) for socket in sockets))
        stats = (await http.get("/api/clicker/stats")).json()["snapshot"]
    for socket in sockets:
        await socket.close()

    # The server's own record of each write (same machine, same clock) tells which clicks
    # were sent while a write was running. A write on the event loop could answer none of
    # them before it finished; ours runs in a thread, so most are answered meanwhile.
    writes = [(w["started_at"], w["finished_at"]) for w in stats["recent"]]
    during = [
        (sent, answered)
        for sent, answered in clicks
        for started, finished in writes
        if started <= sent and sent + 0.01 < finished
    ]
    answered_meanwhile = [
        1
        for sent, answered in during
        for started, finished in writes
        if started <= sent < finished and answered < finished
    ]
    latencies = sorted(answered - sent for sent, answered in clicks)
    report = (
        f"{len(clicks)} clicks, median {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms; "
        f"{len(writes)} writes of {stats['last'].get('players')} players, "
        f"{statistics.median(f - s for s, f in writes) * 1000:.0f} ms each (median); "
        f"{len(during)} clicks sent during a write, {len(answered_meanwhile)} answered before "
        "it finished"
    )
    print(report)
    assert len(writes) >= 4 and stats["last"]["players"] >= SEEDED_PLAYERS, report
    assert len(clicks) > 800, report
    assert len(during) >= 20, report
    assert len(answered_meanwhile) >= 0.5 * len(during), report
