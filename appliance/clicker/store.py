"""The clicker's flat-file snapshot: ``<data_dir>/clicker/snapshot.json``.

Format (one JSON document, so a truncated file never parses)::

    {"format": "sparkhouse-clicker-snapshot", "version": 2, "saved_at": <epoch s>,
     "count": N, "players": {"<player_id>": [name|null, score, time], ...}}

``time`` is epoch seconds: the player's last counted click while ``score`` > 0, the moment the
player went idle when it is 0. Version 1 files (``time`` always the last click) still load;
their players at 0 count as idle from the file's ``saved_at``, since when they were last named
is not in the file.

Beside it, ``handle.key`` (0600): the secret the public handles are made with, generated on
first run.

How a write stays off the event loop and still comes from one consistent moment:

- The store keeps a *mirror* of what the file holds: player id → state, the very same
  immutable tuples the engine holds (so it costs a dict, not a second copy of the data).
- :meth:`try_capture` (on the loop) takes over the engine's dict of players changed since the
  last capture, each with its current state: a consistent copy of every change at that instant,
  in O(1). Nothing changed: no write, the file is not touched.
- :meth:`write` (in a worker thread) applies those changes to the mirror and encodes it in
  chunks of a few thousand players (one orjson call each, a short hold of the GIL), so the
  loop keeps running between chunks (docs/decisions/clicker-snapshot-chunks.md). Captures
  and writes never overlap (``_busy`` is held from a capture to the end of its write).
- Atomic: temp file, fsync, the current snapshot becomes ``snapshot.prev.json``, the temp file
  is renamed over ``snapshot.json``, the directory is fsynced. Files are 0600.
- A write that fails (a full disk) leaves ``snapshot.json`` as it was, removes its temp file,
  and is retried at every interval with everything changed since; until one succeeds the
  cause is the part's health problem (``/healthz`` answers 503 naming it).

On start-up a corrupt or truncated snapshot is logged, moved aside as
``snapshot.json.corrupt-<time>`` (kept for inspection), and the previous good copy is used.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from appliance.clicker.models import InvalidInput, parse_player_id
from appliance.clicker.service import HANDLE_KEY_BYTES, ClickEngine, PlayerState, Record
from appliance.platform.datadir import open_private

log = logging.getLogger("sparkhouse.clicker")

FORMAT = "sparkhouse-clicker-snapshot"
VERSION = 2
READABLE_VERSIONS = (1, 2)
SNAPSHOT_NAME = "snapshot.json"
PREVIOUS_NAME = "snapshot.prev.json"
HANDLE_KEY_NAME = "handle.key"
CHUNK_PLAYERS = 5_000  # one short orjson call holds the GIL, then the loop runs again


class CorruptSnapshot(ValueError):
    pass


def _chunks(players: Mapping[str, PlayerState]) -> Iterator[bytes]:
    """The JSON object's members, a few thousand players per piece (braces stripped)."""
    items = iter(players.items())
    while chunk := dict(islice(items, CHUNK_PLAYERS)):
        yield orjson.dumps(chunk)[1:-1]


def _write_document(file: BinaryIO, players: Mapping[str, PlayerState], saved_at: float) -> None:
    head = orjson.dumps(
        {"format": FORMAT, "version": VERSION, "saved_at": saved_at, "count": len(players)}
    )
    file.write(head[:-1] + b',"players":{')
    separator = b""
    for piece in _chunks(players):
        file.write(separator + piece)
        separator = b","
    file.write(b"}}\n")


