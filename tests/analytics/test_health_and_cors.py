"""GET /health (analytics-api.md 2) and the CORS classes of section 1.4 on a real server."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.conftest import RunningServer

Start = Callable[..., tuple[RunningServer, str]]
ALLOWED = "https://dash.example"
OTHER = "https://evil.example"


def test_health_is_public_and_has_no_cors(analytics_server: Start) -> None:
    server, _ = analytics_server({"SPARKLYTICS_CORS_ORIGINS": ALLOWED})
    answer = httpx.get(f"{server.url}/health", headers={"Origin": ALLOWED}, timeout=10)
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok"
    assert body["version"]
    assert "access-control-allow-origin" not in answer.headers


def test_query_routes_follow_the_allow_list_and_never_star(analytics_server: Start) -> None:
    # SPARKLYTICS_CORS_ORIGINS, whitespace separated, as Sparklytics reads it
    server, site = analytics_server(
        {"SPARKLYTICS_AUTH": "none", "SPARKLYTICS_CORS_ORIGINS": f"{ALLOWED} https://b.example"}
    )
    path = f"{server.url}/api/websites/{site}"
    with httpx.Client(timeout=10) as client:
        allowed = client.get(path, headers={"Origin": ALLOWED})
        assert allowed.status_code == 200, allowed.text
        assert allowed.headers["access-control-allow-origin"] == ALLOWED
        refused = client.get(path, headers={"Origin": OTHER})
        assert "access-control-allow-origin" not in refused.headers
        preflight = client.options(
            path, headers={"Origin": ALLOWED, "Access-Control-Request-Method": "PUT"}
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == ALLOWED
        assert "PUT" in preflight.headers["access-control-allow-methods"]
        refused_preflight = client.options(
            path, headers={"Origin": OTHER, "Access-Control-Request-Method": "GET"}
        )
        assert refused_preflight.headers.get("access-control-allow-origin") is None
        for answer in (allowed, refused, preflight, refused_preflight):
            assert answer.headers.get("access-control-allow-origin") != "*"
