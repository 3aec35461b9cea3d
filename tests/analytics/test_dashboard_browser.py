"""The analytics dashboard (/analytics) in headless Debian chromium against a real server: first-run
setup, sign-out and sign-in, adding a website, events posted to /api/collect showing up as KPIs,
chart, breakdowns and realtime, a breakdown row becoming a filter (kept in the URL), API keys, the
share link and its public dashboard, the forced password change after Sparklytics' public
bootstrap password, and the one-time setup link of a fresh server with "sign out everywhere"."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.analytics.conftest import BROWSER_HEADERS, FAST
from tests.conftest import ARTIFACTS, RunningServer

pytestmark = pytest.mark.browser

BOOTSTRAP = "bootstrap-for-the-browser-test"
PASSWORD = "dashboard password 2026"
FIREFOX_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def watch(page: Any) -> list[str]:
    """Page errors and CSP violations reported on the console."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}")
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    return problems


def collect(server: RunningServer, site: str) -> None:
    """Two visitors (Chrome and Firefox, told apart by IP): 5 pageviews and 1 custom event."""
    chrome = {**BROWSER_HEADERS, "Origin": "https://example.com", "X-Forwarded-For": "203.0.113.5"}
    firefox = {
        **BROWSER_HEADERS,
        "User-Agent": FIREFOX_UA,
        "Origin": "https://example.com",
        "X-Forwarded-For": "198.51.100.7",
    }
    base = "https://example.com"
    sends = [
        (
            chrome,
            {"type": "pageview", "url": f"{base}/", "referrer": "https://news.ycombinator.com/"},
        ),
        (chrome, {"type": "pageview", "url": f"{base}/pricing"}),
        (chrome, {"type": "pageview", "url": f"{base}/pricing?plan=pro"}),
        (
            chrome,
            {
                "type": "event",
                "url": f"{base}/pricing",
                "event_name": "signup",
                "event_data": {"plan": "pro"},
            },
        ),
        (firefox, {"type": "pageview", "url": f"{base}/docs", "utm_source": "newsletter"}),
        (firefox, {"type": "pageview", "url": f"{base}/pricing"}),
    ]
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for headers, body in sends:
            response = client.post(
                "/api/collect", json={"website_id": site, **body}, headers=headers
            )
            assert response.status_code == 202, response.text


def wait_until_queryable(page: Any, server: RunningServer, site: str, pageviews: int) -> None:
    """Collect answers 202 before the flusher moves the events into DuckDB (200 ms here):
    a dashboard opened in between shows some panels before and some after that flush. One
    transaction writes the events and every rollup level, so once stats count them, every
    query does."""
    deadline = time.monotonic() + 15
    while True:
        response = page.request.get(f"{server.url}/api/websites/{site}/stats")
        assert response.status == 200, response.text()
        if response.json()["data"]["pageviews"] == pageviews or time.monotonic() > deadline:
            return
        time.sleep(0.05)


def kpi(page: Any, name: str) -> Any:
    return page.get_by_test_id(f"kpi-{name}")


def row(page: Any, kind: str, value: str) -> Any:
    return page.locator(f'[data-testid=breakdown-row][data-type="{kind}"][data-value="{value}"]')


