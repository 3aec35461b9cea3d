"""Like-for-like comparisons of a running period (issue 21): with ``compare_elapsed=true``
"today until now" is compared with the previous period until the same elapsed time, not with
the whole of it; without it prev_* stay whole periods (Sparklytics)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from appliance.analytics.query import sources
from appliance.analytics.query.params import QueryParams, parse_params
from appliance.analytics.query.stats import like_for_like, stats_query
from appliance.analytics.warehouse import seed as seeder
from appliance.platform.errors import ServiceError

NOW = datetime(2026, 3, 10, 10, 30)
TODAY = NOW.date()


def windows(args: dict[str, str]) -> tuple[sources.Window, sources.Window, QueryParams]:
    params = parse_params({**args, "compare_elapsed": "true"}, today=TODAY)
    return (
        sources.window(params, params.range),
        sources.window(params, params.previous()),
        params,
    )


def test_a_running_day_is_compared_with_the_same_hours_of_the_day_before() -> None:
    current, previous, params = windows({"start_date": "2026-03-10", "end_date": "2026-03-10"})
    cut = like_for_like(params, current, previous, NOW)
    assert cut is not None
    assert (cut.start, cut.end) == (datetime(2026, 3, 9), datetime(2026, 3, 9, 10, 30))


def test_in_the_site_zone_and_for_the_previous_year() -> None:
    args = {"start_date": "2026-03-04", "end_date": "2026-03-10", "timezone": "Europe/Berlin"}
    current, previous, params = windows({**args, "compare_mode": "previous_year"})
    cut = like_for_like(params, current, previous, NOW)
    assert cut is not None
    # Berlin is UTC+1 in March: the week began 2026-03-03 23:00Z, 6 days 11.5 h ago
    assert cut.start == datetime(2025, 3, 3, 23)
    assert cut.end == datetime(2025, 3, 10, 10, 30)


@pytest.mark.parametrize(
    "args",
    [
        {"start_date": "2026-03-01", "end_date": "2026-03-09"},  # over: compared whole
        {
            "start_date": "2026-03-10",
            "end_date": "2026-03-10",
            "compare_mode": "custom",
            "compare_start_date": "2026-02-01",
            "compare_end_date": "2026-02-01",
        },
    ],
)
def test_finished_ranges_and_custom_comparisons_stay_whole(args: dict[str, str]) -> None:
    current, previous, params = windows(args)
    assert like_for_like(params, current, previous, NOW) is None


def test_stats_of_today_compare_the_same_elapsed_time(tmp_path: Path) -> None:
    connection = seeder.connect(tmp_path / "analytics.duckdb", threads=2, memory_limit="1GB")
    try:
        seeder.seed(connection, "site1", "shop.example", 3000, 4, now=NOW)
        (expected,) = connection.execute(
            "SELECT count(*) FROM events WHERE website_id = 'site1' AND NOT coalesce(is_bot, false)"
            " AND created_at >= ? AND created_at < ?",
            [datetime(2026, 3, 9), datetime(2026, 3, 9, 10, 30)],
        ).fetchone()
        (whole,) = connection.execute(
            "SELECT count(*) FROM events WHERE website_id = 'site1' AND NOT coalesce(is_bot, false)"
            " AND created_at >= ? AND created_at < ?",
            [datetime(2026, 3, 9), datetime(2026, 3, 10)],
        ).fetchone()
        args = {"start_date": "2026-03-10", "end_date": "2026-03-10"}
        params = parse_params(
            {**args, "compare_mode": "previous_period", "compare_elapsed": "true"}, today=TODAY
        )
        body = stats_query(connection, "site1", "UTC", params, force="raw", now=NOW)
        assert 0 < expected < whole
        assert body["data"]["prev_pageviews"] == expected
        assert body["compare"]["comparison_until"] == "2026-03-09T10:30:00Z"
        rolled = stats_query(connection, "site1", "UTC", params, now=NOW)["data"]
        # the rollups keep hours: the cut falls at the end of the hour it is in
        assert expected <= rolled["prev_pageviews"] < whole
        later = stats_query(
            connection, "site1", "UTC", params, force="raw", now=datetime(2026, 3, 11)
        )
        assert later["data"]["prev_pageviews"] == whole
        assert date(2026, 3, 9).isoformat() in later["compare"]["comparison_range"]
        # not asked: the whole previous day, as Sparklytics
        plain = parse_params({**args, "compare_mode": "previous_period"}, today=TODAY)
        body = stats_query(connection, "site1", "UTC", plain, force="raw", now=NOW)
        assert body["data"]["prev_pageviews"] == whole
        assert "comparison_until" not in body["compare"]
    finally:
        connection.close()


def test_compare_elapsed_takes_true_or_false_only() -> None:
    with pytest.raises(ServiceError) as caught:
        parse_params({"compare_elapsed": "yes"})
    assert caught.value.status == 400
    assert "compare_elapsed" in caught.value.message
    assert parse_params({"compare_elapsed": "false"}).compare_elapsed is False
