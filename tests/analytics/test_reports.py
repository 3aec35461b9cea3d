"""Section 11 of analytics-api.md against a real server (SPARKLYTICS_AUTH=none): sessions,
custom events, goals, public share links and the CSV export.

One server for the module: the events are posted once through /api/collect, and every number
the tests expect is computed here from what was posted (never read back from DuckDB)."""

from __future__ import annotations

import csv
import io
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from appliance.analytics.query.reports import (
    EXPORT_BATCH_ROWS,
    EXPORT_MAX_ROWS,
    ReportError,
    ReportService,
)
from appliance.analytics.warehouse.database import Warehouse
from tests.analytics.conftest import FAST, add_website, post
from tests.conftest import RunningServer, start_server

TODAY = datetime.now(UTC).date()
DAY = TODAY.isoformat()
EXPORT_HEADER = (
    "id,website_id,event_type,url,referrer_domain,event_name,country,browser,os,device_type,"
    "language,utm_source,utm_medium,utm_campaign,created_at"
)


@dataclass
class Posted:
    visitor: str
    type: str
    url: str
    event_name: str | None = None
    event_data: dict[str, Any] | None = None


# Three visitors → three sessions (a payload visitor_id replaces the computed one).
EVENTS = [
    Posted("a" * 16, "pageview", "https://example.com/pricing?plan=pro"),
    Posted("a" * 16, "pageview", "/about"),
    Posted("a" * 16, "event", "https://example.com/about", "signup", {"plan": "pro", "seats": 3}),
    Posted("b" * 16, "pageview", "https://example.com/pricing"),
    Posted("b" * 16, "event", "https://example.com/pricing", "signup", {"plan": "free"}),
    Posted("b" * 16, "event", "@evil", "=cmd|' /C calc'!A0", {"target": "=x"}),
    Posted("c" * 16, "pageview", "/pricing"),  # relative, as the Next SDK sends it
]


@dataclass
class Setup:
    server: RunningServer
    site: str
    other_site: str
    share_id: str

    @property
    def url(self) -> str:
        return self.server.url


def _wait_for_events(client: httpx.Client, site: str, count: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        answer = client.get(
            f"/api/websites/{site}/export", params={"start_date": DAY, "end_date": DAY}
        )
        if answer.status_code == 200 and len(answer.text.strip().splitlines()) == count + 1:
            return
        time.sleep(0.1)
    raise AssertionError("the events did not reach DuckDB")


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    data_dir = tmp_path_factory.mktemp("reports") / "data"
    site = add_website(data_dir, "example.com")
    other_site = add_website(data_dir, "other.example.org")
    share_id = str(uuid.uuid4())
    # The share link is switched on in the store directly: creating it is another route's job.
    with sqlite3.connect(data_dir / "sparkhouse.db") as db:
        db.execute("UPDATE websites SET share_id = ? WHERE id = ?", (share_id, site))
    server = start_server(data_dir, {**FAST, "SPARKLYTICS_AUTH": "none"})
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            for event in EVENTS:
                body: dict[str, Any] = {
                    "website_id": site,
                    "type": event.type,
                    "url": event.url,
                    "visitor_id": event.visitor,
                }
                if event.event_name:
                    body |= {"event_name": event.event_name, "event_data": event.event_data}
                assert post(client, body).status_code == 202
            _wait_for_events(client, site, len(EVENTS))
        yield Setup(server, site, other_site, share_id)
    finally:
        server.stop()


@pytest.fixture
def api(setup: Setup) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=setup.url, timeout=10) as client:
        yield client


def error_of(answer: httpx.Response, status: int, code: str = "validation_error") -> Any:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code
    return error


# -- 11.1 sessions --------------------------------------------------------------------------


