"""The data directory: who uses it (a lock file that ``sparkhouse serve`` holds while it runs)
and who may read it (private modes).

``serve`` takes an exclusive ``flock`` on ``<data dir>/.sparkhouse.lock`` before anything
opens a file there, and keeps it until the process ends (the kernel drops it even on SIGKILL).
So a second server on the same folder stops with a clear message instead of fighting over
DuckDB's single-writer lock, and ``sparkhouse restore`` can refuse to replace files under a
running server (and keeps a server from starting mid-restore by holding the lock itself).

The folder holds secrets (the JWT secret in ``sparkhouse.db``, the visitor salt, player ids),
so it is private to the user the appliance runs as: the folder 0700, every file 0600, whatever
the umask it was started with (:func:`make_private`).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import stat
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger("sparkhouse")

LOCK_NAME = ".sparkhouse.lock"
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
PRIVATE_UMASK = 0o077


class DataDirInUse(RuntimeError):
    def __init__(self, data_dir: Path, holder: str) -> None:
        who = f" (pid {holder})" if holder else ""
        super().__init__(f"{data_dir} is in use by a running sparkhouse{who}")
        self.data_dir = data_dir
        self.holder = holder


class DataDirLock:
    """An exclusive lock on one data directory, held until :meth:`release` or process end."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> DataDirLock:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            raise DataDirInUse(self.data_dir, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __enter__(self) -> DataDirLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def in_use(data_dir: Path) -> bool:
    """Whether a server holds the data directory now (a probe; it takes no lock)."""
    path = data_dir / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


# -- private modes ----------------------------------------------------------------------------


def make_private(data_dir: Path) -> None:
    """Before a server opens anything in ``data_dir``: from now on this process creates files
    0600 and folders 0700, the folder is 0700, and whatever it already holds (left by an older
    version, a tool, a copy) loses group and other access.

    A process umask, not a mode per file: SQLite creates its database with 0644 less the umask
    (its -wal/-shm copy the database's mode) and DuckDB its .wal and spill files with 0666 less
    the umask; neither takes a mode from the caller, and they create those files at any time.
    Our own writes (snapshots, the salt, backups) also set 0600 themselves (:func:`open_private`),
    so they are right in any process."""
    os.umask(PRIVATE_UMASK)
    data_dir.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    tighten(data_dir)


def tighten(root: Path) -> None:
    """Remove group and other access from ``root`` and everything under it that this user
    owns (symbolic links and their targets are left alone)."""
    me = os.geteuid()
    paths = [root]
    for folder, dirs, files in os.walk(root):
        paths += [Path(folder, name) for name in (*dirs, *files)]
    for path in paths:
        try:
            info = path.lstat()
            mode = stat.S_IMODE(info.st_mode)
            if stat.S_ISLNK(info.st_mode) or info.st_uid != me or not mode & PRIVATE_UMASK:
                continue
            path.chmod(mode & ~PRIVATE_UMASK)
        except FileNotFoundError:
            continue  # removed meanwhile
        except OSError as exc:  # e.g. a read-only mount: the folder's 0700 still guards it
            log.warning("could not make %s private: %s", path, exc.strerror or exc)


def private_dir(path: Path) -> None:
    """``path`` as a folder of mode 0700 (made so if it exists), its missing parents too."""
    missing = []
    folder = path
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        folder.chmod(PRIVATE_DIR)  # mkdir's mode is less the umask
    path.chmod(PRIVATE_DIR)


def open_private(path: Path) -> BinaryIO:
    """``path`` opened for writing (created or truncated) with mode 0600, whatever the umask and
    whatever mode an existing file had."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "wb")
