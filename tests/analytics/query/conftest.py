"""The data sets of the query tests, each posted once through ``/api/collect`` to a real
server (SPARKLYTICS_AUTH=none) for the whole package; the collect contract has no timestamp
field, so every event lands "now" and the expectations follow from what was posted.

* ``site`` / ``get``: section 9 (stats, pageviews, metrics, realtime) — five visitors with
  GeoIP, browsers, a bot, UTM tags and a relative URL.
* ``setup`` / ``api``: section 11 (sessions, custom events, goals, export, share links) —
  three visitors on one website (with a share link), an empty second website, and a third
  whose URLs carry ports (filter_hostname).
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.analytics.conftest import BROWSER_HEADERS, CITY_DB, FAST, add_website, post
from tests.conftest import RunningServer, start_server

TODAY = datetime.now(UTC).date()
DAY = TODAY.isoformat()

# -- section 9 ------------------------------------------------------------------------------

FIREFOX_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1"
)
GOOGLEBOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
LONDON, MILTON, LINKOPING = "81.2.69.142", "216.160.83.56", "89.160.20.128"
HOME = "https://example.com/"
PRICING = "https://example.com/pricing"
UTM_PRICING = "/pricing?utm_source=news&utm_medium=email&utm_campaign=launch"

# visitor → (client IP, user agent, events): one collect request per visitor
VISITS: dict[str, tuple[str, str, list[dict[str, Any]]]] = {
    "v1": (
        LONDON,
        BROWSER_HEADERS["User-Agent"],
        [
            {"type": "pageview", "url": HOME, "referrer": "https://www.google.com/"},
            {"type": "pageview", "url": PRICING, "language": "en-GB"},
            {"type": "event", "url": PRICING, "event_name": "signup", "language": "en-GB"},
            {"type": "pageview", "url": "https://example.com/docs", "language": "en-GB"},
        ],
    ),
    "v2": (MILTON, FIREFOX_UA, [{"type": "pageview", "url": UTM_PRICING, "language": "en-US"}]),
    "v3": (
        LONDON,
        BROWSER_HEADERS["User-Agent"],
        [
            {"type": "pageview", "url": HOME, "referrer": "https://news.ycombinator.com/i?id=1"},
            {"type": "pageview", "url": "https://example.com/blog"},
        ],
    ),
    "v4": (LINKOPING, IPHONE_UA, [{"type": "pageview", "url": "/", "screen": "390x844"}]),
    "bot1": (MILTON, GOOGLEBOT_UA, [{"type": "pageview", "url": HOME}]),
}
HUMAN_EVENTS = 8


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, str]]:
    """One server holding the section 9 data set."""
    data_dir = tmp_path_factory.mktemp("queries") / "data"
    website = add_website(data_dir, "example.com")
    server: RunningServer = start_server(
        data_dir, {**FAST, "SPARKLYTICS_AUTH": "none", "SPARKLYTICS_GEOIP_PATH": str(CITY_DB)}
    )
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            for visitor, (ip, agent, events) in VISITS.items():
                body = [{**event, "website_id": website, "visitor_id": visitor} for event in events]
                headers = {"X-Forwarded-For": ip, "User-Agent": agent}
                assert post(client, body, headers=headers).status_code == 202
            _wait_for_realtime(client, website, HUMAN_EVENTS + 1)
            yield client, website
    finally:
        server.stop()


def _wait_for_realtime(client: httpx.Client, website: str, events: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        answer = client.get(f"/api/websites/{website}/realtime", params={"include_bots": "true"})
        if (
            answer.status_code == 200
            and answer.json()["data"]["pagination"]["total_in_window"] == events
        ):
            return
        time.sleep(0.05)
    raise AssertionError("the posted events never became visible")


Get = Callable[..., Any]


@pytest.fixture
def get(site: tuple[httpx.Client, str]) -> Get:
    """``get(endpoint, status=200, **params)``: the JSON answer of a section 9 route."""
    client, website = site

    def fetch(endpoint: str, status: int = 200, **params: str) -> Any:
        answer = client.get(f"/api/websites/{website}/{endpoint}", params=params)
        assert answer.status_code == status, answer.text
        return answer.json()

    return fetch


# -- section 11 -----------------------------------------------------------------------------


@dataclass
class Posted:
    visitor: str
    type: str
    url: str
    event_name: str | None = None
    event_data: dict[str, Any] | None = None


# Three visitors → three sessions (a payload visitor_id replaces the computed one).
EVENTS = [
    Posted("a" * 16, "pageview", "https://example.com/pricing?plan=pro"),
    Posted("a" * 16, "pageview", "/about"),
    Posted("a" * 16, "event", "https://example.com/about", "signup", {"plan": "pro", "seats": 3}),
    Posted("b" * 16, "pageview", "https://example.com/pricing"),
    Posted("b" * 16, "event", "https://example.com/pricing", "signup", {"plan": "free"}),
    Posted("b" * 16, "event", "@evil", "=cmd|' /C calc'!A0", {"target": "=x"}),
    Posted("c" * 16, "pageview", "/pricing"),  # relative, as the Next SDK sends it
]
# URLs with ports and user info, on a website of their own: the host is what filter_hostname
# compares, never the port (9.1)
PORTED_EVENTS = [
    Posted("1" * 16, "pageview", "http://Example.com:8080/pricing"),
    Posted("1" * 16, "event", "http://example.com:8080/pricing", "signup"),
    Posted("2" * 16, "pageview", "https://user@example.com/pricing"),
    Posted("3" * 16, "pageview", "https://other.example.org:443/pricing"),
    Posted("3" * 16, "event", "https://other.example.org:443/pricing", "signup"),
    Posted("4" * 16, "pageview", "/pricing"),
]


@dataclass
class Setup:
    server: RunningServer
    site: str
    other_site: str
    ported_site: str
    share_id: str

    @property
    def url(self) -> str:
        return self.server.url


def _post_all(client: httpx.Client, site: str, events: list[Posted]) -> None:
    for event in events:
        body: dict[str, Any] = {
            "website_id": site,
            "type": event.type,
            "url": event.url,
            "visitor_id": event.visitor,
        }
        if event.event_name:
            body |= {"event_name": event.event_name, "event_data": event.event_data}
        assert post(client, body).status_code == 202


def _wait_for_export(client: httpx.Client, site: str, count: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        answer = client.get(
            f"/api/websites/{site}/export", params={"start_date": DAY, "end_date": DAY}
        )
        if answer.status_code == 200 and len(answer.text.strip().splitlines()) == count + 1:
            return
        time.sleep(0.1)
    raise AssertionError("the events did not reach DuckDB")


@pytest.fixture(scope="package")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    """One server holding the section 11 data sets."""
    data_dir = tmp_path_factory.mktemp("reports") / "data"
    site = add_website(data_dir, "example.com")
    other_site = add_website(data_dir, "other.example.org")
    ported_site = add_website(data_dir, "ported.example.net")
    share_id = str(uuid.uuid4())
    # The share link is switched on in the store directly: creating it is another route's job.
    with sqlite3.connect(data_dir / "sparkhouse.db") as db:
        db.execute("UPDATE websites SET share_id = ? WHERE id = ?", (share_id, site))
    server = start_server(data_dir, {**FAST, "SPARKLYTICS_AUTH": "none"})
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            _post_all(client, site, EVENTS)
            _post_all(client, ported_site, PORTED_EVENTS)
            _wait_for_export(client, site, len(EVENTS))
            _wait_for_export(client, ported_site, len(PORTED_EVENTS))
        yield Setup(server, site, other_site, ported_site, share_id)
    finally:
        server.stop()


@pytest.fixture
def api(setup: Setup) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=setup.url, timeout=10) as client:
        yield client


def error_of(answer: httpx.Response, status: int, code: str = "validation_error") -> Any:
    """The ``error`` object of an answer that must be ``status`` with ``code``."""
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code
    return error