def test_sessions_list_rows_order_and_counts(api: httpx.Client, setup: Setup) -> None:
    answer = api.get(f"/api/websites/{setup.site}/sessions")
    assert answer.status_code == 200
    body = answer.json()
    rows = body["data"]
    assert body["pagination"] == {"limit": 50, "next_cursor": None, "has_more": False}
    by_visitor = {row["visitor_id"]: row for row in rows}
    assert set(by_visitor) == {event.visitor for event in EVENTS}
    for visitor, row in by_visitor.items():
        mine = [event for event in EVENTS if event.visitor == visitor]
        assert row["event_count"] == len(mine)
        assert row["pageview_count"] == sum(event.type == "pageview" for event in mine)
        assert row["entry_page"] == mine[0].url
        assert row["exit_page"] == mine[-1].url
        assert isinstance(row["duration_seconds"], int)
        assert len(row["session_id"]) == 16
        assert set(row) == {
            "session_id", "visitor_id", "first_seen", "last_seen", "duration_seconds",
            "pageview_count", "event_count", "entry_page", "exit_page", "country", "browser",
            "os", "device_type",
        }  # fmt: skip
    last_seen = [row["last_seen"] for row in rows]
    assert last_seen == sorted(last_seen, reverse=True)


def test_sessions_cursor_pagination_walks_every_session_once(
    api: httpx.Client, setup: Setup
) -> None:
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        params = {"limit": "1", **({"cursor": cursor} if cursor else {})}
        body = api.get(f"/api/websites/{setup.site}/sessions", params=params).json()
        seen += [row["session_id"] for row in body["data"]]
        cursor = body["pagination"]["next_cursor"]
        assert body["pagination"]["has_more"] is (cursor is not None)
        if cursor is None:
            break
    everything = api.get(f"/api/websites/{setup.site}/sessions").json()["data"]
    assert seen == [row["session_id"] for row in everything]
    assert len(seen) == 3


def test_sessions_filters_and_range(api: httpx.Client, setup: Setup) -> None:
    path = f"/api/websites/{setup.site}/sessions"
    rows = api.get(path, params={"filter_page": "pricing"}).json()["data"]
    assert {row["visitor_id"] for row in rows} == {"a" * 16, "b" * 16, "c" * 16}
    rows = api.get(path, params={"filter_page": "about"}).json()["data"]
    assert {row["visitor_id"] for row in rows} == {"a" * 16}
    old = (TODAY - timedelta(days=30)).isoformat()
    assert api.get(path, params={"start_date": old, "end_date": old}).json()["data"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "201"},
        {"limit": "ten"},
        {"cursor": "not-a-cursor"},
        {"cursor": "WyJ4IiwieSJd"},  # base64 of ["x","y"]: decodes, but is no cursor
        {"end_date": "2026-01-01", "start_date": "2026-02-01"},
        {"include_bots": "yes"},
    ],
)
def test_sessions_bad_parameters_are_400(
    api: httpx.Client, setup: Setup, params: dict[str, str]
) -> None:
    error_of(api.get(f"/api/websites/{setup.site}/sessions", params=params), 400)


def test_session_detail_events_oldest_first(api: httpx.Client, setup: Setup) -> None:
    listed = api.get(f"/api/websites/{setup.site}/sessions").json()["data"]
    row = next(row for row in listed if row["visitor_id"] == "b" * 16)
    answer = api.get(f"/api/websites/{setup.site}/sessions/{row['session_id']}")
    assert answer.status_code == 200
    detail = answer.json()["data"]
    assert detail["session"] == row
    assert detail["truncated"] is False
    mine = [event for event in EVENTS if event.visitor == "b" * 16]
    assert [event["url"] for event in detail["events"]] == [event.url for event in mine]
    assert [event["event_type"] for event in detail["events"]] == [event.type for event in mine]
    signup = detail["events"][1]
    assert signup["event_name"] == "signup"
    assert isinstance(signup["event_data"], str)  # JSON text, as stored
    assert signup["event_data"].replace(" ", "") == '{"plan":"free"}'
    assert detail["events"][0]["event_data"] is None
    assert set(detail["events"][0]) == {
        "id", "event_type", "url", "event_name", "event_data", "created_at"
    }  # fmt: skip
    created = [event["created_at"] for event in detail["events"]]
    assert created == sorted(created)