def test_dashboard_setup_login_website_numbers_and_filters(
    make_server: Callable[..., RunningServer], browser: Any
) -> None:
    server = make_server(
        env={
            "SPARKLYTICS_HTTPS": "false",
            "SPARKLYTICS_AUTH": "local",
            "SPARKLYTICS_BOOTSTRAP_PASSWORD": BOOTSTRAP,
            **FAST,
        }
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = watch(page)

    # First run: setup with the custom bootstrap password (no forced change afterwards).
    page.goto(f"{server.url}/analytics")
    expect(page.get_by_test_id("analytics-setup")).to_be_visible(timeout=15_000)
    page.get_by_label("Bootstrap password").fill("wrong bootstrap")
    page.get_by_label("New admin password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_test_id("setup-submit").click()
    expect(page.get_by_test_id("setup-error")).to_contain_text("password")
    page.get_by_label("Bootstrap password").fill(BOOTSTRAP)
    page.get_by_test_id("setup-submit").click()
    expect(page.get_by_test_id("websites-page")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "analytics-empty-1280.png"), full_page=True)

    # Sign out, then sign in (a wrong password first).
    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("analytics-login")).to_be_visible()
    page.get_by_label("Password").fill("not the password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("websites-page")).to_be_visible()

    # Add a website: the tracking page shows its snippet, loading /s.js from the address the
    # dashboard is on (no SPARKLYTICS_PUBLIC_URL here, and the port is not its default's
    # 4000), and waits for the first pageview.
    page.get_by_test_id("website-name").fill("Example shop")
    page.get_by_test_id("website-domain").fill("example.com")
    page.get_by_test_id("add-website-submit").click()
    expect(page.get_by_test_id("tracking-snippet")).to_contain_text("data-website-id=")
    snippet = page.get_by_test_id("tracking-snippet").inner_text()
    match = re.search(r'data-website-id="([^"]+)"', snippet)
    assert match, snippet
    site = match.group(1)
    assert f'src="{server.url}/s.js"' in snippet, snippet
    assert f"/analytics/sites/{site}/tracking" in page.url
    waiting = page.get_by_test_id("first-pageview")
    expect(waiting).to_contain_text("Waiting for the first pageview")
    expect(page.get_by_test_id("snippet-origin-hint")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "analytics-tracking-1280.png"), full_page=True)

    collect(server, site)
    wait_until_queryable(page, server, site, pageviews=6)
    expect(waiting).to_contain_text("First pageview received", timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "analytics-tracking-arrived-1280.png"), full_page=True)

    # The dashboard: KPIs, chart, breakdowns, realtime.
    page.goto(f"{server.url}/analytics/sites/{site}")
    expect(kpi(page, "pageviews")).to_have_text("6", timeout=15_000)  # all events count (9.2)
    expect(kpi(page, "visitors")).to_have_text("2")
    expect(kpi(page, "sessions")).to_have_text("2")
    chart = page.get_by_test_id("timeseries-chart")
    expect(chart).to_be_visible()
    expect(chart.locator(".recharts-area-area")).to_have_count(1)
    # visitors, 2 comparison lines, today (the running day) dashed for both metrics
    expect(chart.locator(".recharts-line-curve")).to_have_count(5)
    expect(chart).to_have_attribute("data-partial", "true")
    # pages are paths: /pricing and /pricing?plan=pro are one row
    expect(row(page, "page", "/pricing")).to_be_visible()
    expect(page.locator('[data-testid=breakdown-row][data-type="page"]')).to_have_count(3)
    expect(page.get_by_test_id("breakdown-note")).to_contain_text("counts once in every row")
    expect(row(page, "browser", "Firefox")).to_be_visible()
    expect(page.get_by_test_id("realtime-active")).to_have_text("2")
    expect(page.get_by_test_id("realtime-event")).to_have_count(6)
    # a custom event by its name, not as "EVENT /pricing"
    expect(page.get_by_test_id("realtime-event-name")).to_have_text("signup on /pricing")
    expect(row(page, "event_name", "signup")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "analytics-dashboard-1280.png"), full_page=True)

    # Enter on a page row: filter_page=/pricing (contains) → 3 of Chrome's events + 1 of Firefox's.
    row(page, "page", "/pricing").focus()
    page.keyboard.press("Enter")
    chip = page.get_by_test_id("filter-chip")
    expect(chip).to_have_count(1)
    expect(chip).to_contain_text("/pricing")
    expect(kpi(page, "pageviews")).to_have_text("4")
    expect(kpi(page, "visitors")).to_have_text("2")
    assert "filter_page=" in page.url

    # The filter lives in the address: a reload (or a shared link) shows the same view.
    page.reload()
    expect(page.get_by_test_id("filter-chip")).to_have_count(1)
    expect(kpi(page, "pageviews")).to_have_text("4", timeout=15_000)

    # A click on a second breakdown adds a filter; removing the chips brings the numbers back.
    row(page, "browser", "Firefox").click()
    expect(chip).to_have_count(2)
    expect(kpi(page, "pageviews")).to_have_text("1")
    expect(kpi(page, "visitors")).to_have_text("1")
    page.locator('[data-testid=filter-chip][data-param="filter_page"]').click()
    expect(chip).to_have_count(1)
    expect(kpi(page, "pageviews")).to_have_text("2")
    page.screenshot(path=str(ARTIFACTS / "analytics-filtered-1280.png"), full_page=True)
    page.get_by_test_id("filter-chip").click()
    expect(chip).to_have_count(0)
    expect(kpi(page, "pageviews")).to_have_text("6")

    # Date range and comparison selection.
    page.get_by_test_id("range-select").select_option("30d")
    expect(page).to_have_url(re.compile(r"range=30d"))
    expect(chart).to_have_attribute("data-points", "30")
    page.get_by_test_id("compare-select").select_option("none")
    expect(chart.locator(".recharts-line-curve")).to_have_count(3)  # no comparison lines
    expect(kpi(page, "pageviews")).to_have_text("6")

    # Phone width, dark theme (the header's switch: one theme for the whole dashboard).
    page.get_by_test_id("site-theme-dark").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(kpi(page, "pageviews")).to_be_visible()
    page.wait_for_timeout(300)  # the chart follows its container's new width
    page.screenshot(path=str(ARTIFACTS / "analytics-dashboard-390-dark.png"), full_page=True)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at 390 px ({width} px)"
    page.get_by_test_id("site-theme-light").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    page.screenshot(path=str(ARTIFACTS / "analytics-dashboard-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_test_id("site-theme-dark").click()
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "analytics-dashboard-1280-dark.png"), full_page=True)
    page.get_by_test_id("site-theme-system").click()
    expect(page.locator("html")).not_to_have_attribute("data-theme", re.compile("."))

    # The websites list with its sparkline.
    page.get_by_test_id("nav-websites").click()
    card = page.locator(f'[data-testid=website-card][data-site-id="{site}"]')
    expect(card.get_by_test_id("website-pageviews")).to_have_text("6")
    expect(card.locator(".recharts-area-area")).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "analytics-websites-1280.png"), full_page=True)

    # API keys: the raw key once, then revoke.
    page.get_by_test_id("nav-keys").click()
    page.get_by_test_id("key-name").fill("CI export")
    page.get_by_test_id("key-create").click()
    raw = page.get_by_test_id("key-raw")
    expect(raw).to_have_value(re.compile(r"^spk_selfhosted_[0-9a-f]{32}$"))
    key = raw.input_value()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        listed = client.get("/api/websites", headers={"Authorization": f"Bearer {key}"})
        assert listed.status_code == 200 and listed.json()["data"][0]["id"] == site
    expect(page.get_by_test_id("key-row")).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "analytics-keys-1280.png"), full_page=True)
    page.get_by_test_id("key-revoke").click()
    page.get_by_test_id("key-revoke-confirm").click()
    expect(page.get_by_test_id("key-row")).to_contain_text("Revoked")

    # Share link → the public read-only dashboard, in a browser without the session.
    page.goto(f"{server.url}/analytics/sites/{site}/share")
    page.get_by_test_id("share-create").click()
    share_url = page.get_by_test_id("share-url").input_value()
    assert re.search(r"/share/[0-9a-f-]{36}$", share_url), share_url
    outsider = browser.new_context(viewport={"width": 1280, "height": 900})
    public = outsider.new_page()
    public_problems = watch(public)
    public.goto(share_url)
    expect(kpi(public, "pageviews")).to_have_text("6", timeout=15_000)
    expect(public.get_by_test_id("timeseries-chart")).to_be_visible()
    expect(row(public, "page", "/pricing")).to_be_visible()
    public.screenshot(path=str(ARTIFACTS / "analytics-shared-1280.png"), full_page=True)
    page.get_by_test_id("share-remove").click()
    expect(page.get_by_test_id("share-create")).to_be_visible()
    public.reload()
    expect(public.get_by_test_id("shared-error")).to_be_visible(timeout=15_000)
    outsider.close()

    # Password change from the account page: still signed in afterwards.
    page.goto(f"{server.url}/analytics/account")
    page.get_by_test_id("password-current").fill(PASSWORD)
    page.get_by_test_id("password-new").fill(f"{PASSWORD} v2")
    page.get_by_test_id("password-confirm").fill(f"{PASSWORD} v2")
    page.get_by_test_id("password-submit").click()
    expect(page.get_by_test_id("password-ok")).to_be_visible()
    page.get_by_test_id("nav-websites").click()
    expect(page.get_by_test_id("website-card")).to_have_count(1)

    assert problems == [], problems
    assert public_problems == [], public_problems
    context.close()


