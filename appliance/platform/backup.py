"""``sparkhouse backup`` / ``sparkhouse restore``: a consistent copy of a data directory,
taken while the server runs, by file kind (the platform knows no part).

- **SQLite** files (``sparkhouse.db``, ``ingest-journal.db``, …; found by their header): the
  sqlite3 online backup API, a consistent snapshot even while the server writes in WAL mode.
  The copy is one self-contained file (its ``-wal``/``-shm`` are not copied), checked with
  ``PRAGMA quick_check``.
- **DuckDB** files (``analytics.duckdb``): DuckDB lets one process open a file for writing and
  locks it, so while the server runs this process can neither open it nor ask for a CHECKPOINT.
  DuckDB writes the main file only at a checkpoint (and then truncates its WAL); between
  checkpoints it appends commits to ``<file>.wal``, and a replay stops at the last complete
  commit. So we copy the file and then its WAL, and keep the copy when the main file did not
  change meanwhile (retrying otherwise): that is exactly what a crash at that moment would
  leave, which DuckDB recovers from. The copy is then opened here, which replays the WAL,
  checkpointed into one file, and every column of every table is read (DuckDB checksums its
  blocks), so a bad copy fails the backup, not a later restore.
- **Everything else** (``clicker/snapshot.json`` and its previous copy, salts, GeoIP
  databases…): copied. Their owners write them atomically (temp file + rename), so one
  ``open()`` reads one whole version.

Order: SQLite files first, then DuckDB, then the rest. An analytics event moves from the
SQLite ingest journal into DuckDB (commit there, then delete from the journal): backing up the
journal first means an event moving meanwhile is in both copies (the replay at start skips ids
DuckDB has), never in neither.

Not copied: the server's lock file, SQLite ``-wal``/``-shm``/``-journal`` and DuckDB ``.wal``
companions (folded into their database), scratch folders (``*-tmp``, ``*.tmp``).

A backup is a folder (or, when DEST ends in ``.tar.gz``/``.tgz``, an archive of one) holding
the files and ``sparkhouse-backup.json``: format, version, time, and each file's kind, size
and SHA-256. ``restore`` checks every checksum before it touches the data directory, refuses a
non-empty one without ``force`` and refuses while a server holds it (see ``datadir``).

Both hold secrets, so both are private whatever the umask: a backup folder and the data
directory 0700, every file in them (and an archive) 0600.

A backup from elsewhere is untrusted input: an archive member that would land outside the
unpack folder, a link or a device, a manifest that is not the expected shape, a path that
climbs out or a file that is a link all end in a :class:`BackupError` naming the problem
before anything is written to the data directory.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import re
import shutil
import sqlite3
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal, get_args

import orjson

from appliance.platform.clock import utc_now_aware
from appliance.platform.datadir import (
    LOCK_NAME,
    DataDirInUse,
    DataDirLock,
    open_private,
    private_dir,
)

MANIFEST = "sparkhouse-backup.json"
FORMAT = "sparkhouse-backup"
FORMAT_VERSION = 1
SQLITE_HEADER = b"SQLite format 3\x00"
DUCKDB_MAGIC = b"DUCK"  # bytes 8..12 of a DuckDB database file
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
SCRATCH_SUFFIXES = ("-tmp", ".tmp")
CHUNK = 1024 * 1024
DUCKDB_ATTEMPTS = 20

Kind = Literal["sqlite", "duckdb", "file"]
KINDS: tuple[Kind, ...] = get_args(Kind)
SHA256 = re.compile(r"[0-9a-f]{64}")
# Reports progress: (description of the current step, bytes done in it, its total bytes).
Progress = Callable[[str, int, int], None]


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass
class Entry:
    path: str  # relative to the data dir, POSIX separators
    kind: Kind
    bytes: int = 0
    sha256: str = ""


@dataclass
class Manifest:
    version: str
    created_at: str
    source: str
    files: list[Entry] = field(default_factory=list)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    @property
    def total_bytes(self) -> int:
        return sum(entry.bytes for entry in self.files)

    def dumps(self) -> bytes:
        return orjson.dumps(asdict(self), option=orjson.OPT_INDENT_2)

    @classmethod
    def load(cls, path: Path) -> Manifest:
        try:
            data: Any = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise BackupError(f"{path}: not a readable backup manifest ({exc})") from None
        if (
            not isinstance(data, dict)
            or data.get("format") != FORMAT
            or data.get("format_version") != FORMAT_VERSION
        ):
            raise BackupError(f"{path}: not a {FORMAT} v{FORMAT_VERSION} manifest")
        try:
            files = data.get("files")
            if not isinstance(files, list):
                raise ValueError("files is not a list")
            return cls(
                version=_text(data, "version"),
                created_at=_text(data, "created_at"),
                source=_text(data, "source"),
                files=[_entry(item) for item in files],
            )
        except ValueError as exc:
            raise BackupError(f"{path}: a malformed backup manifest: {exc}") from None


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ValueError(f"{key} is not a string")
    return value


def _entry(item: Any) -> Entry:
    """One file of a manifest, checked: a plain relative path inside the backup, a known kind,
    a size and a SHA-256."""
    if not isinstance(item, dict) or set(item) != {"path", "kind", "bytes", "sha256"}:
        raise ValueError(f"{item!r:.80} is not a file entry")
    path, kind, size, digest = item["path"], item["kind"], item["bytes"], item["sha256"]
    if not isinstance(path, str) or not _plain_path(path):
        raise ValueError(f"{path!r:.80} is not a plain relative path")
    if kind not in KINDS:
        raise ValueError(f"{path}: unknown kind {kind!r:.20}")
    if type(size) is not int or size < 0:
        raise ValueError(f"{path}: bytes is not a size")
    if not isinstance(digest, str) or not SHA256.fullmatch(digest):
        raise ValueError(f"{path}: sha256 is not a SHA-256")
    return Entry(path, kind, size, digest)


def _plain_path(path: str) -> bool:
    """Relative, POSIX separators, no ``.``/``..``/empty parts, not the manifest or the lock."""
    return (
        all(part not in ("", ".", "..") for part in path.split("/"))  # "/a", "a//b", "" too
        and "\\" not in path
        and "\x00" not in path
        and PurePosixPath(path).parts[0] not in (MANIFEST, LOCK_NAME)
    )


def _silent(description: str, done: int, total: int) -> None:
    pass


# -- finding the files -----------------------------------------------------------------------


def kind_of(path: Path) -> Kind:
    with path.open("rb") as file:
        head = file.read(16)
    if head == SQLITE_HEADER:
        return "sqlite"
    if head[8:12] == DUCKDB_MAGIC:
        return "duckdb"
    return "file"


def scan(data_dir: Path) -> list[tuple[Path, Kind]]:
    """The files to back up, in backup order (SQLite, DuckDB, the rest)."""
    found: list[tuple[Path, Kind]] = []
    for folder, dirs, files in os.walk(data_dir):
        dirs[:] = sorted(d for d in dirs if not d.endswith(SCRATCH_SUFFIXES))
        for name in sorted(files):
            path = Path(folder, name)
            if path.is_symlink() or not path.is_file() or path == data_dir / LOCK_NAME:
                continue
            found.append((path, kind_of(path)))
    companions = {
        Path(f"{path}{suffix}")
        for path, kind in found
        for suffix in (SQLITE_COMPANIONS if kind == "sqlite" else (".wal",))
        if kind != "file"
    }
    kept = [(path, kind) for path, kind in found if path not in companions]
    order = {"sqlite": 0, "duckdb": 1, "file": 2}
    return sorted(kept, key=lambda item: order[item[1]])  # stable: paths stay sorted


# -- copying by kind -------------------------------------------------------------------------


def _copy_bytes(source: Path, target: Path, step: str, progress: Progress) -> None:
    total = source.stat().st_size
    done = 0
    with source.open("rb") as reader, open_private(target) as writer:
        while chunk := reader.read(CHUNK):
            writer.write(chunk)
            done += len(chunk)
            progress(step, done, total)
        writer.flush()
        os.fsync(writer.fileno())
    progress(step, total, total)


def _copy_sqlite(source: Path, target: Path, step: str, progress: Progress) -> None:
    # mode=ro: never write to the source (no WAL checkpoint, no recovery of a crashed one).
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    open_private(target).close()  # SQLite keeps an existing file's mode (and its journal's)
    dst = sqlite3.connect(target)
    try:
        src.execute("PRAGMA busy_timeout=5000")

        def report(status: int, remaining: int, pages: int) -> None:
            progress(step, pages - remaining, pages)

        src.backup(dst, pages=256, progress=report)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        verdict = dst.execute("PRAGMA quick_check").fetchone()
        if not verdict or verdict[0] != "ok":
            raise BackupError(f"{source.name}: the copy fails quick_check: {verdict}")
    finally:
        dst.close()
        src.close()


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def _copy_duckdb(source: Path, target: Path, step: str, progress: Progress) -> None:
    wal = Path(f"{source}.wal")
    target_wal = Path(f"{target}.wal")
    for attempt in range(DUCKDB_ATTEMPTS):
        before = _stamp(source)
        _copy_bytes(source, target, step, progress)
        if wal.exists():
            with contextlib.suppress(FileNotFoundError):  # a checkpoint just removed it
                _copy_bytes(wal, target_wal, f"{step} (wal)", progress)
        if _stamp(source) == before:
            break
        target_wal.unlink(missing_ok=True)  # a checkpoint ran meanwhile: copy again
        time.sleep(min(0.05 * 2**attempt, 2.0))
    else:
        raise BackupError(
            f"{source.name} kept changing during {DUCKDB_ATTEMPTS} copies (checkpoints under "
            "heavy ingest): try again, or stop the server for the backup"
        )
    progress(f"{step} (verify)", 0, 1)
    _settle_duckdb(target)
    progress(f"{step} (verify)", 1, 1)


def _settle_duckdb(path: Path) -> None:
    """Replay the copy's WAL into it, checkpoint, and read every column of every table."""
    import duckdb  # only backups of a DuckDB file pay for the import

    home = path.parent / ".duckdb-backup-home"
    try:
        connection = duckdb.connect(
            str(path),
            config={
                "home_directory": str(home),
                "extension_directory": str(home / "extensions"),
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
            },
        )
        try:
            tables = connection.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT internal"
            ).fetchall()
            for schema, table in tables:
                name = ".".join('"' + part.replace('"', '""') + '"' for part in (schema, table))
                # one aggregate per column: every column's blocks are read and checksummed
                connection.execute(f"SELECT count(*), max(hash(COLUMNS(*))) FROM {name}")  # noqa: S608
            connection.execute("CHECKPOINT")
        finally:
            connection.close()
    except duckdb.Error as exc:
        raise BackupError(f"{path.name}: the copy does not open cleanly: {exc}") from None
    finally:
        shutil.rmtree(home, ignore_errors=True)
    Path(f"{path}.wal").unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# -- backup ----------------------------------------------------------------------------------


