"""Sessions across the 30-minute boundary (the collect contract has no timestamp field, so the
flusher is driven directly with journaled events at chosen times, through the real journal
and DuckDB), and the daily visitor salt."""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from appliance.analytics.ingest.journal import Journal
from appliance.analytics.ingest.pipeline import FlushBatch, Pipeline, journal_line
from appliance.analytics.ingest.service import uuid7
from appliance.analytics.ingest.visitors import DAY_SECONDS, DailySalt, utc_day, visitor_hash
from appliance.analytics.warehouse.database import Warehouse
from tests.analytics.conftest import BROWSER_HEADERS, FAST, add_website, query, stop
from tests.conftest import start_server

T0 = datetime(2026, 3, 1, 10, 0, 0)


def _record(
    url: str,
    at: datetime,
    visitor: str = "0000000000000001",
    site: str = "site_a",
    event_type: str = "pageview",
    **fields: Any,
) -> bytes:
    record: dict[str, Any] = {
        name: None
        for name in (
            "tenant_id",
            "referrer",
            "referrer_domain",
            "event_name",
            "event_data",
            "country",
            "region",
            "city",
            "browser",
            "browser_version",
            "os",
            "os_version",
            "device_type",
            "screen",
            "language",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "utm_term",
            "utm_content",
            "bot_reason",
        )
    }
    record.update(
        id=uuid7(at.timestamp()),
        website_id=site,
        visitor_id=visitor,
        event_type=event_type,
        url=url,
        is_bot=False,
        bot_score=0,
        created_at=at.isoformat(sep=" ", timespec="microseconds"),
    )
    record.update(fields)
    return journal_line(record)


def _pipeline(data_dir: Path, batch_events: int | None = None) -> Pipeline:
    return Pipeline(
        Journal.in_dir(data_dir),
        Warehouse.in_dir(data_dir, "256MB"),
        buffer_size=2,
        flush_ms=60_000,
        capacity=1000,
        work_dir=data_dir / "tmp",
        batch_events=batch_events,
    )


async def _flushed(data_dir: Path, *flushes: list[bytes]) -> dict[str, dict[str, Any]]:
    """Journal and flush each list of events in turn (one DuckDB batch per flush); returns
    the session row of every event by the event's url."""
    pipeline = _pipeline(data_dir)
    await pipeline.start()
    for records in flushes:
        await pipeline.append(records)
        await pipeline.flush()
    await pipeline.stop()
    rows = query(
        data_dir,
        "SELECT e.url AS event_url, s.* FROM events e JOIN sessions s USING (session_id)",
    )
    return {row.pop("event_url"): row for row in rows}


# -- sessions (section 6), through the real journal and DuckDB ------------------------------


async def test_events_less_than_30_minutes_apart_share_a_session(tmp_path: Path) -> None:
    sessions = await _flushed(
        tmp_path,
        [_record("/a", T0), _record("/b", T0 + timedelta(minutes=29, seconds=59))],
        [_record("/c", T0 + timedelta(minutes=50), event_type="event")],
    )
    assert sessions["/a"] == sessions["/b"] == sessions["/c"]
    third = sessions["/c"]
    assert (third["event_count"], third["pageview_count"]) == (3, 2)
    assert (third["entry_page"], third["exit_page"]) == ("/a", "/c")
    assert third["last_seen"] - third["first_seen"] == timedelta(minutes=50)


async def test_30_minutes_of_inactivity_starts_a_new_session(tmp_path: Path) -> None:
    later = T0 + timedelta(minutes=30)
    # in one batch and across two flushes alike
    for data_dir, flushes in (
        (tmp_path / "one", [[_record("/a", T0), _record("/b", later)]]),
        (tmp_path / "two", [[_record("/a", T0)], [_record("/b", later)]]),
    ):
        sessions = await _flushed(data_dir, *flushes)
        second = sessions["/b"]
        assert second["session_id"] != sessions["/a"]["session_id"]
        assert (second["event_count"], second["entry_page"], second["first_seen"]) == (
            1,
            "/b",
            later,
        )


