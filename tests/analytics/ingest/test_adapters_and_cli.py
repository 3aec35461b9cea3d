"""Umami's POST /api/send and Plausible's POST /api/event into the same pipeline, the CLI that
creates websites, and the tracker script's size."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.analytics.conftest import BROWSER_HEADERS, FAST, marker, query, stop
from tests.conftest import ROOT, RunningServer, start_server


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "appliance", "analytics", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@dataclass
class Env:
    server: RunningServer
    client: httpx.Client
    site: str
    urls: dict[str, str]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    data_dir = tmp_path_factory.mktemp("adapters") / "data"
    added = cli(
        "website", "add", "Blog.Example.com", "--name", "The blog", "--data-dir", str(data_dir)
    )
    assert added.returncode == 0, added.stderr
    site = added.stdout.strip()
    server = start_server(data_dir, env=FAST)
    with httpx.Client(base_url=server.url, timeout=10, headers=BROWSER_HEADERS) as client:
        yield Env(server, client, site, {})
    server.stop()


# -- the CLI --------------------------------------------------------------------------------


def test_cli_prints_a_sparklytics_style_id_and_lists_it(env: Env) -> None:
    assert re.fullmatch(r"site_[0-9a-z]{10}", env.site)
    listed = cli("website", "list", "--data-dir", str(env.server.data_dir))
    assert listed.returncode == 0
    assert re.search(rf"^{env.site}\s+blog\.example\.com\s+The blog\s+UTC", listed.stdout, re.M)


def test_cli_refuses_a_bad_domain(tmp_path: Path) -> None:
    result = cli("website", "add", "https://x.com/", "--data-dir", str(tmp_path))
    assert result.returncode != 0 and "domain" in result.stderr


def test_a_website_added_while_serving_is_known_at_once(env: Env) -> None:
    added = cli("website", "add", "late.example.com", "--data-dir", str(env.server.data_dir))
    late = added.stdout.strip()
    body = {"website_id": late, "type": "pageview", "url": "/late"}
    assert env.client.post("/api/collect", json=body).status_code == 202
    env.urls["late"] = "/late"


# -- Umami ----------------------------------------------------------------------------------


def umami(website: str, url: str, **payload: object) -> dict[str, object]:
    return {
        "type": "event",
        "payload": {
            "website": website,
            "hostname": "blog.example.com",
            "screen": "1440x900",
            "language": "fr-FR",
            "title": "Home",
            "url": url,
            "referrer": "https://duckduckgo.com/",
            **payload,
        },
    }


@pytest.mark.parametrize("by", ["id", "domain", "hostname"])
def test_umami_pageview_answers_200_with_its_ids(env: Env, by: str) -> None:
    url = f"/umami/{by}/{marker()}"
    website = {"id": env.site, "domain": "blog.example.com", "hostname": str(uuid.uuid4())}[by]
    response = env.client.post("/api/send", json=umami(website, url))
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"cache", "sessionId", "visitId"}
    assert uuid.UUID(body["sessionId"]) and uuid.UUID(body["visitId"])
    env.urls[f"umami-{by}"] = url


def test_umami_custom_event(env: Env) -> None:
    url = f"/umami/event/{marker()}"
    body = umami(env.site, url, name="signup", data={"plan": "pro"})
    assert env.client.post("/api/send", json=body).status_code == 200
    env.urls["umami-event"] = url


def test_umami_identify_is_answered_and_stores_nothing(env: Env) -> None:
    url = f"/umami/identify/{marker()}"
    body = {**umami(env.site, url), "type": "identify"}
    assert env.client.post("/api/send", json=body).status_code == 200
    env.urls["umami-identify"] = url


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"type": "event", "payload": {"website": "nope-nope", "url": "/"}}, 404),
        ({"type": "event", "payload": {"url": "/"}}, 422),
        ({"type": "event"}, 422),
        ({"type": "weird", "payload": {"website": "x", "url": "/"}}, 400),
    ],
)
def test_umami_errors(env: Env, body: dict[str, object], status: int) -> None:
    assert env.client.post("/api/send", json=body).status_code == status


# -- Plausible ------------------------------------------------------------------------------


def plausible(client: httpx.Client, body: str) -> httpx.Response:
    return client.post("/api/event", content=body.encode(), headers={"Content-Type": "text/plain"})


def test_plausible_pageview_as_text_plain_is_202(env: Env) -> None:
    url = f"https://blog.example.com/plausible/{marker()}?utm_source=pl"
    body = f'{{"n":"pageview","u":"{url}","d":"blog.example.com","r":"https://t.co/x","w":1280}}'
    response = plausible(env.client, body)
    assert (response.status_code, response.text) == (202, "ok")
    env.urls["plausible-pageview"] = url


def test_plausible_custom_event_with_props_as_a_json_string(env: Env) -> None:
    url = f"https://blog.example.com/plausible/{marker()}"
    props = '{\\"plan\\":\\"pro\\"}'
    body = f'{{"n":"Signup","u":"{url}","d":"other.com,blog.example.com","r":null,"p":"{props}"}}'
    assert plausible(env.client, body).status_code == 202
    env.urls["plausible-event"] = url


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ('{"n":"pageview","u":"/","d":"unknown.example"}', 404),
        ("nope", 400),
        ('{"n":"pageview","d":"blog.example.com"}', 422),
    ],
)
def test_plausible_errors(env: Env, body: str, status: int) -> None:
    assert plausible(env.client, body).status_code == status


# -- stored (runs last) ---------------------------------------------------------------------


def test_adapter_events_are_stored_like_collect_events(env: Env) -> None:
    assert stop(env.server) == 0
    rows = {r["url"]: r for r in query(env.server.data_dir, "SELECT * FROM events")}
    site = env.site
    for key in ("umami-id", "umami-domain", "umami-hostname"):
        row = rows[env.urls[key]]
        assert (row["website_id"], row["event_type"], row["screen"], row["language"]) == (
            site,
            "pageview",
            "1440x900",
            "fr-FR",
        )
        assert row["referrer_domain"] == "duckduckgo.com"
    event = rows[env.urls["umami-event"]]
    assert (event["event_type"], event["event_name"], event["event_data"]) == (
        "event",
        "signup",
        '{"plan":"pro"}',
    )
    assert env.urls["umami-identify"] not in rows
    pageview = rows[env.urls["plausible-pageview"]]
    assert (pageview["event_type"], pageview["utm_source"], pageview["referrer_domain"]) == (
        "pageview",
        "pl",
        "t.co",
    )
    assert pageview["language"] == "en-US"  # from Accept-Language
    custom = rows[env.urls["plausible-event"]]
    assert (custom["event_type"], custom["event_name"], custom["event_data"]) == (
        "event",
        "Signup",
        '{"plan":"pro"}',
    )
    assert rows["/late"]["website_id"] != site


# -- the tracker script ---------------------------------------------------------------------


def test_s_js_is_served_small_and_valid(server: RunningServer, tmp_path: Path) -> None:
    plain = httpx.get(f"{server.url}/s.js")
    assert plain.status_code == 200
    assert plain.headers["content-type"].startswith("application/javascript")
    raw = httpx.get(f"{server.url}/s.js", headers={"Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert raw.content == plain.content  # httpx decoded it
    assert int(raw.headers["content-length"]) < 2048  # the bytes on the wire
    if shutil.which("node"):
        script = tmp_path / "s.js"
        script.write_bytes(plain.content)
        assert subprocess.run(["node", "--check", str(script)], timeout=30).returncode == 0
