"""Public share links (analytics-api.md 11.5) against the section 11 data set: the four
reports, the refusals, and the rate limit of 30 requests a minute per client."""

from __future__ import annotations

import uuid

import httpx

from tests.analytics.query.conftest import DAY, EVENTS, Setup, error_of


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
    # pages are paths: /pricing?plan=pro, https://example.com/pricing and /pricing are one
    assert metrics["pagination"]["total"] == len(rows) == 3
    assert set(rows) == {"/pricing", "/about", "@evil"}
    assert rows["/pricing"]["pageviews"] == 3
    assert rows["/pricing"]["visitors"] == 3
    assert metrics["data"]["type"] == "page"

    overview = share(api, setup, "overview", ip).json()["data"]
    assert overview["stats"]["pageviews"] == len(EVENTS)
    assert set(overview["pageviews"]) >= {"series", "granularity"}
    assert set(overview["metrics"]) == {"page", "referrer", "browser", "country", "os", "device"}
    assert overview["metrics"]["referrer"]["rows"][0]["value"] == "(direct)"
    # OURS: the public page titles itself with the website's name
    assert set(overview["website"]) == {"name", "domain"} and overview["website"]["domain"]


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
