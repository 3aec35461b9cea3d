"""Sessions across the 30-minute boundary (analytics-api.md section 6), assigned in DuckDB as
a flush stores its batch (sessions.py, batches.py), through the real journal and DuckDB; and
the flush steps that run in the same transaction."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from appliance.analytics.ingest.pipeline import Pipeline
from tests.analytics.conftest import query
from tests.analytics.warehouse import flushing
from tests.analytics.warehouse.flushing import record

T0 = datetime(2026, 3, 1, 10, 0, 0)


def _pipeline(data_dir: Path, batch_events: int | None = None) -> Pipeline:
    return flushing.pipeline(data_dir, buffer_size=2, batch_events=batch_events)


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


async def test_events_less_than_30_minutes_apart_share_a_session(tmp_path: Path) -> None:
    sessions = await _flushed(
        tmp_path,
        [record("/a", T0), record("/b", T0 + timedelta(minutes=29, seconds=59))],
        [record("/c", T0 + timedelta(minutes=50), event_type="event")],
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
        (tmp_path / "one", [[record("/a", T0), record("/b", later)]]),
        (tmp_path / "two", [[record("/a", T0)], [record("/b", later)]]),
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
            record("/a", T0),
            record("/other-visitor", T0, visitor="0000000000000002"),
            record("/other-site", T0, site="site_b"),
            record("/a-again", T0 + timedelta(seconds=1)),
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
    sessions = await _flushed(tmp_path, [record("/landing", at), record("/next", later)])
    ms = int(at.replace(tzinfo=UTC).timestamp() * 1000)
    expected = hashlib.sha256(f"0000000000000001site_a/landing{ms}".encode()).hexdigest()[:16]
    assert sessions["/landing"]["session_id"] == sessions["/next"]["session_id"] == expected


async def test_a_session_keeps_its_first_events_facts_and_any_bot_flag(tmp_path: Path) -> None:
    sessions = await _flushed(
        tmp_path,
        [record("/a", T0, country="GB", browser="Firefox", os="Linux", device_type="desktop")],
        [
            record("/b", T0 + timedelta(minutes=1), country="FR", browser="Chrome", is_bot=True),
            record("/c", T0 + timedelta(minutes=2)),
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
            record("/a", T0),  # no country
            record("/b", T0 + timedelta(seconds=1), country="FR", browser="Chrome"),
        ],
    )
    assert (sessions["/b"]["country"], sessions["/b"]["browser"]) == (None, None)


async def test_late_events_count_without_moving_the_session_clock(tmp_path: Path) -> None:
    """A replay can bring events older than the session they meet: one inside its span
    counts in it (its exit page and last_seen stay), one before it is a session of its own."""
    sessions = await _flushed(
        tmp_path,
        [record("/a", T0 + timedelta(minutes=10)), record("/b", T0 + timedelta(minutes=20))],
        [record("/inside", T0 + timedelta(minutes=15)), record("/before", T0)],
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
        b'{"id":"x"}\t' + record(url, T0 + timedelta(seconds=n))
        for n, url in enumerate(("/old-1", "/old-2"))
    ]
    sessions = await _flushed(tmp_path, legacy)
    assert sessions["/old-1"]["session_id"] == sessions["/old-2"]["session_id"]
    assert sessions["/old-2"]["event_count"] == 2


async def test_sessions_through_the_journal_into_duckdb(tmp_path: Path) -> None:
    pipeline = _pipeline(tmp_path, batch_events=2)
    await pipeline.start()
    times = [T0, T0 + timedelta(minutes=29), T0 + timedelta(minutes=60), T0 + timedelta(minutes=61)]
    await pipeline.append([record(f"/{i}", at) for i, at in enumerate(times)])
    await pipeline.append([record("/other", T0, visitor="0000000000000002")])
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


# -- the flush's transaction: steps and temp tables ----------------------------------------


async def test_a_flush_leaves_no_temp_table_behind(tmp_path: Path) -> None:
    pipeline = flushing.pipeline(tmp_path)
    await pipeline.start()
    await pipeline.append([record("/a", T0), record("/b", T0 + timedelta(minutes=1))])
    assert await pipeline.flush() == 2
    temporary = await pipeline.warehouse.write(
        lambda con: con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
    )
    await pipeline.stop()
    assert temporary == []


async def test_flush_steps_run_inside_the_flush_transaction(tmp_path: Path) -> None:
    pipeline = flushing.pipeline(tmp_path, capacity=100)
    await pipeline.start()
    await pipeline.warehouse.write(
        lambda con: con.execute("CREATE TABLE per_url (url VARCHAR, n INTEGER)")
    )
    seen: list[int] = []

    def rollup(connection: Any, table: str) -> None:
        new = f"events JOIN {table} USING (id)"
        (count,) = connection.execute(f"SELECT count(*) FROM {new}").fetchone()
        seen.append(count)
        connection.execute(f"INSERT INTO per_url SELECT url, count(*) FROM {new} GROUP BY url")
        if connection.execute(f"SELECT count(*) FROM {new} WHERE url = '/boom'").fetchone()[0]:
            raise RuntimeError("a failing step rolls the whole flush back")

    pipeline.flush_steps.append(rollup)
    await pipeline.append([record("/a", T0), record("/a", T0), record("/b", T0)])
    assert await pipeline.flush() == 3
    await pipeline.append([record("/boom", T0)])
    with pytest.raises(RuntimeError):
        await pipeline.flush()
    assert pipeline.pending == 1  # still journaled, for the next try
    await pipeline.warehouse.close()
    pipeline.journal.close()
    assert seen == [3, 1]
    per_url = {row["url"]: row["n"] for row in query(tmp_path, "SELECT * FROM per_url")}
    assert per_url == {"/a": 2, "/b": 1}
    assert len(query(tmp_path, "SELECT * FROM events")) == 3