def test_session_and_website_not_found(api: httpx.Client, setup: Setup) -> None:
    error_of(api.get(f"/api/websites/{setup.site}/sessions/0123456789abcdef"), 404, "not_found")
    error_of(api.get(f"/api/websites/{setup.site}/sessions/nope"), 404, "not_found")
    for path in ("sessions", "events", "goals", "export?start_date=2026-01-01&end_date=2026-01-02"):
        error = error_of(api.get(f"/api/websites/site_missing000/{path}"), 404, "not_found")
        assert error["message"] == "Website not found"


# -- 11.2 custom events ---------------------------------------------------------------------


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


# -- 11.3 goals -----------------------------------------------------------------------------


def test_goal_crud(api: httpx.Client, setup: Setup) -> None:
    base = f"/api/websites/{setup.other_site}/goals"
    created = api.post(
        base, json={"name": "Pricing", "goal_type": "page_view", "match_value": "/p"}
    )
    assert created.status_code == 201, created.text
    goal = created.json()["data"]
    assert goal["id"].startswith("goal_")
    assert {key: goal[key] for key in ("website_id", "name", "goal_type", "match_value")} == {
        "website_id": setup.other_site, "name": "Pricing", "goal_type": "page_view",
        "match_value": "/p",
    }  # fmt: skip
    assert goal["match_operator"] == "equals" and goal["value_mode"] == "none"
    assert goal["fixed_value"] is None and goal["currency"] == "USD"
    assert api.get(base).json()["data"] == [goal]

    updated = api.put(
        f"{base}/{goal['id']}",
        json={"name": "Pricing page", "value_mode": "fixed", "fixed_value": 10},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["data"]["name"] == "Pricing page"
    assert updated.json()["data"]["fixed_value"] == 10.0

    second = api.post(base, json={"name": "Signup", "goal_type": "event", "match_value": "signup"})
    assert second.status_code == 201
    error = error_of(api.post(base, json={"name": "Signup", "goal_type": "event",
                                          "match_value": "x"}), 422, "duplicate_name")  # fmt: skip
    assert error["field"] == "name"
    error = error_of(
        api.put(f"{base}/{goal['id']}", json={"name": "Signup"}), 422, "duplicate_name"
    )
    assert [item["name"] for item in api.get(base).json()["data"]] == ["Signup", "Pricing page"]

    assert api.delete(f"{base}/{goal['id']}").status_code == 204
    error_of(api.delete(f"{base}/{goal['id']}"), 404, "not_found")
    error_of(api.put(f"{base}/{goal['id']}", json={"name": "x"}), 404, "not_found")
    error_of(api.get(f"{base}/{goal['id']}/stats"), 404, "not_found")
    assert api.delete(f"{base}/{second.json()['data']['id']}").status_code == 204


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"goal_type": "event", "match_value": "x"}, "name"),
        ({"name": "", "goal_type": "event", "match_value": "x"}, "name"),
        ({"name": "x" * 101, "goal_type": "event", "match_value": "x"}, "name"),
        ({"name": "n", "goal_type": "click", "match_value": "x"}, "goal_type"),
        ({"name": "n", "goal_type": "event", "match_value": ""}, "match_value"),
        ({"name": "n", "goal_type": "event", "match_value": "x" * 501}, "match_value"),
        ({"name": "n", "goal_type": "event", "match_value": "x", "match_operator": "regex"},
         "match_operator"),
        ({"name": "n", "goal_type": "event", "match_value": "x", "value_mode": "fixed"},
         "fixed_value"),
        ({"name": "n", "goal_type": "event", "match_value": "x", "value_mode": "fixed",
          "fixed_value": -1}, "fixed_value"),
        ({"name": "n", "goal_type": "event", "match_value": "x",
          "value_mode": "event_property"}, "value_property_key"),
        ({"name": "n", "goal_type": "event", "match_value": "x", "currency": ""}, "currency"),
        ({"name": "n", "goal_type": "event", "match_value": "x", "currency": "x" * 9},
         "currency"),
        ({"name": "n", "goal_type": "event", "match_value": "x", "surprise": 1}, "surprise"),
    ],
)  # fmt: skip
def test_goal_validation_422_names_the_field(
    api: httpx.Client, setup: Setup, body: dict[str, Any], field: str
) -> None:
    error = error_of(api.post(f"/api/websites/{setup.other_site}/goals", json=body), 422)
    assert error["field"] == field


