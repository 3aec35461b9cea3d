"""The daily visitor salt: cookie-less visitor ids (ingest/visitors.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import httpx
import orjson
import pytest

from appliance.analytics.ingest.visitors import DAY_SECONDS, DailySalt, utc_day, visitor_hash
from tests.analytics.conftest import BROWSER_HEADERS, FAST, add_website, query, stop
from tests.conftest import start_server

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
