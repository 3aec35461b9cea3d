"""The home page in headless Debian chromium: a "start here" for a newcomer, and a part's card
counting the same listeners as the topics table (the Rooms card said "No live topics" while the
table listed room:*)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, RunningServer

pytestmark = pytest.mark.browser


def test_start_here_and_the_rooms_card_agree_with_the_topics_table(
    make_server: Callable[..., RunningServer], browser: Any
) -> None:
    running = make_server()  # its own server: only this test's listeners
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    home = context.new_page()
    errors: list[str] = []
    home.on("pageerror", lambda error: errors.append(str(error)))
    home.goto(running.url)

    start = home.get_by_test_id("start-here")
    steps = start.get_by_role("listitem")
    expect(steps).to_have_count(5, timeout=10_000)
    expect(steps.first).to_contain_text("1. Drop a spark on the board")
    start.get_by_role("link", name="3. Share a JSON room").click()
    expect(home).to_have_url(f"{running.url}/rooms")
    home.go_back()

    # A room open in another tab: one SSE listener on room:*, shown in the card and the table.
    rooms = context.new_page()
    rooms.goto(f"{running.url}/rooms?room=home-check-room")
    expect(rooms.get_by_test_id("stream-state")).to_have_text("live", timeout=10_000)
    card = home.get_by_test_id("part-rooms")
    expect(card).to_contain_text("room:<id>")
    expect(home.get_by_test_id("listeners-rooms")).to_have_text("1 listener", timeout=15_000)
    row = home.get_by_test_id("topics").get_by_role("row").filter(has_text="room:*")
    expect(row).to_contain_text("Rooms")
    expect(row.get_by_role("cell").last).to_have_text("1")
    home.screenshot(path=str(ARTIFACTS / "home-1280.png"), full_page=True)

    rooms.close()
    expect(home.get_by_test_id("listeners-rooms")).to_have_text("0 listeners", timeout=15_000)
    assert errors == []
    context.close()


def test_start_here_fits_a_phone(server: RunningServer, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(server.url)
    steps = page.get_by_test_id("start-here").get_by_role("listitem")
    expect(steps).to_have_count(5, timeout=10_000)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390  # nothing pushes the page sideways
    for index in range(5):
        box = steps.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.screenshot(path=str(ARTIFACTS / "home-390.png"), full_page=True)
    page.close()
