"""The first-run secret: a random one-time secret that authorises creating the first admin
when the operator configured none, so a fresh deployment reachable by others cannot be claimed
with a publicly known default.

It lives in a file only the server's user can read (0600, whatever the umask), is printed in
the server's log with its location (a person reads it there, or with ``sparkhouse config``),
and is deleted once the admin exists. Blocking file work: call it from a thread.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

FILE_NAME = "setup-secret"
SECRET_BYTES = 24


class FirstRunSecret:
    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def in_dir(cls, data_dir: Path) -> FirstRunSecret:
        return cls(data_dir / FILE_NAME)

    def read(self) -> str | None:
        """The stored secret; None when there is none (or it cannot be read)."""
        try:
            secret = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return secret or None

    def ensure(self) -> str:
        """The stored secret, created first when there is none."""
        existing = self.read()
        if existing is not None:
            with contextlib.suppress(OSError):  # copied in with looser permissions
                os.chmod(self.path, 0o600)
            return existing
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # an empty file left by a crash
        secret = secrets.token_urlsafe(SECRET_BYTES)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(descriptor, 0o600)  # exactly 0600, whatever the umask
            os.write(descriptor, (secret + "\n").encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        return secret

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
