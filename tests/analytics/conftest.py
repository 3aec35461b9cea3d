"""Helpers of the analytics tests: websites in a data dir's store, servers with analytics
settings, and reading ``analytics.duckdb`` once the server has stopped (DuckDB allows one
writer process, so the file is read after the server let go of it)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from appliance.analytics.admin.websites import create_website
from appliance.analytics.migrations import VERSIONS
from appliance.analytics.sites.repository import WebsiteRepository
from appliance.platform.store import Store
from tests.conftest import RunningServer

REPOSITORY = Path(__file__).resolve().parents[2]
GEOIP = REPOSITORY.parent / "shared" / "geoip"  # the MaxMind test databases beside the repo
CITY_DB = GEOIP / "GeoIP2-City-Test.mmdb"
CHROME_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
BROWSER_HEADERS = {
    "User-Agent": CHROME_UA,
    "Accept": "*/*",
    "Accept-Language": "en-US,en;q=0.9",
}
FAST = {
    "SPARKLYTICS_BUFFER_FLUSH_MS": "200",
    "SPARKLYTICS_TRUSTED_PROXIES": "127.0.0.1/32",
    "SPARKLYTICS_RATE_LIMIT_DISABLE": "true",
}


def add_website(data_dir: Path, domain: str, name: str | None = None) -> str:
    """Create a website in the data dir's store (what ``sparkhouse analytics website add``
    does) and return its id."""

    async def run() -> str:
        store = Store.in_dir(data_dir, [VERSIONS])
        await store.start()
        try:
            site = await create_website(WebsiteRepository(store), domain, name)
        finally:
            await store.stop()
        return site.id

    # a thread of its own: Playwright's sync API keeps an event loop running in this one
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def query(data_dir: Path, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Rows of ``analytics.duckdb`` as dicts (the server must be stopped)."""
    with duckdb.connect(str(data_dir / "analytics.duckdb"), read_only=True) as connection:
        cursor = connection.execute(sql, params or [])
        names = [column[0] for column in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def stop(server: RunningServer, timeout: float = 10) -> int:
    """Stop with SIGTERM once Sanic has installed its signal handlers (it answers /healthz a
    moment before), so the stop is the graceful one that drains the journal."""
    deadline = time.monotonic() + timeout
    while "Worker ready" not in server.log() and time.monotonic() < deadline:
        time.sleep(0.02)
    return server.stop()


def marker() -> str:
    return uuid.uuid4().hex[:12]


def post(
    client: httpx.Client,
    body: Any,
    *,
    path: str = "/api/collect",
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
) -> httpx.Response:
    merged = {**BROWSER_HEADERS, **(headers or {})}
    if content is not None:
        merged.setdefault("Content-Type", "application/json")
        return client.post(path, content=content, headers=merged)
    return client.post(path, json=body, headers=merged)


@pytest.fixture
def analytics_server(
    make_server: Callable[..., RunningServer], tmp_path: Path
) -> Iterator[Callable[..., tuple[RunningServer, str]]]:
    """Start a server on a fresh data dir holding one website; returns (server, website id)."""
    count = 0

    def start(
        env: dict[str, str] | None = None, domain: str = "example.com"
    ) -> tuple[RunningServer, str]:
        nonlocal count
        data_dir = tmp_path / f"analytics{count}"
        count += 1
        site = add_website(data_dir, domain)
        return make_server(env={**FAST, **(env or {})}, data_dir=data_dir), site

    yield start


# -- logging in (auth modes of analytics-api.md 7) ---------------------------------------------

ADMIN_PASSWORD = "correct horse battery staple"
SESSION_COOKIE = "spk_session"


def session_from(response: httpx.Response) -> str:
    """The ``spk_session`` value a response's Set-Cookie carries."""
    header = response.headers["set-cookie"]
    name, _, value = header.split(";", 1)[0].partition("=")
    assert name == SESSION_COOKIE, header
    return value


def login(
    client: httpx.Client,
    password: str = ADMIN_PASSWORD,
    bootstrap_password: str = "sparklytics",
) -> dict[str, str]:
    """Log ``client`` (its base_url is a server) in, whatever the auth mode, and return the
    cookies (``{"spk_session": token}``; ``{}`` in mode none). The cookie is also set on the
    client, so its later requests are authenticated (it is set by hand: the server marks it
    Secure, which a cookie jar would never send over plain http).

    Mode local: runs the setup with ``bootstrap_password`` when needed, and clears the forced
    password change that the default bootstrap password brings by "changing" the password to
    the same value, so ``password`` stays the admin password. Mode password: ``password``
    must be the server's SPARKLYTICS_PASSWORD.
    """
    status = client.get("/api/auth/status")
    if status.status_code == 404:
        return {}  # mode none: everything is open
    if status.json()["setup_required"]:
        setup = client.post(
            "/api/auth/setup", json={"bootstrap_password": bootstrap_password, "password": password}
        )
        assert setup.status_code == 201, setup.text
    response = client.post("/api/auth/login", json={"password": password})
    assert response.status_code == 200, response.text
    token = session_from(response)
    client.cookies.set(SESSION_COOKIE, token)
    if client.get("/api/auth/status").json()["password_change_required"]:
        change = client.put(
            "/api/auth/password", json={"current_password": password, "new_password": password}
        )
        assert change.status_code == 200, change.text
        response = client.post("/api/auth/login", json={"password": password})
        assert response.status_code == 200, response.text
        token = session_from(response)
        client.cookies.set(SESSION_COOKIE, token)
    return {SESSION_COOKIE: token}
