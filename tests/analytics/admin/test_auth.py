"""Auth of the analytics API (analytics-api.md 7) against real servers and a real SQLite."""

from __future__ import annotations

import asyncio
import re
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import jwt
import pytest

from appliance.settings import Settings, describe
from tests.analytics.conftest import ADMIN_PASSWORD, SESSION_COOKIE, login, session_from
from tests.conftest import ROOT, RunningServer, start_server

JSON = {"Content-Type": "application/json"}
BOOTSTRAP = "a-private-bootstrap-secret"
JWT_SECRET = "0123456789abcdef" * 4
LOCAL_ENV = {
    "SPARKLYTICS_BOOTSTRAP_PASSWORD": BOOTSTRAP,
    "SPARKLYTICS_JWT_SECRET": JWT_SECRET,
    "SPARKLYTICS_SESSION_DAYS": "2",
    "SPARKLYTICS_TRUSTED_PROXIES": "127.0.0.1/32",
    "CORS_ORIGINS": "https://app.example",
}


def error(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["code"] == code, body
    return body


@pytest.fixture(scope="module")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """Mode local with a private bootstrap password (no forced rotation), set up once."""
    running = start_server(tmp_path_factory.mktemp("auth-local") / "data", LOCAL_ENV)
    with httpx.Client(base_url=running.url, timeout=10) as client:
        login(client, bootstrap_password=BOOTSTRAP)
    yield running
    running.stop()


@pytest.fixture
def admin(local_server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=local_server.url, timeout=10) as client:
        login(client, bootstrap_password=BOOTSTRAP)
        yield client


def test_mode_none_opens_protected_routes_and_hides_auth(
    make_server: Callable[..., RunningServer],
) -> None:
    server = make_server(env={"SPARKLYTICS_AUTH": "none"})
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for method, path in [
            ("GET", "/api/auth/status"),
            ("POST", "/api/auth/setup"),
            ("POST", "/api/auth/login"),
            ("POST", "/api/auth/logout"),
            ("GET", "/api/auth/session"),
            ("PUT", "/api/auth/password"),
            ("GET", "/api/auth/keys"),
            ("POST", "/api/auth/keys"),
            ("DELETE", "/api/auth/keys/key_0000000000"),
        ]:
            assert client.request(method, path, json={}).status_code == 404, (method, path)
        websites = client.get("/api/websites")
        assert websites.status_code == 200
        # a fresh installation has zero websites
        assert websites.json() == {
            "data": [],
            "pagination": {"total": 0, "limit": 20, "cursor": None, "has_more": False},
        }
        assert login(client) == {}


def test_mode_password(make_server: Callable[..., RunningServer]) -> None:
    server = make_server(
        env={
            "SPARKLYTICS_AUTH": "password",
            "SPARKLYTICS_PASSWORD": "shared-secret",
            "SPARKLYTICS_HTTPS": "false",
        }
    )
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.get("/api/auth/status").json() == {
            "mode": "password",
            "setup_required": False,
            "authenticated": False,
            "password_change_required": False,
        }
        error(client.get("/api/websites"), 401, "unauthorized")
        setup = client.post(
            "/api/auth/setup", json={"bootstrap_password": "sparklytics", "password": "x" * 20}
        )
        error(setup, 400, "validation_error")
        error(client.post("/api/auth/login", json={"password": "nope"}), 401, "unauthorized")
        response = client.post("/api/auth/login", json={"password": "shared-secret"})
        assert response.status_code == 200
        # SPARKLYTICS_HTTPS=false: no Secure
        assert response.headers["set-cookie"].endswith("; Path=/; Max-Age=604800")
        assert login(client, password="shared-secret")
        session = client.get("/api/auth/session").json()["data"]
        assert session["mode"] == "password" and session["authenticated"] is True
        assert client.get("/api/auth/status").json()["authenticated"] is True
        change = client.put(
            "/api/auth/password",
            json={"current_password": "shared-secret", "new_password": "y" * 20},
        )
        error(change, 405, "method_not_allowed")
        assert client.post("/api/auth/keys", json={"name": "ci"}).status_code == 201
        assert client.get("/api/websites").status_code == 200


def test_mode_password_without_password_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="SPARKLYTICS_PASSWORD"):
        start_server(tmp_path / "data", {"SPARKLYTICS_AUTH": "password"}, timeout=15)