def test_goal_body_must_be_json(api: httpx.Client, setup: Setup) -> None:
    path = f"/api/websites/{setup.other_site}/goals"
    error_of(api.post(path, content=b"not json", headers={"Content-Type": "application/json"}), 400)
    assert api.post(path, content=b"{}", headers={"Content-Type": "text/plain"}).status_code == 415
    error_of(api.post(path, json=[1, 2]), 400)


def test_goal_limit_is_50_per_website(api: httpx.Client, setup: Setup) -> None:
    base = f"/api/websites/{setup.other_site}/goals"
    ids = []
    for n in range(50):
        answer = api.post(base, json={"name": f"g{n}", "goal_type": "event", "match_value": "e"})
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["data"]["id"])
    error_of(
        api.post(base, json={"name": "one more", "goal_type": "event", "match_value": "e"}),
        422,
        "limit_exceeded",
    )
    for goal_id in ids:
        assert api.delete(f"{base}/{goal_id}").status_code == 204


def _matches(goal: dict[str, Any], event: Posted) -> bool:
    """The 11.3 matching rules, restated independently of the server's SQL."""
    if goal["goal_type"] == "event":
        if event.type != "event" or event.event_name is None:
            return False
        if goal.get("match_operator") == "contains":
            return goal["match_value"] in event.event_name
        return event.event_name == goal["match_value"]
    if event.type != "pageview":
        return False
    if goal.get("match_operator") == "contains":
        return goal["match_value"] in event.url
    if not event.url.startswith(("http://", "https://")):
        return False  # QUIRK: relative URLs never match an equals goal
    rest = event.url.split("://", 1)[1]
    cut = min((rest.find(c) for c in "/?#" if c in rest), default=len(rest))
    path = rest[cut:].split("#", 1)[0]
    return path.startswith("/") and path == goal["match_value"]


@pytest.mark.parametrize(
    "goal",
    [
        {"goal_type": "page_view", "match_value": "/pricing"},
        {"goal_type": "page_view", "match_value": "/pricing?plan=pro"},
        {"goal_type": "page_view", "match_value": "pricing", "match_operator": "contains"},
        {"goal_type": "event", "match_value": "signup"},
        {"goal_type": "event", "match_value": "sign", "match_operator": "contains"},
    ],
)
def test_goal_stats(api: httpx.Client, setup: Setup, goal: dict[str, Any]) -> None:
    base = f"/api/websites/{setup.site}/goals"
    created = api.post(base, json={"name": f"goal {uuid.uuid4().hex[:6]}", **goal})
    assert created.status_code == 201, created.text
    goal_id = created.json()["data"]["id"]
    try:
        answer = api.get(f"{base}/{goal_id}/stats")
        assert answer.status_code == 200
        stats = answer.json()["data"]
        matched = [event for event in EVENTS if _matches(goal, event)]
        sessions = {event.visitor for event in EVENTS}  # one session per visitor
        converting = {event.visitor for event in matched}
        assert stats == {
            "goal_id": goal_id,
            "conversions": len(matched),
            "converting_sessions": len(converting),
            "total_sessions": len(sessions),
            "conversion_rate": pytest.approx(len(converting) / len(sessions)),
            "prev_conversions": None,  # nothing in the previous period
            "prev_conversion_rate": None,
            "trend_pct": None,
        }
    finally:
        api.delete(f"{base}/{goal_id}")


def test_goal_stats_quirk_relative_urls_never_match_equals(api: httpx.Client, setup: Setup) -> None:
    base = f"/api/websites/{setup.site}/goals"
    goal = api.post(
        base, json={"name": "about", "goal_type": "page_view", "match_value": "/about"}
    ).json()["data"]
    try:
        stats = api.get(f"{base}/{goal['id']}/stats").json()["data"]
        assert stats["conversions"] == 0  # "/about" was sent relative
    finally:
        api.delete(f"{base}/{goal['id']}")


