"""Metrics (analytics-api.md 9.4) against the section 9 data set: ordering, pagination and its
clamps, every breakdown, the comparison's prev/delta columns, filters and bots."""

from __future__ import annotations

import pytest

from tests.analytics.query.conftest import TODAY, Get


def test_metrics_pages_ordered_by_pageviews(get: Get) -> None:
    """Pages are paths (no scheme, host, query or fragment): the full URLs of s.js, a UTM
    landing and a relative URL of one page are one row."""
    body = get("metrics", type="page")
    assert body["compare"] is None
    assert body["pagination"] == {"total": 4, "limit": 10, "offset": 0, "has_more": False}
    rows = body["data"]["rows"]
    assert body["data"]["type"] == "page"
    assert rows[0] == {
        "value": "/",  # HOME and "/"
        "visitors": 3,
        "pageviews": 3,
        "bounce_rate": 100.0,  # each (page, session) group has one pageview
        "avg_duration_seconds": 0.0,
    }
    assert [row["value"] for row in rows[1:]] == ["/pricing", "/blog", "/docs"]
    pricing = rows[1]  # PRICING and UTM_PRICING
    # v1's pageview and custom event in one session, v2's UTM landing
    assert (pricing["pageviews"], pricing["visitors"]) == (2, 2)
    assert pricing["avg_duration_seconds"] == 0.0  # 1 µs, rounded to 1 decimal


def test_metrics_pagination(get: Get) -> None:
    first = get("metrics", type="page", limit="2")
    assert len(first["data"]["rows"]) == 2
    assert first["pagination"] == {"total": 4, "limit": 2, "offset": 0, "has_more": True}
    last = get("metrics", type="page", limit="2", offset="3")
    assert len(last["data"]["rows"]) == 1
    assert last["pagination"]["has_more"] is False
    beyond = get("metrics", type="page", offset="10")
    assert beyond["data"]["rows"] == []
    assert beyond["pagination"]["total"] == 4
    clamped = get("metrics", type="page", limit="1000", offset="-5")["pagination"]
    assert (clamped["limit"], clamped["offset"]) == (100, 0)
    assert get("metrics", type="page", limit="0")["pagination"]["limit"] == 1


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        (
            "referrer",
            [("(direct)", 4, 5), ("news.ycombinator.com", 1, 1), ("www.google.com", 1, 1)],
        ),
        ("country", [("GB", 2, 5), ("SE", 1, 1), ("US", 1, 1)]),
        ("region", [("England", 2, 5)]),
        ("city", [("London", 2, 5), ("Linköping", 1, 1), ("Milton", 1, 1)]),
        ("browser", [("Chrome", 2, 5), ("Firefox", 1, 1), ("Safari", 1, 1)]),
        ("os", [("Windows 10", 2, 5), ("Linux", 1, 1), ("iPhone", 1, 1)]),
        ("device", [("desktop", 3, 6), ("mobile", 1, 1)]),
        ("event_name", [("signup", 1, 0)]),
        ("language", [("en-GB", 1, 2), ("en-US", 1, 1)]),
        ("utm_source", [("news", 1, 1)]),
        ("utm_medium", [("email", 1, 1)]),
        ("utm_campaign", [("launch", 1, 1)]),
        ("screen", [("390x844", 1, 1)]),
    ],
)
def test_metrics_breakdowns(get: Get, metric: str, expected: list[tuple[str, int, int]]) -> None:
    rows = get("metrics", type=metric)["data"]["rows"]
    got = [(row["value"], row["visitors"], row["pageviews"]) for row in rows]
    if metric == "region":  # the test GeoIP DB's subdivisions other than England vary
        got = got[:1]
    elif metric == "os":  # woothee's names; order of ties by value
        got = sorted(got, key=lambda row: (-row[1], row[0]))
    assert got == expected


def test_metrics_with_comparison_adds_prev_and_delta(get: Get) -> None:
    today = TODAY.isoformat()
    same = get(
        "metrics",
        type="country",
        start_date=today,
        end_date=today,
        compare_mode="custom",
        compare_start_date=today,
        compare_end_date=today,
    )
    assert same["compare"]["comparison_range"] == [today, today]
    for row in same["data"]["rows"]:
        assert row["prev_visitors"] == row["visitors"]
        assert row["prev_pageviews"] == row["pageviews"]
        assert (row["delta_visitors_abs"], row["delta_visitors_pct"]) == (0, 0.0)
    before = get("metrics", type="country", compare_mode="previous_period")["data"]["rows"]
    assert before[0]["prev_visitors"] == 0 and before[0]["delta_visitors_pct"] == 0.0
    assert before[0]["delta_visitors_abs"] == before[0]["visitors"]


def test_metrics_filters_and_bots(get: Get) -> None:
    gb = get("metrics", type="page", filter_country="GB", filter_page="/")["data"]["rows"]
    assert {row["value"] for row in gb} == {"/", "/pricing", "/docs", "/blog"}
    # a full URL stands for its path: its scheme, host, query and fragment do not matter
    url = "http://www.example.com/pricing?utm_source=x#plans"
    rows = get("metrics", type="page", filter_page=url)["data"]["rows"]
    assert [(row["value"], row["visitors"]) for row in rows] == [("/pricing", 2)]
    with_bots = get("metrics", type="page", include_bots="true")["data"]["rows"]
    assert with_bots[0] == {**with_bots[0], "value": "/", "visitors": 4, "pageviews": 4}
