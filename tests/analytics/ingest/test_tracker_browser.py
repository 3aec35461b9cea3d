"""Our /s.js in headless Debian chromium, on a page served from another loopback port (a
cross-origin embed, like a real site): the pageview and a pushState navigation arrive through
sendBeacon (preflighted, credentialed) and are stored; the same page then posts Umami- and
Plausible-shaped requests with fetch."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.analytics.conftest import CHROME_UA, FAST, add_website, query, stop
from tests.conftest import ARTIFACTS, RunningServer, start_server

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html><head><title>probe</title>
<script defer src="{api}/s.js" data-website-id="{site}" {extra}></script></head>
<body><h1>probe</h1>
<a id="out" href="https://elsewhere.example/x" onclick="return false">out</a></body></html>"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningServer, str, str]]:
    """(analytics server, website id, base URL of the page server on another port)."""
    root = tmp_path_factory.mktemp("browser")
    data_dir = root / "data"
    site = add_website(data_dir, "127.0.0.1")
    server = start_server(data_dir, env=FAST)
    pages = root / "pages"
    pages.mkdir()
    (pages / "index.html").write_text(
        PAGE.format(api=server.url, site=site, extra='data-track-links="outbound"')
    )
    (pages / "off.html").write_text(
        PAGE.format(api=server.url, site=site, extra='data-disabled="true"')
    )
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(pages)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield server, site, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    server.stop()


def _wait(page: Any, condition: Any, timeout: float = 10) -> None:
    """Poll while letting Playwright deliver its events (they arrive during its own calls)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        page.wait_for_timeout(50)


def test_tracker_pageview_navigation_and_other_trackers(
    setup: tuple[RunningServer, str, str], browser: Any
) -> None:
    server, site, origin = setup
    context = browser.new_context(user_agent=CHROME_UA, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    answered: list[tuple[str, str]] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("requestfinished", lambda request: answered.append((request.method, request.url)))

    page.goto(f"{origin}/off.html")  # data-disabled: the script sends nothing
    page.goto(f"{origin}/index.html?utm_source=probe")
    _wait(page, lambda: ("POST", f"{server.url}/e") in answered)
    page.evaluate("() => history.pushState({}, '', '/spa-next')")
    page.evaluate("() => history.pushState({}, '', '/spa-next')")  # same URL: deduplicated
    page.evaluate("() => window.sparklytics.track('signup', {plan: 'pro'})")
    page.click("#out")  # outbound link_click (the page cancels the navigation itself)
    _wait(page, lambda: answered.count(("POST", f"{server.url}/e")) >= 4)

    page.goto(f"{origin}/index.html")
    umami = page.evaluate(
        """async ([api, site]) => {
            const response = await fetch(api + '/api/send', {method: 'POST',
              headers: {'Content-Type': 'application/json'},
              body: JSON.stringify({type: 'event', payload: {website: site,
                hostname: location.hostname, screen: '1280x720', language: navigator.language,
                title: document.title, url: '/umami-page', referrer: ''}})});
            return [response.status, await response.json()];
        }""",
        [server.url, site],
    )
    assert umami[0] == 200 and set(umami[1]) == {"cache", "sessionId", "visitId"}
    plausible = page.evaluate(
        """async (api) => {
            const response = await fetch(api + '/api/event', {method: 'POST',
              headers: {'Content-Type': 'text/plain'},
              body: JSON.stringify({n: 'pageview', u: location.origin + '/plausible-page',
                d: location.hostname, r: null})});
            return response.status;
        }""",
        server.url,
    )
    assert plausible == 202
    page.screenshot(path=str(ARTIFACTS / "analytics-tracker.png"))
    assert errors == []
    log = server.log()  # the access log: the beacon was preflighted, then accepted
    assert re.search(r'"method":"OPTIONS","path":"/e","route":"[^"]+","status":204', log)
    assert (
        '"method":"POST","path":"/e","route":"sparkhouse.analytics.collect_e","status":202' in log
    )
    context.close()

    time.sleep(0.5)
    assert stop(server) == 0
    rows = query(server.data_dir, "SELECT * FROM events ORDER BY created_at")
    by_url: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_url.setdefault(row["url"], []).append(row)
    landing = f"{origin}/index.html?utm_source=probe"
    first = by_url[landing][0]
    assert (first["event_type"], first["utm_source"], first["language"]) == (
        "pageview",
        "probe",
        "en-US",
    )
    assert first["screen"] == "1280x720"
    assert (first["browser"], first["is_bot"]) == ("Chrome", False)
    spa = by_url[f"{origin}/spa-next"]
    pageviews = [r for r in spa if r["event_type"] == "pageview"]
    assert len(pageviews) == 1 and pageviews[0]["utm_source"] == "probe"  # persisted UTM
    events = {r["event_name"]: r for r in spa if r["event_type"] == "event"}
    assert events["signup"]["event_data"] == '{"plan":"pro"}'
    assert events["link_click"]["event_data"] == (
        '{"href":"https://elsewhere.example/x","text":"out","external":true}'
    )
    assert pageviews[0]["session_id"] == first["session_id"]
    assert not any("off.html" in url for url in by_url)
    assert by_url["/umami-page"][0]["website_id"] == site
    assert by_url[f"{origin}/plausible-page"][0]["event_type"] == "pageview"
