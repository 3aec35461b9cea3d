"""The data folder is private whatever the umask: 0700, and every file in it 0600 — those the
appliance writes itself, those SQLite and DuckDB create beside their databases, and those an
older version left open."""

from __future__ import annotations

import os
import stat
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from appliance.platform.datadir import make_private
from tests.analytics.conftest import BROWSER_HEADERS, add_website, marker
from tests.conftest import RunningServer

MakeServer = Callable[..., RunningServer]


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """This process (and the servers it starts) create files 0666 and folders 0777."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def modes(root: Path) -> dict[str, int]:
    """Every folder and file under ``root`` (``root`` itself as ``.``) with its mode."""
    found = {".": mode(root)}
    for path in root.rglob("*"):
        found[path.relative_to(root).as_posix()] = mode(path)
    return found


def not_private(root: Path) -> dict[str, str]:
    wrong = {}
    for name, bits in modes(root).items():
        want = 0o700 if (root / name).is_dir() else 0o600
        if bits != want:
            wrong[name] = oct(bits)
    return wrong


def test_make_private_closes_a_folder_left_open(tmp_path: Path, permissive_umask: None) -> None:
    data = tmp_path / "data"
    (data / "clicker").mkdir(parents=True, mode=0o755)
    data.chmod(0o755)
    (data / "sparkhouse.db").write_bytes(b"secret")
    (data / "sparkhouse.db").chmod(0o644)
    (data / "clicker" / "snapshot.json").write_bytes(b"{}")
    (data / "clicker" / "snapshot.json").chmod(0o666)
    (data / "readonly.json").write_bytes(b"{}")
    (data / "readonly.json").chmod(0o444)
    outside = tmp_path / "GeoLite2-City.mmdb"
    outside.write_bytes(b"public")
    outside.chmod(0o644)
    (data / "geo.mmdb").symlink_to(outside)

    make_private(data)
    assert modes(data) == {
        ".": 0o700,
        "clicker": 0o700,
        "clicker/snapshot.json": 0o600,
        "sparkhouse.db": 0o600,
        "readonly.json": 0o400,  # group and other bits go; the owner's stay as they were
        "geo.mmdb": 0o777,  # a link: neither it nor its target is changed
    }
    assert mode(outside) == 0o644
    assert os.umask(0o022) == 0o077  # what this process creates from now on is private too


def test_a_server_under_a_permissive_umask_keeps_every_file_private(
    make_server: MakeServer, tmp_path: Path, permissive_umask: None
) -> None:
    data = tmp_path / "data"
    site = add_website(data, "example.com")  # as the CLI leaves it: sparkhouse.db 0644, 0777
    assert mode(data / "sparkhouse.db") == 0o644
    server = make_server(
        env={"CLICKER_SNAPSHOT_SECONDS": "0.2", "SPARKLYTICS_BUFFER_FLUSH_MS": "100"},
        data_dir=data,
    )
    player = str(uuid.uuid4())
    with httpx.Client(base_url=server.url, timeout=10) as http:
        for _ in range(2):  # two snapshots: snapshot.json and snapshot.prev.json
            assert http.post("/api/clicker/click", json={"player_id": player}).status_code == 200
            time.sleep(0.5)
        body = {"website_id": site, "type": "pageview", "url": f"/{marker()}"}
        assert http.post("/api/collect", json=body, headers=BROWSER_HEADERS).status_code == 202
        expected = {
            "sparkhouse.db",
            "ingest-journal.db",
            "ingest-journal.db-wal",
            "ingest-journal.db-shm",
            "analytics.duckdb",
            "analytics-salt.json",
            ".sparkhouse.lock",
            "clicker/snapshot.json",
            "clicker/snapshot.prev.json",
        }
        deadline = time.monotonic() + 10
        while not expected <= set(modes(data)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert expected <= set(modes(data)), sorted(modes(data))
        assert not_private(data) == {}  # while serving: WAL and shm files included
    assert server.stop() == 0
    assert not_private(data) == {}
