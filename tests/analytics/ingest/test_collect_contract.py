"""POST /api/collect and /e: every status, header and limit of analytics-api.md sections 1 and 3,
against one real server; the last test stops it and checks what reached DuckDB."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.analytics.conftest import FAST, add_website, marker, post, query, stop
from tests.conftest import RunningServer, start_server

INGEST_HEADERS = (
    "x-sparklytics-ingest-ack",
    "x-sparklytics-ingest-queue-events",
    "x-sparklytics-ingest-queue-capacity",
    "x-sparklytics-ingest-accepted-events",
    "x-sparklytics-ingest-dropped-events",
)


@dataclass
class Env:
    server: RunningServer
    client: httpx.Client
    site: str
    other: str
    accepted: set[str] = field(default_factory=set)  # url markers that got a 202
    refused: set[str] = field(default_factory=set)  # url markers of refused requests

    def event(self, **fields: object) -> dict[str, object]:
        return {"website_id": self.site, "type": "pageview", "url": f"/{marker()}", **fields}

    def send(
        self, body: object, expect: int, path: str = "/api/collect", **kw: object
    ) -> httpx.Response:
        response = post(self.client, body, path=path, **kw)  # type: ignore[arg-type]
        assert response.status_code == expect, response.text
        events = body if isinstance(body, list) else [body]
        urls = {e["url"] for e in events if isinstance(e, dict) and isinstance(e.get("url"), str)}
        (self.accepted if expect == 202 else self.refused).update(urls)
        return response


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    data_dir = tmp_path_factory.mktemp("collect") / "data"
    site = add_website(data_dir, "example.com")
    other = add_website(data_dir, "other.example.org")
    server = start_server(data_dir, env={**FAST, "SPARKLYTICS_BUFFER_SIZE": "500"})
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield Env(server, client, site, other)
    server.stop()


def error(response: httpx.Response) -> dict[str, object]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
    return body["error"]  # type: ignore[no-any-return]


# -- 202 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/collect", "/e"])
def test_one_event_is_accepted_with_the_ingest_headers(env: Env, path: str) -> None:
    response = env.send(env.event(), 202, path=path)
    assert response.content == b'{"ok":true}'
    assert response.json() == {"ok": True}
    headers = response.headers
    assert headers["x-sparklytics-ingest-ack"] == "queued"
    assert int(headers["x-sparklytics-ingest-queue-events"]) >= 1
    assert headers["x-sparklytics-ingest-queue-capacity"] == "500"
    assert headers["x-sparklytics-ingest-accepted-events"] == "1"
    assert headers["x-sparklytics-ingest-dropped-events"] == "0"
    assert "x-sparklytics-ingest-drop-reason" not in headers


def test_a_batch_of_exactly_50_is_accepted(env: Env) -> None:
    batch = [env.event(type="event", event_name="e") for _ in range(50)]
    response = env.send(batch, 202)
    assert response.headers["x-sparklytics-ingest-accepted-events"] == "50"


def test_a_batch_may_mix_websites(env: Env) -> None:
    env.send([env.event(), {**env.event(), "website_id": env.other}], 202)


def test_every_optional_field_accepts_null(env: Env) -> None:
    nulls = dict.fromkeys(
        [
            "referrer",
            "screen",
            "screen_width",
            "screen_height",
            "language",
            "event_name",
            "event_data",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "utm_term",
            "utm_content",
            "visitor_id",
        ]
    )
    env.send(env.event(**nulls), 202)


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/vnd.sparklytics+json"]
)
def test_json_content_types_with_parameters_or_suffix(env: Env, content_type: str) -> None:
    event = env.event()
    response = post(
        env.client, None, content=json.dumps(event).encode(), headers={"Content-Type": content_type}
    )
    assert response.status_code == 202
    env.accepted.add(str(event["url"]))


def test_event_data_of_exactly_4096_bytes_is_accepted(env: Env) -> None:
    data = {"k": "x" * (4096 - len('{"k":""}'))}
    env.send(env.event(type="event", event_name="big", event_data=data), 202)


def test_auth_headers_and_cookies_are_ignored(env: Env) -> None:
    env.send(
        env.event(), 202, headers={"Authorization": "Bearer nonsense", "Cookie": "spk_session=x"}
    )


# -- 400 / 413 / 415 / 422 -----------------------------------------------------------------


def test_51_events_is_batch_too_large(env: Env) -> None:
    response = env.send([env.event() for _ in range(51)], 400)
    assert error(response) == {
        "code": "batch_too_large",
        "message": "Batch exceeds maximum of 50 events",
        "field": None,
    }


def test_an_empty_batch_is_a_validation_error(env: Env) -> None:
    assert error(env.send([], 400))["code"] == "validation_error"


def test_event_data_over_4096_bytes_is_payload_too_large(env: Env) -> None:
    data = {"k": "x" * (4097 - len('{"k":""}'))}
    response = env.send(env.event(type="event", event_name="big", event_data=data), 400)
    assert error(response)["code"] == "payload_too_large"


def test_one_oversized_event_data_refuses_the_whole_batch(env: Env) -> None:
    batch = [env.event(), env.event(event_data={"k": "x" * 5000})]
    assert error(env.send(batch, 400))["code"] == "payload_too_large"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: {**e, "unknown_field": 1},
        lambda e: {k: v for k, v in e.items() if k != "url"},
        lambda e: {k: v for k, v in e.items() if k != "type"},
        lambda e: {k: v for k, v in e.items() if k != "website_id"},
        lambda e: {**e, "url": 5},
        lambda e: {**e, "screen_width": "1920"},
        lambda e: {**e, "screen_width": -1},
        lambda e: {**e, "website_id": None},
    ],
    ids=[
        "unknown",
        "no-url",
        "no-type",
        "no-website",
        "url-int",
        "width-str",
        "width-neg",
        "null-id",
    ],
)
def test_wrong_shapes_are_422(env: Env, mutate: object) -> None:
    event = mutate(env.event())  # type: ignore[operator]
    assert error(env.send(event, 422))["code"] == "validation_error"


def test_one_bad_element_refuses_the_whole_batch(env: Env) -> None:
    batch = [env.event(), env.event(), {**env.event(), "extra": True}]
    assert env.send(batch, 422).status_code == 422


@pytest.mark.parametrize("body", [b"42", b'"text"', b"null", b"[1, 2]", b'[{"website_id": 1}, 3]'])
def test_top_level_scalars_and_non_object_elements_are_422(env: Env, body: bytes) -> None:
    assert post(env.client, None, content=body).status_code == 422


@pytest.mark.parametrize("body", [b"not json", b"{", b"", b'{"url": "\xff"}'])
def test_unparseable_json_is_400(env: Env, body: bytes) -> None:
    response = post(env.client, None, content=body)
    assert response.status_code == 400
    assert error(response)["code"] == "validation_error"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_other_content_types_are_415(env: Env, content_type: str) -> None:
    event = env.event()
    response = post(
        env.client, None, content=json.dumps(event).encode(), headers={"Content-Type": content_type}
    )
    assert response.status_code == 415
    assert error(response)["code"] == "unsupported_media_type"
    env.refused.add(str(event["url"]))


def test_a_body_over_100_kib_is_413(env: Env) -> None:
    event = env.event(referrer="r" * 102_400)
    response = post(env.client, None, content=json.dumps(event).encode())
    assert response.status_code == 413
    assert error(response)["code"] == "payload_too_large"
    env.refused.add(str(event["url"]))


# -- 404 and the validation order -----------------------------------------------------------


def test_an_unknown_website_is_404_naming_it(env: Env) -> None:
    response = env.send(env.event(website_id="site_doesnotexist"), 404)
    assert error(response) == {
        "code": "not_found",
        "message": "Unknown website_id: site_doesnotexist",
        "field": None,
    }


def test_one_unknown_website_refuses_the_whole_batch(env: Env) -> None:
    assert env.send([env.event(), env.event(website_id="site_zzzzzzzzzz")], 404)


def test_batch_size_is_checked_before_the_website(env: Env) -> None:
    batch = [env.event(website_id="site_unknown0") for _ in range(51)]
    assert error(env.send(batch, 400))["code"] == "batch_too_large"


def test_event_data_size_is_checked_before_the_website(env: Env) -> None:
    event = env.event(website_id="site_unknown0", event_data={"k": "x" * 5000})
    assert error(env.send(event, 400))["code"] == "payload_too_large"


def test_shape_is_checked_before_batch_size(env: Env) -> None:
    batch = [env.event() for _ in range(51)] + [{"bad": 1}]
    assert env.send(batch, 422).status_code == 422


# -- routing, methods, CORS -----------------------------------------------------------------


def test_collect_is_not_taken_for_a_spark(env: Env) -> None:
    # /api/<x>/<y> is the spark route; the static /api/collect, /api/send, /api/event win.
    response = post(env.client, {"color": [1, 0, 0]}, path="/api/collect")
    assert response.status_code == 422 and "errors" not in response.json()


@pytest.mark.parametrize("path", ["/api/collect", "/e"])
def test_other_methods_are_405(env: Env, path: str) -> None:
    assert env.client.get(path).status_code == 405


@pytest.mark.parametrize("path", ["/api/collect", "/e", "/api/send", "/api/event"])
def test_preflight_echoes_the_origin_with_credentials(env: Env, path: str) -> None:
    response = env.client.options(
        path,
        headers={
            "Origin": "http://127.0.0.1:9999",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 204
    headers = response.headers
    assert headers["access-control-allow-origin"] == "http://127.0.0.1:9999"
    assert headers["access-control-allow-credentials"] == "true"
    assert headers["access-control-allow-methods"] == "POST, OPTIONS"
    assert headers["access-control-allow-headers"] == "content-type"
    assert headers["access-control-max-age"] == "86400"
    assert "Origin" in headers["vary"]


def test_preflight_without_origin_answers_a_wildcard(env: Env) -> None:
    response = env.client.options("/api/collect")
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("expect", [202, 404, 422])
def test_responses_carry_cors_for_any_origin(env: Env, expect: int) -> None:
    event = env.event()
    if expect == 404:
        event["website_id"] = "site_nothere000"
    if expect == 422:
        event["nope"] = 1
    response = env.send(event, expect, headers={"Origin": "https://blog.example.net"})
    assert response.headers["access-control-allow-origin"] == "https://blog.example.net"
    assert response.headers["access-control-allow-credentials"] == "true"
    if expect == 202:
        exposed = response.headers["access-control-expose-headers"]
        assert all(name in exposed for name in INGEST_HEADERS)


# -- what reached DuckDB (runs last: stops the module's server) ------------------------------


def test_accepted_events_are_stored_once_and_refused_ones_never(env: Env) -> None:
    assert env.accepted and env.refused
    assert stop(env.server) == 0  # graceful stop drains the journal
    rows = query(env.server.data_dir, "SELECT url, count(*) AS n FROM events GROUP BY url")
    stored = {row["url"]: row["n"] for row in rows}
    assert env.accepted <= set(stored)
    assert not (env.refused & set(stored))
    assert all(count == 1 for count in stored.values())
    assert _journal_rows(env.server.data_dir) == 0


def _journal_rows(data_dir: Path) -> int:
    import sqlite3

    with sqlite3.connect(data_dir / "ingest-journal.db") as connection:
        (count,) = connection.execute("SELECT coalesce(sum(events), 0) FROM journal").fetchone()
    return int(count)
