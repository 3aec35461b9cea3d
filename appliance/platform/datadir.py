"""Who uses a data directory: a lock file that ``sparkhouse serve`` holds while it runs.

``serve`` takes an exclusive ``flock`` on ``<data dir>/.sparkhouse.lock`` before anything
opens a file there, and keeps it until the process ends (the kernel drops it even on SIGKILL).
So a second server on the same folder stops with a clear message instead of fighting over
DuckDB's single-writer lock, and ``sparkhouse restore`` can refuse to replace files under a
running server (and keeps a server from starting mid-restore by holding the lock itself).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

LOCK_NAME = ".sparkhouse.lock"


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