def test_default_bootstrap_forces_a_password_change(
    make_server: Callable[..., RunningServer], browser: Any
) -> None:
    server = make_server(
        env={
            "SPARKLYTICS_HTTPS": "false",
            "SPARKLYTICS_AUTH": "local",
            "SPARKLYTICS_BOOTSTRAP_PASSWORD": "sparklytics",
            **FAST,
        }
    )
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    problems = watch(page)
    page.goto(f"{server.url}/analytics")
    page.get_by_label("Bootstrap password").fill("sparklytics")
    page.get_by_label("New admin password").fill("short")
    page.get_by_label("Repeat the password").fill("short")
    page.get_by_test_id("setup-submit").click()
    expect(page.get_by_test_id("setup-error")).to_contain_text("12 characters")
    page.get_by_label("New admin password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_test_id("setup-submit").click()

    expect(page.get_by_test_id("analytics-forced-change")).to_be_visible(timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / "analytics-forced-change-390.png"), full_page=True)
    page.get_by_test_id("password-new").fill("a brand new password")
    page.get_by_test_id("password-confirm").fill("a brand new password")
    page.get_by_test_id("password-submit").click()
    expect(page.get_by_test_id("websites-page")).to_be_visible()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        status = client.get("/api/auth/status").json()
        assert status["setup_required"] is False
        login = client.post("/api/auth/login", json={"password": "a brand new password"})
        assert login.status_code == 200
    assert problems == [], problems
    context.close()