def _is_archive(path: Path) -> bool:
    return path.name.endswith((".tar.gz", ".tgz"))


def backup(data_dir: Path, dest: Path, version: str, progress: Progress = _silent) -> Manifest:
    """Copy ``data_dir`` into the new folder (or ``.tar.gz``) ``dest``; returns its manifest."""
    if not data_dir.is_dir():
        raise BackupError(f"{data_dir} is not a folder")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} already exists: choose a new name")
    if dest.resolve().is_relative_to(data_dir.resolve()):
        raise BackupError(f"{dest} is inside the data folder {data_dir}")
    archive = _is_archive(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=".sparkhouse-backup-", dir=dest.parent))
    try:
        manifest = Manifest(
            version=version,
            created_at=utc_now_aware().isoformat(timespec="seconds"),
            source=str(data_dir.resolve()),
        )
        for path, kind in scan(data_dir):
            relative = path.relative_to(data_dir)
            target = folder / relative
            private_dir(target.parent)
            step = relative.as_posix()
            if kind == "sqlite":
                _copy_sqlite(path, target, step, progress)
            elif kind == "duckdb":
                _copy_duckdb(path, target, step, progress)
            else:
                try:
                    _copy_bytes(path, target, step, progress)
                except FileNotFoundError:
                    continue  # removed since the scan (a rotated snapshot): nothing to keep
            manifest.files.append(Entry(step, kind, target.stat().st_size, _sha256(target)))
        with open_private(folder / MANIFEST) as file:
            file.write(manifest.dumps())
        if archive:
            progress("archive", 0, 1)
            with open_private(dest) as file, tarfile.open(fileobj=file, mode="w:gz") as tar:
                for entry in sorted(folder.iterdir()):
                    tar.add(entry, arcname=entry.name)
            progress("archive", 1, 1)
        else:
            if dest.exists():
                dest.rmdir()
            folder.rename(dest)
        return manifest
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- restore ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _opened(src: Path, scratch: Path) -> Iterator[Path]:
    """The backup folder of ``src``, unpacking an archive into ``scratch`` first."""
    if src.is_dir():
        yield src
        return
    if not (src.is_file() and _is_archive(src)):
        raise BackupError(f"{src} is neither a backup folder nor a .tar.gz backup")
    folder = Path(tempfile.mkdtemp(prefix=".sparkhouse-unpack-", dir=scratch))
    try:
        try:
            with tarfile.open(src, "r:gz") as tar:
                tar.extractall(folder, filter="data")  # no absolute paths, links out, devices
        except tarfile.FilterError as exc:
            raise BackupError(f"{src}: refused, an unsafe archive member: {exc}") from None
        except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise BackupError(f"{src}: not a readable .tar.gz backup ({exc})") from None
        except OSError as exc:
            raise BackupError(f"{src}: cannot unpack it: {exc}") from None
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _existing(data_dir: Path) -> list[Path]:
    if not data_dir.exists():
        return []
    return [path for path in data_dir.iterdir() if path.name != LOCK_NAME]