async def test_sessions_are_per_website_and_visitor(tmp_path: Path) -> None:
    sessions = await _flushed(
        tmp_path,
        [
            _record("/a", T0),
            _record("/other-visitor", T0, visitor="0000000000000002"),
            _record("/other-site", T0, site="site_b"),
            _record("/a-again", T0 + timedelta(seconds=1)),
        ],
    )
    first = sessions["/a"]["session_id"]
    assert sessions["/a-again"]["session_id"] == first
    assert sessions["/other-visitor"]["session_id"] != first
    assert sessions["/other-site"]["session_id"] != first
    assert len({row["session_id"] for row in sessions.values()}) == 3


async def test_session_id_is_the_spec_hash(tmp_path: Path) -> None:
    at = T0 + timedelta(microseconds=123_456)
    later = at + timedelta(seconds=1)
    sessions = await _flushed(tmp_path, [_record("/landing", at), _record("/next", later)])
    ms = int(at.replace(tzinfo=UTC).timestamp() * 1000)
    expected = hashlib.sha256(f"0000000000000001site_a/landing{ms}".encode()).hexdigest()[:16]
    assert sessions["/landing"]["session_id"] == sessions["/next"]["session_id"] == expected


async def test_a_session_keeps_its_first_events_facts_and_any_bot_flag(tmp_path: Path) -> None:
    sessions = await _flushed(
        tmp_path,
        [_record("/a", T0, country="GB", browser="Firefox", os="Linux", device_type="desktop")],
        [
            _record("/b", T0 + timedelta(minutes=1), country="FR", browser="Chrome", is_bot=True),
            _record("/c", T0 + timedelta(minutes=2)),
        ],
    )
    row = sessions["/c"]
    assert (row["country"], row["browser"], row["os"], row["device_type"]) == (
        "GB",
        "Firefox",
        "Linux",
        "desktop",
    )
    assert row["is_bot"] is True and row["event_count"] == 3


async def test_a_new_session_takes_its_first_events_facts_even_when_empty(
    tmp_path: Path,
) -> None:
    sessions = await _flushed(
        tmp_path,
        [
            _record("/a", T0),  # no country
            _record("/b", T0 + timedelta(seconds=1), country="FR", browser="Chrome"),
        ],
    )
    assert (sessions["/b"]["country"], sessions["/b"]["browser"]) == (None, None)


async def test_late_events_count_without_moving_the_session_clock(tmp_path: Path) -> None:
    """A replay can bring events older than the session they meet: one inside its span
    counts in it (its exit page and last_seen stay), one before it is a session of its own."""
    sessions = await _flushed(
        tmp_path,
        [_record("/a", T0 + timedelta(minutes=10)), _record("/b", T0 + timedelta(minutes=20))],
        [_record("/inside", T0 + timedelta(minutes=15)), _record("/before", T0)],
    )
    kept = sessions["/inside"]
    assert kept == sessions["/a"]
    assert (kept["event_count"], kept["entry_page"], kept["exit_page"]) == (3, "/a", "/b")
    assert kept["last_seen"] == T0 + timedelta(minutes=20)
    alone = sessions["/before"]
    assert alone["session_id"] != kept["session_id"]
    assert (alone["event_count"], alone["first_seen"], alone["last_seen"]) == (1, T0, T0)


async def test_a_journal_row_in_the_earlier_head_and_tab_format_is_flushed(
    tmp_path: Path,
) -> None:
    legacy = [
        b'{"id":"x"}\t' + _record(url, T0 + timedelta(seconds=n))
        for n, url in enumerate(("/old-1", "/old-2"))
    ]
    sessions = await _flushed(tmp_path, legacy)
    assert sessions["/old-1"]["session_id"] == sessions["/old-2"]["session_id"]
    assert sessions["/old-2"]["event_count"] == 2


