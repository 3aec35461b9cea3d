"""Goals (analytics-api.md 11.3) against the section 11 data set: definitions (admin/goals.py
through admin/routes_goals.py) — CRUD, the 422s naming their field, the JSON body, the limit
— and their conversion statistics (query/goals.py), matched independently here."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.analytics.query.conftest import EVENTS, Posted, Setup, error_of


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
