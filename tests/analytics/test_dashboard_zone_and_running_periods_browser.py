"""The site dashboard of a website set to Europe/Berlin, in headless Debian chromium against a
real server with two weeks of seeded traffic (issue 21): the range, the chart's hours and the
comparison are the site's zone and say so (the viewer's zone as an option, kept in the URL);
"Today" stops its lines at now, marks the running hour as incomplete and compares like for like
(the previous day until the same time); a KPI card chooses the chart's metric. Screenshots at
1280×800 and 390×844, light and dark, land in tests/artifacts/analytics-dashboard/
(``SHOTS_PREFIX`` names a set, e.g. "before" for an earlier build; default "after")."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from appliance.analytics.warehouse import seed as seeder
from appliance.analytics.warehouse.database import DUCKDB_FILE
from tests.analytics.conftest import FAST, add_website
from tests.analytics.test_dashboard_browser import watch
from tests.conftest import ARTIFACTS, RunningServer

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "analytics-dashboard"
PREFIX = os.environ.get("SHOTS_PREFIX", "after")
PASSWORD = "zone and running periods"
SIZES = {"1280": (1280, 800), "390": (390, 844)}
BERLIN = ZoneInfo("Europe/Berlin")

Site = tuple[RunningServer, str]


def shoot(page: Any, name: str) -> None:
    """``name`` at both widths, light and dark (the page is left at 1280, light)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, (w, h) in SIZES.items():
        page.set_viewport_size({"width": w, "height": h})
        for theme in ("light", "dark"):
            page.evaluate(f"document.documentElement.setAttribute('data-theme', '{theme}')")
            page.wait_for_timeout(250)
            path = SHOTS / f"{PREFIX}-{name}-{width}-{theme}.png"
            page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.evaluate("document.documentElement.setAttribute('data-theme', 'light')")


@pytest.fixture
def berlin_site(make_server: Callable[..., RunningServer], tmp_path: Path) -> Iterator[Site]:
    """A server whose one website, in Europe/Berlin, has 14 days of seeded traffic up to now."""
    data_dir = tmp_path / "data"
    site = add_website(data_dir, "shop.example", "Example shop")
    connection = seeder.connect(data_dir / DUCKDB_FILE, threads=2, memory_limit="1GB")
    try:
        seeder.seed(connection, site, "shop.example", 6000, 14)
    finally:
        connection.close()
    env = {"SPARKLYTICS_HTTPS": "false", "SPARKLYTICS_AUTH": "password"}
    server = make_server(env={**env, "SPARKLYTICS_PASSWORD": PASSWORD, **FAST}, data_dir=data_dir)
    yield server, site


def open_dashboard(browser: Any, site: Site, *, zone: str = "UTC") -> tuple[Any, Any, list[str]]:
    """A signed-in page (its browser in ``zone``) with the site set to Europe/Berlin."""
    server, site_id = site
    context = browser.new_context(viewport={"width": 1280, "height": 800}, timezone_id=zone)
    page = context.new_page()
    problems = watch(page)
    page.goto(f"{server.url}/analytics")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("websites-page")).to_be_visible(timeout=15_000)
    url = f"{server.url}/api/websites/{site_id}"
    response = page.request.put(url, data={"timezone": "Europe/Berlin"})
    assert response.status == 200, response.text()
    return context, page, problems


def loaded(page: Any) -> None:
    expect(page.get_by_test_id("kpi-pageviews")).not_to_have_text("—", timeout=15_000)
    expect(page.get_by_test_id("timeseries-chart")).to_be_visible()


def test_the_site_zone_labels_ranges_hours_and_comparisons(browser: Any, berlin_site: Site) -> None:
    server, site = berlin_site
    context, page, problems = open_dashboard(browser, berlin_site, zone="America/New_York")
    with page.expect_request(re.compile(r"/stats\?")) as asked:
        page.goto(f"{server.url}/analytics/sites/{site}")
    loaded(page)
    query = asked.value.url
    assert "timezone=Europe%2FBerlin" in query and "compare_elapsed=true" in query
    label = page.get_by_test_id("range-label")
    expect(label).to_contain_text("Last 7 days")
    expect(page.get_by_test_id("range-zone")).to_contain_text("Europe/Berlin")
    expect(label).not_to_contain_text("UTC")
    # custom events are read in whole UTC days (as Sparklytics): their card says so
    expect(page.get_by_test_id("breakdown-events").locator("th").first).to_have_text(
        "Event (UTC days)"
    )
    shoot(page, "dashboard-7d")

    # the viewer's zone instead: asked, labelled and kept in the address
    with page.expect_request(re.compile(r"timezone=America%2FNew_York")):
        page.get_by_test_id("zone-select").select_option("viewer")
    expect(page.get_by_test_id("range-zone")).to_contain_text("America/New York")
    expect(page).to_have_url(re.compile(r"tz=viewer"))
    page.reload()
    loaded(page)
    expect(page.get_by_test_id("range-zone")).to_contain_text("America/New York")
    assert problems == [], problems
    context.close()


def test_today_stops_at_now_and_compares_like_for_like(browser: Any, berlin_site: Site) -> None:
    server, site = berlin_site
    context, page, problems = open_dashboard(browser, berlin_site)
    page.goto(f"{server.url}/analytics/sites/{site}?range=today")
    loaded(page)
    chart = page.get_by_test_id("timeseries-chart")
    hour = datetime.now(UTC).astimezone(BERLIN).hour
    # 24 hourly buckets of the Berlin day; drawn up to the running one, which is incomplete
    expect(chart).to_have_attribute("data-points", "24")
    expect(chart).to_have_attribute("data-partial", "true")
    drawn = int(chart.get_attribute("data-drawn") or 0)
    assert drawn in (hour + 1, hour + 2), (drawn, hour)  # the hour may turn meanwhile
    expect(page.get_by_test_id("legend-partial")).to_contain_text("Incomplete hour")
    # the comparison is yesterday until the same time, in the site's zone
    yesterday = f"{(datetime.now(UTC).astimezone(BERLIN) - timedelta(days=1)):%b} "
    note = page.get_by_test_id("compare-note")
    expect(note).to_contain_text(re.compile(rf"vs {yesterday}\d+ until \d+:\d\d [AP]M"))

    # the tooltip of an hour names the zone; a KPI card switches the chart's metric
    box = chart.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] / 2)
    expect(page.locator(".an-tooltip-title")).to_contain_text("Europe/Berlin")
    expect(chart).to_have_attribute("data-metric", "pageviews")
    page.get_by_test_id("kpi-visitors-pick").click()
    expect(chart).to_have_attribute("data-metric", "visitors")
    # the chart is named for screen readers (recharts' svg is role="application")
    named = chart.get_by_role("application", name=re.compile(r"^Traffic chart of visitors"))
    expect(named).to_have_count(1)
    expect(page.get_by_test_id("kpi-visitors-pick")).to_have_attribute("aria-pressed", "true")
    page.mouse.move(0, 0)
    shoot(page, "dashboard-today")
    assert problems == [], problems
    context.close()
