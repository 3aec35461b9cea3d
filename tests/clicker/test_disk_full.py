"""A full disk during a snapshot: the previous snapshot stays whole and loadable, the game goes
on, ``/healthz`` names the problem while it lasts, and nothing counted is lost once there is
room again. On a real full disk (a small tmpfs) and, where mounting is not permitted, with the
error injected at the write of the real store."""

from __future__ import annotations

import errno
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import httpx
import pytest

from appliance.clicker import store as store_module
from appliance.clicker.service import ClickEngine
from appliance.clicker.store import SNAPSHOT_NAME, SnapshotStore, parse_snapshot
from tests.conftest import RunningServer
from tests.support.disk import fill, small_disk

MakeServer = Callable[..., RunningServer]
DISK_FULL = "snapshot write failed: no space left on device"


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    with small_disk(tmp_path / "data") as path:
        yield path


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def saved_scores(data_dir: Path) -> dict[str, int]:
    path = data_dir / "clicker" / SNAPSHOT_NAME
    if not path.exists():
        return {}
    return {player: score for player, _, score, _ in parse_snapshot(path.read_bytes())}


def test_a_full_disk_keeps_the_last_snapshot_and_the_game_going(
    make_server: MakeServer, disk: Path
) -> None:
    env = {"CLICKER_SNAPSHOT_SECONDS": "0.2", "CLICKER_MIN_INTERVAL_MS": "0"}
    server = make_server(env=env, data_dir=disk)
    player = str(uuid.uuid4())
    with httpx.Client(base_url=server.url, timeout=10) as http:

        def click() -> int:
            answer = http.post("/api/clicker/click", json={"player_id": player})
            assert answer.status_code == 200, answer.text
            return int(answer.json()["score"])

        for _ in range(3):
            click()
        wait_for(lambda: saved_scores(disk).get(player) == 3)

        filler = fill(disk)
        assert [click() for _ in range(2)] == [4, 5]  # counted in memory meanwhile
        wait_for(lambda: http.get("/healthz").status_code == 503)
        health = http.get("/healthz").json()
        assert health == {"ok": False, "problems": [{"part": "clicker", "problem": DISK_FULL}]}
        # The last good snapshot is untouched and loads; no partial temp file holds space.
        assert saved_scores(disk)[player] == 3
        assert not (disk / "clicker" / f"{SNAPSHOT_NAME}.tmp").exists()
        assert http.get(f"/api/clicker/players/{player}").json()["score"] == 5

        filler.unlink()
        wait_for(lambda: http.get("/healthz").status_code == 200)
        assert http.get("/healthz").json() == {"ok": True}
        assert saved_scores(disk)[player] == 5
    assert server.stop() == 0
    again = make_server(env=env, data_dir=disk)
    assert httpx.get(f"{again.url}/api/clicker/players/{player}").json()["score"] == 5
    again.stop()


class FullDisk:
    """A file being written that runs out of room half-way through the first write."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file

    def write(self, data: bytes) -> int:
        self.file.write(data[: len(data) // 2])
        self.file.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def flush(self) -> None:
        self.file.flush()

    def fileno(self) -> int:
        return self.file.fileno()

    def __enter__(self) -> FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()


def test_a_failed_write_is_retried_with_every_change_and_reported_until_it_succeeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same, injected: the store's file write fails with ENOSPC part-way through."""
    store = SnapshotStore(tmp_path / "clicker")
    engine = ClickEngine(min_interval_ms=0)
    store.prime(engine)
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    engine.click(first)

    def save() -> None:
        capture = store.try_capture(engine)
        assert capture is not None
        store.write(capture)

    save()
    assert store.problems() == []
    good = store.path.read_bytes()

    real_open = store_module.open_private
    monkeypatch.setattr(store_module, "open_private", lambda path: FullDisk(real_open(path)))
    engine.click(first)
    engine.click(second)
    save()
    assert store.problems() == [DISK_FULL]
    assert store.path.read_bytes() == good  # the previous snapshot, whole
    assert not store.temp.exists()
    save()  # nothing changed since, but the failed write is owed: tried again
    assert store.problems() == [DISK_FULL]

    monkeypatch.setattr(store_module, "open_private", real_open)
    save()
    assert store.problems() == []
    assert saved_scores(tmp_path) == {first: 2, second: 1}
