"""Arena accounts through HTTP on a real server (codincod-contract.md §2, §3.1, §3.2):
registration, login by name or email, the token cookie and its claims, the current user,
users' pages, and that an arena login never opens analytics."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.arena.conftest import PASSWORD, QUIET, signed_up, unique_name
from tests.conftest import RunningServer

HEX24 = re.compile(r"[0-9a-f]{24}")
ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def register(
    client: httpx.Client, name: str, email: str | None = None, **extra: str
) -> httpx.Response:
    body = {"email": email or f"{name}@example.org", "username": name, "password": PASSWORD}
    body.update(extra)
    return client.post("/api/v1/register", json=body)


def test_registration_sets_codincods_token_cookie_with_its_claims(
    arena_server: RunningServer,
) -> None:
    name = unique_name("reg")
    with httpx.Client(base_url=arena_server.url) as client:
        answer = register(client, name)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"message": "User registered successfully"}
        cookie = answer.headers["set-cookie"]
        # The frontend copies the first name=value pair of Set-Cookie: it must be the token.
        assert cookie.startswith("token=")
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"path", "max-age", "httponly", "samesite"} <= attributes
        assert "secure" not in attributes and "domain" not in attributes
        assert "Max-Age=604800" in cookie and "Path=/" in cookie and "SameSite=Lax" in cookie
        claims = claims_of(client.cookies["token"])
        assert HEX24.fullmatch(claims["userId"])
        assert claims["username"] == name and claims["role"] == "user"
        assert claims["isAuthenticated"] is True
        assert claims["exp"] - claims["iat"] == 24 * 3600
        me = client.get("/api/v1/user/me")
    assert me.status_code == 200
    assert me.json() == {
        "isAuthenticated": True,
        "userId": claims["userId"],
        "username": name,
        "role": "user",
    }


@pytest.mark.parametrize("path", ["/api/v1/user/me", "/api/user/me", "/api/v1/user/me/"])
def test_every_route_answers_under_both_prefixes_and_with_a_trailing_slash(
    arena_server: RunningServer, path: str
) -> None:
    with signed_up(arena_server.url) as client:
        assert client.get(path).status_code == 200


def test_taken_usernames_and_emails_are_refused_with_codincods_messages(
    arena_server: RunningServer,
) -> None:
    name = unique_name("taken")
    with httpx.Client(base_url=arena_server.url) as client:
        assert register(client, name).status_code == 200
        again = register(client, name, email=f"other-{name}@example.org")
        same_email = register(client, unique_name("other"), email=f"{name.upper()}@Example.org")
    assert again.status_code == 400 and again.json()["message"] == "Username already exists"
    assert same_email.status_code == 400
    assert same_email.json()["message"] == "Email already exists"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "username": "valid_name", "password": PASSWORD}, "email"),
        ({"email": "a@example.org", "username": "ab", "password": PASSWORD}, "username"),
        ({"email": "a@example.org", "username": "bad name!", "password": PASSWORD}, "username"),
        ({"email": "a@example.org", "username": "x" * 21, "password": PASSWORD}, "username"),
        ({"email": "a@example.org", "username": "valid_name", "password": "short"}, "password"),
        ({"username": "valid_name", "password": PASSWORD}, "email"),
    ],
)
def test_invalid_registrations_name_the_field(
    arena_server: RunningServer, body: dict[str, str], field: str
) -> None:
    answer = httpx.post(f"{arena_server.url}/api/v1/register", json=body)
    assert answer.status_code == 400
    error = answer.json()
    assert error["error"] == "Validation Error"
    assert field in [detail["path"] for detail in error["details"]]
    assert "set-cookie" not in answer.headers


def test_a_body_that_is_no_json_object_is_a_400_not_a_500(arena_server: RunningServer) -> None:
    for content in (b"[1, 2]", b"{not json", b'"text"'):
        answer = httpx.post(
            f"{arena_server.url}/api/v1/register",
            content=content,
            headers={"content-type": "application/json"},
        )
        assert answer.status_code == 400, (content, answer.text)
        assert answer.json()["message"]


def test_login_by_username_or_email_and_form_bodies_work(arena_server: RunningServer) -> None:
    name = unique_name("login")
    with httpx.Client(base_url=arena_server.url) as client:
        register(client, name)
    for identifier in (name, f"{name}@example.org", f"  {name.upper()}@EXAMPLE.ORG "):
        with httpx.Client(base_url=arena_server.url) as client:
            answer = client.post(
                "/api/v1/login", json={"identifier": identifier, "password": PASSWORD}
            )
            assert answer.status_code == 200, (identifier, answer.text)
            assert answer.json() == {"message": "Login successful"}
            assert client.get("/api/v1/user/me").json()["username"] == name
    with httpx.Client(base_url=arena_server.url) as client:
        form = client.post("/api/login", data={"identifier": name, "password": PASSWORD})
        assert form.status_code == 200
        assert client.get("/api/user/me").status_code == 200


def test_unknown_users_and_wrong_passwords_get_the_same_answer(
    arena_server: RunningServer,
) -> None:
    name = unique_name("pw")
    with httpx.Client(base_url=arena_server.url) as client:
        register(client, name)
        wrong = client.post(
            "/api/v1/login", json={"identifier": name, "password": "wrong but long enough"}
        )
        unknown = client.post(
            "/api/v1/login", json={"identifier": "nobody_here", "password": PASSWORD}
        )
        garbage = client.post("/api/v1/login", json={"identifier": "", "password": "x"})
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json()
    assert wrong.json()["message"] == "Invalid email/username or password"
    assert garbage.status_code == 400 and garbage.json()["message"] == "Invalid request data"
    assert "set-cookie" not in wrong.headers


def test_logout_clears_the_cookie_with_the_same_attributes(arena_server: RunningServer) -> None:
    with signed_up(arena_server.url) as client:
        answer = client.post("/api/v1/logout")
        assert answer.status_code == 200 and answer.json() == {"message": "Logout successful"}
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith("token=") and "Max-Age=0" in cookie and "Path=/" in cookie
        assert client.get("/api/v1/user/me").status_code == 401


def test_missing_and_invalid_tokens_get_codincods_401_and_400(
    arena_server: RunningServer,
) -> None:
    missing = httpx.get(f"{arena_server.url}/api/v1/user/me")
    assert missing.status_code == 401
    assert missing.json()["message"] == "No authentication token provided"
    for token in ("garbage", "a.b.c", claims_token_signed_elsewhere()):
        invalid = httpx.get(f"{arena_server.url}/api/v1/user/me", cookies={"token": token})
        assert invalid.status_code == 400, token
        assert invalid.json()["message"]


def claims_token_signed_elsewhere() -> str:
    import jwt

    claims = {"userId": "0" * 24, "username": "x", "role": "admin", "iat": 1, "exp": 2**40}
    return jwt.encode(claims, "not the secret of this server, but long enough", algorithm="HS256")


def test_a_users_page_never_shows_email_or_counters(arena_server: RunningServer) -> None:
    name = unique_name("page")
    with signed_up(arena_server.url, name) as client:
        me = client.get("/api/v1/user/me").json()
        found = client.get(f"/api/v1/user/{name}")
        free = client.get(f"/api/v1/user/{name}/isAvailable")
        unused = client.get(f"/api/v1/user/{unique_name('free')}/isAvailable")
        missing = client.get("/api/v1/user/nobody_at_all")
        invalid = client.get("/api/v1/user/x!")
    assert found.status_code == 200
    body = found.json()
    assert body["message"] == "User was found"
    user = body["user"]
    assert user["_id"] == me["userId"] and user["username"] == name and user["role"] == "user"
    assert ISO_MS.fullmatch(user["createdAt"]) and ISO_MS.fullmatch(user["updatedAt"])
    assert not {"email", "password", "reportCount", "banCount"} & set(user)
    assert free.json() == {"isAvailable": False}
    assert unused.json() == {"isAvailable": True}
    assert missing.status_code == 404 and missing.json()["message"] == "User couldn't be found"
    assert invalid.status_code == 400


def test_an_arena_login_never_opens_analytics(arena_server: RunningServer) -> None:
    with signed_up(arena_server.url) as client:
        token = client.cookies["token"]
        as_cookie = httpx.get(
            f"{arena_server.url}/api/websites", cookies={"spk_session": token, "token": token}
        )
        as_key = httpx.get(
            f"{arena_server.url}/api/websites", headers={"Authorization": f"Bearer {token}"}
        )
    # Analytics is not set up on this server (403 setup_required) or refuses the token (401):
    # never a 200.
    assert as_cookie.status_code in (401, 403) and as_key.status_code in (401, 403)


def test_the_cli_creates_moderators_whose_role_the_server_reads_from_the_store(
    make_server: Callable[..., RunningServer],
) -> None:
    running = make_server(env=QUIET)
    name = unique_name("mod")
    created = subprocess.run(
        [
            sys.executable,
            "-m",
            "appliance",
            "arena",
            "user",
            "create",
            name,
            "--password",
            PASSWORD,
            "--role",
            "moderator",
            "--data-dir",
            str(running.data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr
    assert f"created moderator {name}" in created.stdout
    with httpx.Client(base_url=running.url) as client:
        login = client.post("/api/v1/login", json={"identifier": name, "password": PASSWORD})
        assert login.status_code == 200
        assert client.get("/api/v1/user/me").json()["role"] == "moderator"
    short = subprocess.run(
        [
            sys.executable,
            "-m",
            "appliance",
            "arena",
            "user",
            "create",
            "someone",
            "--password",
            "short",
            "--data-dir",
            str(running.data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert short.returncode == 2 and "14 characters" in short.stderr


def test_production_cookies_are_secure_cross_site_and_scoped_to_the_domain(
    make_server: Callable[..., RunningServer],
) -> None:
    running = make_server(
        env={**QUIET, "SPARKHOUSE_ARENA_COOKIE_SECURE": "true", "FRONTEND_HOST": ".example.com"}
    )
    answer = register(httpx.Client(base_url=running.url), unique_name("prod"))
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("token=")
    assert "Secure" in cookie and "SameSite=None" in cookie and "Domain=.example.com" in cookie


def test_cors_allows_the_frontend_with_credentials_and_nobody_else(
    arena_server: RunningServer,
) -> None:
    frontend, stranger = "http://localhost:5173", "https://evil.example"
    url = f"{arena_server.url}/api/v1/login"
    allowed = httpx.options(
        url, headers={"Origin": frontend, "Access-Control-Request-Method": "POST"}
    )
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == frontend
    assert allowed.headers["access-control-allow-credentials"] == "true"
    refused = httpx.options(
        url, headers={"Origin": stranger, "Access-Control-Request-Method": "POST"}
    )
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers
    with signed_up(arena_server.url) as client:
        read = client.get("/api/v1/user/me", headers={"Origin": frontend})
        assert read.headers["access-control-allow-origin"] == frontend
        # A cookie-carrying write from another site is refused (SameSite=None in production).
        forged = client.post("/api/v1/logout", headers={"Origin": stranger})
        assert "access-control-allow-origin" not in forged.headers


def test_codincods_rate_limits_with_their_headers_and_429_body(
    make_server: Callable[..., RunningServer],
) -> None:
    running = make_server(env={"SPARKHOUSE_ARENA_SEED_SAMPLES": "false"})
    with httpx.Client(base_url=running.url) as client:
        first = client.post("/api/v1/login", json={"identifier": "nobody", "password": PASSWORD})
        assert first.headers["x-ratelimit-limit"] == "5"
        assert first.headers["x-ratelimit-remaining"] == "4"
        assert 0 < int(first.headers["x-ratelimit-reset"]) <= 60
        statuses = [
            client.post("/api/login", json={"identifier": "nobody", "password": PASSWORD})
            for _ in range(5)
        ]
        assert [answer.status_code for answer in statuses] == [400] * 4 + [429]
        refused = statuses[-1]
        body = refused.json()
        assert body["statusCode"] == 429 and body["error"] == "Too Many Requests"
        assert body["retryAfter"] == int(refused.headers["retry-after"]) >= 1
        assert body["message"] == (
            f"Rate limit exceeded. Please try again in {body['retryAfter']} seconds."
        )
        # The login limit is its own: other routes still answer, under the global 100/minute.
        other = client.get("/api/v1/user/nobody_here/isAvailable")
        assert other.status_code == 200 and other.headers["x-ratelimit-limit"] == "100"
        registrations = [register(client, unique_name("burst")).status_code for _ in range(4)]
    assert registrations == [200, 200, 200, 429]
