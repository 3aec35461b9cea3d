"""What the server adds to an event (analytics-api.md 3.4 and 3.5): user agent, GeoIP, referrer
domain, UTM, screen, and the bot score. Pure functions and small stateful helpers; no HTTP."""

from __future__ import annotations

import ipaddress
import logging
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import maxminddb
import woothee

log = logging.getLogger("sparkhouse.analytics")

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


# -- user agent -----------------------------------------------------------------------------


@dataclass(frozen=True)
class UserAgent:
    browser: str | None = None
    browser_version: str | None = None
    os: str | None = None
    os_version: str | None = None
    device_type: str | None = None


_NO_UA = UserAgent()


def _known(value: str | None) -> str | None:
    return None if not value or value == "UNKNOWN" else value


@lru_cache(maxsize=4096)
def parse_user_agent(user_agent: str) -> UserAgent:
    """woothee's names; ``device_type`` mobile / tablet / desktop (null for an empty or
    unparseable user agent)."""
    if not user_agent.strip():
        return _NO_UA
    parsed = woothee.parse(user_agent)
    browser = _known(parsed.get("name"))
    os_name = _known(parsed.get("os"))
    category = parsed.get("category")
    if browser is None and os_name is None:
        return _NO_UA
    if category in ("smartphone", "mobilephone"):
        lowered = user_agent.lower()
        tablet = os_name == "iPad" or (os_name == "Android" and "mobile" not in lowered)
        device = "tablet" if tablet else "mobile"
    elif category == "tablet":
        device = "tablet"
    else:
        device = "desktop"
    return UserAgent(
        browser=browser,
        browser_version=_known(parsed.get("version")),
        os=os_name,
        os_version=_known(parsed.get("os_version")),
        device_type=device,
    )


# -- GeoIP ----------------------------------------------------------------------------------


GEO_CACHE_SIZE = 16_384


@dataclass(frozen=True)
class Geo:
    country: str | None = None
    region: str | None = None
    city: str | None = None


_NO_GEO = Geo()


def _english(record: Any) -> str | None:
    if isinstance(record, dict):
        names = record.get("names")
        if isinstance(names, dict):
            name = names.get("en")
            return name if isinstance(name, str) and name else None
    return None


class GeoIp:
    """A MaxMind-format city (or country) database; without one every lookup is empty."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self._reader: Any = None
        self._cache: dict[str, Geo] = {}

    def open(self, path: Path | None) -> None:
        """Open the database (blocking: a thread at start-up); a missing file is logged once."""
        self.close()
        self.path = path
        if path is None or not path.is_file():
            log.warning(
                "GeoIP database not found at %s (SPARKLYTICS_GEOIP_PATH): country, region and "
                "city stay empty",
                path,
            )
            return
        try:
            self._reader = maxminddb.open_database(str(path), maxminddb.MODE_AUTO)
        except Exception as exc:
            log.warning("GeoIP database %s cannot be opened (%s): geo fields stay empty", path, exc)
            return
        log.info("GeoIP database %s loaded", path)

    @property
    def loaded(self) -> bool:
        return self._reader is not None

    def lookup(self, ip: str) -> Geo:
        """Country, first subdivision and city (English names); cached per address."""
        if self._reader is None or not ip:
            return _NO_GEO
        cached = self._cache.get(ip)
        if cached is not None:
            return cached
        found = self._lookup(ip)
        if len(self._cache) >= GEO_CACHE_SIZE:
            self._cache.clear()
        self._cache[ip] = found
        return found

    def _lookup(self, ip: str) -> Geo:
        if self._reader is None:
            return _NO_GEO
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return _NO_GEO
        if not address.is_global:
            return _NO_GEO
        try:
            record = self._reader.get(address)
        except ValueError:
            return _NO_GEO
        if not isinstance(record, dict):
            return _NO_GEO
        country = record.get("country") or record.get("registered_country") or {}
        iso = country.get("iso_code") if isinstance(country, dict) else None
        subdivisions = record.get("subdivisions") or []
        region = _english(subdivisions[0]) if subdivisions else None
        return Geo(country=iso or None, region=region, city=_english(record.get("city")))

    def close(self) -> None:
        self._cache.clear()
        if self._reader is not None:
            self._reader.close()
            self._reader = None


# -- referrer, UTM, screen ------------------------------------------------------------------


def referrer_domain(referrer: str | None) -> str | None:
    """``https://news.ycombinator.com/item?id=1`` → ``news.ycombinator.com``."""
    if not referrer:
        return None
    text = referrer
    for scheme in ("https://", "http://"):
        if text.startswith(scheme):
            text = text[len(scheme) :]
            break
    domain = text.split("/", 1)[0].lower()
    return domain or None


def utm_from_url(url: str) -> dict[str, str]:
    """UTM values from the query of ``url``: after the first ``?``, split on ``&``, empty
    values ignored, ``+`` becomes a space, no other decoding."""
    if "?" not in url:
        return {}
    query = url.split("?", 1)[1].split("#", 1)[0]
    found: dict[str, str] = {}
    for pair in query.split("&"):
        key, sep, value = pair.partition("=")
        if sep and key in UTM_KEYS and value and key not in found:
            found[key] = value.replace("+", " ")
    return found


