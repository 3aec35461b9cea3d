"""The site dashboard's filter bar and breakdown lists in headless Debian chromium against a
real server (issue 21): the range and filters stay in view while scrolling (below the
appliance's sticky header), a clicked row shows up as a flashing chip and is announced; every
breakdown with more than its top 10 rows, custom events too, has "More": the full list,
searchable, 25 rows a page, a row of it a filter; operating systems, browsers and devices are
named as their makers spell them, and a country shows its code where the system draws no flag
emoji. Seeded traffic plus 40 pageviews of distinct pages and 12 custom events; screenshots in
tests/artifacts/analytics-dashboard/."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from appliance.analytics.warehouse import seed as seeder
from appliance.analytics.warehouse.database import DUCKDB_FILE
from tests.analytics.conftest import BROWSER_HEADERS, FAST, add_website
from tests.analytics.test_dashboard_browser import watch
from tests.conftest import ARTIFACTS, RunningServer

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "analytics-dashboard"
PASSWORD = "filter bar and full lists"
LANDINGS = 40  # distinct pages beyond the seeded ones: more than a page of the full list
PROMOS = 12  # distinct custom events: more than the Events card's 10

Site = tuple[RunningServer, str]


@pytest.fixture
def busy_site(make_server: Callable[..., RunningServer], tmp_path: Path) -> Iterator[Site]:
    data_dir = tmp_path / "data"
    site = add_website(data_dir, "shop.example", "Example shop")
    connection = seeder.connect(data_dir / DUCKDB_FILE, threads=2, memory_limit="1GB")
    try:
        seeder.seed(connection, site, "shop.example", 1500, 7)
    finally:
        connection.close()
    env = {"SPARKLYTICS_HTTPS": "false", "SPARKLYTICS_AUTH": "password"}
    server = make_server(env={**env, "SPARKLYTICS_PASSWORD": PASSWORD, **FAST}, data_dir=data_dir)
    headers = {**BROWSER_HEADERS, "Origin": "https://shop.example"}
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for number in range(1, LANDINGS + 1):
            body = {
                "website_id": site,
                "type": "pageview",
                "url": f"https://shop.example/landing/{number:02d}",
            }
            forwarded = {**headers, "X-Forwarded-For": f"203.0.113.{number}"}
            response = client.post("/api/collect", json=body, headers=forwarded)
            assert response.status_code == 202, response.text
            if number <= PROMOS:
                event = {**body, "type": "event", "event_name": f"promo_{number:02d}"}
                response = client.post("/api/collect", json=event, headers=forwarded)
                assert response.status_code == 202, response.text
    yield server, site


def signed_in_dashboard(browser: Any, site: Site) -> tuple[Any, Any, list[str]]:
    server, site_id = site
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    problems = watch(page)
    page.goto(f"{server.url}/analytics")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("websites-page")).to_be_visible(timeout=15_000)
    deadline = time.monotonic() + 15  # the flusher moves the collected events in 200 ms
    params = {"type": "page", "limit": "100"}
    while time.monotonic() < deadline:
        response = page.request.get(f"{server.url}/api/websites/{site_id}/metrics", params=params)
        if sum("/landing/" in row["value"] for row in response.json()["data"]["rows"]) == LANDINGS:
            break
        time.sleep(0.1)
    page.goto(f"{server.url}/analytics/sites/{site_id}")
    expect(page.get_by_test_id("kpi-pageviews")).not_to_have_text("—", timeout=15_000)
    return context, page, problems


def bar_top(page: Any) -> float:
    top: float = page.get_by_test_id("dashboard-toolbar").evaluate(
        "element => element.getBoundingClientRect().top"
    )
    return top


def test_the_filter_bar_stays_in_view_and_a_picked_row_shows_in_it(
    browser: Any, busy_site: Site
) -> None:
    context, page, problems = signed_in_dashboard(browser, busy_site)
    header = page.locator(".site-header").bounding_box()
    assert header is not None
    technology = page.get_by_test_id("breakdown-technology")
    technology.get_by_test_id("breakdown-tab-os").click()
    mac = technology.locator('[data-testid=breakdown-row][data-value="Mac OSX"]')
    expect(mac).to_contain_text("macOS")  # not woothee's "Mac OSX"
    technology.get_by_test_id("breakdown-tab-device").click()
    expect(technology.locator('[data-value="desktop"]')).to_contain_text("Desktop")
    technology.get_by_test_id("breakdown-tab-os").click()
    # a country's flag: a bundled image (country-flag-icons), the same on every system, drawn
    first = page.get_by_test_id("breakdown-countries").get_by_test_id("breakdown-row").first
    flag = first.get_by_test_id("flag-img")
    # a file of its own (named after one of the countries sharing its picture: US and UM)
    expect(flag).to_have_attribute("src", re.compile(r"^/assets/[A-Z]{2}-[\w-]+\.svg$"))
    expect(flag).to_have_js_property("complete", True)
    assert flag.evaluate("image => image.naturalWidth") > 0, "the flag image did not load"

    mac.scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 400
    # the toolbar sits right under the appliance's header, not scrolled away
    assert abs(bar_top(page) - header["height"]) < 12, (bar_top(page), header)
    mac.click()
    chip = page.get_by_test_id("filter-chip")
    expect(chip).to_contain_text("macOS")
    expect(chip).to_have_class("an-chip an-chip-fresh")
    expect(chip).to_be_in_viewport()
    expect(page.get_by_test_id("filter-status")).to_have_text("Filtered by OS: macOS")
    expect(page).to_have_url(f"{page.url.split('?')[0]}?filter_os=Mac+OSX")
    page.screenshot(path=str(SHOTS / "after-filter-bar-1280.png"))
    expect(chip).to_have_class("an-chip", timeout=5_000)  # the flash is over

    # on a phone only the filters stick (the whole toolbar would take the screen)
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_test_id("breakdown-events").scroll_into_view_if_needed()
    expect(chip).to_be_in_viewport()
    expect(page.get_by_test_id("range-select")).not_to_be_in_viewport()
    page.screenshot(path=str(SHOTS / "after-filter-bar-390.png"))
    assert problems == [], problems
    context.close()


def test_more_opens_the_full_list_searchable_and_paged(browser: Any, busy_site: Site) -> None:
    context, page, problems = signed_in_dashboard(browser, busy_site)
    page.get_by_test_id("more-page").click()
    dialog = page.get_by_test_id("more-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("more-row")).to_have_count(25)
    count = dialog.get_by_test_id("more-count")
    expect(count).to_contain_text("1–25 of ")
    total = int(count.inner_text().split(" of ")[1].split()[0])
    assert total >= LANDINGS + 10, total  # the seeded pages and the landings
    dialog.get_by_test_id("more-next").click()
    expect(count).to_contain_text(f"26–{min(50, total)} of {total}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "after-more-1280.png"))

    dialog.get_by_test_id("more-search").fill("landing/3")
    expect(dialog.get_by_test_id("more-row")).to_have_count(10)  # /landing/30 … /landing/39
    expect(count).to_contain_text("1–10 of 10 matching")
    dialog.get_by_test_id("more-search").fill("no such page")
    expect(dialog).to_contain_text("Nothing matches")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    # a row of the full list is a filter, like a row of the card
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_test_id("more-page").click()
    dialog.get_by_test_id("more-search").fill("landing/31")
    page.screenshot(path=str(SHOTS / "after-more-390.png"))
    dialog.locator('[data-testid=more-row][data-value="/landing/31"]').click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_test_id("filter-chip")).to_contain_text("/landing/31")
    expect(page.get_by_test_id("kpi-pageviews")).to_have_text("1")

    # custom events too: every name /events gave, counted (not filters)
    page.get_by_test_id("filter-chip").click()
    page.get_by_test_id("more-event_name").click()
    expect(dialog.locator("th").nth(1)).to_have_text("Count")
    dialog.get_by_test_id("more-search").fill("promo_")
    expect(dialog.get_by_test_id("more-row")).to_have_count(PROMOS)
    page.keyboard.press("Escape")
    assert problems == [], problems
    context.close()
