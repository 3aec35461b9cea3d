"""``filter_hostname`` is one rule on every route (analytics-api.md 9.1): case-insensitive
equality with the host of an absolute http(s) URL — without user info or port; relative URLs
never match. Stats (page rollups), metrics (raw events), sessions, custom events and goal
statistics agree on the website whose URLs carry ports (``PORTED_EVENTS``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.analytics.query.conftest import PORTED_EVENTS, Setup


def counts_of(api: httpx.Client, setup: Setup, hostname: str) -> dict[str, Any]:
    """What each route counts under ``filter_hostname=hostname``."""
    base = f"/api/websites/{setup.ported_site}"
    params = {"filter_hostname": hostname}

    def data(path: str, **more: str) -> Any:
        answer = api.get(f"{base}/{path}", params={**params, **more})
        assert answer.status_code == 200, answer.text
        return answer.json()["data"]

    stats = data("stats")
    browsers = data("metrics", type="browser")["rows"]
    names = data("events")["rows"]
    goal = api.post(
        f"{base}/goals", json={"name": f"signup {hostname}", "goal_type": "event",
                               "match_value": "signup"}
    ).json()["data"]  # fmt: skip
    try:
        conversions = data(f"goals/{goal['id']}/stats")
    finally:
        api.delete(f"{base}/goals/{goal['id']}")
    return {
        "stats": (stats["pageviews"], stats["visitors"]),
        "metrics": sum(row["visitors"] for row in browsers),
        "sessions": sorted(row["visitor_id"] for row in data("sessions")),
        "events": {row["event_name"]: row["count"] for row in names},
        "goals": (conversions["conversions"], conversions["total_sessions"]),
    }


def test_the_host_without_port_or_user_info_is_what_every_route_compares(
    api: httpx.Client, setup: Setup
) -> None:
    matching = [event for event in PORTED_EVENTS if urlsplit(event.url).hostname == "example.com"]
    visitors = sorted({event.visitor for event in matching})
    assert len(visitors) == 2  # the port 8080 one and the user@ one
    assert counts_of(api, setup, "EXAMPLE.com") == {
        "stats": (len(matching), 2),
        "metrics": 2,
        "sessions": visitors,
        "events": {"signup": 1},
        "goals": (1, 2),
    }


@pytest.mark.parametrize("hostname", ["example.com:8080", "http://example.com", "pricing"])
def test_a_port_or_anything_but_a_host_matches_nothing(
    api: httpx.Client, setup: Setup, hostname: str
) -> None:
    assert counts_of(api, setup, hostname) == {
        "stats": (0, 0),
        "metrics": 0,
        "sessions": [],
        "events": {},
        "goals": (0, 0),
    }
