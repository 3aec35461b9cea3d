"""The query string of analytics-api.md 9.1 against the section 9 data set: every refusal is
a 400 ``validation_error`` without a field, an unknown website a 404 before anything else,
unparseable dates fall back to the default window; and :func:`parse_params` under the rules
of the other routes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import httpx
import pytest

from appliance.analytics.query.dates import DateRange
from appliance.analytics.query.params import decode_cursor, encode_cursor, parse_params
from appliance.platform.errors import ServiceError
from tests.analytics.query.conftest import HUMAN_EVENTS, TODAY, Get


@pytest.mark.parametrize(
    ("endpoint", "params", "message"),
    [
        ("stats", {"start_date": "2026-03-10", "end_date": "2026-03-01"}, "end_date"),
        ("pageviews", {"start_date": "2026-03-10", "end_date": "2026-03-01"}, "end_date"),
        ("metrics", {"type": "page", "start_date": "2026-03-10", "end_date": "2026-03-01"}, ""),
        ("stats", {"filter_country": "gb"}, "filter_country"),
        ("stats", {"filter_country": "GBR"}, "filter_country"),
        ("stats", {"include_bots": "yes"}, "include_bots"),
        ("stats", {"compare_mode": "sideways"}, "compare_mode"),
        ("stats", {"compare_mode": "custom"}, "compare_start_date"),
        ("stats", {"compare_mode": "custom", "compare_start_date": "2026-03-01"}, ""),
        (
            "stats",
            {
                "compare_mode": "custom",
                "compare_start_date": "2026-03-01",
                "compare_end_date": "2026-3-2",
            },
            "compare_end_date",
        ),
        (
            "stats",
            {
                "compare_mode": "custom",
                "compare_start_date": "2026-03-05",
                "compare_end_date": "2026-03-01",
            },
            "compare_end_date",
        ),
        (
            "stats",  # 15 days against a 7-day primary range: more than twice as long
            {
                "compare_mode": "custom",
                "compare_start_date": "2026-01-01",
                "compare_end_date": "2026-01-15",
            },
            "twice",
        ),
        ("stats", {"start_date": "1969-12-31", "end_date": "1970-01-05"}, "dates must be"),
        (
            "pageviews",
            {"start_date": "2024-01-01", "end_date": "2026-01-01", "granularity": "hour"},
            "granularity=hour",
        ),
        ("stats", {"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ("stats", {"timezone": "../../etc/passwd"}, "timezone"),
        ("metrics", {}, "type"),
        ("metrics", {"type": "planet"}, "invalid metric type: planet"),
        ("metrics", {"type": "page", "limit": "ten"}, "limit"),
        ("realtime", {"include_bots": "1"}, "include_bots"),
    ],
)
def test_bad_parameters_are_400_validation_error(
    get: Get, endpoint: str, params: dict[str, str], message: str
) -> None:
    error = get(endpoint, 400, **params)["error"]
    assert error["code"] == "validation_error"
    assert message in error["message"]
    assert error["field"] is None


def test_unknown_website_is_404(site: tuple[httpx.Client, str]) -> None:
    client, _ = site
    for endpoint in ("stats", "pageviews", "metrics?type=page", "realtime"):
        answer = client.get(f"/api/websites/site_nope000000/{endpoint}")
        assert answer.status_code == 404
        assert answer.json() == {
            "error": {"code": "not_found", "message": "Website not found", "field": None}
        }


def test_unparseable_dates_fall_back_to_the_default_window(get: Get) -> None:
    body = get("stats", start_date="yesterday", end_date="2026-02-30", compare_mode="")
    assert body["data"]["pageviews"] == HUMAN_EVENTS
    series = get("pageviews", start_date="nope")["data"]["series"]
    assert [point["date"] for point in series] == [
        (TODAY - timedelta(days=n)).isoformat() for n in range(6, -1, -1)
    ]


# -- the rules of each route, without a server ----------------------------------------------

DAY_ONE = date(2026, 3, 10)


def refusal(args: dict[str, str], endpoint: str) -> str:
    with pytest.raises(ServiceError) as refused:
        parse_params(args, endpoint, today=DAY_ONE)  # type: ignore[arg-type]
    assert (refused.value.status, refused.value.code) == (400, "validation_error")
    assert refused.value.field is None
    return refused.value.message


def test_one_range_type_with_the_defaults_of_9_1() -> None:
    params = parse_params({"filter_country": "GB", "filter_hostname": "Example.com"}, today=DAY_ONE)
    assert params.range == DateRange(date(2026, 3, 4), DAY_ONE)
    assert (params.range.start_at, params.range.end_before) == (
        datetime(2026, 3, 4),
        datetime(2026, 3, 11),
    )
    assert params.range.previous() == DateRange(date(2026, 2, 25), date(2026, 3, 3))
    assert params.equality == (("country", "GB"),)
    assert (params.hostname, params.page, params.zone, params.include_bots) == (
        "Example.com",
        None,
        None,
        False,
    )
    year = parse_params({"start_date": "2024-02-29", "end_date": "2024-02-29",
                         "compare_mode": "previous_year"})  # fmt: skip
    assert year.compare == DateRange(date(2023, 2, 28), date(2023, 2, 28))


def test_blank_values_are_absent_on_section_9_and_refused_where_11_says() -> None:
    assert parse_params({"include_bots": "", "timezone": ""}, "stats").include_bots is False
    assert parse_params({"type": "", "limit": ""}, "share").metric_type is None
    assert refusal({"timezone": ""}, "events") == "timezone must not be blank"
    assert refusal({"include_bots": ""}, "sessions") == "include_bots: expected true or false"
    assert "unknown time zone" in refusal({"timezone": ""}, "goal")
    assert refusal({"type": ""}, "share_metrics") == "invalid metric type: "


def test_each_route_reads_only_its_names() -> None:
    # realtime reads include_bots alone; a share link only its dates (and metrics' type)
    assert parse_params({"start_date": "2026-03-10", "end_date": "2026-03-01"}, "realtime")
    shared = parse_params({"filter_country": "GB", "include_bots": "true"}, "share")
    assert (shared.equality, shared.include_bots) == ((), False)
    exported = parse_params(
        {"start_date": "2026-03-01", "end_date": "2026-03-01", "filter_page": "x"}, "export"
    )
    assert exported.page is None
    assert parse_params({"include_bots": "1"}, "events").include_bots is True
    assert refusal({"include_bots": "1"}, "stats") == "include_bots: expected true or false"


@pytest.mark.parametrize(
    ("endpoint", "args", "message"),
    [
        ("export", {}, "start_date is required (YYYY-MM-DD)"),
        ("export", {"start_date": "2026-03-01"}, "end_date is required (YYYY-MM-DD)"),
        ("export", {"start_date": "2026-3-01", "end_date": "2026-03-02"},
         "invalid start_date format, expected YYYY-MM-DD"),
        ("export", {"start_date": "2026-01-01", "end_date": "2026-04-01"},
         "date range too large: 91 days (max 90)"),
        ("export", {"start_date": "2026-01-01", "end_date": "2026-01-01", "format": "json"},
         "unsupported format: json; only 'csv' is supported"),
        ("events", {"start_date": "2026-01-01", "end_date": "2026-04-01"},
         "date range too large: 91 days (max 90)"),
        ("share", {"start_date": "2026-01-01", "end_date": "2026-04-01"},
         "date range too large: 91 days (max 90)"),
        ("goal", {"start_date": "2026-03-02", "end_date": "2026-03-01"},
         "end_date must be on or after start_date"),
        ("event", {}, "event_name is required"),
        ("event", {"event_name": "x" * 256}, "event_name must be at most 255 characters"),
        ("sessions", {"limit": "ten"}, "limit must be an integer from 1 to 200"),
        ("sessions", {"limit": "201"}, "limit must be from 1 to 200"),
        ("sessions", {"cursor": "WyJ4IiwieSJd"},
         "cursor is malformed; pass back the next_cursor of a response"),
        ("metrics", {"type": "page", "offset": "x"}, "offset: expected an integer"),
    ],
)  # fmt: skip
def test_refusals_of_each_route(endpoint: str, args: dict[str, str], message: str) -> None:
    assert refusal(args, endpoint) == message


def test_limits_and_cursor() -> None:
    assert parse_params({}, "sessions").limit == 50
    metrics = parse_params({"type": "page", "limit": " 500 ", "offset": "-1"}, "metrics")
    assert (metrics.limit, metrics.offset) == (100, 0)
    cursor = encode_cursor(datetime(2026, 3, 1, 12, 0, 0, 5), "0123456789abcdef")
    assert decode_cursor(cursor) == (datetime(2026, 3, 1, 12, 0, 0, 5), "0123456789abcdef")
    assert parse_params({"cursor": cursor}, "sessions").cursor == decode_cursor(cursor)
    assert parse_params({"cursor": ""}, "sessions").cursor is None
