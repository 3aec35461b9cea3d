"""Pageviews (analytics-api.md 9.3) against the section 9 data set — zero-filled buckets,
automatic granularity, labels, the aligned comparison series, zones — and on a DuckDB file
with events at chosen instants, buckets across DST changes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from appliance.analytics.query.params import parse_params
from appliance.analytics.query.sources import window
from appliance.analytics.query.stats import stats_query
from appliance.analytics.query.timeseries import buckets, pageviews_query
from appliance.analytics.query.zones import local_midnight_utc, zone_shift
from appliance.analytics.warehouse import rollups, schema, seed
from tests.analytics.query.conftest import HUMAN_EVENTS, TODAY, Get


def test_pageviews_default_is_seven_zero_filled_days(get: Get) -> None:
    data = get("pageviews")["data"]
    assert data["granularity"] == "day"
    assert data["compare_series"] is None
    assert [point["date"] for point in data["series"]][-1] == TODAY.isoformat()
    assert data["series"][-1] == {"date": TODAY.isoformat(), "pageviews": 8, "visitors": 4}
    assert all(point["pageviews"] == point["visitors"] == 0 for point in data["series"][:-1])


@pytest.mark.parametrize(
    ("days", "granularity", "buckets"),
    [(1, "hour", 24), (2, "hour", 48), (3, "day", 3), (60, "day", 60), (61, "month", None)],
)
def test_pageviews_automatic_granularity(
    get: Get, days: int, granularity: str, buckets: int | None
) -> None:
    start = TODAY - timedelta(days=days - 1)
    data = get("pageviews", start_date=start.isoformat(), end_date=TODAY.isoformat())["data"]
    assert data["granularity"] == granularity
    if buckets is not None:
        assert len(data["series"]) == buckets
    assert sum(point["pageviews"] for point in data["series"]) == HUMAN_EVENTS


def test_pageviews_labels_per_granularity(get: Get) -> None:
    today = TODAY.isoformat()
    hours = get("pageviews", start_date=today, end_date=today, granularity="hour")["data"]
    assert [p["date"] for p in hours["series"]] == [f"{today}T{h:02d}:00:00Z" for h in range(24)]
    assert sum(p["pageviews"] for p in hours["series"]) == HUMAN_EVENTS
    months = get("pageviews", start_date="2026-01-15", end_date="2026-03-02", granularity="month")[
        "data"
    ]
    assert [p["date"] for p in months["series"]] == ["2026-01", "2026-02", "2026-03"]
    odd = get("pageviews", start_date=today, end_date=today, granularity="week")["data"]
    assert odd["granularity"] == "hour"  # anything else → automatic


def test_pageviews_compare_series_is_aligned_to_the_primary_buckets(get: Get) -> None:
    today = TODAY.isoformat()
    body = get(
        "pageviews",
        start_date=today,
        end_date=today,
        granularity="day",
        compare_mode="custom",
        compare_start_date=(TODAY - timedelta(days=1)).isoformat(),
        compare_end_date=today,
    )
    data = body["data"]
    assert len(data["compare_series"]) == len(data["series"]) == 1
    # the comparison's first bucket (yesterday) is aligned to today's, under today's label
    assert data["compare_series"] == [{"date": today, "pageviews": 0, "visitors": 0}]
    assert body["compare"]["mode"] == "custom"
    period = get("pageviews", compare_mode="previous_period")["data"]
    assert len(period["compare_series"]) == 7
    assert [p["date"] for p in period["compare_series"]] == [p["date"] for p in period["series"]]


def test_timezone_moves_day_boundaries(get: Get) -> None:
    # far east of UTC: today's UTC events belong to today or tomorrow locally
    data = get(
        "pageviews",
        timezone="Pacific/Kiritimati",
        start_date=TODAY.isoformat(),
        end_date=(TODAY + timedelta(days=1)).isoformat(),
        granularity="day",
    )["data"]
    assert sum(p["pageviews"] for p in data["series"]) == HUMAN_EVENTS
    hours = get(
        "pageviews", timezone="America/New_York", start_date="2026-03-08", end_date="2026-03-08"
    )["data"]["series"]
    assert len(hours) == 23  # the day the clocks spring forward
    assert (hours[0]["date"], hours[-1]["date"]) == ("2026-03-08T05:00:00Z", "2026-03-09T03:00:00Z")
    berlin = get(
        "pageviews", timezone="Europe/Berlin", start_date="2026-10-25", end_date="2026-10-25"
    )["data"]["series"]
    assert len(berlin) == 25  # the day they fall back
    assert get("stats", timezone="Europe/Berlin")["data"]["timezone"] == "UTC"  # the website's


# -- time zones on chosen instants ----------------------------------------------------------


def _events_at(path: Path, instants: list[datetime]) -> None:
    connection = seed.connect(path, threads=1, memory_limit="256MB")
    for number, moment in enumerate(instants):
        connection.execute(
            "INSERT INTO events (id, website_id, session_id, visitor_id, event_type, url, "
            "is_bot, created_at) VALUES (uuid(), 'tz', ?, ?, 'pageview', '/', false, ?)",
            [f"s{number}", f"v{number}", moment],
        )
    rollups.rebuild(connection)
    connection.close()


@pytest.mark.parametrize("force", ["raw", "rollup"])
def test_day_and_hour_buckets_follow_the_zone_across_dst(tmp_path: Path, force: Any) -> None:
    path = tmp_path / "analytics.duckdb"
    _events_at(
        path,
        [
            datetime(2026, 3, 8, 4, 30),  # Sat 7 Mar 23:30 EST
            datetime(2026, 3, 8, 6, 59),  # Sun 8 Mar 01:59 EST
            datetime(2026, 3, 8, 7, 0),  # Sun 8 Mar 03:00 EDT (02:00 never happens)
            datetime(2026, 3, 9, 3, 30),  # Sun 8 Mar 23:30 EDT
            datetime(2026, 3, 9, 4, 30),  # Mon 9 Mar 00:30 EDT
        ],
    )
    connection = seed.connect(path, threads=1, memory_limit="256MB")
    try:
        args = {"start_date": "2026-03-07", "end_date": "2026-03-09", "granularity": "day"}
        days = pageviews_query(
            connection,
            "tz",
            parse_params({**args, "timezone": "America/New_York"}),
            force,
        )["data"]["series"]
        assert [(p["date"], p["pageviews"]) for p in days] == [
            ("2026-03-07", 1),
            ("2026-03-08", 3),
            ("2026-03-09", 1),
        ]
        utc = pageviews_query(connection, "tz", parse_params(args), force)
        assert [p["pageviews"] for p in utc["data"]["series"]] == [0, 3, 2]
        hours = pageviews_query(
            connection,
            "tz",
            parse_params(
                {
                    "start_date": "2026-03-08",
                    "end_date": "2026-03-08",
                    "granularity": "hour",
                    "timezone": "America/New_York",
                }
            ),
            force,
        )["data"]["series"]
        assert len(hours) == 23
        counts = {p["date"]: p["pageviews"] for p in hours if p["pageviews"]}
        assert counts == {
            "2026-03-08T06:00:00Z": 1,  # local 01:00 EST
            "2026-03-08T07:00:00Z": 1,  # local 03:00 EDT, the next bucket
            "2026-03-09T03:00:00Z": 1,  # local 23:00 EDT, the last bucket
        }
        stats = stats_query(
            connection,
            "tz",
            "America/New_York",
            parse_params(
                {
                    "start_date": "2026-03-08",
                    "end_date": "2026-03-08",
                    "timezone": "America/New_York",
                }
            ),
            force,
        )["data"]
        assert (stats["pageviews"], stats["prev_pageviews"]) == (3, 1)
        assert stats["timezone"] == "America/New_York"
    finally:
        connection.close()


def test_berlin_fall_back_day_has_25_hour_buckets_and_both_one_oclocks() -> None:
    params = parse_params(
        {"start_date": "2026-10-25", "end_date": "2026-10-25", "timezone": "Europe/Berlin"}
    )
    span = window(params, params.range)
    assert (span.start, span.end) == (datetime(2026, 10, 24, 22), datetime(2026, 10, 25, 23))
    labels = [label for _, label in buckets(span, "hour")]
    assert len(labels) == 25
    assert labels[2:4] == ["2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z"]  # 02:00 twice
    assert span.shift.offsets == (7200, 3600)


def test_zone_shift_is_utc_without_a_zone() -> None:
    shift = zone_shift(None, datetime(2026, 1, 1), datetime(2026, 2, 1))
    assert shift.is_utc and shift.whole_hours
    assert local_midnight_utc(date(2026, 3, 29), None) == datetime(2026, 3, 29)
    assert schema.LATEST >= 2
