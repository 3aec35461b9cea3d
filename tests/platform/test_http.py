"""HTTP platform rules: envelope, CORS, security headers, client address (the access log:
test_access_log.py)."""

from __future__ import annotations

import httpx

SPARK = {"color": [1, 1, 1], "radius": 1, "transparency": 0, "time_to_grow": 0}


def test_healthz(http: httpx.Client) -> None:
    response = http.get("/healthz")
    assert response.status_code == 200 and response.json() == {"ok": True}


def test_security_headers_on_api_and_pages(http: httpx.Client) -> None:
    for path in ("/healthz", "/board"):
        headers = http.get(path).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert "referrer-policy" in headers
    page = http.get("/board")
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_unknown_api_path_is_json_404_but_browser_paths_get_the_app(http: httpx.Client) -> None:
    api = http.get("/api/nothing/here/at/all")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
    assert http.delete("/board").status_code == 404
    assert http.get("/clicker").headers["content-type"].startswith("text/html")


def test_system_lists_the_parts(http: httpx.Client) -> None:
    system = http.get("/api/system").json()
    assert system["name"] == "sparkhouse"
    assert {"name": "sparks", "path": "/board"}.items() <= system["parts"][0].items()


def test_cors_allows_only_listed_origins(make_server) -> None:  # type: ignore[no-untyped-def]
    running = make_server(env={"CORS_ORIGINS": "http://app.example, https://b.example/"})
    with httpx.Client(base_url=running.url) as client:
        allowed = client.post("/api/1/1", json=SPARK, headers={"Origin": "http://app.example"})
        assert allowed.headers["access-control-allow-origin"] == "http://app.example"
        assert allowed.headers["vary"] == "Origin"
        other = client.post("/api/1/1", json=SPARK, headers={"Origin": "http://evil.example"})
        assert other.status_code == 202  # CORS is the browser's check; no header, no read
        assert "access-control-allow-origin" not in other.headers
        preflight = client.options(
            "/api/1/1",
            headers={
                "Origin": "https://b.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "https://b.example"
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert preflight.headers["access-control-allow-headers"] == "content-type"
        refused = client.options(
            "/api/1/1",
            headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "cors_origin_refused"
        assert "access-control-allow-origin" not in refused.headers


def test_star_is_refused_as_a_cors_origin(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "appliance", "config"],
        capture_output=True,
        text=True,
        env={"CORS_ORIGINS": "*", "PATH": "/usr/bin"},
    )
    assert result.returncode != 0
    assert "'*' is not allowed" in result.stderr


def test_forwarded_for_is_believed_only_from_trusted_proxies(make_server) -> None:  # type: ignore[no-untyped-def]
    """The per-IP spark limit keys on the client address: X-Forwarded-For from an untrusted
    peer is ignored, from a trusted one it names the client."""
    untrusted = make_server(env={"SPARKHOUSE_SPARKS_RATE_PER_MINUTE": "2"})
    with httpx.Client(base_url=untrusted.url) as client:
        statuses = [
            client.post(
                "/api/1/1", json=SPARK, headers={"X-Forwarded-For": f"10.0.0.{i}"}
            ).status_code
            for i in range(3)
        ]
    assert statuses == [202, 202, 429]  # one client (the peer), whatever the header says
    trusted = make_server(
        env={"SPARKHOUSE_SPARKS_RATE_PER_MINUTE": "2", "SPARKHOUSE_TRUSTED_PROXIES": "127.0.0.0/8"}
    )
    with httpx.Client(base_url=trusted.url) as client:
        statuses = [
            client.post(
                "/api/1/1", json=SPARK, headers={"X-Forwarded-For": f"203.0.113.{i}"}
            ).status_code
            for i in range(3)
        ]
        assert statuses == [202, 202, 202]  # three clients
        same = [
            client.post(
                "/api/1/1", json=SPARK, headers={"X-Forwarded-For": "198.51.100.9, 127.0.0.5"}
            ).status_code
            for _ in range(3)
        ]
        assert same == [202, 202, 429]  # the nearest untrusted hop is the client
