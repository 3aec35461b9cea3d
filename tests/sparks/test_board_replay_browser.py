"""The board page for a late joiner, in headless Debian chromium on a HiDPI screen: the recent
sparks are replayed on join, "Clear this view" says it clears only this browser's canvas, and
the canvas holds device pixels (sharp at a device pixel ratio of 2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, RunningServer
from tests.sparks.test_board_browser import PIXEL, wait_for_pixel

pytestmark = pytest.mark.browser

RED = {"color": [1, 0, 0], "radius": 20, "transparency": 0, "time_to_grow": 0}
BLUE = {"color": [0, 0, 1], "radius": 20, "transparency": 0, "time_to_grow": 0}


def test_a_late_joiner_sees_the_recent_sparks_sharply(
    make_server: Callable[..., RunningServer], browser: Any
) -> None:
    running = make_server()  # its own server: only this test's sparks are replayed
    assert httpx.post(f"{running.url}/api/100/100", json=RED).status_code == 202
    assert httpx.post(f"{running.url}/api/400/400", json=BLUE).status_code == 202

    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=2)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{running.url}/board")
    expect(page.get_by_test_id("connection-state")).to_have_text("connected", timeout=10_000)
    expect(page.get_by_test_id("replay-note")).to_contain_text("2 sparks sent in the 10 minutes")
    expect(page.get_by_test_id("spark-count")).to_have_text("0")  # replayed, not received live

    # The backing store is 2 × 512 device pixels; board (x, y) is at device (2x, 2y).
    canvas = page.get_by_test_id("board-canvas")
    assert canvas.evaluate("c => [c.width, c.height]") == [1024, 1024]
    assert wait_for_pixel(page, [200, 200], lambda rgba: rgba == [255, 0, 0, 255]) == [
        255, 0, 0, 255
    ]  # fmt: skip
    assert page.evaluate(PIXEL, [800, 800]) == [0, 0, 255, 255]
    # The edge is drawn at device resolution: the radius (20 board px) is 40 device px.
    assert page.evaluate(PIXEL, [200 + 38, 200]) == [255, 0, 0, 255]
    assert page.evaluate(PIXEL, [200 + 42, 200]) == [0, 0, 0, 0]
    page.screenshot(path=str(ARTIFACTS / "board-replay-hidpi.png"))

    # A spark sent now arrives live, as before.
    assert httpx.post(f"{running.url}/api/256/256", json=RED).status_code == 202
    expect(page.get_by_test_id("spark-count")).to_have_text("1", timeout=10_000)

    page.get_by_test_id("clear-view").click()
    expect(page.get_by_role("status").filter(has_text="Cleared this view only")).to_be_visible()
    assert page.evaluate(PIXEL, [200, 200]) == [0, 0, 0, 0]

    # Another browser is unaffected, and a reload brings the recent sparks back.
    other = context.new_page()
    other.goto(f"{running.url}/board")
    expect(other.get_by_test_id("replay-note")).to_contain_text("3 sparks")
    page.reload()
    expect(page.get_by_test_id("replay-note")).to_contain_text("3 sparks", timeout=10_000)
    assert wait_for_pixel(page, [512, 512], lambda rgba: rgba == [255, 0, 0, 255]) == [
        255, 0, 0, 255
    ]  # fmt: skip
    assert errors == []
    context.close()


def test_an_empty_board_says_nothing_was_sent(
    make_server: Callable[..., RunningServer], browser: Any
) -> None:
    running = make_server()
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{running.url}/board")
    expect(page.get_by_test_id("replay-note")).to_have_text(
        "Nothing was sent in the 10 minutes before you opened the board.", timeout=10_000
    )
    page.screenshot(path=str(ARTIFACTS / "board-empty-390.png"), full_page=True)
    page.close()