# -- 11.6 export ----------------------------------------------------------------------------


def test_export_csv(api: httpx.Client, setup: Setup) -> None:
    answer = api.get(
        f"/api/websites/{setup.site}/export",
        params={"start_date": DAY, "end_date": DAY, "format": "csv"},
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="events-{setup.site}-{DAY}-{DAY}.csv"'
    )
    lines = answer.text.splitlines()
    assert lines[0] == EXPORT_HEADER
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(rows) == len(EVENTS)
    assert [row["created_at"] for row in rows] == sorted(row["created_at"] for row in rows)
    assert {row["website_id"] for row in rows} == {setup.site}
    assert sorted(row["url"] for row in rows) == sorted(
        "'" + event.url if event.url[0] in "=+-@" else event.url for event in EVENTS
    )
    danger = next(row for row in rows if row["url"] == "'@evil")
    assert danger["event_name"] == "'=cmd|' /C calc'!A0"
    assert all(not value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())


def test_export_empty_range_is_only_the_header(api: httpx.Client, setup: Setup) -> None:
    old = (TODAY - timedelta(days=40)).isoformat()
    answer = api.get(
        f"/api/websites/{setup.site}/export", params={"start_date": old, "end_date": old}
    )
    assert answer.status_code == 200
    assert answer.text.splitlines() == [EXPORT_HEADER]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"start_date": "2026-01-01"},
        {"end_date": "2026-01-01"},
        {"start_date": "2026-1-01", "end_date": "2026-01-02"},
        {"start_date": "yesterday", "end_date": "2026-01-02"},
        {"start_date": "2026-01-02", "end_date": "2026-01-01"},
        {"start_date": "2026-01-01", "end_date": "2026-04-01"},  # 91 days
        {"start_date": "2026-01-01", "end_date": "2026-01-02", "format": "json"},
    ],
)
def test_export_400(api: httpx.Client, setup: Setup, params: dict[str, str]) -> None:
    error_of(api.get(f"/api/websites/{setup.site}/export", params=params), 400)


def test_export_90_days_is_allowed(api: httpx.Client, setup: Setup) -> None:
    params = {"start_date": "2026-01-01", "end_date": "2026-03-31"}
    assert api.get(f"/api/websites/{setup.site}/export", params=params).status_code == 200


# -- 11.5 public share links ----------------------------------------------------------------


def share(api: httpx.Client, setup: Setup, report: str, ip: str, **params: str) -> httpx.Response:
    return api.get(
        f"/api/share/{setup.share_id}/{report}",
        params=params,
        headers={"X-Forwarded-For": ip},  # the test server trusts 127.0.0.1 as a proxy
    )


def test_share_stats_pageviews_metrics_overview(api: httpx.Client, setup: Setup) -> None:
    ip = "198.51.100.1"
    stats = share(api, setup, "stats", ip, start_date=DAY, end_date=DAY).json()["data"]
    per_visitor = {v: [e for e in EVENTS if e.visitor == v] for v in {e.visitor for e in EVENTS}}
    assert stats["pageviews"] == len(EVENTS)  # QUIRK: every event type counts
    assert stats["visitors"] == len(per_visitor) == stats["sessions"]
    bounced = sum(len(events) == 1 for events in per_visitor.values())
    assert stats["bounce_rate"] == round(bounced / len(per_visitor), 3)
    assert stats["prev_pageviews"] == 0 and stats["timezone"] == "UTC"
    assert "compare" not in stats

    pageviews = share(api, setup, "pageviews", ip).json()["data"]
    assert pageviews["granularity"] == "day" and len(pageviews["series"]) == 7
    assert pageviews["series"][-1] == {"date": DAY, "pageviews": len(EVENTS), "visitors": 3}
    assert pageviews["compare_series"] is None

    metrics = share(api, setup, "metrics", ip, type="page").json()
    assert metrics["compare"] is None
    rows = {row["value"]: row for row in metrics["data"]["rows"]}
    assert metrics["pagination"]["total"] == len({e.url for e in EVENTS}) == len(rows)
    assert rows["https://example.com/pricing"]["pageviews"] == 1
    assert rows["https://example.com/pricing"]["visitors"] == 1
    assert metrics["data"]["type"] == "page"

    overview = share(api, setup, "overview", ip).json()["data"]
    assert overview["stats"]["pageviews"] == len(EVENTS)
    assert set(overview["pageviews"]) >= {"series", "granularity"}
    assert set(overview["metrics"]) == {"page", "referrer", "browser", "country", "os", "device"}
    assert overview["metrics"]["referrer"]["rows"][0]["value"] == "(direct)"