def restore(
    src: Path, data_dir: Path, force: bool = False, progress: Progress = _silent
) -> Manifest:
    """Replace the contents of ``data_dir`` with the backup ``src``.

    Refuses while a server holds ``data_dir``, and holds it itself meanwhile; refuses a
    non-empty ``data_dir`` unless ``force``; checks every file's checksum before any change.
    """
    private_dir(data_dir)
    try:
        lock = DataDirLock(data_dir).acquire()
    except DataDirInUse as exc:
        raise BackupError(f"{exc}: stop it before restoring") from None
    try:
        existing = _existing(data_dir)
        if existing and not force:
            names = ", ".join(sorted(path.name for path in existing)[:5])
            raise BackupError(
                f"{data_dir} is not empty ({names}…): restore into an empty folder, or pass "
                "--force to replace its contents"
            )
        with _opened(src, data_dir) as folder:
            manifest = Manifest.load(folder / MANIFEST)
            inside = folder.resolve()
            for entry in manifest.files:
                path = folder / entry.path  # a plain relative path (Manifest.load checked)
                if (
                    path.is_symlink()
                    or not path.is_file()
                    or not path.resolve().is_relative_to(inside)
                ):
                    raise BackupError(f"{src}: {entry.path} is missing or not a plain file")
                progress(f"check {entry.path}", 0, entry.bytes)
                if path.stat().st_size != entry.bytes or _sha256(path) != entry.sha256:
                    raise BackupError(f"{src}: {entry.path} does not match its checksum")
                progress(f"check {entry.path}", entry.bytes, entry.bytes)
            # Stage beside the data (same file system), then swap in with renames.
            staging = Path(tempfile.mkdtemp(prefix=".sparkhouse-restore-", dir=data_dir))
            try:
                for entry in manifest.files:
                    target = staging / entry.path
                    private_dir(target.parent)
                    _copy_bytes(folder / entry.path, target, entry.path, progress)
                for path in existing:
                    if path.is_dir() and not path.is_symlink():
                        shutil.rmtree(path)
                    else:
                        path.unlink()
                for item in staging.iterdir():
                    item.rename(data_dir / item.name)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        return manifest
    finally:
        lock.release()
