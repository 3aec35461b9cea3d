"""The API reference page (/docs/api) in headless Debian chromium: linked from the navigation,
it renders the server's OpenAPI document with the bundled Swagger UI, under the dashboard's
CSP, loading nothing from another origin."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, RunningServer

pytestmark = pytest.mark.browser


def test_the_api_page_renders_every_part(server: RunningServer, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    foreign: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )
    page.on(
        "request",
        lambda request: (
            foreign.append(request.url) if not request.url.startswith(server.url) else None
        ),
    )
    page.goto(f"{server.url}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API").click()
    expect(page).to_have_url(f"{server.url}/docs/api")
    docs = page.get_by_test_id("api-docs")
    for tag in ("platform", "sparks", "rooms", "clicker", "analytics"):
        expect(docs.locator(f"#operations-tag-{tag}")).to_be_visible(timeout=15_000)
    expect(docs.get_by_text("/api/rooms/{room_id}/stream")).to_be_visible()
    # An operation opens with its parameters and answers.
    click = docs.locator("#operations-clicker-post_api_clicker_click")
    click.locator(".opblock-summary-control").click()
    expect(click.get_by_role("heading", name="Request body")).to_be_visible()
    expect(click.get_by_text('"player_id"').first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "api-docs-1280.png"))
    assert foreign == []
    assert errors == []
    page.close()