def test_unknown_mode_means_local(make_server: Callable[..., RunningServer]) -> None:
    server = make_server(env={"SPARKLYTICS_AUTH": "ldap"})
    status = httpx.get(f"{server.url}/api/auth/status").json()
    assert status["mode"] == "local" and status["setup_required"] is True


def test_local_setup_and_forced_rotation(make_server: Callable[..., RunningServer]) -> None:
    # Sparklytics' public default bootstrap password, set explicitly; HTTPS on
    server = make_server(env={"SPARKLYTICS_BOOTSTRAP_PASSWORD": "sparklytics"})
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.get("/api/auth/status").json() == {
            "mode": "local",
            "setup_required": True,
            "authenticated": False,
            "password_change_required": False,
        }
        error(client.get("/api/websites"), 403, "setup_required")
        error(client.get("/api/auth/keys"), 403, "setup_required")
        error(client.post("/api/auth/login", json={"password": "whatever"}), 403, "setup_required")

        def setup(body: object) -> httpx.Response:
            return client.post("/api/auth/setup", json=body)

        error(
            setup({"bootstrap_password": "wrong", "password": ADMIN_PASSWORD}), 401, "unauthorized"
        )
        for weak in ["", " " * 20, "short-pass1"]:
            body = error(
                setup({"bootstrap_password": "sparklytics", "password": weak}),
                400,
                "validation_error",
            )
            assert body["message"]
        missing = error(setup({"bootstrap_password": "sparklytics"}), 422, "validation_error")
        assert missing["field"] == "password"
        bad_json = client.post("/api/auth/setup", content=b"not json", headers=JSON)
        assert bad_json.status_code == 400
        created = setup({"bootstrap_password": "sparklytics", "password": ADMIN_PASSWORD})
        assert created.status_code == 201 and created.json() == {"data": {"ok": True}}
        error(setup({"bootstrap_password": "sparklytics", "password": ADMIN_PASSWORD}), 410, "gone")
        error(setup({}), 410, "gone")  # checked first

        error(
            client.post("/api/auth/login", json={"password": "wrong-password"}), 401, "unauthorized"
        )
        response = client.post("/api/auth/login", json={"password": ADMIN_PASSWORD})
        assert response.status_code == 200
        token = session_from(response)
        assert token not in response.text  # never in a body
        assert re.fullmatch(
            r"spk_session=[\w.-]+; HttpOnly; SameSite=Strict; Path=/; Max-Age=604800; Secure",
            response.headers["set-cookie"],
        )
        assert re.fullmatch(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", response.json()["data"]["expires_at"]
        )
        client.cookies.set(SESSION_COOKIE, token)

        # the default bootstrap password was used: a password change is forced
        assert client.get("/api/auth/status").json()["password_change_required"] is True
        error(client.get("/api/websites"), 403, "password_change_required")
        error(client.get("/api/auth/keys"), 403, "password_change_required")
        error(client.post("/api/auth/keys", json={"name": "x"}), 403, "password_change_required")
        assert client.get("/api/auth/session").status_code == 200  # allowed during rotation

        def change(current: str, new: str) -> httpx.Response:
            return client.put(
                "/api/auth/password", json={"current_password": current, "new_password": new}
            )

        error(change("wrong-password!", "another strong password"), 401, "unauthorized")
        error(change(ADMIN_PASSWORD, "too short"), 400, "validation_error")
        changed = change(ADMIN_PASSWORD, "another strong password")
        assert changed.status_code == 200 and changed.json() == {"data": {"ok": True}}
        # the secret rotated: the caller's own cookie stops working
        error(client.get("/api/auth/session"), 401, "unauthorized")
        assert client.get("/api/auth/status").json()["authenticated"] is False
        error(client.get("/api/websites"), 401, "unauthorized")
        error(
            client.post("/api/auth/login", json={"password": ADMIN_PASSWORD}), 401, "unauthorized"
        )
        login(client, password="another strong password")
        assert client.get("/api/auth/status").json() == {
            "mode": "local",
            "setup_required": False,
            "authenticated": True,
            "password_change_required": False,
        }
        assert client.get("/api/websites").status_code == 200