def write_snapshot_file(path: Path, players: Mapping[str, PlayerState], saved_at: float) -> None:
    """Write a complete snapshot in one go (tests and tools use it to seed a data dir)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open_private(path) as file:
        _write_document(file, players, saved_at)


def parse_snapshot(data: bytes) -> list[Record]:
    """Decode and check a snapshot; raises CorruptSnapshot naming the problem."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise CorruptSnapshot(f"not valid JSON (truncated?): {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CorruptSnapshot("not a clicker snapshot")
    version = document.get("version")
    if version not in READABLE_VERSIONS:
        raise CorruptSnapshot(f"unsupported snapshot version {version!r}")
    saved_at = document.get("saved_at")
    if not isinstance(saved_at, float | int):
        saved_at = time.time()
    idle_since_v1 = float(saved_at) if version == 1 else None
    players = document.get("players")
    if not isinstance(players, dict) or document.get("count") != len(players):
        raise CorruptSnapshot("player count does not match the header")
    records: list[Record] = []
    append = records.append
    for player_id, state in players.items():
        if not (isinstance(state, list) and len(state) == 3):
            raise CorruptSnapshot(f"player {player_id!r} is not [name, score, last_click]")
        name, score, last_click = state
        try:
            canonical = parse_player_id(player_id)
        except InvalidInput:
            raise CorruptSnapshot(f"{player_id!r} is not a player id") from None
        if not (name is None or isinstance(name, str)):
            raise CorruptSnapshot(f"player {player_id} has a bad name")
        if type(score) is not int or score < 0:
            raise CorruptSnapshot(f"player {player_id} has a bad score")
        if type(last_click) not in (float, int):
            raise CorruptSnapshot(f"player {player_id} has a bad last click time")
        if idle_since_v1 is not None and score == 0:
            last_click = idle_since_v1
        append((canonical, name, score, float(last_click)))
    return records


def load_handle_key(directory: Path) -> bytes:
    """The secret behind the public handles: read from ``handle.key``, or generated and
    stored there (0600) on first run. An unreadable key is replaced: handles only name players
    on the leaderboard, so a new key changes how they are shown, nothing else."""
    path = directory / HANDLE_KEY_NAME
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
        if len(key) != HANDLE_KEY_BYTES:
            raise ValueError(f"{len(key)} bytes, expected {HANDLE_KEY_BYTES}")
    except FileNotFoundError:
        pass
    except (ValueError, UnicodeDecodeError) as exc:
        log.warning("%s is unreadable (%s); making a new one", path, exc)
    else:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)  # a copy made with a looser mode: it is a secret
        return key
    key = secrets.token_bytes(HANDLE_KEY_BYTES)
    directory.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(HANDLE_KEY_NAME + ".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # exactly 0600 whatever the umask
        os.write(fd, key.hex().encode() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, path)
    _fsync_directory(directory)
    return key


@dataclass
class Capture:
    """The changes since the last write, taken on the loop at ``saved_at``."""

    changes: dict[str, PlayerState | None]
    saved_at: float
    capture_ms: float


class SnapshotStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / SNAPSHOT_NAME
        self.previous = directory / PREVIOUS_NAME
        self.temp = directory / (SNAPSHOT_NAME + ".tmp")
        self._mirror: dict[str, PlayerState] = {}
        # Held from a capture until its write has finished (released by the writer thread),
        # so the mirror is never read and changed at once. A threading lock, not an asyncio
        # one: the shutdown save takes it from a plain blocking call.
        self._busy = threading.Lock()
        self._retry = False  # the last write failed: write again even if nothing changed
        self.problem: str | None = None  # why the last write failed, until one succeeds
        self.writes = 0
        self.skips = 0
        self.last_write: dict[str, Any] = {}
        self.recent_writes: deque[dict[str, Any]] = deque(maxlen=32)

    def problems(self) -> list[str]:
        """For the health check: what keeps the game's state from reaching the disk."""
        return [self.problem] if self.problem else []

    def stats(self) -> dict[str, Any]:
        return {
            "writes": self.writes,
            "skips": self.skips,
            "last": self.last_write,
            "recent": list(self.recent_writes),
        }

    # -- start-up --------------------------------------------------------------------------

    def handle_key(self) -> bytes:
        """The handles' secret (see :func:`load_handle_key`)."""
        return load_handle_key(self.directory)

    def load(self) -> list[Record]:
        """The latest good snapshot's records; call :meth:`prime` once the engine has them."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for path in (self.path, self.previous):
            records = self._read(path)
            if records is not None:
                if path == self.previous:
                    self._retry = True  # make snapshot.json whole again at the first job
                log.info("loaded %d players from %s", len(records), path)
                return records
        log.info("no snapshot in %s; starting an empty game", self.directory)
        return []

    def prime(self, engine: ClickEngine) -> None:
        """After the engine loaded: the mirror starts as what the engine holds (which is what
        the file held, minus anything the engine already queued as a change)."""
        self._mirror = dict(engine.players)

    def _read(self, path: Path) -> list[Record] | None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            return parse_snapshot(data)
        except CorruptSnapshot as exc:
            aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}")
            os.replace(path, aside)
            log.error(
                "snapshot %s is unusable (%s); moved it to %s and trying the previous good copy",
                path,
                exc,
                aside.name,
            )
            return None

    # -- periodic and final saves ----------------------------------------------------------

    def try_capture(self, engine: ClickEngine) -> Capture | None:
        """On the loop: bring the mirror up to date. None (and nothing held) when a write is
        still running or nothing changed; otherwise the caller must :meth:`write` next."""
        if not self._busy.acquire(blocking=False):
            return None
        return self._capture_held(engine)

    def _capture_held(self, engine: ClickEngine) -> Capture | None:
        """With the write lock held: the capture, or None with the lock released."""
        try:
            capture = self._capture(engine)
        except BaseException:
            self._busy.release()
            raise
        if capture is None:
            self._busy.release()
        return capture

    def write(self, capture: Capture) -> None:
        """In a worker thread (or at shutdown): write the mirror; releases the capture."""
        try:
            self._write(capture)
        finally:
            self._busy.release()

    def save_now(self, engine: ClickEngine, timeout: float = 30.0) -> bool:
        """Blocking capture + write, for shutdown (waits for a write in flight)."""
        if not self._busy.acquire(timeout=timeout):
            log.error("a snapshot write is stuck; shutting down without a final save")
            return False
        capture = self._capture_held(engine)
        if capture is None:
            return False
        self.write(capture)
        log.info("final snapshot %s", orjson.dumps(self.last_write).decode())
        return True

    def _capture(self, engine: ClickEngine) -> Capture | None:
        started = time.perf_counter()
        engine.expire()
        changes = engine.take_changes()
        if not changes and not self._retry:
            self.skips += 1
            return None
        return Capture(changes, time.time(), (time.perf_counter() - started) * 1000)

    def _write(self, capture: Capture) -> None:
        started, started_at = time.perf_counter(), time.time()
        mirror = self._mirror
        changes = capture.changes
        for player_id, state in changes.items():
            if state is None:
                mirror.pop(player_id, None)
            else:
                mirror[player_id] = state
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with open_private(self.temp) as file:
                _write_document(file, mirror, capture.saved_at)
                file.flush()
                os.fsync(file.fileno())
            if self.path.exists():
                os.replace(self.path, self.previous)
            os.replace(self.temp, self.path)
            _fsync_directory(self.directory)
        except OSError as exc:
            self._retry = True
            with contextlib.suppress(OSError):  # a partial temp file would hold disk space
                self.temp.unlink(missing_ok=True)
            problem = f"snapshot write failed: {(exc.strerror or str(exc)).lower()}"
            if problem != self.problem:  # once per cause, not at every interval
                log.error("%s (%s); %s stays the latest; retrying", problem, exc, self.path.name)
            self.problem = problem
            return
        self._retry = False
        if self.problem is not None:
            log.info("snapshot written again after: %s", self.problem)
            self.problem = None
        self.writes += 1
        self.last_write = {
            "players": len(mirror),
            "changed": len(capture.changes),
            "capture_ms": round(capture.capture_ms, 2),
            "write_ms": round((time.perf_counter() - started) * 1000, 2),
            "bytes": self.path.stat().st_size,
            "started_at": round(started_at, 4),
            "finished_at": round(time.time(), 4),
        }
        self.recent_writes.append(self.last_write)
        # Routine writes every few seconds would flood the log; a slow one is worth a warning.
        level = logging.WARNING if self.last_write["write_ms"] > 1000 else logging.DEBUG
        log.log(level, "snapshot written %s", orjson.dumps(self.last_write).decode())


def _fsync_directory(directory: Path) -> None:
    """Make the renames durable (POSIX); not possible on every platform."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