def test_setup_link_then_sign_out_everywhere(
    make_server: Callable[..., RunningServer], browser: Any
) -> None:
    server = make_server(env={"SPARKLYTICS_HTTPS": "false", **FAST})
    # the first-run secret: made when the server starts, its setup link in the log
    httpx.get(f"{server.url}/api/auth/status", timeout=10)
    secret = (server.data_dir / "setup-secret").read_text().strip()
    link = f"{server.url}/analytics#bootstrap={secret}"
    assert link in server.log()

    laptop = browser.new_context(viewport={"width": 1280, "height": 900})
    page = laptop.new_page()
    problems = watch(page)
    page.goto(link)
    expect(page.get_by_test_id("analytics-setup")).to_be_visible(timeout=15_000)
    expect(page.get_by_label("Bootstrap password")).to_have_value(secret)
    assert secret not in page.url  # out of the address bar and the history
    page.get_by_label("New admin password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_test_id("setup-submit").click()
    expect(page.get_by_test_id("websites-page")).to_be_visible()  # no forced change

    phone = browser.new_context(viewport={"width": 390, "height": 844})
    other = phone.new_page()
    other.goto(f"{server.url}/analytics")
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_test_id("login-submit").click()
    expect(other.get_by_test_id("websites-page")).to_be_visible()

    page.get_by_test_id("nav-account").click()
    page.get_by_test_id("logout-everywhere").click()
    page.get_by_test_id("logout-everywhere-confirm").click()
    expect(page.get_by_test_id("analytics-login")).to_be_visible()
    other.reload()
    expect(other.get_by_test_id("analytics-login")).to_be_visible()
    assert problems == [], problems
    laptop.close()
    phone.close()
