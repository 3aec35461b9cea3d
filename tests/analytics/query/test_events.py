"""Custom events (analytics-api.md 11.2) against the section 11 data set: names, properties,
the series and its buckets, the refusals (≤ 90 days, a named event, no blank timezone) and the
numeric booleans 11.2 accepts."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.analytics.query.conftest import DAY, EVENTS, TODAY, Setup, error_of


def test_event_names(api: httpx.Client, setup: Setup) -> None:
    answer = api.get(f"/api/websites/{setup.site}/events")
    assert answer.status_code == 200
    data = answer.json()["data"]
    custom = [event for event in EVENTS if event.type == "event"]
    names = sorted({str(event.event_name) for event in custom})
    expected = {
        name: (
            sum(event.event_name == name for event in custom),
            len({event.visitor for event in custom if event.event_name == name}),
        )
        for name in names
    }
    assert data["total"] == len(names)
    assert {row["event_name"]: (row["count"], row["visitors"]) for row in data["rows"]} == expected
    assert data["rows"][0]["event_name"] == "signup"  # most occurrences first


def test_event_properties(api: httpx.Client, setup: Setup) -> None:
    answer = api.get(
        f"/api/websites/{setup.site}/events/properties", params={"event_name": "signup"}
    )
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert data["event_name"] == "signup"
    assert data["total_occurrences"] == 2
    assert data["sample_size"] == 2
    got = {(p["property_key"], p["property_value"]): p["count"] for p in data["properties"]}
    assert got == {("plan", "pro"): 1, ("plan", "free"): 1, ("seats", "3"): 1}


def test_event_timeseries_buckets(api: httpx.Client, setup: Setup) -> None:
    path = f"/api/websites/{setup.site}/events/timeseries"
    data = api.get(path, params={"event_name": "signup"}).json()["data"]
    # default range: 7 days → day buckets, zero-filled, ascending
    assert data["granularity"] == "day"
    assert [point["date"] for point in data["series"]] == [
        (TODAY - timedelta(days=6 - n)).isoformat() for n in range(7)
    ]
    assert data["series"][-1] == {"date": DAY, "pageviews": 2, "visitors": 2}
    assert sum(point["pageviews"] for point in data["series"]) == 2
    hourly = api.get(path, params={"event_name": "signup", "start_date": DAY, "end_date": DAY})
    series = hourly.json()["data"]["series"]
    assert hourly.json()["data"]["granularity"] == "hour"
    assert len(series) == 24 and series[0]["date"] == f"{DAY}T00:00:00Z"
    assert sum(point["pageviews"] for point in series) == 2
    monthly = api.get(path, params={"event_name": "signup", "granularity": "month"}).json()
    assert monthly["data"]["granularity"] == "month"
    assert monthly["data"]["series"][-1]["date"] == DAY[:7]


@pytest.mark.parametrize("route", ["properties", "timeseries"])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"event_name": ""},
        {"event_name": "   "},
        {"event_name": "x" * 256},
        {"event_name": "signup", "start_date": "2026-01-01", "end_date": "2026-04-01"},
        {"event_name": "signup", "timezone": ""},
        {"event_name": "signup", "include_bots": "yes"},
        {"event_name": "signup", "start_date": "2026-02-01", "end_date": "2026-01-01"},
    ],
)
def test_event_reports_400(
    api: httpx.Client, setup: Setup, route: str, params: dict[str, str]
) -> None:
    error_of(api.get(f"/api/websites/{setup.site}/events/{route}", params=params), 400)


def test_event_reports_accept_numeric_bools_and_a_timezone(api: httpx.Client, setup: Setup) -> None:
    params = {"event_name": "signup", "include_bots": "1", "timezone": "Europe/Berlin"}
    assert api.get(f"/api/websites/{setup.site}/events/timeseries", params=params).is_success
    assert api.get(f"/api/websites/{setup.site}/events", params={"include_bots": "0"}).is_success
    error_of(api.get(f"/api/websites/{setup.site}/events", params={"timezone": ""}), 400)
    ok = api.get(
        f"/api/websites/{setup.site}/events",
        params={"start_date": "2026-01-01", "end_date": "2026-03-31"},
    )
    assert ok.status_code == 200
