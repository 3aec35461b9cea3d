"""The whole dashboard in headless Debian chromium: axe-core finds no serious or critical
violation on any page in either theme, the theme chosen in the header holds on every page, in
other tabs and after a reload, and on a phone the current navigation item is on screen.

axe-core is the engine `@axe-core/playwright` wraps; the suite drives Playwright from Python,
so the engine itself (tests/node, `make node-deps`) is injected into each page."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, NODE_DIR, RunningServer

pytestmark = pytest.mark.browser

AXE = NODE_DIR / "node_modules" / "axe-core" / "axe.min.js"
DARK_BG = "rgb(15, 14, 19)"
LIGHT_BG = "rgb(246, 245, 242)"
CHROME_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


def background(page: Any) -> str:
    color: str = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    return color


@pytest.fixture(scope="module")
def site_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RunningServer, str, str, str]]:
    """A server with open analytics (no login), one website with pageviews, and one room."""
    from tests.conftest import start_server

    running = start_server(
        tmp_path_factory.mktemp("a11y") / "data",
        {"SPARKLYTICS_AUTH": "none", "SPARKLYTICS_HTTPS": "false"},
    )
    with httpx.Client(base_url=running.url, timeout=10) as client:
        created = client.post("/api/websites", json={"name": "Shop", "domain": "shop.example"})
        assert created.status_code in (200, 201), created.text
        site: str = created.json()["data"]["id"]
        for path in ("/", "/pricing", "/docs"):
            event = {
                "website_id": site,
                "type": "pageview",
                "url": f"https://shop.example{path}",
                "referrer": "https://search.example/",
            }
            sent = client.post("/api/collect", json=event, headers={"user-agent": CHROME_UA})
            assert sent.status_code == 202, sent.text
        room = "a11y-room"
        assert client.put(f"/api/rooms/{room}", json={"state": {"turn": "x"}}).status_code == 200
        # one of the sample puzzles the arena adds just after its first start
        deadline = time.monotonic() + 20
        while not (items := client.get("/api/v1/puzzle").json()["items"]):
            assert time.monotonic() < deadline, "the arena's sample puzzles never appeared"
            time.sleep(0.2)
        puzzles = " ".join(item["_id"] for item in items)  # every sample: their tests differ
    yield running, site, room, puzzles
    running.stop()


def pages(site: str, room: str, puzzles: str) -> list[tuple[str, str]]:
    """Every page of the dashboard a visitor reaches without signing in, each with what shows
    it is drawn."""
    return [
        ("/", "[data-testid=parts]"),
        ("/board", "[data-testid=replay-note]"),
        ("/clicker", "[data-testid=player-handle]"),
        ("/rooms", "[data-testid=rooms-memory-note]"),
        (f"/rooms?room={room}", "[data-testid=room-version]"),
        ("/rooms?room=nobody-wrote-this", "[data-testid=room-empty]"),
        ("/analytics", "[data-testid=websites-page]"),
        (f"/analytics/sites/{site}", "[data-testid=kpi-pageviews]"),
        (f"/analytics/sites/{site}/tracking", "main h1"),
        (f"/analytics/sites/{site}/share", "main h1"),
        (f"/analytics/sites/{site}/settings", "main h1"),
        ("/share/not-a-share-link", "main h1, main [role=alert]"),
        ("/docs/api", ".opblock"),
        ("/arena", "[data-testid=puzzle-card]"),
        *((f"/arena/puzzles/{one}", "[data-testid=puzzle-statement]") for one in puzzles.split()),
        ("/arena/leaderboard", "[data-testid=leaderboard]"),
        ("/arena/login", "[data-testid=login-submit]"),
        ("/arena/register", "[data-testid=register-submit]"),
        ("/no-such-page", "main h1"),
    ]


def serious_violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            for node in violation["nodes"][:5]:
                summary = node.get("failureSummary", "").replace("\n", " ")[:240]
                found.append(f"{violation['id']} {node['target']}: {summary}")
    return found


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_serious_violation_on_any_page(
    site_server: tuple[RunningServer, str, str, str], browser: Any, theme: str
) -> None:
    if not AXE.is_file():
        pytest.fail("axe-core is missing: run `make node-deps` (make test does)")
    running, site, room, puzzles = site_server
    # The system says the other theme and the header's switch picks this one: both palettes
    # (prefers-color-scheme and data-theme) are the same values, the switch's is the one at risk.
    other = "dark" if theme == "light" else "light"
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, color_scheme=other, bypass_csp=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(running.url)
    page.get_by_test_id(f"site-theme-{theme}").click()
    problems: dict[str, list[str]] = {}
    for path, ready in pages(site, room, puzzles):
        page.goto(f"{running.url}{path}")
        page.locator(ready).first.wait_for(timeout=15_000)
        expect(page.locator("#main")).not_to_contain_text("Loading…", timeout=15_000)
        page.wait_for_timeout(400)  # charts and Swagger UI finish drawing
        assert page.evaluate("document.documentElement.dataset.theme") == theme, path
        found = serious_violations(page)
        if found:
            problems[path] = found
        name = (
            path.replace(site, "site")
            .strip("/")
            .replace("/", "-")
            .replace("?", "-")
            .replace("=", "-")
            or "home"
        )
        page.screenshot(path=str(ARTIFACTS / f"a11y-{theme}-{name[:60]}.png"))
    assert problems == {}
    assert errors == []
    context.close()


def test_the_theme_holds_on_every_page_in_every_tab(
    make_server: Callable[..., RunningServer], browser: Any
) -> None:
    running = make_server()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    page = context.new_page()
    page.goto(running.url)
    expect(page.get_by_test_id("site-theme-system")).to_have_attribute("aria-pressed", "true")
    assert background(page) == LIGHT_BG

    page.get_by_test_id("site-theme-dark").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(page.get_by_test_id("site-theme-dark")).to_have_attribute("aria-pressed", "true")
    # Through the navigation, analytics included (it used to drop the theme on the way out).
    for name in ("Spark board", "Analytics", "Rooms", "Arena", "Click the Button", "Home"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        assert background(page) == DARK_BG, name
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert background(page) == DARK_BG
    page.screenshot(path=str(ARTIFACTS / "theme-dark-home.png"))

    # Another tab starts dark and follows a change made in the first.
    second = context.new_page()
    second.goto(f"{running.url}/board")
    expect(second.locator("html")).to_have_attribute("data-theme", "dark")
    page.get_by_test_id("site-theme-light").click()
    expect(second.locator("html")).to_have_attribute("data-theme", "light")
    expect(second.get_by_test_id("site-theme-light")).to_have_attribute("aria-pressed", "true")

    # Back to the system's choice: no attribute, the system's palette.
    page.get_by_test_id("site-theme-system").click()
    expect(page.locator("html")).not_to_have_attribute("data-theme", "light")
    assert page.evaluate("localStorage.getItem('sparkhouse.analytics.theme')") is None
    assert background(page) == LIGHT_BG
    context.close()

    # A choice made on the analytics pages before the theme was app-wide (same key) is kept.
    legacy = browser.new_context(color_scheme="light")
    legacy.add_init_script("localStorage.setItem('sparkhouse.analytics.theme', 'dark')")
    tab = legacy.new_page()
    tab.goto(f"{running.url}/rooms")
    expect(tab.locator("html")).to_have_attribute("data-theme", "dark")
    expect(tab.get_by_test_id("site-theme-dark")).to_have_attribute("aria-pressed", "true")
    legacy.close()


def test_on_a_phone_the_current_page_is_on_screen_in_the_navigation(
    server: RunningServer, browser: Any
) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    for path, name, drawn in (
        ("/analytics", "Analytics", "main h1"),
        # Swagger UI and its stylesheet load after the page: measured once it has drawn
        ("/docs/api", "API", ".opblock"),
        ("/rooms", "Rooms", "main h1"),
        ("/", "Home", "[data-testid=parts]"),
    ):
        page.goto(f"{server.url}{path}")
        page.locator(drawn).first.wait_for(timeout=15_000)
        current = page.locator(".site-nav a[aria-current=page]")
        expect(current).to_have_text(name, timeout=10_000)
        deadline = time.monotonic() + 5
        while True:  # the list is scrolled once /api/system has filled it
            box = current.bounding_box()
            assert box is not None
            if (box["x"] >= 0 and box["x"] + box["width"] <= 390) or time.monotonic() > deadline:
                break
            page.wait_for_timeout(50)
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (path, box)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
        page.screenshot(path=str(ARTIFACTS / f"nav-390-{name.lower()}.png"))
    page.close()
