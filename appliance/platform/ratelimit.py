"""Per-client rate limits (a sliding window approximated by two fixed windows).

Keys are whatever the caller limits on — for per-IP limits always the address from
:func:`appliance.platform.http.client_ip`, so proxies are handled in one place.
"""

from __future__ import annotations

import math
import time


class RateLimiter:
    """``limit`` events per ``window`` seconds per key; memory is bounded by ``max_keys``."""

    def __init__(self, limit: int, window: float = 60.0, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._current_start = 0.0
        self._current: dict[str, int] = {}
        self._previous: dict[str, int] = {}

    def _roll(self, now: float) -> None:
        start = now - (now % self.window)
        if start != self._current_start:
            gap = start - self._current_start
            self._previous = self._current if gap <= self.window else {}
            self._current = {}
            self._current_start = start

    def hit(self, key: str, now: float | None = None) -> float:
        """Count one event; returns 0 when allowed, else the seconds to wait before retrying."""
        if self.limit <= 0:
            return 0.0
        now = time.time() if now is None else now
        self._roll(now)
        elapsed = (now - self._current_start) / self.window
        previous = self._previous.get(key, 0)
        current = self._current.get(key, 0)
        estimate = previous * (1 - elapsed) + current
        if estimate + 1 > self.limit:
            if previous and current < self.limit:
                # wait until the previous window's weight has decayed enough
                needed = (estimate + 1 - self.limit) / previous
                return max(needed * self.window, 0.001)
            return max(self.window - (now - self._current_start), 0.001)
        if len(self._current) >= self.max_keys and key not in self._current:
            return 1.0  # refuse new keys rather than grow without bound under a flood
        self._current[key] = current + 1
        return 0.0


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
