"""Visitor ids without cookies: a hash of a secret that lives for one UTC day.

``visitor_id = hex(sha256(daily_secret || website_id || ip || user_agent))[:16]``
(analytics-api.md section 6, OURS). The secret is 32 random bytes created for each UTC day and
kept in the data directory (``analytics-salt.json``, mode 0600) so that a restart during the day
keeps ids stable; rotating overwrites the file, so the previous day's secret is gone — nobody,
the operator included, can link yesterday's visitors to today's. The IP is only an input of the
hash: it is never stored or logged.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

from appliance.platform.datadir import open_private

log = logging.getLogger("sparkhouse.analytics")

SALT_FILE = "analytics-salt.json"
DAY_SECONDS = 86_400


def utc_day(now: float | None = None) -> int:
    """Days since the Unix epoch, UTC."""
    return int((time.time() if now is None else now) // DAY_SECONDS)


def visitor_hash(secret: bytes, website_id: str, ip: str, user_agent: str) -> str:
    digest = hashlib.sha256(secret)
    digest.update(b"\x00".join((website_id.encode(), ip.encode(), user_agent.encode())))
    return digest.hexdigest()[:16]


@dataclass
class _Salt:
    day: int
    secret: bytes


class DailySalt:
    """The secret of the current UTC day, persisted in ``path``.

    ``load()`` and ``persist()`` touch the disk (call them off the event loop); ``current()``
    is memory only: when the day has changed it switches to a fresh secret at once and reports
    that the new one needs persisting.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._salt: _Salt | None = None
        self.dirty = False

    @classmethod
    def in_dir(cls, data_dir: Path) -> DailySalt:
        return cls(data_dir / SALT_FILE)

    @property
    def day(self) -> int | None:
        return self._salt.day if self._salt else None

    def load(self, now: float | None = None) -> None:
        """Use the stored secret if it is today's; otherwise make (and store) a new one."""
        today = utc_day(now)
        try:
            stored = orjson.loads(self.path.read_bytes())
            salt = _Salt(int(stored["day"]), bytes.fromhex(stored["secret"]))
            if len(salt.secret) != 32:
                raise ValueError("bad secret length")
        except FileNotFoundError:
            salt = None
        except (ValueError, KeyError, TypeError, orjson.JSONDecodeError) as exc:
            log.warning("%s is unreadable (%s); starting a new daily salt", self.path, exc)
            salt = None
        if salt is not None and salt.day == today:
            self._salt = salt
            self.dirty = False
            return
        self._salt = _Salt(today, secrets.token_bytes(32))
        self.persist()

    def current(self, now: float | None = None) -> bytes:
        """Today's secret; rotates in memory when the UTC day has changed (sets ``dirty``)."""
        today = utc_day(now)
        salt = self._salt
        if salt is None or salt.day != today:
            salt = self._salt = _Salt(today, secrets.token_bytes(32))
            self.dirty = True
        return salt.secret

    def rotate_if_due(self, now: float | None = None) -> bool:
        """Switch to a new day's secret if the day has changed (memory only); returns whether
        the secret now needs :meth:`persist`."""
        self.current(now)
        return self.dirty

    def persist(self) -> None:
        """Write the current secret over the previous one (atomic rename, 0600)."""
        salt = self._salt
        if salt is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with open_private(tmp) as file:  # 0600 whatever the umask or a stale temp file's mode
            file.write(orjson.dumps({"day": salt.day, "secret": salt.secret.hex()}))
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, self.path)
        self.dirty = False
        log.info("visitor salt for UTC day %d stored; any previous one is forgotten", salt.day)