def test_login_lock_out(local_server: RunningServer) -> None:
    with httpx.Client(base_url=local_server.url, timeout=10) as client:
        attacker = {"X-Forwarded-For": "203.0.113.7"}
        for _ in range(5):
            response = client.post("/api/auth/login", json={"password": "guess"}, headers=attacker)
            error(response, 401, "unauthorized")
        locked = client.post("/api/auth/login", json={"password": ADMIN_PASSWORD}, headers=attacker)
        error(locked, 429, "rate_limited")
        assert locked.headers["retry-after"] == "900"
        assert "set-cookie" not in locked.headers
        # another client address is not locked out
        other = client.post(
            "/api/auth/login",
            json={"password": ADMIN_PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.8"},
        )
        assert other.status_code == 200


def test_session_logout_and_cookie(local_server: RunningServer) -> None:
    with httpx.Client(base_url=local_server.url, timeout=10) as client:
        unauthenticated = error(client.get("/api/auth/session"), 401, "unauthorized")
        assert unauthenticated["message"] == "Not authenticated"
        error(client.post("/api/auth/logout"), 401, "unauthorized")
        response = client.post("/api/auth/login", json={"password": ADMIN_PASSWORD})
        # SPARKLYTICS_SESSION_DAYS=2
        assert "; Max-Age=172800; Secure" in response.headers["set-cookie"]
        token = session_from(response)
        client.cookies.set(SESSION_COOKIE, token)
        # SPARKLYTICS_JWT_SECRET is the initial secret: HS256 with {sub, iat, exp}
        claims = jwt.decode(token, JWT_SECRET, algorithms=["HS256"])
        assert set(claims) == {"sub", "iat", "exp"} and claims["sub"] == "admin"
        assert claims["exp"] - claims["iat"] == 2 * 86_400
        session = client.get("/api/auth/session")
        assert session.json() == {
            "data": {
                "authenticated": True,
                "mode": "local",
                "expires_at": response.json()["data"]["expires_at"],
            }
        }
        logout = client.post("/api/auth/logout")
        assert logout.status_code == 200 and logout.json() == {"data": {"ok": True}}
        assert (
            logout.headers["set-cookie"]
            == "spk_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure"
        )
        forged = jwt.encode({"sub": "admin", "iat": 1, "exp": 4_000_000_000}, "not-the-secret-" * 4)
        client.cookies.set(SESSION_COOKIE, forged)
        error(client.get("/api/auth/session"), 401, "unauthorized")


def test_api_keys(admin: httpx.Client) -> None:
    error(admin.post("/api/auth/keys", json={"name": "  "}), 400, "validation_error")
    error(admin.post("/api/auth/keys", json={}), 422, "validation_error")
    created = admin.post("/api/auth/keys", json={"name": "deploy script"})
    assert created.status_code == 201
    key = created.json()["data"]
    assert set(key) == {"id", "name", "key", "prefix", "created_at"}
    assert re.fullmatch(r"key_[0-9a-z]{10}", key["id"])
    assert re.fullmatch(r"spk_selfhosted_[0-9a-f]{32}", key["key"])
    assert key["prefix"] == key["key"][:20] and key["name"] == "deploy script"
    second = admin.post("/api/auth/keys", json={"name": "second"}).json()["data"]

    listing = admin.get("/api/auth/keys", params={"limit": 1}).json()
    assert listing["data"][0]["id"] == second["id"]  # newest first
    assert set(listing["data"][0]) == {
        "id",
        "name",
        "key_prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    }
    assert listing["pagination"]["limit"] == 1 and listing["pagination"]["has_more"] is True
    assert listing["pagination"]["offset"] == 0 and listing["pagination"]["total"] >= 2
    assert admin.get("/api/auth/keys", params={"limit": 0}).json()["pagination"]["limit"] == 1
    assert admin.get("/api/auth/keys", params={"limit": 500}).json()["pagination"]["limit"] == 100
    error(admin.get("/api/auth/keys", params={"limit": "many"}), 400, "validation_error")

    with httpx.Client(base_url=str(admin.base_url), timeout=10) as script:
        bearer = {"Authorization": f"Bearer {key['key']}"}
        assert script.get("/api/websites", headers=bearer).status_code == 200
        # keys never manage auth resources, and are refused before any lookup
        forbidden = error(script.get("/api/auth/keys", headers=bearer), 403, "forbidden")
        assert forbidden["message"] == "API keys cannot manage auth resources"
        error(script.get("/api/auth/keys", headers={"Authorization": "Bearer x"}), 403, "forbidden")
        error(script.post("/api/auth/keys", json={"name": "x"}, headers=bearer), 403, "forbidden")
        error(
            script.get(
                "/api/websites", headers={"Authorization": "Bearer spk_selfhosted_" + "0" * 32}
            ),
            401,
            "unauthorized",
        )
        # a bearer token wins over a valid cookie
        bad_with_cookie = admin.get("/api/websites", headers={"Authorization": "Bearer nope"})
        error(bad_with_cookie, 401, "unauthorized")

        used = {row["id"]: row for row in admin.get("/api/auth/keys").json()["data"]}
        assert used[key["id"]]["last_used_at"] is not None
        assert used[second["id"]]["last_used_at"] is None

        assert admin.delete(f"/api/auth/keys/{key['id']}").status_code == 204
        error(admin.delete(f"/api/auth/keys/{key['id']}"), 404, "not_found")
        error(admin.delete("/api/auth/keys/key_doesnotexs"), 404, "not_found")
        error(script.get("/api/websites", headers=bearer), 401, "unauthorized")
    revoked = {row["id"]: row for row in admin.get("/api/auth/keys").json()["data"]}
    assert revoked[key["id"]]["revoked_at"] is not None  # revoked keys stay listed


def test_auth_routes_answer_cors_only_to_listed_origins(local_server: RunningServer) -> None:
    response = httpx.get(
        f"{local_server.url}/api/auth/status", headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_config_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPARKLYTICS_PASSWORD", "hunter2-hunter2")
    monkeypatch.setenv("SPARKLYTICS_JWT_SECRET", "s3cr3t")
    monkeypatch.setenv("SPARKLYTICS_BOOTSTRAP_PASSWORD", "boot")
    rows = {row["env"]: row["value"] for row in describe(Settings())}
    assert rows["SPARKLYTICS_PASSWORD"] == "********"
    assert rows["SPARKLYTICS_JWT_SECRET"] == "********"
    assert rows["SPARKLYTICS_BOOTSTRAP_PASSWORD"] == "********"


# -- issue 15: lock-out by concurrency, first-run secret, revoking sessions, CSRF ----------------


async def test_concurrent_wrong_logins_are_locked_out(local_server: RunningServer) -> None:
    attacker = {"X-Forwarded-For": "203.0.113.30"}
    async with httpx.AsyncClient(base_url=local_server.url, timeout=60) as client:
        answers = await asyncio.gather(
            *(
                client.post("/api/auth/login", json={"password": f"guess {n}"}, headers=attacker)
                for n in range(25)
            )
        )
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(401) == 5 and statuses.count(429) == 20, statuses


def test_a_successful_login_does_not_count_toward_the_lock_out(
    local_server: RunningServer,
) -> None:
    address = {"X-Forwarded-For": "203.0.113.31"}
    with httpx.Client(base_url=local_server.url, timeout=10) as client:

        def attempt(password: str) -> httpx.Response:
            return client.post("/api/auth/login", json={"password": password}, headers=address)

        for _ in range(4):
            error(attempt("guess"), 401, "unauthorized")
        assert attempt(ADMIN_PASSWORD).status_code == 200
        error(attempt("guess"), 401, "unauthorized")  # the fifth failure
        error(attempt(ADMIN_PASSWORD), 429, "rate_limited")


def sparkhouse_config(server: RunningServer) -> str:
    command = [sys.executable, "-m", "appliance", "config", "--port", str(server.port)]
    result = subprocess.run(
        [*command, "--data-dir", str(server.data_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_fresh_server_makes_a_private_one_time_bootstrap_secret(
    make_server: Callable[..., RunningServer],
) -> None:
    server = make_server()  # no SPARKLYTICS_BOOTSTRAP_PASSWORD
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.get("/api/auth/status").json()["setup_required"] is True
        secret_file = server.data_dir / "setup-secret"
        secret = secret_file.read_text().strip()
        assert len(secret) >= 32
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
        link = f"http://127.0.0.1:{server.port}/analytics#bootstrap={secret}"
        where = str(secret_file.resolve())
        assert link in server.log() and where in server.log()
        shown = sparkhouse_config(server)
        assert link in shown and where in shown

        # Sparklytics' public default no longer claims the server
        body = {"bootstrap_password": "sparklytics", "password": ADMIN_PASSWORD}
        error(client.post("/api/auth/setup", json=body), 401, "unauthorized")
        body = {"bootstrap_password": secret, "password": ADMIN_PASSWORD}
        assert client.post("/api/auth/setup", json=body).status_code == 201
        assert not secret_file.exists()  # one time
        login(client)
        # a private secret was used: no forced password change
        assert client.get("/api/auth/status").json()["password_change_required"] is False
    assert "setup is pending" not in sparkhouse_config(server)


def test_setup_attempts_are_limited_per_address(
    make_server: Callable[..., RunningServer],
) -> None:
    server = make_server(
        env={
            "SPARKLYTICS_BOOTSTRAP_PASSWORD": BOOTSTRAP,
            "SPARKLYTICS_TRUSTED_PROXIES": "127.0.0.1/32",
        }
    )
    with httpx.Client(base_url=server.url, timeout=10) as client:

        def setup(bootstrap: str, address: str) -> httpx.Response:
            return client.post(
                "/api/auth/setup",
                json={"bootstrap_password": bootstrap, "password": ADMIN_PASSWORD},
                headers={"X-Forwarded-For": address},
            )

        for n in range(5):
            error(setup(f"guess {n}", "203.0.113.40"), 401, "unauthorized")
        locked = error(setup(BOOTSTRAP, "203.0.113.40"), 429, "rate_limited")
        assert "setup" in str(locked["message"])
        assert setup(BOOTSTRAP, "203.0.113.41").status_code == 201


def session_status(server: RunningServer, token: str) -> int:
    cookies = {SESSION_COOKIE: token}
    return httpx.get(f"{server.url}/api/auth/session", cookies=cookies, timeout=10).status_code


def logged_in(server: RunningServer, **options: str) -> str:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        return login(client, **options)[SESSION_COOKIE]


def test_a_changed_jwt_secret_ends_every_session(
    make_server: Callable[..., RunningServer], tmp_path: Path
) -> None:
    data_dir = tmp_path / "rotating"
    env = {"SPARKLYTICS_BOOTSTRAP_PASSWORD": BOOTSTRAP, "SPARKLYTICS_JWT_SECRET": "a" * 64}
    first = make_server(env=env, data_dir=data_dir)
    token = logged_in(first, bootstrap_password=BOOTSTRAP)
    first.stop()

    unchanged = make_server(env=env, data_dir=data_dir)
    assert session_status(unchanged, token) == 200  # a restart alone keeps sessions
    unchanged.stop()

    changed = make_server(env={**env, "SPARKLYTICS_JWT_SECRET": "b" * 64}, data_dir=data_dir)
    assert session_status(changed, token) == 401
    fresh = logged_in(changed)
    assert jwt.decode(fresh, "b" * 64, algorithms=["HS256"])["sub"] == "admin"
    # "log out everywhere" replaces the stored secret; it stays across restarts
    with httpx.Client(base_url=changed.url, timeout=10) as client:
        client.cookies.set(SESSION_COOKIE, fresh)
        assert client.post("/api/auth/logout-all").status_code == 200
    after = logged_in(changed)
    changed.stop()
    again = make_server(env={**env, "SPARKLYTICS_JWT_SECRET": "b" * 64}, data_dir=data_dir)
    assert session_status(again, after) == 200


def test_password_mode_sessions_end_when_the_password_changes(
    make_server: Callable[..., RunningServer], tmp_path: Path
) -> None:
    data_dir = tmp_path / "shared-password"
    env = {"SPARKLYTICS_AUTH": "password", "SPARKLYTICS_PASSWORD": "the first shared secret"}
    first = make_server(env=env, data_dir=data_dir)
    token = logged_in(first, password="the first shared secret")
    first.stop()

    unchanged = make_server(env=env, data_dir=data_dir)
    assert session_status(unchanged, token) == 200
    unchanged.stop()

    changed = make_server(
        env={**env, "SPARKLYTICS_PASSWORD": "the second shared secret"}, data_dir=data_dir
    )
    assert session_status(changed, token) == 401
    assert session_status(changed, logged_in(changed, password="the second shared secret")) == 200


def test_log_out_everywhere(make_server: Callable[..., RunningServer]) -> None:
    server = make_server(env={"SPARKLYTICS_BOOTSTRAP_PASSWORD": BOOTSTRAP})
    laptop = logged_in(server, bootstrap_password=BOOTSTRAP)
    phone = logged_in(server)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        client.cookies.set(SESSION_COOKIE, laptop)
        key = client.post("/api/auth/keys", json={"name": "script"}).json()["data"]["key"]
        bearer = {"Authorization": f"Bearer {key}"}
        error(httpx.post(f"{server.url}/api/auth/logout-all", headers=bearer), 403, "forbidden")
        error(httpx.post(f"{server.url}/api/auth/logout-all"), 401, "unauthorized")

        out = client.post("/api/auth/logout-all")
        assert out.status_code == 200 and out.json() == {"data": {"ok": True}}
        assert "Max-Age=0" in out.headers["set-cookie"]
    assert session_status(server, laptop) == 401
    assert session_status(server, phone) == 401
    # API keys are not sessions: they stay until revoked
    assert httpx.get(f"{server.url}/api/websites", headers=bearer).status_code == 200
    assert session_status(server, logged_in(server)) == 200


def test_cookie_writes_from_another_site_are_refused(
    admin: httpx.Client, local_server: RunningServer
) -> None:
    created = admin.post("/api/websites", json={"name": "CSRF target", "domain": "csrf.example"})
    site = created.json()["data"]["id"]
    share = f"/api/websites/{site}/share"
    evil = {"Origin": "https://evil.example"}

    refused = error(admin.post(share, headers=evil), 403, "forbidden")
    assert "https://evil.example" in str(refused["message"])
    assert admin.get(f"/api/websites/{site}").json()["data"]["share_id"] is None
    error(admin.post(share, headers={"Sec-Fetch-Site": "cross-site"}), 403, "forbidden")
    error(admin.post(share, headers={"Origin": "null"}), 403, "forbidden")
    error(
        admin.post(share, headers={"Origin": local_server.url.replace("127.0.0.1", "localhost")}),
        403,
        "forbidden",
    )
    error(admin.post("/api/auth/logout", headers=evil), 403, "forbidden")
    error(admin.post("/api/auth/keys", json={"name": "x"}, headers=evil), 403, "forbidden")
    # reads change nothing (and CORS keeps their answers from other sites' scripts)
    assert admin.get(f"/api/websites/{site}", headers=evil).status_code == 200

    # this server's own pages, a CORS_ORIGINS origin, and clients that are no browser
    assert admin.post(share, headers={"Origin": local_server.url}).status_code == 201
    assert admin.delete(share, headers={"Origin": "https://app.example"}).status_code == 204
    assert admin.post(share, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 201
    assert admin.delete(share).status_code == 204

    # an API key is no ambient credential: a script may send any Origin
    key = admin.post("/api/auth/keys", json={"name": "csrf"}).json()["data"]["key"]
    bearer = {"Authorization": f"Bearer {key}", **evil}
    assert httpx.post(f"{local_server.url}{share}", headers=bearer).status_code == 201
