"""The /clicker page's words, in headless Debian chromium: names refused in plain language, a name
cleared back to anonymous, and "Reconnecting…" while the server is away (then live again, with
the score kept)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, RunningServer

pytestmark = pytest.mark.browser


def test_names_are_checked_in_words_and_can_be_cleared(
    make_server: Callable[..., RunningServer], browser: Any
) -> None:
    running = make_server()
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{running.url}/clicker")
    expect(page.get_by_test_id("clicker-button")).to_be_enabled(timeout=10_000)
    player_id = page.get_by_test_id("player-id").inner_text()
    handle = page.get_by_test_id("player-handle").inner_text()
    notice = page.get_by_test_id("name-notice")
    name = page.get_by_test_id("name-input")

    # Saving no name while anonymous asks for one; nothing is sent.
    page.get_by_test_id("name-save").click()
    expect(notice).to_have_text("Type a name to show on the leaderboard, 1 to 24 characters.")
    name.fill("x" * 30)
    page.get_by_test_id("name-save").click()
    expect(notice).to_have_text(
        "That name is 30 characters long; names can be at most 24 characters."
    )
    name.fill("tab\there")
    page.get_by_test_id("name-save").click()
    expect(notice).to_contain_text("only use visible characters and plain spaces")
    expect(page.get_by_test_id("name-clear")).to_have_count(0)  # no name to clear yet

    name.fill("Ada")
    page.get_by_test_id("name-save").click()
    expect(notice).to_have_text("Saved.")
    page.get_by_test_id("clicker-button").click()
    expect(page.get_by_test_id("my-score")).to_have_text("1")
    row = page.locator(f'[data-testid=leaderboard-row][data-handle="{handle}"]')
    expect(row).to_contain_text("Ada")

    # Room under the "Leaderboard" heading (it used to touch the list).
    gap = page.evaluate(
        """() => {
            const heading = document.getElementById("board-title");
            const next = heading.nextElementSibling;
            return next.getBoundingClientRect().top - heading.getBoundingClientRect().bottom;
        }"""
    )
    assert gap >= 8

    page.get_by_test_id("name-clear").click()
    cleared = re.compile(r"^Name cleared: others see you as Player [0-9a-f]{8}\.")
    expect(notice).to_have_text(cleared)
    expect(row).not_to_contain_text("Ada")
    expect(name).to_have_value("")
    expect(page.get_by_test_id("name-clear")).to_have_count(0)
    player = httpx.get(f"{running.url}/api/clicker/players/{player_id}").json()
    assert player["name"] is None and player["score"] == 1

    # Saving an empty field clears a name too.
    name.fill("Ada again")
    page.get_by_test_id("name-save").click()
    expect(notice).to_have_text("Saved.")
    name.fill("   ")
    page.get_by_test_id("name-save").click()
    expect(notice).to_contain_text("Name cleared")
    page.screenshot(path=str(ARTIFACTS / "clicker-name-cleared-390.png"), full_page=True)
    assert errors == []
    context.close()


def test_an_outage_says_reconnecting_and_the_page_comes_back(
    make_server: Callable[..., RunningServer], browser: Any
) -> None:
    running = make_server()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{running.url}/clicker")
    button = page.get_by_test_id("clicker-button")
    expect(button).to_be_enabled(timeout=10_000)
    button.click()
    expect(page.get_by_test_id("my-score")).to_have_text("1")
    state = page.get_by_test_id("socket-state")
    expect(state).to_have_text("Live")

    running.stop()  # writes the snapshot on the way out
    expect(state).to_have_text("Reconnecting… your score is kept on the server", timeout=10_000)
    expect(button).to_have_text("Reconnecting…")
    expect(button).to_be_disabled()
    page.screenshot(path=str(ARTIFACTS / "clicker-reconnecting.png"))

    # Back on the same port and data: the page rejoins by itself with the same player.
    url = running.url
    port = int(url.rsplit(":", 1)[1])
    make_server(data_dir=running.data_dir, port=port)
    expect(state).to_have_text("Live", timeout=30_000)
    expect(button).to_have_text("Click!")
    expect(page.get_by_test_id("my-score")).to_have_text("1")
    page.close()
