"""Sessions (analytics-api.md 11.1) against the section 11 data set: rows, order and counts,
the cursor, filters and range, the refusals, one session's events, and the 404s."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.analytics.query.conftest import EVENTS, TODAY, Setup, error_of


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
