"""Real clients: the `eventsource` npm package, and the browser's own EventSource."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from appliance.web import DIST
from tests.conftest import ARTIFACTS, RunningServer, run_node
from tests.rooms.conftest import new_room_id


@pytest.mark.node
def test_eventsource_npm_client_receives_put(server: RunningServer) -> None:
    room_id = new_room_id("node")
    result = run_node("rooms_eventsource.mjs", server.url, room_id, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["ok"], outcome
    first, second = outcome["events"]
    assert first == {
        "lastEventId": "0",
        "record": {"room_id": room_id, "version": 0, "updated_at": None, "state": None},
    }
    assert outcome["written"]["status"] == 200
    assert second["lastEventId"] == "1"
    assert second["record"] == outcome["written"]["record"]
    assert second["record"]["state"] == {"from": "node", "list": [1, 2, 3]}


# Runs inside a page: subscribe with the browser's EventSource and show the room live.
SUBSCRIBE = """
([roomId, name]) => {
  document.body.innerHTML = `<h1>${name}</h1><p id="version">waiting</p><pre id="state"></pre>`;
  window.roomEvents = [];
  const source = new EventSource(`/api/rooms/${roomId}/stream`);
  source.addEventListener("state", (event) => {
    const record = JSON.parse(event.data);
    window.roomEvents.push({ id: event.lastEventId, record });
    document.getElementById("version").textContent = `version ${record.version}`;
    document.getElementById("state").textContent = JSON.stringify(record.state, null, 2);
  });
  window.roomSource = source;
}
"""
PUT = """
async ([roomId, state]) => {
  const response = await fetch(`/api/rooms/${roomId}`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ state }),
  });
  return { status: response.status, record: await response.json() };
}
"""


@pytest.mark.browser
def test_two_browser_pages_sync_through_a_put(browser: Any, server: RunningServer) -> None:
    room_id = new_room_id("tabs")
    context = browser.new_context(viewport={"width": 640, "height": 360})
    try:
        first, second = context.new_page(), context.new_page()
        for name, page in (("tab one", first), ("tab two", second)):
            page.goto(f"{server.url}/healthz")
            page.evaluate(SUBSCRIBE, [room_id, name])
            page.wait_for_function("window.roomEvents.length >= 1", timeout=5000)
            assert page.evaluate("window.roomEvents[0].record.version") == 0

        written = first.evaluate(PUT, [room_id, {"board": ["x", "o", "x"], "turn": "o"}])
        assert written["status"] == 200
        for page in (first, second):
            page.wait_for_function("window.roomEvents.length >= 2", timeout=5000)
            latest = page.evaluate("window.roomEvents[window.roomEvents.length - 1]")
            assert latest == {"id": "1", "record": written["record"]}

        # And back the other way, from the second tab.
        answer = second.evaluate(PUT, [room_id, {"board": ["x", "o", "x"], "turn": "x"}])
        first.wait_for_function("window.roomEvents.length >= 3", timeout=5000)
        assert first.evaluate("window.roomEvents[2].record") == answer["record"]
        assert first.text_content("#version") == "version 2"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        first.screenshot(path=str(ARTIFACTS / "rooms-two-tabs.png"))
        assert httpx.get(f"{server.url}/api/rooms/{room_id}").json()["version"] == 2
    finally:
        context.close()


@pytest.mark.browser
def test_dashboard_rooms_page_syncs_two_tabs(browser: Any, server: RunningServer) -> None:
    """The /rooms inspector: edit in one tab, the other follows; errors are shown."""
    from playwright.sync_api import expect  # locators: the page's CSP forbids eval'd scripts

    if not (DIST / "index.html").is_file():
        pytest.skip("the dashboard is not built (make dashboard; make test builds it)")
    room_id = new_room_id("page")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        first, second = context.new_page(), context.new_page()
        for page in (first, second):
            page.goto(f"{server.url}/rooms?room={room_id}")
            expect(page.get_by_test_id("stream-state")).to_have_text("live", timeout=10000)
            expect(page.get_by_test_id("room-empty")).to_be_visible()

        first.get_by_test_id("room-draft").fill('{"board": ["x", "o", "x"], "turn": "o"}')
        first.get_by_test_id("room-save").click()
        expect(second.get_by_test_id("room-version")).to_have_text("1", timeout=5000)
        assert json.loads(second.get_by_test_id("room-state").text_content() or "") == {
            "board": ["x", "o", "x"],
            "turn": "o",
        }
        expect(first.get_by_test_id("room-notice")).to_contain_text("Saved as version 1")

        first.get_by_test_id("room-draft").fill('{"board": ')
        first.get_by_test_id("room-save").click()
        expect(first.get_by_test_id("room-notice")).to_contain_text("Not valid JSON")
        first.screenshot(path=str(ARTIFACTS / "rooms-page.png"), full_page=True)
    finally:
        context.close()
