"""The per-IP rate limit (3.6) and the overload answer (3.8), each on a server of its own."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

import httpx

from tests.analytics.conftest import marker, post, query, stop
from tests.conftest import RunningServer

Start = Callable[..., tuple[RunningServer, str]]


def event(site: str, **fields: object) -> dict[str, object]:
    return {"website_id": site, "type": "pageview", "url": f"/{marker()}", **fields}


def test_rate_limit_per_client_ip(analytics_server: Start) -> None:
    server, site = analytics_server(
        {"SPARKLYTICS_RATE_LIMIT": "5", "SPARKLYTICS_RATE_LIMIT_DISABLE": "false"}
    )
    with httpx.Client(base_url=server.url, timeout=10) as client:
        ip = {"X-Forwarded-For": "203.0.113.7"}
        # refused requests (unknown site, bad shape) do not consume budget
        for _ in range(3):
            assert post(client, event("site_unknown00"), headers=ip).status_code == 404
            assert post(client, {"x": 1}, headers=ip).status_code == 422
        # a batch counts as one request
        batch = [event(site) for _ in range(10)]
        assert post(client, batch, headers=ip).status_code == 202
        for _ in range(4):
            assert post(client, event(site), path="/e", headers=ip).status_code == 202
        limited = post(client, event(site), headers=ip)
        assert limited.status_code == 429
        assert limited.json() == {
            "error": {
                "code": "rate_limited",
                "message": "Rate limit exceeded; slow down",
                "field": None,
            }
        }
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        # another client (a different forwarded address) has its own budget
        assert (
            post(client, event(site), headers={"X-Forwarded-For": "203.0.113.8"}).status_code == 202
        )
        # the other entry points share the budget
        umami = {"type": "event", "payload": {"website": site, "url": "/u"}}
        assert post(client, umami, path="/api/send", headers=ip).status_code == 429


def test_forwarded_for_from_an_untrusted_peer_is_ignored(analytics_server: Start) -> None:
    server, site = analytics_server(
        {
            "SPARKLYTICS_RATE_LIMIT": "2",
            "SPARKLYTICS_RATE_LIMIT_DISABLE": "false",
            "SPARKLYTICS_TRUSTED_PROXIES": "10.0.0.0/8, not-a-cidr",
        }
    )
    with httpx.Client(base_url=server.url, timeout=10) as client:
        codes = [
            post(client, event(site), headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
            for i in range(3)
        ]
    assert codes == [202, 202, 429]  # all from the peer 127.0.0.1
    assert "ignoring invalid entry 'not-a-cidr'" in server.log()


def test_overload_is_503_with_retry_after_and_stores_nothing(analytics_server: Start) -> None:
    server, site = analytics_server(
        {
            "SPARKLYTICS_INGEST_QUEUE_MAX_EVENTS": "10",
            "SPARKLYTICS_BUFFER_FLUSH_MS": "600000",  # nothing leaves the journal until shutdown
        }
    )
    accepted: list[str] = []
    with httpx.Client(base_url=server.url, timeout=10) as client:
        batch = [event(site) for _ in range(8)]
        response = post(client, batch)
        assert response.status_code == 202
        assert response.headers["x-sparklytics-ingest-queue-events"] == "8"
        accepted += [str(e["url"]) for e in batch]
        refused = [event(site) for _ in range(3)]
        overloaded = post(client, refused)
        assert overloaded.status_code == 503
        assert overloaded.headers["retry-after"] == "5"
        assert overloaded.json() == {
            "error": {
                "code": "ingest_overloaded",
                "message": "Ingestion queue is overloaded, retry later",
                "field": None,
            }
        }
        last = [event(site) for _ in range(2)]
        assert post(client, last).status_code == 202  # exactly fills the capacity
        accepted += [str(e["url"]) for e in last]
        assert post(client, event(site)).status_code == 503
    with sqlite3.connect(server.data_dir / "ingest-journal.db") as journal:
        assert journal.execute("SELECT coalesce(sum(events), 0) FROM journal").fetchone() == (10,)
    assert stop(server) == 0  # a graceful stop drains the journal into DuckDB
    stored = [row["url"] for row in query(server.data_dir, "SELECT url FROM events")]
    assert sorted(stored) == sorted(accepted)
    with sqlite3.connect(server.data_dir / "ingest-journal.db") as journal:
        assert journal.execute("SELECT coalesce(sum(events), 0) FROM journal").fetchone() == (0,)


def test_buffer_size_triggers_a_flush_before_the_timer(analytics_server: Start) -> None:
    server, site = analytics_server(
        {"SPARKLYTICS_BUFFER_SIZE": "5", "SPARKLYTICS_BUFFER_FLUSH_MS": "600000"}
    )
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert post(client, [event(site) for _ in range(5)]).status_code == 202
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with sqlite3.connect(server.data_dir / "ingest-journal.db") as journal:
                if journal.execute("SELECT coalesce(sum(events), 0) FROM journal").fetchone() == (
                    0,
                ):
                    break
            time.sleep(0.05)
        else:
            raise AssertionError("the journal was not flushed at SPARKLYTICS_BUFFER_SIZE")
        response = post(client, event(site))
        assert response.headers["x-sparklytics-ingest-queue-events"] == "1"
