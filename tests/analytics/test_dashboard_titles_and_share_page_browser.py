"""Analytics views in headless Debian chromium against a real server with seeded traffic (issue
21): every view has a title of its own (not "Analytics · Sparkhouse" for all), breadcrumbs end
with the page itself (no stray "/"), and the public share page names the website, shows none of
the appliance's navigation, and answers an unknown link with an error state alone (no KPIs or
"Loading…" left waiting). Screenshots in tests/artifacts/analytics-dashboard/."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from appliance.analytics.warehouse import seed as seeder
from appliance.analytics.warehouse.database import DUCKDB_FILE
from tests.analytics.conftest import FAST, add_website
from tests.analytics.test_dashboard_browser import watch
from tests.conftest import ARTIFACTS, RunningServer

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "analytics-dashboard"
PASSWORD = "titles and the share page"

Site = tuple[RunningServer, str]


@pytest.fixture
def seeded_site(make_server: Callable[..., RunningServer], tmp_path: Path) -> Iterator[Site]:
    data_dir = tmp_path / "data"
    site = add_website(data_dir, "shop.example", "Example shop")
    connection = seeder.connect(data_dir / DUCKDB_FILE, threads=2, memory_limit="1GB")
    try:
        seeder.seed(connection, site, "shop.example", 1500, 7)
    finally:
        connection.close()
    env = {"SPARKLYTICS_HTTPS": "false", "SPARKLYTICS_AUTH": "password"}
    server = make_server(env={**env, "SPARKLYTICS_PASSWORD": PASSWORD, **FAST}, data_dir=data_dir)
    yield server, site


def signed_in(browser: Any, server: RunningServer) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    problems = watch(page)
    page.goto(f"{server.url}/analytics")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("websites-page")).to_be_visible(timeout=15_000)
    return context, page, problems


def test_each_view_has_its_title_and_a_breadcrumb_ending_in_itself(
    browser: Any, seeded_site: Site
) -> None:
    server, site = seeded_site
    context, page, problems = signed_in(browser, server)
    expect(page).to_have_title("Websites · Analytics · Sparkhouse")
    page.get_by_test_id("nav-keys").click()
    expect(page).to_have_title("API keys · Analytics · Sparkhouse")
    page.goto(f"{server.url}/analytics/sites/{site}")
    expect(page).to_have_title("Example shop · Analytics · Sparkhouse", timeout=15_000)
    crumbs = page.get_by_test_id("breadcrumb")
    expect(crumbs).to_have_text("Websites/Example shop")
    expect(crumbs.locator("[aria-current=page]")).to_have_text("Example shop")
    for path, title in (("tracking", "Tracking code"), ("settings", "Website settings")):
        page.goto(f"{server.url}/analytics/sites/{site}/{path}")
        expect(page).to_have_title(f"{title} · Example shop · Analytics · Sparkhouse")
        expect(crumbs).to_have_text(f"Websites/Example shop/{title}")
    assert problems == [], problems
    context.close()


def test_the_share_page_names_the_site_without_the_appliance_shell(
    browser: Any, seeded_site: Site
) -> None:
    server, site = seeded_site
    context, page, problems = signed_in(browser, server)
    response = page.request.post(f"{server.url}/api/websites/{site}/share")
    assert response.status == 201, response.text()
    share_id = response.json()["data"]["share_id"]

    public = context.new_page()
    problems += watch(public)
    public.goto(f"{server.url}/share/{share_id}")
    expect(public.get_by_test_id("shared-name")).to_have_text("Example shop", timeout=15_000)
    expect(public).to_have_title("Example shop · Shared analytics · Sparkhouse")
    expect(public.get_by_text("shop.example")).to_be_visible()
    expect(public.locator(".site-header")).to_be_hidden()
    expect(public.locator(".site-footer")).to_be_hidden()
    expect(public.get_by_test_id("kpi-pageviews")).not_to_have_text("—")
    SHOTS.mkdir(parents=True, exist_ok=True)
    public.screenshot(path=str(SHOTS / "after-shared-1280.png"), full_page=True)

    # an unknown link: the error alone, nothing left "Loading…"
    public.goto(f"{server.url}/share/{uuid.uuid4()}")
    expect(public.get_by_test_id("shared-error")).to_contain_text("does not exist")
    expect(public).to_have_title("Shared dashboard unavailable · Sparkhouse")
    expect(public.get_by_text("Loading…")).to_have_count(0)
    expect(public.get_by_test_id("kpi-pageviews")).to_have_count(0)
    expect(public.locator(".site-header")).to_be_hidden()
    public.set_viewport_size({"width": 390, "height": 844})
    public.screenshot(path=str(SHOTS / "after-shared-error-390.png"), full_page=True)

    # back in the appliance, its navigation is there again
    page.goto(f"{server.url}/analytics")
    expect(page.locator(".site-header")).to_be_visible()
    assert problems == [], problems
    context.close()
