"""A full disk during a journal commit (a real one: the data dir on a small tmpfs): the events
of that request are refused with a 503 JSON answer and none is stored, every event acknowledged
before is kept, the server keeps serving, and ``/healthz`` names the problem until the journal
commits again."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.analytics.conftest import FAST, add_website, marker, post, query, stop
from tests.conftest import RunningServer
from tests.support.disk import fill, small_disk

MakeServer = Callable[..., RunningServer]
DISK_FULL = "journal commit failed: database or disk is full"
SPARK = {"color": [1, 0.5, 0], "radius": 10, "transparency": 0, "time_to_grow": 1}


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    with small_disk(tmp_path / "data") as path:
        yield path


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def journaled(data_dir: Path) -> int:
    uri = f"{(data_dir / 'ingest-journal.db').as_uri()}?mode=ro"
    with sqlite3.connect(uri, uri=True) as journal:
        (count,) = journal.execute("SELECT coalesce(sum(events), 0) FROM journal").fetchone()
    return int(count)


def test_a_full_disk_refuses_new_events_and_loses_no_acknowledged_one(
    make_server: MakeServer, disk: Path
) -> None:
    site = add_website(disk, "example.com")
    server = make_server(env=FAST, data_dir=disk)
    acknowledged: list[str] = []
    with httpx.Client(base_url=server.url, timeout=10) as http:

        def send() -> tuple[httpx.Response, str]:
            url = f"/page-{marker()}"
            answer = post(http, {"website_id": site, "type": "pageview", "url": url})
            if answer.status_code == 202:
                acknowledged.append(url)
            return answer, url

        for _ in range(5):
            assert send()[0].status_code == 202
        # In DuckDB before the disk fills (a flush that fails is another test's matter).
        wait_for(lambda: journaled(disk) == 0)

        filler = fill(disk)
        refused, refused_url = send()
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "5"
        assert refused.json() == {
            "error": {
                "code": "ingest_unavailable",
                "message": "Events could not be stored right now, retry later",
                "field": None,
            }
        }
        # The server keeps serving, and says what is wrong.
        assert http.post("/api/10/10", json=SPARK).status_code == 202
        health = http.get("/healthz")
        assert health.status_code == 503
        assert health.json() == {
            "ok": False,
            "problems": [{"part": "analytics", "problem": DISK_FULL}],
        }
        assert http.get("/health").json()["status"] == "degraded"

        filler.unlink()
        # No request needed: the flusher's probe finds that the journal commits again.
        wait_for(lambda: http.get("/healthz").status_code == 200)
        assert http.get("/healthz").json() == {"ok": True}
        assert send()[0].status_code == 202
    assert stop(server) == 0  # drains the journal into DuckDB
    stored = {row["url"] for row in query(disk, "SELECT url FROM events")}
    assert stored == set(acknowledged)
    assert refused_url not in stored
    assert len(acknowledged) == 6
