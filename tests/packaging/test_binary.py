"""Smoke test of the single-file binary ``dist/sparkhouse`` (``make binary``; ``make test``
builds it first).

One binary server with a temp data dir and a temp TMPDIR (where the onefile binary unpacks)
goes through every part that exists: a spark through the Phoenix socket, a room PUT and its
SSE stream, a click, a collected analytics event, an arena submission run in the sandbox;
then SIGTERM must end it with exit 0 within 5 s, the clicker snapshot written and the
analytics journal drained into DuckDB.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import tarfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import httpx
import pytest

from appliance import __version__
from appliance.server import TOUCHUP_SKIPPED
from tests.conftest import ROOT, RunningServer, free_port
from tests.support.phoenix_raw import RawSocket

pytestmark = pytest.mark.binary

BINARY = ROOT / "dist" / "sparkhouse"
# Parts this test exercises. A part that /api/system lists and this set lacks fails
# test_every_part_is_exercised: the binary must carry every part, so the smoke test must too.
EXERCISED = {"sparks", "rooms", "clicker", "analytics", "arena"}
CHROME_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)


@dataclass
class Binary:
    server: RunningServer
    tmpdir: Path
    parts: set[str]
    website_id: str | None = None
    notes: dict[str, str] = field(default_factory=dict)  # what later tests check after stop


def binary_path() -> Path:
    if not BINARY.is_file():
        pytest.fail("dist/sparkhouse is missing: run `make binary` (make test does)")
    return BINARY


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary_path()), *args], capture_output=True, text=True, timeout=60, env=env
    )


def start_binary(data_dir: Path, env: dict[str, str], timeout: float = 30) -> RunningServer:
    port = free_port()
    log_path = data_dir.parent / f"binary-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [str(binary_path()), "serve", "--port", str(port), "--data-dir", str(data_dir)],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = RunningServer(process, port, data_dir, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"binary exited with {process.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    else:
        server.stop(signal.SIGKILL)
        raise RuntimeError(f"binary did not become healthy:\n{server.log()}")
    # Sanic installs its SIGTERM handler a moment after it answers: wait for it, so the stop
    # at the end is the graceful one.
    while "Worker ready" not in server.log() and time.monotonic() < deadline:
        time.sleep(0.02)
    return server


def fake_unpack_dir(tmpdir: Path, name: str, ours: bool, age: float) -> Path:
    path = tmpdir / name
    (path / ("appliance" if ours else "other") / "web").mkdir(parents=True)
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


@pytest.fixture(scope="module")
def binary(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Binary]:
    root = tmp_path_factory.mktemp("binary")
    data_dir = root / "data"
    tmpdir = root / "tmp"
    tmpdir.mkdir()
    # Left behind by a killed binary (ours, old): removed at boot. A fresh one (a sibling
    # still unpacking) and another program's are kept.
    fake_unpack_dir(tmpdir, "_MEIstale1", ours=True, age=3600)
    fake_unpack_dir(tmpdir, "_MEIfresh1", ours=True, age=-600)  # stays "fresh" all along
    fake_unpack_dir(tmpdir, "_MEIother1", ours=False, age=3600)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root),
        "TMPDIR": str(tmpdir),
        "SPARKHOUSE_LOG_LEVEL": "INFO",
        # fast analytics flushes, and the test client is allowed to set X-Forwarded-For
        "SPARKLYTICS_BUFFER_FLUSH_MS": "200",
        "SPARKLYTICS_RATE_LIMIT_DISABLE": "true",
        "SPARKLYTICS_AUTH": "none",  # the query API without a login (auth has its own tests)
        # only the shutdown can write the snapshot: that is what the last test checks
        "CLICKER_SNAPSHOT_SECONDS": "3600",
        # no host zone folder: IANA zones come only from the tzdata inside the binary, as on a
        # slim image without /usr/share/zoneinfo
        "PYTHONTZPATH": "",
    }
    website_id = None
    if (ROOT / "appliance" / "analytics").is_dir():
        added = run_cli(
            "analytics", "website", "add", "example.com", "--data-dir", str(data_dir), env=env
        )
        assert added.returncode == 0, added.stderr
        website_id = added.stdout.strip().split()[-1]
    server = start_binary(data_dir, env)
    parts = {part["name"] for part in httpx.get(f"{server.url}/api/system").json()["parts"]}
    running = Binary(server, tmpdir, parts, website_id)
    yield running
    server.stop(signal.SIGKILL)


def require(binary: Binary, part: str) -> None:
    if part not in binary.parts:
        pytest.skip(f"the {part} part is not mounted in this build")


def test_version_comes_from_the_package_metadata() -> None:
    answer = run_cli("version", env={"PATH": os.environ.get("PATH", "")})
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip() == f"sparkhouse {__version__}"


def test_healthz_and_the_embedded_dashboard(binary: Binary) -> None:
    with httpx.Client(base_url=binary.server.url, timeout=10) as http:
        assert http.get("/healthz").json() == {"ok": True}
        index = http.get("/board")
        assert index.status_code == 200 and '<div id="root">' in index.text
        assets = [line.split('"')[1] for line in index.text.split() if "/assets/" in line]
        assert assets, "index.html names no /assets/ file"
        for asset in assets:
            assert http.get(asset).status_code == 200, asset
        # JSON errors on API paths, never Sanic's HTML fallback pages
        missing = http.get("/api/does-not-exist")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/json")


def test_sanic_touchup_ran_inside_the_binary(binary: Binary) -> None:
    """The binary carries the Sanic sources TouchUp recompiles (and only those)."""
    log = binary.server.log()
    assert "Worker ready" in log
    assert TOUCHUP_SKIPPED not in log, log


def test_every_part_is_exercised(binary: Binary) -> None:
    assert "sparks" in binary.parts
    missing = binary.parts - EXERCISED
    assert not missing, f"add {sorted(missing)} to tests/packaging/test_binary.py"


def test_a_spark_through_the_phoenix_socket(binary: Binary) -> None:
    spark = {"color": [1, 0.5, 0], "radius": 12, "transparency": 0.25, "time_to_grow": 1}

    async def run() -> None:
        socket = await RawSocket.open(binary.server.ws_url)
        try:
            _, reply = await socket.join("board:lobby")
            assert reply[3] == "phx_reply" and reply[4]["status"] == "ok", reply
            async with httpx.AsyncClient(base_url=binary.server.url, timeout=10) as http:
                posted = await http.post("/api/1/2", json=spark)
            assert posted.status_code == 202, posted.text
            frame = await socket.recv()
            while frame[3] != "sparkle_event":
                frame = await socket.recv()
            assert frame[2] == "board:lobby"
            assert frame[4] == {"data": {"x": 1, "y": 2, **spark}}
        finally:
            await socket.close()

    asyncio.run(run())


def test_a_room_put_reaches_its_stream(binary: Binary) -> None:
    require(binary, "rooms")
    room = f"smoke-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=binary.server.url, timeout=10) as http:
        put = http.put(f"/api/rooms/{room}", json={"state": {"round": 1}})
        assert put.status_code == 200, put.text
        with http.stream("GET", f"/api/rooms/{room}/stream") as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"] == "text/event-stream"
            data = next(
                line.removeprefix("data:").strip()
                for line in stream.iter_lines()
                if line.startswith("data:")
            )
    record = json.loads(data)
    assert record["room_id"] == room and record["version"] == 1
    assert record["state"] == {"round": 1}


def test_a_click(binary: Binary) -> None:
    require(binary, "clicker")
    with httpx.Client(base_url=binary.server.url, timeout=10) as http:
        created = http.post("/api/clicker/players")
        assert created.status_code == 201, created.text
        player_id = created.json()["player_id"]
        clicked = http.post("/api/clicker/click", json={"player_id": player_id})
        assert clicked.status_code == 200, clicked.text
        assert clicked.json()["score"] == 1
    binary.notes["player_id"] = player_id


def test_a_collected_event(binary: Binary) -> None:
    require(binary, "analytics")
    assert binary.website_id is not None
    url = f"/smoke-{uuid.uuid4().hex[:12]}"
    event = {"website_id": binary.website_id, "type": "pageview", "url": url}
    headers = {"User-Agent": CHROME_UA, "Accept-Language": "en-US"}
    with httpx.Client(base_url=binary.server.url, timeout=10) as http:
        answer = http.post("/api/collect", json=event, headers=headers)
        assert answer.status_code == 202, answer.text
        tracker = http.get("/s.js")
        assert tracker.status_code == 200 and "Sparkhouse tracker" in tracker.text
    binary.notes["analytics_url"] = url
    # visible in stats once a flush moved it from the journal into DuckDB (200 ms periods)
    stats_path = f"/api/websites/{binary.website_id}/stats"
    deadline = time.monotonic() + 10
    pageviews = 0
    while pageviews != 1 and time.monotonic() < deadline:
        time.sleep(0.2)
        stats = httpx.get(binary.server.url + stats_path, params={"filter_page": url}, timeout=10)
        assert stats.status_code == 200, stats.text
        pageviews = stats.json()["data"]["pageviews"]
    assert pageviews == 1


def test_an_arena_submission_runs_in_the_sandbox(binary: Binary) -> None:
    """Register, write a puzzle with two validators, and submit Python to it: the code runs
    in the bubblewrap sandbox (the built-in executor) from inside the binary."""
    require(binary, "arena")
    with httpx.Client(base_url=f"{binary.server.url}/api/v1", timeout=30) as arena:
        account = {"email": "binary@example.org", "username": "binary_smoke"}
        registered = arena.post("/register", json={**account, "password": "x" * 16})
        assert registered.status_code == 200, registered.text
        languages = arena.get("/programming-language")
        assert languages.status_code == 200, languages.text
        python = next(
            item for item in languages.json()["languages"] if item["language"] == "python"
        )
        created = arena.post("/puzzle", json={"title": "Reverse it"})
        assert created.status_code == 201, created.text
        puzzle_id = created.json()["_id"]
        validators = [{"input": "abc", "output": "cba"}, {"input": "xy z", "output": "z yx"}]
        solution = {"code": "print(input()[::-1])", "programmingLanguage": python["_id"]}
        edited = arena.put(
            f"/puzzle/{puzzle_id}",
            json={"title": "Reverse it", "validators": validators, "solution": solution},
        )
        assert edited.status_code == 200, edited.text
        submitted = arena.post(
            "/submission",
            json={"puzzleId": puzzle_id, "programmingLanguageId": python["_id"], **solution},
        )
    assert submitted.status_code == 201, submitted.text
    result = submitted.json()["result"]
    assert result == {"result": "success", "successRate": 1.0, "passed": 2, "failed": 0, "total": 2}


def test_a_website_through_the_api(binary: Binary) -> None:
    """The public-suffix list and the IANA zones travel inside the binary."""
    require(binary, "analytics")
    with httpx.Client(base_url=binary.server.url, timeout=10) as http:
        created = http.post(
            "/api/websites",
            json={"name": "Blog", "domain": "blog.example.co.uk", "timezone": "Europe/Berlin"},
        )
        assert created.status_code == 201, created.text
        assert created.json()["data"]["timezone"] == "Europe/Berlin"
        website = created.json()["data"]["id"]
        in_tokyo = http.get(f"/api/websites/{website}/pageviews", params={"timezone": "Asia/Tokyo"})
        assert in_tokyo.status_code == 200, in_tokyo.text
        unknown = http.get(f"/api/websites/{website}/pageviews", params={"timezone": "Mars/Base"})
        assert unknown.status_code == 400 and "Mars/Base" in unknown.text
        suffix_only = http.post("/api/websites", json={"name": "x", "domain": "co.uk"})
        assert suffix_only.status_code == 400, suffix_only.text


def test_backup_while_it_serves_and_one_server_per_data_dir(binary: Binary, tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "TMPDIR": str(binary.tmpdir)}
    data = str(binary.server.data_dir)
    second = run_cli("serve", "--port", str(free_port()), "--data-dir", data, env=env)
    assert second.returncode != 0 and "in use by a running sparkhouse" in second.stderr
    made = run_cli("backup", str(tmp_path / "b.tar.gz"), "--data-dir", data, "--quiet", env=env)
    assert made.returncode == 0, made.stderr
    with tarfile.open(tmp_path / "b.tar.gz") as tar:
        names = set(tar.getnames())
    assert {"sparkhouse-backup.json", "sparkhouse.db"} <= names
    if "analytics" in binary.parts:
        assert "analytics.duckdb" in names


def test_stale_unpack_dirs_are_cleaned_at_boot(binary: Binary) -> None:
    deadline = time.monotonic() + 10
    while (binary.tmpdir / "_MEIstale1").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not (binary.tmpdir / "_MEIstale1").exists()
    assert (binary.tmpdir / "_MEIfresh1").exists()
    assert (binary.tmpdir / "_MEIother1").exists()
    own = [p for p in binary.tmpdir.glob("_MEI*") if p.name not in ("_MEIfresh1", "_MEIother1")]
    assert len(own) == 1 and (own[0] / "appliance" / "web" / "dist" / "index.html").is_file()


def test_sigterm_exits_0_within_5_s_with_state_saved(binary: Binary) -> None:
    server = binary.server
    started = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    code = server.process.wait(timeout=10)
    took = time.monotonic() - started
    assert code == 0, server.log()
    assert took < 5, f"took {took:.1f} s to stop"
    # the onefile bootloader removed its unpack folder
    assert sorted(p.name for p in binary.tmpdir.glob("_MEI*")) == ["_MEIfresh1", "_MEIother1"]

    if "clicker" in binary.parts:
        snapshot = server.data_dir / "clicker" / "snapshot.json"
        assert snapshot.is_file(), server.log()
        assert binary.notes["player_id"] in snapshot.read_text()
    if "analytics" in binary.parts:
        with duckdb.connect(str(server.data_dir / "analytics.duckdb"), read_only=True) as db:
            row = db.execute(
                "SELECT count(*) FROM events WHERE url = ?", [binary.notes["analytics_url"]]
            ).fetchone()
        assert row == (1,), server.log()


def test_a_store_behind_head_is_migrated_by_alembic_inside_the_binary(tmp_path: Path) -> None:
    # A fresh store is created from schema.sql and one at head skips Alembic: only a store of
    # an older version runs Alembic, with the other databases' DDL helpers left out. This one
    # is at the first revision of the single chain before the parts' branches.
    from appliance.analytics.migrations import VERSIONS
    from appliance.platform.store import Store
    from tests.platform.test_store import legacy_store

    store = Store.in_dir(tmp_path / "data", [VERSIONS])
    legacy_store(store.path, "0001_websites")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    env["TMPDIR"] = str(tmp_path)
    listed = run_cli("analytics", "website", "list", "--data-dir", str(store.path.parent), env=env)
    assert listed.returncode == 0, listed.stderr
    with sqlite3.connect(store.path) as db:
        versions = {row[0] for row in db.execute("SELECT version_num FROM alembic_version")}
    assert versions == store.heads
