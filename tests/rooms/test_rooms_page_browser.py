"""The /rooms page's words, in headless Debian chromium: a room nobody wrote shows an empty
state (not "version 0"), the page says rooms live in memory with their TTL, and "Updated" is
a human time."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, RunningServer
from tests.rooms.conftest import new_room_id

pytestmark = pytest.mark.browser


def test_an_unwritten_room_is_an_empty_state_and_times_are_human(
    make_server: Callable[..., RunningServer], browser: Any
) -> None:
    running = make_server({"ROOM_TTL_SECONDS": "7200"})
    room_id = new_room_id("words")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{running.url}/rooms?room={room_id}")
    expect(page.get_by_test_id("stream-state")).to_have_text("live", timeout=10_000)

    expect(page.get_by_test_id("rooms-memory-note")).to_have_text(
        "Rooms live in this server's memory, not on disk: a restart empties them, and a room "
        "nobody writes to for 2 hours is deleted (ROOM_TTL_SECONDS)."
    )
    empty = page.get_by_test_id("room-empty")
    expect(empty).to_contain_text(f"{room_id} has no state yet")
    expect(page.get_by_test_id("room-version")).to_have_count(0)  # no "version 0", no "null"
    assert "null" not in (page.locator(".rooms-live").first.text_content() or "")
    page.screenshot(path=str(ARTIFACTS / "rooms-empty-390.png"), full_page=True)

    written = httpx.put(f"{running.url}/api/rooms/{room_id}", json={"state": {"turn": "x"}})
    assert written.status_code == 200
    expect(page.get_by_test_id("room-version")).to_have_text("1", timeout=5000)
    expect(empty).to_have_count(0)
    updated = page.get_by_test_id("room-updated")
    # "just now · 7 Dec 2026, 12:00:01": relative, then the local date and time (no ISO string).
    expect(updated).to_have_text(
        re.compile(r"^(just now|\d+ seconds? ago) · .*\d{4}.*\d:\d\d:\d\d")
    )
    iso = written.json()["updated_at"]
    assert iso not in (updated.text_content() or "")
    assert updated.locator("time").get_attribute("datetime") == iso
    page.screenshot(path=str(ARTIFACTS / "rooms-written-390.png"), full_page=True)
    assert errors == []
    page.close()
