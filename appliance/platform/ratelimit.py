"""Per-client rate limits (a sliding window approximated by two fixed windows).

Keys are whatever the caller limits on — for per-IP limits always the address from
:func:`appliance.platform.http.client_ip`, so proxies are handled in one place.
"""

from __future__ import annotations

import ipaddress
import math
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol


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


@dataclass(frozen=True, slots=True)
class Quota:
    """One counted request of a :class:`FixedWindowLimiter`: what the
    ``x-ratelimit-limit/remaining/reset`` headers say, and whether it was allowed."""

    limit: int
    remaining: int
    reset_seconds: int
    allowed: bool


class FixedWindowLimiter:
    """``limit`` requests per ``window`` seconds per key, each key's window starting at its
    first request (the rule of @fastify/rate-limit, which CodinCod's clients expect: its
    headers tell how many are left and when the window resets). Memory is bounded: past
    ``max_keys`` expired windows are dropped, and a new key is refused while all are live."""

    def __init__(self, limit: int, window: float, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window end, count)

    def hit(self, key: str, now: float | None = None) -> Quota:
        now = time.monotonic() if now is None else now
        ends, count = self._windows.get(key, (0.0, 0))
        if ends <= now:
            if key not in self._windows and len(self._windows) >= self.max_keys:
                self._windows = {k: w for k, w in self._windows.items() if w[0] > now}
                if len(self._windows) >= self.max_keys:
                    return Quota(self.limit, 0, max(1, math.ceil(self.window)), False)
            ends, count = now + self.window, 0
        reset = max(1, math.ceil(ends - now))
        if count >= self.limit:
            return Quota(self.limit, 0, reset, False)
        self._windows[key] = (ends, count + 1)
        return Quota(self.limit, self.limit - count - 1, reset, True)


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


@lru_cache(maxsize=4096)
def address_key(address: str) -> str:
    """What a per-address limit counts: an IPv4 address, or an IPv6 address's /64 (a single
    host is usually handed a whole /64, so counting IPv6 addresses one by one caps nothing)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return address


class Connection(Protocol):
    def is_closing(self) -> bool: ...


class OpenPerAddress:
    """At most ``limit`` connections open at once per client address (0: no cap).

    A connection counts while its transport is open, so one whose release never comes (a
    client gone between the check and the handler) stops counting once it closes: nothing
    leaks, and memory is bounded by the open connections.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[str, set[Connection]] = {}
        self._prune_at = 1024

    def admit(self, address: str, connection: Connection) -> bool:
        """Count ``connection`` for ``address``; False (counting nothing) when it is at its cap."""
        if self.limit <= 0:
            return True
        if len(self._open) >= self._prune_at:
            self._prune()
        held = self._open.setdefault(address_key(address), set())
        if len(held) >= self.limit:
            held.difference_update([c for c in held if c.is_closing()])
            if len(held) >= self.limit:
                return False
        held.add(connection)
        return True

    def release(self, address: str, connection: Connection) -> None:
        key = address_key(address)
        held = self._open.get(key)
        if held is not None:
            held.discard(connection)
            if not held:
                del self._open[key]

    def count(self, address: str) -> int:
        return len(self._open.get(address_key(address), ()))

    def _prune(self) -> None:
        for key, held in list(self._open.items()):
            held.difference_update([c for c in held if c.is_closing()])
            if not held:
                del self._open[key]
        self._prune_at = max(1024, 2 * len(self._open))
