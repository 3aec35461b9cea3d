"""Stats (analytics-api.md 9.2) against the section 9 data set: every event type counts, bots
excluded, each 9.1 filter, and the comparison's top-level ``compare``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from appliance.analytics.query.dates import minus_year
from tests.analytics.query.conftest import HUMAN_EVENTS, TODAY, Get


def test_stats_counts_every_event_type_and_excludes_bots(get: Get) -> None:
    body = get("stats")
    assert set(body) == {"data"}
    data = body["data"]
    assert {k: data[k] for k in ("pageviews", "visitors", "sessions", "bounce_rate")} == {
        "pageviews": HUMAN_EVENTS,
        "visitors": 4,
        "sessions": 4,
        "bounce_rate": 0.5,  # v2 and v4 had one event each
    }
    assert data["avg_duration_seconds"] > 0  # events of a batch are 1 µs apart
    assert {k: data[k] for k in data if k.startswith("prev_")} == {
        "prev_pageviews": 0,
        "prev_visitors": 0,
        "prev_sessions": 0,
        "prev_bounce_rate": 0.0,
        "prev_avg_duration_seconds": 0.0,
    }
    assert data["timezone"] == "UTC"
    with_bots = get("stats", include_bots="true")["data"]
    assert (with_bots["pageviews"], with_bots["visitors"]) == (HUMAN_EVENTS + 1, 5)


@pytest.mark.parametrize(
    ("params", "pageviews", "visitors"),
    [
        ({"filter_country": "GB"}, 6, 2),
        ({"filter_country": "SE"}, 1, 1),
        ({"filter_page": "pricing"}, 3, 2),  # LIKE %pricing%: both pricing URLs + the event
        ({"filter_page": "pric_ng"}, 3, 2),  # `_` is a LIKE wildcard (as Sparklytics)
        ({"filter_hostname": "EXAMPLE.com"}, 6, 2),  # relative URLs never match
        ({"filter_referrer": "www.google.com"}, 1, 1),
        ({"filter_browser": "Firefox"}, 1, 1),
        ({"filter_os": "Windows 10"}, 6, 2),
        ({"filter_device": "mobile"}, 1, 1),
        ({"filter_language": "en-US"}, 1, 1),  # the payload's language, as sent
        ({"filter_region": "England"}, 6, 2),
        ({"filter_city": "Milton"}, 1, 1),
        ({"filter_utm_source": "news"}, 1, 1),
        ({"filter_utm_medium": "email", "filter_utm_campaign": "launch"}, 1, 1),
        ({"filter_country": "GB", "filter_browser": "Firefox"}, 0, 0),
    ],
)
def test_stats_filters(get: Get, params: dict[str, str], pageviews: int, visitors: int) -> None:
    data = get("stats", **params)["data"]
    assert (data["pageviews"], data["visitors"]) == (pageviews, visitors)


def test_stats_with_comparison_has_top_level_compare(get: Get) -> None:
    today = TODAY.isoformat()
    body = get(
        "stats",
        start_date=today,
        end_date=today,
        compare_mode="custom",
        compare_start_date=today,
        compare_end_date=today,
    )
    assert body["compare"] == {
        "mode": "custom",
        "primary_range": [today, today],
        "comparison_range": [today, today],
    }
    assert "compare" not in body["data"]
    assert body["data"]["prev_pageviews"] == body["data"]["pageviews"] == HUMAN_EVENTS
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    period = get("stats", start_date=today, end_date=today, compare_mode="previous_period")
    assert period["compare"]["comparison_range"] == [yesterday, yesterday]
    assert period["data"]["prev_pageviews"] == 0
    year = get("stats", start_date=today, end_date=today, compare_mode="previous_year")
    assert year["compare"]["comparison_range"][0] == minus_year(TODAY).isoformat()
