"""``sparkhouse backup`` / ``restore``: by file kind, while writers hold the files, and
against a real server."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
import tarfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

from appliance.platform import backup as backup_module
from appliance.platform.backup import MANIFEST, BackupError, Manifest, backup, restore, scan
from appliance.platform.datadir import LOCK_NAME, DataDirInUse, DataDirLock, in_use
from tests.conftest import ROOT, RunningServer, free_port

MakeServer = Callable[..., RunningServer]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "appliance", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


@pytest.fixture
def live_data(tmp_path: Path) -> Iterator[Path]:
    """A data dir as a running server leaves it: a SQLite db in WAL mode with commits still in
    its -wal, a DuckDB file with commits still in its .wal (both connections open), a JSON
    snapshot in a subfolder, a scratch folder and the server's lock."""
    data = tmp_path / "data"
    (data / "clicker").mkdir(parents=True)
    (data / "analytics-tmp").mkdir()
    (data / "analytics-tmp" / "batch.ndjson").write_text("{}\n")
    (data / "clicker" / "snapshot.json").write_text('{"players": [["p1", "Ann", 3]]}')

    lite = sqlite3.connect(data / "journal.db", isolation_level=None)
    lite.execute("PRAGMA journal_mode=WAL")
    lite.execute("PRAGMA wal_autocheckpoint=0")  # keep the rows in the -wal file
    lite.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT)")
    lite.executemany("INSERT INTO events (body) VALUES (?)", [(f"e{n}",) for n in range(500)])

    duck = duckdb.connect(str(data / "warehouse.duckdb"))
    duck.execute("CREATE TABLE events (id INTEGER, url VARCHAR)")
    duck.execute("INSERT INTO events SELECT range, 'checkpointed' FROM range(1000)")
    duck.execute("CHECKPOINT")
    duck.execute("INSERT INTO events SELECT range, 'in-wal' FROM range(1000, 1100)")
    lock = DataDirLock(data).acquire()
    assert Path(f"{data}/journal.db-wal").stat().st_size > 0
    assert Path(f"{data}/warehouse.duckdb.wal").stat().st_size > 0
    yield data
    lock.release()
    duck.close()
    lite.close()


def test_files_are_found_by_kind_in_backup_order(live_data: Path) -> None:
    found = [(path.relative_to(live_data).as_posix(), kind) for path, kind in scan(live_data)]
    assert found == [
        ("journal.db", "sqlite"),
        ("warehouse.duckdb", "duckdb"),
        ("clicker/snapshot.json", "file"),
    ]


def test_backup_and_restore_while_the_writers_hold_the_files(
    live_data: Path, tmp_path: Path
) -> None:
    steps: list[str] = []
    manifest = backup(
        live_data, tmp_path / "b1", "1.2.3", lambda step, done, total: steps.append(step)
    )
    assert [(e.path, e.kind) for e in manifest.files] == [
        ("journal.db", "sqlite"),
        ("warehouse.duckdb", "duckdb"),
        ("clicker/snapshot.json", "file"),
    ]
    assert "warehouse.duckdb (verify)" in steps
    folder = tmp_path / "b1"
    # one self-contained file per database: no -wal/.wal companions in the backup
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert files == {MANIFEST, "clicker/snapshot.json", "journal.db", "warehouse.duckdb"}
    assert Manifest.load(folder / MANIFEST).version == "1.2.3"

    target = tmp_path / "restored"
    restore(folder, target)
    with sqlite3.connect(target / "journal.db") as lite:
        assert lite.execute("SELECT count(*) FROM events").fetchone() == (500,)
    with duckdb.connect(str(target / "warehouse.duckdb"), read_only=True) as duck:
        rows = duck.execute("SELECT url, count(*) FROM events GROUP BY url ORDER BY url")
        assert rows.fetchall() == [("checkpointed", 1000), ("in-wal", 100)]
    assert json.loads((target / "clicker" / "snapshot.json").read_text())["players"][0][2] == 3
    assert not (target / "analytics-tmp").exists()
    assert not in_use(target)  # restore let go of its lock