async def test_sessions_through_the_journal_into_duckdb(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path, batch_events=2)
    await pipeline.start()
    times = [T0, T0 + timedelta(minutes=29), T0 + timedelta(minutes=60), T0 + timedelta(minutes=61)]
    await pipeline.append([_record(f"/{i}", at) for i, at in enumerate(times)])
    await pipeline.append([_record("/other", T0, visitor="0000000000000002")])
    await pipeline.flush()  # three DuckDB batches of at most 2 events
    await pipeline.stop()
    sessions = query(tmp_path, "SELECT * FROM sessions ORDER BY first_seen, visitor_id")
    assert [(s["entry_page"], s["exit_page"], s["event_count"]) for s in sessions] == [
        ("/0", "/1", 2),
        ("/other", "/other", 1),
        ("/2", "/3", 2),
    ]
    assert sessions[0]["last_seen"] - sessions[0]["first_seen"] == timedelta(minutes=29)
    events = query(tmp_path, "SELECT url, session_id FROM events ORDER BY created_at, url")
    by_url = {e["url"]: e["session_id"] for e in events}
    assert by_url["/0"] == by_url["/1"] == sessions[0]["session_id"]
    assert by_url["/2"] == by_url["/3"] == sessions[2]["session_id"]


# -- the daily salt -------------------------------------------------------------------------

DAY = 20_000 * DAY_SECONDS  # a fixed UTC midnight


def test_the_salt_is_stable_within_a_day_and_changes_at_midnight(tmp_path: Path) -> None:
    salt = DailySalt.in_dir(tmp_path)
    salt.load(now=DAY + 10)
    morning = salt.current(DAY + 60)
    assert salt.current(DAY + DAY_SECONDS - 0.001) == morning
    ids = {visitor_hash(salt.current(DAY + 5), "site_a", "81.2.69.142", "UA")}
    ids.add(visitor_hash(salt.current(DAY + 3600), "site_a", "81.2.69.142", "UA"))
    assert len(ids) == 1
    assert salt.rotate_if_due(DAY + DAY_SECONDS + 1)  # the midnight job
    tomorrow = salt.current(DAY + DAY_SECONDS + 2)
    assert tomorrow != morning and len(tomorrow) == 32
    assert visitor_hash(tomorrow, "site_a", "81.2.69.142", "UA") not in ids
    salt.persist()
    stored = orjson.loads((tmp_path / "analytics-salt.json").read_bytes())
    assert stored == {"day": utc_day(DAY + DAY_SECONDS), "secret": tomorrow.hex()}
    assert morning.hex() not in (tmp_path / "analytics-salt.json").read_text()
    assert stat.S_IMODE(os.stat(tmp_path / "analytics-salt.json").st_mode) == 0o600


def test_a_restart_on_the_same_day_keeps_the_salt_and_a_new_day_replaces_it(tmp_path: Path) -> None:
    first = DailySalt.in_dir(tmp_path)
    first.load(now=DAY + 1)
    again = DailySalt.in_dir(tmp_path)
    again.load(now=DAY + 7200)
    assert again.current(DAY + 7200) == first.current(DAY + 1)
    later = DailySalt.in_dir(tmp_path)
    later.load(now=DAY + DAY_SECONDS + 1)
    assert later.current(DAY + DAY_SECONDS + 1) != first.current(DAY + 1)
    assert first.current(DAY + 1).hex() not in (tmp_path / "analytics-salt.json").read_text()


def test_salt_rotation_changes_visitor_ids_across_days(tmp_path: Path) -> None:
    """End to end: same IP + UA → same id after a restart the same day; after the stored salt
    turns out to be yesterday's, a new secret replaces it and the id changes."""
    data_dir = tmp_path / "data"
    site = add_website(data_dir, "example.com")

    def visit(tag: str) -> None:
        server = start_server(data_dir, env=FAST)
        with httpx.Client(base_url=server.url, timeout=10) as client:
            body = {"website_id": site, "type": "pageview", "url": f"/{tag}"}
            headers = {**BROWSER_HEADERS, "X-Forwarded-For": "81.2.69.142"}
            assert client.post("/e", json=body, headers=headers).status_code == 202
        assert stop(server) == 0

    visit("day1-a")
    visit("day1-b")  # restarted, same day
    salt_file = data_dir / "analytics-salt.json"
    today = orjson.loads(salt_file.read_bytes())
    salt_file.write_bytes(orjson.dumps({**today, "day": today["day"] - 1}))  # it is tomorrow
    visit("day2")
    rows = {
        r["url"]: r["visitor_id"] for r in query(data_dir, "SELECT url, visitor_id FROM events")
    }
    assert rows["/day1-a"] == rows["/day1-b"]
    assert rows["/day2"] != rows["/day1-a"]
    rotated = orjson.loads(salt_file.read_bytes())
    assert rotated["day"] == today["day"] and rotated["secret"] != today["secret"]


