"""Realtime (analytics-api.md 9.5) against the section 9 data set: the last 30 minutes."""

from __future__ import annotations

from datetime import datetime, timedelta

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