def test_a_tar_gz_backup_round_trips(live_data: Path, tmp_path: Path) -> None:
    archive = tmp_path / "nightly.tar.gz"
    backup(live_data, archive, "1.0.0")
    with tarfile.open(archive) as tar:
        assert MANIFEST in tar.getnames()
    restore(archive, tmp_path / "restored")
    assert (tmp_path / "restored" / "clicker" / "snapshot.json").is_file()
    assert not list((tmp_path / "restored").glob(".sparkhouse-*"))


def test_duckdb_is_copied_again_when_a_checkpoint_runs_during_the_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with duckdb.connect(str(data / "w.duckdb")) as duck:
        duck.execute("CREATE TABLE t AS SELECT range AS n FROM range(10)")
    copies = 0
    real_copy = backup_module._copy_bytes

    def copy_then_touch(source: Path, target: Path, step: str, progress: object) -> None:
        nonlocal copies
        real_copy(source, target, step, progress)  # type: ignore[arg-type]
        if source.suffix == ".duckdb":
            copies += 1
            if copies == 1:  # what a checkpoint does to the main file mid-backup
                os.utime(source, ns=(time.time_ns(), time.time_ns() + 10**9))

    monkeypatch.setattr(backup_module, "_copy_bytes", copy_then_touch)
    backup(data, tmp_path / "b", "1")
    assert copies == 2