def test_share_errors(api: httpx.Client, setup: Setup) -> None:
    ip = "198.51.100.2"
    unknown = api.get(f"/api/share/{uuid.uuid4()}/stats", headers={"X-Forwarded-For": ip})
    error_of(unknown, 404, "not_found")
    error_of(share(api, setup, "stats", ip, start_date="2026-01-01", end_date="2026-04-01"), 400)
    error_of(share(api, setup, "stats", ip, start_date="2026-02-01", end_date="2026-01-01"), 400)
    error_of(share(api, setup, "metrics", ip), 400)
    error_of(share(api, setup, "metrics", ip, type="planet"), 400)
    assert share(api, setup, "stats", ip, start_date="2026-01-01", end_date="2026-03-31").is_success
    assert api.get(f"/api/share/{setup.share_id}/journey").status_code == 404


def test_share_rate_limit_is_30_per_minute_per_client(api: httpx.Client, setup: Setup) -> None:
    ip = "198.51.100.3"
    statuses = [share(api, setup, "stats", ip).status_code for _ in range(30)]
    assert statuses == [200] * 30
    limited = share(api, setup, "stats", ip)
    error_of(limited, 429, "rate_limited")
    assert int(limited.headers["retry-after"]) >= 1
    # probing unknown ids spends the same budget; another client is unaffected
    error_of(api.get(f"/api/share/{uuid.uuid4()}/stats", headers={"X-Forwarded-For": ip}), 429,
             "rate_limited")  # fmt: skip
    assert share(api, setup, "stats", "198.51.100.4").status_code == 200


# -- export streaming, on a warehouse of its own --------------------------------------------


async def _export_rows(tmp_path: Path, rows: int) -> tuple[ReportService, Warehouse]:
    warehouse = Warehouse(tmp_path / "analytics.duckdb", threads=1)
    await warehouse.open()
    # Three events per second, so the keyset pagination meets ties on created_at.
    await warehouse.write(
        lambda connection: connection.execute(
            "INSERT INTO events (id, website_id, session_id, visitor_id, event_type, url, "
            "created_at) SELECT uuid(), 'site_bulk', 's', 'v', 'pageview', '/p' || i, "
            "TIMESTAMP '2026-03-01 00:00:00' + to_seconds(i // 3) FROM range(?) t(i)",
            [rows],
        )
    )
    return ReportService(warehouse), warehouse


async def test_export_streams_in_batches_without_losing_rows(tmp_path: Path) -> None:
    total = EXPORT_BATCH_ROWS * 2 + 7
    reports, warehouse = await _export_rows(tmp_path, total)
    try:
        export = await reports.export(
            "site_bulk", {"start_date": "2026-03-01", "end_date": "2026-03-01"}
        )
        chunks = [chunk async for chunk in export.chunks]
    finally:
        await warehouse.close()
    assert len(chunks) == 1 + 3  # the header, then one chunk per batch
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode())))
    assert rows[0] == EXPORT_HEADER.split(",")
    urls = [row[3] for row in rows[1:]]
    assert len(urls) == total and len(set(urls)) == total


async def test_export_over_500_000_rows_is_400(tmp_path: Path) -> None:
    reports, warehouse = await _export_rows(tmp_path, EXPORT_MAX_ROWS + 1)
    try:
        with pytest.raises(ReportError) as refused:
            await reports.export(
                "site_bulk", {"start_date": "2026-03-01", "end_date": "2026-03-03"}
            )
    finally:
        await warehouse.close()
    assert refused.value.status == 400
    assert "500000" in refused.value.message
