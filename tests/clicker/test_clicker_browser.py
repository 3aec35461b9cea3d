"""The /clicker page in two headless chromium browsers: each sees the other's clicks."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, RunningServer

pytestmark = pytest.mark.browser


def open_player(browser: Any, url: str, errors: list[str]) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})  # own localStorage
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{url}/clicker")
    expect(page.get_by_test_id("clicker-button")).to_be_enabled(timeout=10_000)
    return context, page


def row(page: Any, handle: str) -> Any:
    return page.locator(f'[data-testid=leaderboard-row][data-handle="{handle}"]')


def test_two_browsers_see_each_others_clicks(
    make_server: Callable[..., RunningServer], browser: Any
) -> None:
    running = make_server()  # its own server: an empty board
    errors: list[str] = []
    context_a, alice = open_player(browser, running.url, errors)
    context_b, bob = open_player(browser, running.url, errors)
    alice_id = alice.get_by_test_id("player-id").inner_text()
    bob_id = bob.get_by_test_id("player-id").inner_text()
    alice_handle = alice.get_by_test_id("player-handle").inner_text()
    bob_handle = bob.get_by_test_id("player-handle").inner_text()
    assert alice_id != bob_id and alice_handle != bob_handle

    alice.get_by_test_id("name-input").fill("Alice")
    alice.get_by_test_id("name-save").click()
    expect(alice.get_by_test_id("name-notice")).to_have_text("Saved.")

    for expected in ("1", "2", "3"):
        alice.get_by_test_id("clicker-button").click()
        expect(alice.get_by_test_id("my-score")).to_have_text(expected)
        alice.wait_for_timeout(120)  # the throttle: 100 ms between counted clicks
    expect(alice.get_by_test_id("my-rank")).to_have_text("#1")

    # Bob's page shows Alice's clicks, live.
    expect(row(bob, alice_handle)).to_contain_text("Alice")
    expect(row(bob, alice_handle)).to_contain_text("3")
    assert alice_id not in bob.content()  # Bob's page shows Alice's handle, never her key

    bob.get_by_test_id("clicker-button").click()
    expect(bob.get_by_test_id("my-score")).to_have_text("1")
    expect(bob.get_by_test_id("my-rank")).to_have_text("#2")
    expect(row(alice, bob_handle)).to_contain_text("1")
    expect(alice.get_by_test_id("leaderboard-row")).to_have_count(2)

    # Too fast: the second of two immediate clicks is refused with the time to wait.
    bob.wait_for_timeout(120)
    bob.get_by_test_id("clicker-button").dblclick()
    expect(bob.get_by_test_id("clicker-flash")).to_have_text(re.compile(r"Too fast — wait \d+ ms"))

    # A bad name is refused with the server's reason.
    bob.get_by_test_id("name-input").fill("x" * 30)
    bob.get_by_test_id("name-save").click()
    expect(bob.get_by_test_id("name-notice")).to_contain_text("at most 24 characters")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    alice.screenshot(path=str(ARTIFACTS / "clicker-alice.png"), full_page=True)
    bob.screenshot(path=str(ARTIFACTS / "clicker-bob.png"), full_page=True)

    # The browser keeps its player: a reload resumes Alice with her score.
    alice.reload()
    expect(alice.get_by_test_id("player-id")).to_have_text(alice_id, timeout=10_000)
    expect(alice.get_by_test_id("my-score")).to_have_text("3")
    assert errors == []
    context_a.close()
    context_b.close()