def test_restore_refuses_a_non_empty_folder_without_force(live_data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "b"
    backup(live_data, folder, "1")
    target = tmp_path / "target"
    target.mkdir()
    (target / "sparkhouse.db").write_text("keep me")
    (target / "sparkhouse.db-wal").write_text("stale")
    with pytest.raises(BackupError, match="not empty"):
        restore(folder, target)
    assert (target / "sparkhouse.db").read_text() == "keep me"
    restore(folder, target, force=True)
    assert sorted(p.name for p in target.iterdir()) == [
        LOCK_NAME,
        "clicker",
        "journal.db",
        "warehouse.duckdb",
    ]


def test_restore_checks_every_checksum_before_touching_anything(
    live_data: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "b"
    backup(live_data, folder, "1")
    (folder / "clicker" / "snapshot.json").write_text('{"players": []}')
    target = tmp_path / "target"
    target.mkdir()
    (target / "old.json").write_text("old")
    with pytest.raises(BackupError, match="checksum"):
        restore(folder, target, force=True)
    assert (target / "old.json").read_text() == "old"


def test_restore_refuses_while_a_server_holds_the_folder(live_data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "b"
    backup(live_data, folder, "1")
    # live_data's fixture holds its lock, as a running server does
    with pytest.raises(BackupError, match="in use by a running sparkhouse"):
        restore(folder, live_data, force=True)
    assert (live_data / "journal.db").is_file()


def test_backup_refuses_an_existing_destination_or_one_inside_the_data(
    live_data: Path, tmp_path: Path
) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x").write_text("x")
    with pytest.raises(BackupError, match="already exists"):
        backup(live_data, tmp_path / "taken", "1")
    with pytest.raises(BackupError, match="inside the data folder"):
        backup(live_data, live_data / "backups" / "b", "1")


def test_the_lock_is_exclusive_and_names_its_holder(tmp_path: Path) -> None:
    with DataDirLock(tmp_path):
        assert in_use(tmp_path)
        with pytest.raises(DataDirInUse, match=f"pid {os.getpid()}"):
            DataDirLock(tmp_path).acquire()
    assert not in_use(tmp_path)


def test_backup_while_serving_then_restore_and_serve(
    make_server: MakeServer, tmp_path: Path
) -> None:
    """The whole path through the CLI: a live server with clicks and analytics events being
    written, a backup, a second server refused on the same folder, restore refused while it
    serves, then a restore into a new folder served by a new server with the same state."""
    from tests.analytics.conftest import add_website

    data = tmp_path / "live"
    site = add_website(data, "example.com")
    env = {
        "SPARKLYTICS_BUFFER_FLUSH_MS": "100",
        "SPARKLYTICS_RATE_LIMIT_DISABLE": "true",
        "CLICKER_SNAPSHOT_SECONDS": "0.2",
    }
    first = make_server(env=env, data_dir=data)
    player = str(uuid.uuid4())
    headers = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"}
    with httpx.Client(base_url=first.url, timeout=10) as http:
        assert http.post("/api/clicker/click", json={"player_id": player}).status_code == 200
        for n in range(30):
            event = {"website_id": site, "type": "pageview", "url": f"/page-{n}"}
            assert http.post("/api/collect", json=event, headers=headers).status_code == 202
        time.sleep(0.6)  # flushed to DuckDB, snapshot written

        second = cli("serve", "--port", str(free_port()), "--data-dir", str(data))
        assert second.returncode != 0 and "in use by a running sparkhouse" in second.stderr

        made = cli("backup", str(tmp_path / "backup"), "--data-dir", str(data), "--quiet")
        assert made.returncode == 0, made.stderr
        assert "backed up" in made.stdout

        refused = cli("restore", str(tmp_path / "backup"), "--data-dir", str(data), "--force")
        assert refused.returncode != 0 and "stop it before restoring" in refused.stderr
        assert http.get("/healthz").status_code == 200

    kinds = {e.path: e.kind for e in Manifest.load(tmp_path / "backup" / MANIFEST).files}
    assert kinds["sparkhouse.db"] == "sqlite"
    assert kinds["analytics.duckdb"] == "duckdb"
    assert kinds["clicker/snapshot.json"] == "file"

    restored = tmp_path / "restored"
    done = cli("restore", str(tmp_path / "backup"), "--data-dir", str(restored), "--quiet")
    assert done.returncode == 0, done.stderr
    assert first.stop() == 0
    with duckdb.connect(str(restored / "analytics.duckdb"), read_only=True) as duck:
        (count,) = duck.execute("SELECT count(*) FROM events").fetchone() or (0,)
    assert count == 30
    again = make_server(env=env, data_dir=restored)
    with httpx.Client(base_url=again.url, timeout=10) as http:
        assert http.get(f"/api/clicker/players/{player}").json()["score"] == 1


# -- permissions -----------------------------------------------------------------------------


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """Files created 0666 and folders 0777 unless the code sets their modes itself."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def modes(root: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        found[path.relative_to(root).as_posix()] = stat.S_IMODE(path.lstat().st_mode)
    return found


def private(root: Path) -> bool:
    return all(
        bits == (0o700 if (root / name).is_dir() else 0o600) for name, bits in modes(root).items()
    )


def test_backups_and_restored_files_are_private_whatever_the_umask(
    live_data: Path, tmp_path: Path, permissive_umask: None
) -> None:
    salt = live_data / "analytics-salt.json"
    salt.write_text('{"day": 1, "secret": "00"}')
    salt.chmod(0o600)
    folder, archive = tmp_path / "backup", tmp_path / "backups" / "nightly.tar.gz"
    backup(live_data, folder, "1")
    backup(live_data, archive, "1")
    assert private(folder), modes(folder)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        assert {m.name: m.mode for m in tar.getmembers()} == {
            name: bits for name, bits in modes(folder).items() if name != "."
        }
    for source, target in ((folder, tmp_path / "r1"), (archive, tmp_path / "r2")):
        restore(source, target)
        assert private(target), modes(target)
        assert (target / "analytics-salt.json").read_text() == salt.read_text()


# -- hostile backups -------------------------------------------------------------------------


def _manifest(files: list[dict[str, object]]) -> bytes:
    return json.dumps(
        {
            "format": "sparkhouse-backup",
            "format_version": 1,
            "version": "1",
            "created_at": "2026-01-01T00:00:00+00:00",
            "source": "/elsewhere",
            "files": files,
        }
    ).encode()


def _entry(path: str, content: bytes = b"x") -> dict[str, object]:
    return {
        "path": path,
        "kind": "file",
        "bytes": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }


def _archive(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, content in members:
            if content is not None:
                info.size = len(content)
            tar.addfile(info, io.BytesIO(content) if content is not None else None)
    return path


def _member(name: str, kind: bytes = tarfile.REGTYPE, target: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    info.mode = 0o644
    return info


def _manifest_member(files: list[dict[str, object]]) -> tuple[tarfile.TarInfo, bytes]:
    return _member(MANIFEST), _manifest(files)


HOSTILE: dict[str, Callable[[Path], Path]] = {
    "a member that climbs out": lambda tmp: _archive(
        tmp / "b.tar.gz", [_manifest_member([]), (_member("../escaped"), b"x")]
    ),
    "a link to an absolute path": lambda tmp: _archive(
        tmp / "b.tar.gz",
        [
            _manifest_member([_entry("passwd")]),
            (_member("passwd", tarfile.SYMTYPE, "/etc/passwd"), None),
        ],
    ),
    "a link out of the folder": lambda tmp: _archive(
        tmp / "b.tar.gz",
        [_manifest_member([]), (_member("up", tarfile.SYMTYPE, "../../outside"), None)],
    ),
    "a device": lambda tmp: _archive(
        tmp / "b.tar.gz", [_manifest_member([]), (_member("null", tarfile.CHRTYPE), None)]
    ),
    "not gzip at all": lambda tmp: _write(tmp / "b.tar.gz", b"PK\x03\x04 a zip, say"),
    "a truncated archive": lambda tmp: _truncated(tmp),
    "a manifest that is a list": lambda tmp: _folder(tmp, b"[1, 2, 3]"),
    "a manifest entry with unknown fields": lambda tmp: _folder(
        tmp, _manifest([{**_entry("x"), "mode": 0o4755}])
    ),
    "a manifest entry of the wrong types": lambda tmp: _folder(
        tmp, _manifest([{**_entry("x"), "bytes": "1", "path": 7}])
    ),
    "a manifest path that climbs out": lambda tmp: _folder(
        tmp, _manifest([_entry("clicker/../../x")])
    ),
    "a manifest path onto the lock": lambda tmp: _folder(tmp, _manifest([_entry(LOCK_NAME)])),
    "a file that is a link to one outside": lambda tmp: _linked(tmp),
}


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def _truncated(tmp: Path) -> Path:
    data = os.urandom(100_000)  # incompressible: the cut lands inside it
    whole = _archive(
        tmp / "whole.tar.gz", [_manifest_member([_entry("x", data)]), (_member("x"), data)]
    )
    return _write(tmp / "b.tar.gz", whole.read_bytes()[:50_000])


def _folder(tmp: Path, manifest: bytes) -> Path:
    folder = tmp / "b"
    folder.mkdir()
    (folder / MANIFEST).write_bytes(manifest)
    (folder / "x").write_bytes(b"x")
    return folder


def _linked(tmp: Path) -> Path:
    secret = tmp / "secret.txt"
    secret.write_bytes(b"someone else's")
    folder = _folder(tmp, _manifest([_entry("x", secret.read_bytes())]))
    (folder / "x").unlink()
    (folder / "x").symlink_to(secret)
    return folder


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_backup_is_refused_in_one_line_with_status_2(case: str, tmp_path: Path) -> None:
    source = HOSTILE[case](tmp_path)
    target = tmp_path / "target"
    done = cli("restore", str(source), "--data-dir", str(target), "--quiet")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"sparkhouse restore: {source}"), lines
    assert [p.name for p in target.iterdir()] == [LOCK_NAME]  # nothing restored
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "outside").exists()
