"""The board page in headless Debian chromium: it joins board:lobby with the phoenix client and
draws a posted spark on its canvas."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, RunningServer

pytestmark = pytest.mark.browser

PIXEL = """([x, y]) => Array.from(
    document.querySelector('[data-testid=board-canvas]').getContext('2d')
        .getImageData(x, y, 1, 1).data)"""


def wait_for_pixel(
    page: Any, point: list[int], done: Callable[[list[int]], bool], timeout: float = 5.0
) -> list[int]:
    """Poll a canvas pixel (the page's CSP forbids Playwright's string predicates)."""
    deadline = time.monotonic() + timeout
    while True:
        rgba: list[int] = page.evaluate(PIXEL, point)
        if done(rgba) or time.monotonic() > deadline:
            return rgba
        time.sleep(0.05)


def test_a_posted_spark_appears_on_the_board(
    make_server: Callable[..., RunningServer], browser: Any
) -> None:
    # A board of its own: the page replays recent sparks on join, and the shared server's
    # (other tests post sparks anywhere) once blended into the pixels read here.
    server = make_server()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server.url}/board")
    expect(page.get_by_test_id("connection-state")).to_have_text("connected", timeout=10_000)
    before = page.evaluate(PIXEL, [256, 256])
    spark = {"color": [1, 0, 0], "radius": 40, "transparency": 0, "time_to_grow": 0}
    assert httpx.post(f"{server.url}/api/256/256", json=spark).status_code == 202
    expect(page.get_by_test_id("spark-count")).to_have_text("1", timeout=10_000)
    after = wait_for_pixel(page, [256, 256], lambda rgba: rgba == [255, 0, 0, 255])
    assert before != after
    # a growing spark: half transparent, 1 s to grow; its edge fills in over time
    grow = {"color": [0, 0, 1], "radius": 60, "transparency": 0.5, "time_to_grow": 1}
    assert httpx.post(f"{server.url}/api/100/400", json=grow).status_code == 202
    # the edge fills in and ends as the spark's colour (read mid-growth, a pixel of the
    # growing rim is a blend: blue 174 and 238 were seen on busy CI runs)
    final = [0, 0, 255, 128]  # alpha 1 × (1 − 0.5 transparency)
    assert wait_for_pixel(page, [155, 400], lambda rgba: rgba == final) == final
    assert page.evaluate(PIXEL, [100, 400]) == final  # the centre
    page.screenshot(path=str(ARTIFACTS / "board.png"))
    assert errors == []
    page.close()
