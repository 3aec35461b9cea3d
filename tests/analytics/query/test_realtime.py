"""Realtime (analytics-api.md 9.5) against the section 9 data set: the last 30 minutes."""

from __future__ import annotations

from datetime import datetime, timedelta

from appliance.analytics.query.realtime import RECENT_FIELDS
from tests.analytics.query.conftest import HUMAN_EVENTS, TODAY, Get


def test_realtime(get: Get) -> None:
    data = get("realtime")["data"]
    assert data["active_visitors"] == 4
    assert data["pagination"] == {"limit": 100, "total_in_window": HUMAN_EVENTS}
    events = data["recent_events"]
    assert len(events) == HUMAN_EVENTS
    assert set(events[0]) == {
        "event_type",
        "url",
        "referrer_domain",
        "country",
        "browser",
        "device_type",
        "ts",
    }
    stamps = [event["ts"] for event in events]
    assert stamps == sorted(stamps, reverse=True)
    assert events[0]["url"] == "/"  # v4 posted last among humans
    assert events[0]["device_type"] == "mobile"
    assert datetime.fromisoformat(stamps[0]).date() in (TODAY, TODAY + timedelta(days=1))
    with_bots = get("realtime", include_bots="true")["data"]
    assert with_bots["active_visitors"] == 5
    assert with_bots["recent_events"][0]["browser"] == "Googlebot"


def test_realtime_names_custom_events_when_asked(get: Get) -> None:
    """OURS (issue 21): include_event_names=true adds event_name, so that a feed names a
    custom event; without it the events keep Sparklytics' fields (above)."""
    events = get("realtime", include_event_names="true")["data"]["recent_events"]
    assert all(set(event) == {*RECENT_FIELDS, "event_name"} for event in events)
    names = {event["event_name"] for event in events if event["event_type"] == "event"}
    assert "signup" in names
    assert all(event["event_name"] is None for event in events if event["event_type"] == "pageview")
    refused = get("realtime", status=400, include_event_names="yes")
    assert "include_event_names" in refused["error"]["message"]
