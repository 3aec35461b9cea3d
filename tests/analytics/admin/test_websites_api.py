"""The websites API (analytics-api.md 8) and share links (11.5) against real servers."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.analytics.conftest import FAST, login, post, query, stop
from tests.conftest import RunningServer, start_server

PUBLIC_URL = "https://stats.example.org"
TRACKING_BASE = "https://cdn.example.org/"
ALLOWED_ORIGIN = "https://dashboard.example.org"
ENV = {
    "SPARKLYTICS_BOOTSTRAP_PASSWORD": "a-private-bootstrap-secret",
    "SPARKLYTICS_PUBLIC_URL": PUBLIC_URL,
    "SPARKLYTICS_TRACKING_PUBLIC_BASE": TRACKING_BASE,
    "CORS_ORIGINS": ALLOWED_ORIGIN,
}
WALL_CLOCK = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?"


@pytest.fixture(scope="module")
def websites_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("websites") / "data", ENV)
    yield running
    running.stop()


@pytest.fixture
def api(websites_server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=websites_server.url, timeout=10) as client:
        login(client, bootstrap_password=ENV["SPARKLYTICS_BOOTSTRAP_PASSWORD"])
        yield client


def error(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == code, body
    return body


def create(api: httpx.Client, **body: object) -> dict[str, object]:
    response = api.post("/api/websites", json={"name": "Blog", "domain": "example.com", **body})
    assert response.status_code == 201, response.text
    data: dict[str, object] = response.json()["data"]
    return data


def test_requires_authentication(websites_server: RunningServer, api: httpx.Client) -> None:
    # (the api fixture has run the setup; before it the answer is 403 setup_required)
    response = httpx.get(f"{websites_server.url}/api/websites")
    assert error(response, 401, "unauthorized")["message"] == "Not authenticated"


def test_crud(api: httpx.Client) -> None:
    site = create(api, name="  My Blog ", domain=" Blog.Example.COM. ")
    assert set(site) == {
        "id",
        "tenant_id",
        "name",
        "domain",
        "timezone",
        "tracking_snippet",
        "created_at",
    }
    site_id = str(site["id"])
    assert re.fullmatch(r"site_[0-9a-z]{10}", site_id)
    assert site["name"] == "My Blog" and site["domain"] == "blog.example.com"
    assert site["timezone"] == "UTC" and site["tenant_id"] is None
    assert site["tracking_snippet"] == (
        f'<script defer src="https://cdn.example.org/s.js" data-website-id="{site_id}"></script>'
    )
    assert re.fullmatch(WALL_CLOCK, str(site["created_at"]))

    got = api.get(f"/api/websites/{site_id}").json()["data"]
    assert set(got) == {
        "id",
        "tenant_id",
        "name",
        "domain",
        "timezone",
        "share_id",
        "tracking_snippet",
        "created_at",
        "updated_at",
    }
    assert got["share_id"] is None and got["tracking_snippet"] == site["tracking_snippet"]

    updated = api.put(f"/api/websites/{site_id}", json={"timezone": "Europe/Paris"})
    assert updated.status_code == 200
    assert updated.json()["data"] == {
        "id": site_id,
        "name": "My Blog",
        "domain": "blog.example.com",
        "timezone": "Europe/Paris",
        "updated_at": updated.json()["data"]["updated_at"],
    }
    renamed = api.put(
        f"/api/websites/{site_id}", json={"name": "Renamed", "domain": "b.example.org"}
    )
    assert renamed.json()["data"]["name"] == "Renamed"
    assert renamed.json()["data"]["domain"] == "b.example.org"
    assert renamed.json()["data"]["timezone"] == "Europe/Paris"
    bad = error(
        api.put(f"/api/websites/{site_id}", json={"domain": "co.uk"}), 400, "validation_error"
    )
    assert bad["field"] == "domain"
    assert api.get(f"/api/websites/{site_id}").json()["data"]["domain"] == "b.example.org"

    assert api.delete(f"/api/websites/{site_id}").status_code == 204
    missing = error(api.get(f"/api/websites/{site_id}"), 404, "not_found")
    assert missing["message"] == "Website not found"
    error(api.put(f"/api/websites/{site_id}", json={"name": "x"}), 404, "not_found")
    error(api.delete(f"/api/websites/{site_id}"), 404, "not_found")


def test_bad_bodies(api: httpx.Client) -> None:
    assert (
        error(
            api.post("/api/websites", json={"name": " ", "domain": "example.com"}),
            400,
            "validation_error",
        )["field"]
        == "name"
    )
    assert (
        error(api.post("/api/websites", json={"domain": "example.com"}), 422, "validation_error")[
            "field"
        ]
        == "name"
    )
    assert (
        error(
            api.post("/api/websites", json={"name": 5, "domain": "example.com"}),
            422,
            "validation_error",
        )["field"]
        == "name"
    )
    assert (
        api.post(
            "/api/websites", content=b"{", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )
    assert (
        api.post("/api/websites", content=b"{}", headers={"Content-Type": "text/plain"}).status_code
        == 415
    )
    for timezone in ["Mars/Olympus_Mons", "utc+2", "../../etc/passwd", ""]:
        response = api.post(
            "/api/websites", json={"name": "x", "domain": "example.com", "timezone": timezone}
        )
        assert error(response, 400, "validation_error")["field"] == "timezone", timezone
    assert create(api, timezone="America/New_York")["timezone"] == "America/New_York"


@pytest.mark.parametrize(
    ("domain", "stored"),
    [
        ("example.com", "example.com"),
        ("  WWW.Example.COM.  ", "www.example.com"),
        ("shop.example.co.uk", "shop.example.co.uk"),
        ("example.co.uk", "example.co.uk"),
        ("localhost", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
        ("my-site.example.org", "my-site.example.org"),
        ("com", None),
        ("co.uk", None),
        ("github.io", None),
        ("https://example.com", None),
        ("example.com/blog", None),
        ("user@example.com", None),
        ("example.com:8080", None),
        ("example.com?x=1", None),
        ("example.com#top", None),
        ("", None),
        ("   ", None),
        ("-bad.example.com", None),
        ("under_score.example.com", None),
        ("a..example.com", None),
        ("1.2.3.999", None),
        ("::1", None),
    ],
)
def test_domain_validation(api: httpx.Client, domain: str, stored: str | None) -> None:
    response = api.post("/api/websites", json={"name": "x", "domain": domain})
    if stored is None:
        assert error(response, 400, "validation_error")["field"] == "domain"
    else:
        assert response.status_code == 201, response.text
        assert response.json()["data"]["domain"] == stored


def test_pagination(api: httpx.Client) -> None:
    created = {str(create(api, name=f"page {i}")["id"]) for i in range(5)}
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get("/api/websites", params=params).json()
        page = [row["id"] for row in body["data"]]
        assert len(page) <= 2 and body["pagination"]["limit"] == 2
        seen += page
        assert body["pagination"]["total"] >= 5
        if not body["pagination"]["has_more"]:
            assert body["pagination"]["cursor"] is None
            break
        assert body["pagination"]["cursor"] == page[-1]
        cursor = page[-1]
    assert seen == sorted(seen) and created <= set(seen)
    assert len(seen) == body["pagination"]["total"]
    row = api.get("/api/websites", params={"limit": 1}).json()["data"][0]
    assert set(row) == {
        "id",
        "tenant_id",
        "name",
        "domain",
        "timezone",
        "ingest_peak_eps",
        "ingest_queue_max_events",
        "share_id",
        "created_at",
        "updated_at",
    }
    assert api.get("/api/websites", params={"limit": 0}).json()["pagination"]["limit"] == 1
    assert api.get("/api/websites", params={"limit": 999}).json()["pagination"]["limit"] == 100
    error(api.get("/api/websites", params={"limit": "ten"}), 400, "validation_error")


def test_ingest_limits(api: httpx.Client) -> None:
    site_id = create(api)["id"]
    path = f"/api/websites/{site_id}/ingest-limits"
    default = api.get(path).json()["data"]
    assert default["website_id"] == site_id and default["custom"] == {}
    assert default["source"] == {"peak_events_per_sec": "default", "queue_max_events": "default"}
    assert isinstance(default["peak_events_per_sec"], int)
    assert default["queue_max_events"] == 100_000
    custom = api.put(path, json={"peak_events_per_sec": 50}).json()["data"]
    assert custom["peak_events_per_sec"] == 50 and custom["custom"] == {"peak_events_per_sec": 50}
    assert custom["source"] == {"peak_events_per_sec": "custom", "queue_max_events": "default"}
    both = api.put(path, json={"queue_max_events": 500}).json()["data"]
    assert both["custom"] == {"peak_events_per_sec": 50, "queue_max_events": 500}
    reset = api.put(path, json={"peak_events_per_sec": None}).json()["data"]
    assert reset["custom"] == {"queue_max_events": 500}
    for bad in [0, -3]:
        error(api.put(path, json={"queue_max_events": bad}), 400, "validation_error")
    error(api.put(path, json={"queue_max_events": "many"}), 422, "validation_error")
    error(api.get("/api/websites/site_nothere000/ingest-limits"), 404, "not_found")


def test_share_links(api: httpx.Client) -> None:
    site_id = create(api)["id"]
    first = api.post(f"/api/websites/{site_id}/share")
    assert first.status_code == 201
    share_id = first.json()["data"]["share_id"]
    assert uuid.UUID(share_id).version == 4
    assert first.json()["data"]["share_url"] == f"{PUBLIC_URL}/share/{share_id}"
    again = api.post(f"/api/websites/{site_id}/share")
    assert again.status_code == 201 and again.json()["data"]["share_id"] == share_id
    assert api.get(f"/api/websites/{site_id}").json()["data"]["share_id"] == share_id
    assert api.delete(f"/api/websites/{site_id}/share").status_code == 204
    assert api.get(f"/api/websites/{site_id}").json()["data"]["share_id"] is None
    error(api.delete(f"/api/websites/{site_id}/share"), 404, "not_found")
    error(api.post("/api/websites/site_nothere000/share"), 404, "not_found")


def test_cors_allow_list(websites_server: RunningServer, api: httpx.Client) -> None:
    evil = api.get("/api/websites", headers={"Origin": "https://evil.example"})
    assert evil.status_code == 200
    assert "access-control-allow-origin" not in evil.headers
    allowed = api.get("/api/websites", headers={"Origin": ALLOWED_ORIGIN})
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    preflight = httpx.options(
        f"{websites_server.url}/api/websites",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.headers.get("access-control-allow-origin") in (None, "")
    assert "*" not in preflight.headers.get("access-control-allow-origin", "")


def test_delete_removes_events(make_server: Callable[..., RunningServer]) -> None:
    server = make_server(env={**FAST, **ENV})
    with httpx.Client(base_url=server.url, timeout=10) as api:
        login(api, bootstrap_password=ENV["SPARKLYTICS_BOOTSTRAP_PASSWORD"])
        doomed = create(api, domain="doomed.example")["id"]
        kept = create(api, domain="kept.example")["id"]
        for site_id in (doomed, kept):
            body = {"website_id": site_id, "type": "pageview", "url": "/"}
            assert post(api, body).status_code == 202
        time.sleep(1.0)  # FAST flushes every 200 ms
        assert api.delete(f"/api/websites/{doomed}").status_code == 204
        gone = post(api, {"website_id": doomed, "type": "pageview", "url": "/"})
        assert gone.status_code == 404
    assert stop(server) == 0
    counts = query(
        server.data_dir,
        "SELECT website_id, count(*) AS n FROM events GROUP BY website_id",
    )
    assert counts == [{"website_id": kept, "n": 1}]
    assert query(
        server.data_dir, "SELECT count(*) AS n FROM sessions WHERE website_id = ?", [doomed]
    ) == [{"n": 0}]


def test_without_a_public_url_snippets_and_share_links_use_the_address_in_use(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """SPARKLYTICS_PUBLIC_URL unset: its default (http://localhost:4000) is wrong on any other
    port, so the snippet's /s.js and the share link use the address the request came to."""
    data_dir = tmp_path_factory.mktemp("no-public-url") / "data"
    running = start_server(data_dir, {**FAST, "SPARKLYTICS_AUTH": "none"})
    try:
        port = running.url.rsplit(":", 1)[1]
        assert port != "4000"
        for base in (running.url, f"http://localhost:{port}"):
            with httpx.Client(base_url=base, timeout=10) as client:
                site = client.post("/api/websites", json={"name": "Blog", "domain": "a.example"})
                assert site.status_code == 201, site.text
                data = site.json()["data"]
                assert data["tracking_snippet"] == (
                    f'<script defer src="{base}/s.js" data-website-id="{data["id"]}"></script>'
                )
                got = client.get(f"/api/websites/{data['id']}").json()["data"]
                assert got["tracking_snippet"] == data["tracking_snippet"]
                share = client.post(f"/api/websites/{data['id']}/share").json()["data"]
                assert share["share_url"] == f"{base}/share/{share['share_id']}"
                assert client.get("/s.js").status_code == 200
    finally:
        running.stop()