def screen_of(screen: str | None, width: int | None, height: int | None) -> str | None:
    if screen is not None:
        return screen
    if width is not None and height is not None:
        return f"{width}x{height}"
    return None


@lru_cache(maxsize=4096)  # a site's URLs repeat: the bot scorer asks for every event
def url_path(url: str) -> str:
    """The path of a URL (absolute or not) without query and fragment, for the path sweep."""
    text = url.split("#", 1)[0].split("?", 1)[0]
    if "://" in text:
        rest = text.split("://", 1)[1]
        slash = rest.find("/")
        return rest[slash:] if slash >= 0 else "/"
    return text


# -- bots -----------------------------------------------------------------------------------

BOT_SIGNATURES = (
    "bot",
    "spider",
    "crawler",
    "googlebot",
    "bingbot",
    "duckduckbot",
    "yandexbot",
    "baiduspider",
    "ahrefsbot",
    "semrushbot",
    "mj12bot",
    "headlesschrome",
    "phantomjs",
    "python-requests",
    "curl/",
    "wget/",
    "go-http-client",
    "libwww-perl",
    "urllib",
    "httpclient",
)


@lru_cache(maxsize=4096)
def has_bot_signature(user_agent: str) -> bool:
    lowered = user_agent.lower()
    return any(signature in lowered for signature in BOT_SIGNATURES)


BOT_THRESHOLDS = {"balanced": 70, "strict": 60, "off": 70}
BURST_WINDOW_SECONDS = 30.0
BURST_EVENTS = 40
SWEEP_PATHS = 25


@dataclass(slots=True)
class BotVerdict:
    is_bot: bool
    score: int
    reason: str | None


class _Window:
    """One (website, visitor)'s last 30 seconds, bounded: the newest ``BURST_EVENTS`` event
    times and the newest ``SWEEP_PATHS`` distinct paths are all the thresholds need."""

    __slots__ = ("paths", "times")

    def __init__(self) -> None:
        self.times: deque[float] = deque(maxlen=BURST_EVENTS)
        self.paths: OrderedDict[str, float] = OrderedDict()

    def observe(self, now: float, path: str) -> tuple[int, int]:
        cutoff = now - BURST_WINDOW_SECONDS
        times = self.times
        times.append(now)
        while times and times[0] < cutoff:
            times.popleft()
        paths = self.paths
        paths[path] = now
        paths.move_to_end(path)
        while paths and (len(paths) > SWEEP_PATHS or next(iter(paths.values())) < cutoff):
            paths.popitem(last=False)
        return len(times), len(paths)

    def last(self) -> float:
        return self.times[-1] if self.times else 0.0


class BotScorer:
    """Section 3.5: UA signature 90, header anomaly 25, burst 40, path sweep 35; capped at 100,
    the reason is the largest single contribution. Keeps a bounded 30-second window per
    (website, visitor), for at most ``max_visitors`` visitors (the least recent forgotten)."""

    def __init__(self, max_visitors: int = 100_000) -> None:
        self.max_visitors = max_visitors
        self._windows: OrderedDict[tuple[str, str], _Window] = OrderedDict()

    def score(
        self,
        website_id: str,
        visitor_id: str,
        user_agent: str,
        has_accept: bool,
        has_accept_language: bool,
        url: str,
        now: float | None = None,
        mode: str = "balanced",
    ) -> BotVerdict:
        now = time.monotonic() if now is None else now
        # Every event goes through here: plain additions, no lists. The reason is the largest
        # single contribution (the points are distinct, so there are no ties).
        total = 0
        best = 0
        reason: str | None = None
        if has_bot_signature(user_agent):
            total, best, reason = 90, 90, "ua_signature"
        if not (has_accept and has_accept_language):
            total += 25
            if best < 25:
                best, reason = 25, "header_anomaly"
        events, paths = self._observe(website_id, visitor_id, url, now)
        if events >= BURST_EVENTS:
            total += 40
            if best < 40:
                best, reason = 40, "burst_rate"
        if paths >= SWEEP_PATHS:
            total += 35
            if best < 35:
                best, reason = 35, "path_sweep"
        total = min(100, total)
        return BotVerdict(total >= BOT_THRESHOLDS.get(mode, 70), total, reason)

    def _observe(self, website_id: str, visitor_id: str, url: str, now: float) -> tuple[int, int]:
        key = (website_id, visitor_id)
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = _Window()
            if len(self._windows) > self.max_visitors:
                self._windows.popitem(last=False)
        else:
            self._windows.move_to_end(key)
        return window.observe(now, url_path(url))

    def prune(self, now: float | None = None) -> int:
        """Forget visitors idle for longer than the window; returns how many were dropped."""
        now = time.monotonic() if now is None else now
        cutoff = now - BURST_WINDOW_SECONDS
        stale = [key for key, window in self._windows.items() if window.last() < cutoff]
        for key in stale:
            del self._windows[key]
        return len(stale)
