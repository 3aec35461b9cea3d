"""Pages are paths and navigation inside the site is no referral, through HTTP with what the
Sparklytics ``s.js`` tracker really sends to ``/e``: ``url`` is ``location.href`` (scheme,
host, query string and fragment included) and ``referrer`` is ``document.referrer`` — the
site's own pages for every navigation after the landing (issue 21, items 1 and 2)."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from typing import Any

import httpx

from appliance.analytics.warehouse.urls import is_internal, page_path
from tests.analytics.conftest import post
from tests.conftest import RunningServer

DAY = time.strftime("%Y-%m-%d", time.gmtime())


def _tracker(site: str, href: str, referrer: str = "") -> dict[str, Any]:
    """The body s.js posts for a page view (its ``send``: referrer only when not empty)."""
    body = {
        "website_id": site,
        "type": "pageview",
        "url": href,
        "language": "en-US",
        "screen": "1920x1080",
    }
    return body | ({"referrer": referrer} if referrer else {})


# visitor (a client address of its own) → the page loads of its visit, in order
VISITS: dict[str, list[tuple[str, str]]] = {
    "203.0.113.1": [
        ("https://example.com/pricing?utm_source=newsletter&utm_medium=email", "https://t.co/x"),
        ("https://example.com/pricing#plans", "https://example.com/pricing?utm_source=newsletter"),
        ("https://example.com/docs/", "https://example.com/pricing"),
    ],
    "203.0.113.2": [
        ("http://www.example.com/pricing", "https://www.google.com/"),
        ("https://www.example.com/?ref=footer", "http://www.example.com/pricing"),
    ],
    "203.0.113.3": [
        ("https://example.com/", ""),
        ("https://example.com/pricing?plan=pro", "https://blog.example.com/post"),  # subdomain
        ("https://example.com/pricing?plan=team", "https://notexample.com/"),  # another site
    ],
}


def _wait(client: httpx.Client, site: str, events: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        answer = client.get(f"/api/websites/{site}/realtime")
        if answer.is_success and answer.json()["data"]["pagination"]["total_in_window"] == events:
            return
        time.sleep(0.05)
    raise AssertionError("the posted events never became visible")


def test_pages_are_paths_and_internal_referrers_are_no_referral(
    analytics_server: Callable[..., tuple[RunningServer, str]],
) -> None:
    server, site = analytics_server({"SPARKLYTICS_AUTH": "none"})
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for ip, loads in VISITS.items():
            for href, referrer in loads:
                body = _tracker(site, href, referrer)
                answer = post(client, body, path="/e", headers={"X-Forwarded-For": ip})
                assert answer.status_code == 202, answer.text
        total = sum(len(loads) for loads in VISITS.values())
        _wait(client, site, total)

        def get(endpoint: str, **params: str) -> Any:
            answer = client.get(f"/api/websites/{site}/{endpoint}", params=params)
            assert answer.status_code == 200, answer.text
            return answer.json()

        pages = get("metrics", type="page")
        rows = {row["value"]: (row["visitors"], row["pageviews"]) for row in pages["data"]["rows"]}
        # 8 URLs as sent, 3 pages: every scheme, host, query string and fragment folded
        assert rows == {"/pricing": (3, 5), "/": (2, 2), "/docs/": (1, 1)}
        assert pages["pagination"]["total"] == 3

        # filter_page takes a path or a full URL (standing for its path)
        for value in ("/pricing", "https://www.example.com/pricing?utm_source=x#top"):
            stats = get("stats", filter_page=value)["data"]
            assert (stats["pageviews"], stats["visitors"]) == (5, 3), value
        assert get("stats", filter_page="/docs")["data"]["pageviews"] == 1

        # UTM parameters stay their own dimension
        utm = get("metrics", type="utm_source")["data"]["rows"]
        assert [(row["value"], row["visitors"]) for row in utm] == [("newsletter", 1)]

        # the site's own host, its www. and its subdomains are no referrers; neither are
        # they "(direct)", which stays the one landing without a referrer
        referrers = get("metrics", type="referrer")["data"]["rows"]
        assert {row["value"]: row["visitors"] for row in referrers} == {
            "t.co": 1,
            "www.google.com": 1,
            "notexample.com": 1,
            "(direct)": 1,
        }
        assert get("stats", filter_referrer="example.com")["data"]["pageviews"] == 0
        recent = get("realtime")["data"]["recent_events"]
        assert {event["referrer_domain"] for event in recent} == {
            None,
            "t.co",
            "www.google.com",
            "notexample.com",
        }

        # the full URL stays stored and exported as sent
        export = client.get(
            f"/api/websites/{site}/export", params={"start_date": DAY, "end_date": DAY}
        )
        assert export.status_code == 200
        exported = {row["url"] for row in csv.DictReader(io.StringIO(export.text))}
        assert exported == {href for loads in VISITS.values() for href, _ in loads}


def test_page_path_and_internal_referrer_rules() -> None:
    assert page_path("https://Example.com:8443/a/b?c=d#e") == "/a/b"
    assert page_path("https://example.com") == page_path("https://example.com?x=1") == "/"
    assert page_path("/pricing?utm_source=x") == "/pricing"
    assert page_path("//cdn.example.com/x") == "/x"
    assert page_path("#top") == "/"
    assert is_internal("https://www.example.com/", "example.com")
    assert is_internal("https://example.com/", "www.example.com")
    assert is_internal("https://a.b.example.com:8080/x", "example.com")
    assert is_internal("http://localhost:3000/a", "example.com", "http://localhost:3000/b")
    assert not is_internal("https://notexample.com/", "example.com")
    assert not is_internal("https://example.com.evil.net/", "example.com")
    assert not is_internal("/relative", "example.com")
    assert not is_internal(None, "example.com")
