"""The query API of analytics-api.md section 9 (stats, pageviews, metrics, realtime) against a
real server: a known data set posted through ``/api/collect`` (the collect contract has no
timestamp field, so every event lands "now" and the expectations follow from what was posted),
then shapes, numbers, filters, comparison, pagination and the 400s. Time zones across DST
changes are checked on a DuckDB file with events at chosen instants."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from appliance.analytics.query import queries
from appliance.analytics.warehouse import rollups, schema, seed
from tests.analytics.conftest import BROWSER_HEADERS, CITY_DB, FAST, add_website, post
from tests.conftest import RunningServer, start_server

FIREFOX_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1"
)
GOOGLEBOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
LONDON, MILTON, LINKOPING = "81.2.69.142", "216.160.83.56", "89.160.20.128"
HOME = "https://example.com/"
PRICING = "https://example.com/pricing"
UTM_PRICING = "/pricing?utm_source=news&utm_medium=email&utm_campaign=launch"

# visitor → (client IP, user agent, events): one collect request per visitor
VISITS: dict[str, tuple[str, str, list[dict[str, Any]]]] = {
    "v1": (
        LONDON,
        BROWSER_HEADERS["User-Agent"],
        [
            {"type": "pageview", "url": HOME, "referrer": "https://www.google.com/"},
            {"type": "pageview", "url": PRICING, "language": "en-GB"},
            {"type": "event", "url": PRICING, "event_name": "signup", "language": "en-GB"},
            {"type": "pageview", "url": "https://example.com/docs", "language": "en-GB"},
        ],
    ),
    "v2": (MILTON, FIREFOX_UA, [{"type": "pageview", "url": UTM_PRICING, "language": "en-US"}]),
    "v3": (
        LONDON,
        BROWSER_HEADERS["User-Agent"],
        [
            {"type": "pageview", "url": HOME, "referrer": "https://news.ycombinator.com/i?id=1"},
            {"type": "pageview", "url": "https://example.com/blog"},
        ],
    ),
    "v4": (LINKOPING, IPHONE_UA, [{"type": "pageview", "url": "/", "screen": "390x844"}]),
    "bot1": (MILTON, GOOGLEBOT_UA, [{"type": "pageview", "url": HOME}]),
}
HUMAN_EVENTS = 8
TODAY = datetime.now(UTC).date()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, str]]:
    """One server holding the data set above (posted once for the module)."""
    data_dir = tmp_path_factory.mktemp("queries") / "data"
    website = add_website(data_dir, "example.com")
    server: RunningServer = start_server(
        data_dir, {**FAST, "SPARKLYTICS_AUTH": "none", "SPARKLYTICS_GEOIP_PATH": str(CITY_DB)}
    )
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            for visitor, (ip, agent, events) in VISITS.items():
                body = [{**event, "website_id": website, "visitor_id": visitor} for event in events]
                headers = {"X-Forwarded-For": ip, "User-Agent": agent}
                assert post(client, body, headers=headers).status_code == 202
            _wait_for(client, website, HUMAN_EVENTS + 1)
            yield client, website
    finally:
        server.stop()


def _wait_for(client: httpx.Client, website: str, events: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        answer = client.get(f"/api/websites/{website}/realtime", params={"include_bots": "true"})
        if (
            answer.status_code == 200
            and answer.json()["data"]["pagination"]["total_in_window"] == events
        ):
            return
        time.sleep(0.05)
    raise AssertionError("the posted events never became visible")


Get = Callable[..., Any]


@pytest.fixture
def get(site: tuple[httpx.Client, str]) -> Get:
    client, website = site

    def fetch(endpoint: str, status: int = 200, **params: str) -> Any:
        answer = client.get(f"/api/websites/{website}/{endpoint}", params=params)
        assert answer.status_code == status, answer.text
        return answer.json()

    return fetch


# -- stats ----------------------------------------------------------------------------------


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
    assert year["compare"]["comparison_range"][0] == queries._minus_year(TODAY).isoformat()


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


# -- pageviews ------------------------------------------------------------------------------


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


# -- metrics --------------------------------------------------------------------------------


def test_metrics_pages_ordered_by_pageviews(get: Get) -> None:
    body = get("metrics", type="page")
    assert body["compare"] is None
    assert body["pagination"] == {"total": 6, "limit": 10, "offset": 0, "has_more": False}
    rows = body["data"]["rows"]
    assert body["data"]["type"] == "page"
    assert rows[0] == {
        "value": HOME,
        "visitors": 2,
        "pageviews": 2,
        "bounce_rate": 100.0,  # each (page, session) group has one pageview
        "avg_duration_seconds": 0.0,
    }
    assert [row["value"] for row in rows[1:]] == sorted(
        ["/", UTM_PRICING, "https://example.com/blog", "https://example.com/docs", PRICING]
    )
    pricing = next(row for row in rows if row["value"] == PRICING)
    # the pageview and the custom event of one session on /pricing: a positive span
    assert (pricing["pageviews"], pricing["visitors"]) == (1, 1)
    assert pricing["avg_duration_seconds"] == 0.0  # 1 µs, rounded to 1 decimal


def test_metrics_pagination(get: Get) -> None:
    first = get("metrics", type="page", limit="2")
    assert len(first["data"]["rows"]) == 2
    assert first["pagination"] == {"total": 6, "limit": 2, "offset": 0, "has_more": True}
    last = get("metrics", type="page", limit="2", offset="5")
    assert len(last["data"]["rows"]) == 1
    assert last["pagination"]["has_more"] is False
    beyond = get("metrics", type="page", offset="10")
    assert beyond["data"]["rows"] == []
    assert beyond["pagination"]["total"] == 6
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
    rows = get("metrics", type="page", filter_country="GB", filter_page="example.com/")["data"][
        "rows"
    ]
    assert {row["value"] for row in rows} == {
        HOME,
        PRICING,
        "https://example.com/docs",
        "https://example.com/blog",
    }
    with_bots = get("metrics", type="page", include_bots="true")["data"]["rows"]
    assert with_bots[0] == {**with_bots[0], "value": HOME, "visitors": 3, "pageviews": 3}


# -- realtime -------------------------------------------------------------------------------


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
        days = queries.pageviews_query(
            connection,
            "tz",
            queries.parse_params({**args, "timezone": "America/New_York"}),
            force,
        )["data"]["series"]
        assert [(p["date"], p["pageviews"]) for p in days] == [
            ("2026-03-07", 1),
            ("2026-03-08", 3),
            ("2026-03-09", 1),
        ]
        utc = queries.pageviews_query(connection, "tz", queries.parse_params(args), force)
        assert [p["pageviews"] for p in utc["data"]["series"]] == [0, 3, 2]
        hours = queries.pageviews_query(
            connection,
            "tz",
            queries.parse_params(
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
        stats = queries.stats_query(
            connection,
            "tz",
            "America/New_York",
            queries.parse_params(
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
    params = queries.parse_params(
        {"start_date": "2026-10-25", "end_date": "2026-10-25", "timezone": "Europe/Berlin"}
    )
    span = queries.window(params, params.range)
    assert (span.start, span.end) == (datetime(2026, 10, 24, 22), datetime(2026, 10, 25, 23))
    labels = [label for _, label in queries.buckets(span, "hour")]
    assert len(labels) == 25
    assert labels[2:4] == ["2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z"]  # 02:00 twice
    assert span.shift.offsets == (7200, 3600)


def test_zone_shift_is_utc_without_a_zone() -> None:
    shift = queries.zone_shift(None, datetime(2026, 1, 1), datetime(2026, 2, 1))
    assert shift.is_utc and shift.whole_hours
    assert queries.local_midnight_utc(date(2026, 3, 29), None) == datetime(2026, 3, 29)
    assert schema.LATEST >= 2