@pytest.mark.parametrize("content", [b"", b"{", b'{"day": 1}', b'{"day": "x", "secret": "zz"}'])
def test_an_unreadable_salt_file_is_replaced(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "analytics-salt.json").write_bytes(content)
    salt = DailySalt.in_dir(tmp_path)
    salt.load(now=DAY)
    assert len(salt.current(DAY)) == 32
    assert orjson.loads((tmp_path / "analytics-salt.json").read_bytes())["day"] == utc_day(DAY)


# -- retention ------------------------------------------------------------------------------


async def test_retention_runs_as_duckdb_opens_and_keeps_recent_events(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    await asyncio.to_thread(add_website, data_dir, "example.com")
    pipeline = Pipeline(
        Journal.in_dir(data_dir),
        Warehouse.in_dir(data_dir, "256MB"),
        buffer_size=100,
        flush_ms=60_000,
        capacity=100,
        work_dir=data_dir / "tmp",
    )
    await pipeline.start()
    now = datetime.now(UTC).replace(tzinfo=None)
    ages = {"/old": 40, "/recent": 20, "/today": 0}
    await pipeline.append([_record(url, now - timedelta(days=days)) for url, days in ages.items()])
    await pipeline.stop()

    server = await asyncio.to_thread(
        start_server, data_dir, {**FAST, "SPARKLYTICS_RETENTION_DAYS": "30"}
    )
    # DuckDB opens on first use (here the health check's ping), and retention runs as it opens
    async with httpx.AsyncClient(base_url=server.url) as client:
        assert "retention:" not in server.log()
        assert (await client.get("/health")).status_code == 200
    assert await asyncio.to_thread(stop, server) == 0
    assert "retention: deleted 1 event(s)" in server.log()
    urls = {row["url"] for row in query(data_dir, "SELECT url FROM events")}
    assert urls == {"/recent", "/today"}
    assert len(query(data_dir, "SELECT * FROM sessions")) == 2


# -- flush steps (the hook the API issue's rollups use) ------------------------------------


async def test_flush_steps_run_inside_the_flush_transaction(tmp_path: Path) -> None:
    pipeline = Pipeline(
        Journal.in_dir(tmp_path),
        Warehouse.in_dir(tmp_path, "256MB"),
        buffer_size=100,
        flush_ms=60_000,
        capacity=100,
        work_dir=tmp_path / "tmp",
    )
    await pipeline.start()
    await pipeline.warehouse.write(
        lambda con: con.execute("CREATE TABLE per_url (url VARCHAR, n INTEGER)")
    )
    seen: list[int] = []

    def rollup(connection: Any, batch: FlushBatch) -> None:
        new = f"events JOIN {batch.events_table} USING (id)"
        (count,) = connection.execute(f"SELECT count(*) FROM {new}").fetchone()
        seen.append(count)
        connection.execute(f"INSERT INTO per_url SELECT url, count(*) FROM {new} GROUP BY url")
        if connection.execute(f"SELECT count(*) FROM {new} WHERE url = '/boom'").fetchone()[0]:
            raise RuntimeError("a failing step rolls the whole flush back")

    pipeline.flush_steps.append(rollup)
    await pipeline.append([_record("/a", T0), _record("/a", T0), _record("/b", T0)])
    assert await pipeline.flush() == 3
    await pipeline.append([_record("/boom", T0)])
    with pytest.raises(RuntimeError):
        await pipeline.flush()
    assert pipeline.pending == 1  # still journaled, for the next try
    await pipeline.warehouse.close()
    pipeline.journal.close()
    assert seen == [3, 1]
    per_url = {row["url"]: row["n"] for row in query(tmp_path, "SELECT * FROM per_url")}
    assert per_url == {"/a": 2, "/b": 1}
    assert len(query(tmp_path, "SELECT * FROM events")) == 3
