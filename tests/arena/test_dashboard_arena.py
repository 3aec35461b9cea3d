"""The arena's dashboard pages in headless Debian chromium (issue 20), end to end on a real
server with the real sandbox: a player registers and signs in, writes a puzzle with ten
validators and a reference solution, a moderator sends it back, the author fixes it and the
moderator approves it, two browsers meet in the lobby, play the puzzle live (standings, chat,
the final ranking), the moderator recalculates the ratings and the leaderboard and profile
show them."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.analytics.test_dashboard_browser import watch
from tests.arena.conftest import PASSWORD, QUIET, unique_name
from tests.arena.moderation.support import create_user_cli
from tests.conftest import RunningServer, start_server

pytestmark = pytest.mark.browser

GAME_SECONDS = 20
"""Long enough for two browsers to open the game and submit, short enough for a quick test."""
LATE_WINDOW = 10
"""A game is rated once it ended more than this many seconds ago (docs/arena.md)."""
TESTS = [(f"hello {word}", f"HELLO {word.upper()}") for word in "abcdefghij"]
SOLUTION = "print(input().upper())"
FEEDBACK = "Say how long a line may be, please."


@pytest.fixture(scope="module")
def arena_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server of its own (no sample puzzle: every game plays the one approved here), games
    starting at once."""
    env = {**QUIET, "SPARKHOUSE_ARENA_GAME_COUNTDOWN_SECONDS": "0"}
    running = start_server(tmp_path_factory.mktemp("arena-ui") / "data", env)
    yield running
    running.stop()


def new_page(browser: Any) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    return context, page, watch(page)


def register(page: Any, url: str, name: str) -> None:
    page.goto(f"{url}/arena/register")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Email").fill(f"{name}@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("register-submit").click()
    expect(page.get_by_test_id("arena-me")).to_have_text(re.compile(name))


def sign_in(page: Any, url: str, name: str) -> None:
    page.goto(f"{url}/arena/login")
    page.get_by_label("Username or email").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("arena-me")).to_have_text(re.compile(name))


def write_code(page: Any, editor: str, code: str) -> None:
    """Replace the CodeMirror editor's text with ``code`` as a user pasting it would."""
    content = page.get_by_test_id(f"{editor}-content")
    content.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(code)
    expect(content).to_have_text(code)


def test_from_a_new_account_to_the_leaderboard(arena_ui: RunningServer, browser: Any) -> None:
    url = arena_ui.url
    alice, bob, mod = unique_name("alice"), unique_name("bob"), unique_name("mod")
    create_user_cli(arena_ui, mod, "moderator")
    a_context, a, a_problems = new_page(browser)
    b_context, b, b_problems = new_page(browser)
    m_context, m, m_problems = new_page(browser)
    try:
        # register, sign out, sign in again; a player sees no moderation tab
        register(a, url, alice)
        a.get_by_test_id("arena-logout").click()
        expect(a.get_by_test_id("arena-login-link")).to_be_visible()
        sign_in(a, url, alice)
        expect(a.get_by_role("link", name="Moderation", exact=True)).to_have_count(0)

        # write a puzzle: title, statement, ten validators, the reference solution
        a.get_by_test_id("new-puzzle").click()
        a.get_by_label("Title").fill("Shout it")
        a.get_by_test_id("create-puzzle").click()
        expect(a.get_by_test_id("puzzle-edit")).to_be_visible()
        expect(a.get_by_test_id("verdict-text")).to_contain_text("Add at least 10 tests")
        a.get_by_label("Statement").fill("Read one line and print it in capital letters.")
        for _ in TESTS:
            a.get_by_test_id("add-validator").click()
        for index, (given, expected) in enumerate(TESTS):
            a.get_by_test_id("validator-input").nth(index).fill(given)
            a.get_by_test_id("validator-output").nth(index).fill(expected)
        write_code(a, "solution-editor", SOLUTION)
        a.get_by_test_id("save-puzzle").click()
        expect(a.get_by_test_id("save-ok")).to_have_text("Saved.")
        # the server runs the solution on every validator; the page follows the check
        expect(a.get_by_test_id("verdict")).to_have_attribute(
            "data-visibility", "ready", timeout=30_000
        )
        expect(a.get_by_test_id("verdict-text")).to_contain_text("passes every test")
        expect(a.locator("[data-testid=validator-row][data-passed=true]")).to_have_count(10)
        puzzle_url = a.url.removesuffix("/edit")

        # a moderator sends it back with a reason; the author sees it, fixes and resubmits
        sign_in(m, url, mod)
        m.get_by_role("link", name="Moderation", exact=True).click()
        item = m.locator("[data-testid=mod-item][data-title='Shout it']")
        expect(item).to_contain_text(f"by {alice}")
        item.get_by_test_id("mod-revise").click()
        item.get_by_test_id("mod-revise-send").click()
        expect(item.get_by_role("alert")).to_contain_text("at least 10 characters")
        item.get_by_label("What should the author change?").fill(FEEDBACK)
        item.get_by_test_id("mod-revise-send").click()
        expect(m.get_by_test_id("mod-done")).to_contain_text("went back to its author")
        expect(m.get_by_test_id("mod-empty")).to_be_visible()
        a.reload()
        expect(a.get_by_test_id("verdict")).to_have_attribute("data-visibility", "revise")
        expect(a.get_by_test_id("verdict-text")).to_contain_text(FEEDBACK)
        expect(a.get_by_test_id("solution-editor-content")).to_have_text(SOLUTION)  # kept
        a.get_by_label("Constraints").fill("One line of at most 100 characters.")
        a.get_by_test_id("save-puzzle").click()
        expect(a.get_by_test_id("verdict")).to_have_attribute(
            "data-visibility", "ready", timeout=30_000
        )

        # back in the queue, approved; the audit log has both verdicts
        m.reload()
        item.get_by_test_id("mod-approve").click()
        expect(m.get_by_test_id("mod-done")).to_contain_text("approved")
        expect(m.get_by_test_id("mod-empty")).to_be_visible()
        m.get_by_test_id("mod-tab-audit").click()
        expect(m.get_by_test_id("audit-row")).to_have_count(2)
        expect(m.get_by_test_id("audit-row").nth(0)).to_have_attribute(
            "data-action", "puzzle.approve"
        )
        expect(m.get_by_test_id("audit-row").nth(1)).to_have_attribute(
            "data-action", "puzzle.revise"
        )
        a.goto(puzzle_url)
        expect(a.get_by_test_id("puzzle-title")).to_have_text("Shout it")
        expect(a.get_by_test_id("visibility-badge")).to_have_count(0)  # approved: no badge

        # the lobby: alice hosts a short rated game, bob sees the room live and joins
        register(b, url, bob)
        b.get_by_role("link", name="Play", exact=True).click()
        expect(b.get_by_test_id("lobby-status")).to_have_text(re.compile("Connected"))
        expect(b.get_by_test_id("rooms")).to_contain_text("No open rooms")
        a.get_by_role("link", name="Play", exact=True).click()
        expect(a.get_by_test_id("lobby-status")).to_have_text(re.compile("Connected"))
        a.get_by_label("Duration", exact=True).select_option("custom")
        a.get_by_label("Duration in seconds").fill(str(GAME_SECONDS))
        a.get_by_test_id("host-room").click()
        expect(a.get_by_test_id("my-room")).to_contain_text(f"{GAME_SECONDS} s")
        b.get_by_test_id("join-room").click()
        expect(b.get_by_test_id("room-player")).to_have_count(2)
        expect(a.get_by_test_id("room-player")).to_have_count(2)
        expect(a.get_by_test_id("room-players")).to_contain_text(bob)
        a.get_by_test_id("start-game").click()
        for page in (a, b):
            expect(page).to_have_url(re.compile(r"/arena/game/[0-9a-f]{24}$"))
            expect(page.get_by_test_id("game")).to_have_attribute("data-status", "in_progress")
            expect(page.get_by_role("heading", name="Shout it", exact=True)).to_be_visible()
        assert a.url == b.url

        # chat both ways
        a.get_by_test_id("chat-input").fill(f"good luck {bob}")
        a.get_by_test_id("chat-send").click()
        b.get_by_test_id("chat-input").fill("you too")
        b.get_by_test_id("chat-send").click()
        for page in (a, b):
            expect(page.get_by_test_id("chat-message")).to_have_text(
                [re.compile(f"{alice}.*good luck {bob}"), re.compile(f"{bob}.*you too")]
            )

        # alice submits first, then bob: both see both in the live standings
        for page in (a, b):
            write_code(page, "code-editor", SOLUTION)
            page.get_by_test_id("submit-button").click()
            expect(page.get_by_test_id("game-submitted")).to_be_visible()
        for page in (a, b):
            expect(page.get_by_test_id("standing-row")).to_have_count(2)

        # the clock runs out: the same final ranking on both sides, alice first
        for page in (a, b):
            expect(page.get_by_test_id("game")).to_have_attribute(
                "data-status", "finished", timeout=(GAME_SECONDS + 10) * 1000
            )
        ended = time.monotonic()
        for page in (a, b):
            expect(page.get_by_test_id("winner")).to_have_text(alice)
            rows = page.get_by_test_id("standing-row")
            expect(rows.nth(0)).to_have_attribute("data-username", alice)
            expect(rows.nth(1)).to_have_attribute("data-username", bob)
            expect(page.get_by_test_id("standing-rank")).to_have_text(["🏆 1", "2"])

        # while the game may still take late submissions: a ban, and the ban lifted
        m.get_by_test_id("mod-tab-bans").click()
        m.get_by_label("Username").fill(bob)
        m.get_by_test_id("ban-lookup").click()
        expect(m.get_by_test_id("ban-status")).to_have_text("Not banned")
        m.get_by_label("Days").fill("2")
        m.get_by_label("Reason").fill("too short")
        m.get_by_test_id("ban-apply").click()
        expect(m.get_by_role("alert")).to_contain_text("at least 10 characters")
        m.get_by_label("Reason").fill("Spamming the game chat with links.")
        m.get_by_test_id("ban-apply").click()
        expect(m.get_by_test_id("ban-done")).to_have_text(f"{bob} is banned for 2 days.")
        expect(m.get_by_test_id("ban-status")).to_contain_text("Banned · Until")
        m.get_by_label("Reason").fill("The links were the puzzle's own, sorry.")
        m.get_by_test_id("ban-lift").click()
        expect(m.get_by_test_id("ban-done")).to_have_text(f"{bob} is no longer banned.")
        expect(m.get_by_test_id("ban-status")).to_have_text("Not banned")
        expect(m.get_by_test_id("ban-history").locator("li")).to_have_count(1)

        # once the late window is over, the moderator rates the game
        time.sleep(max(0.0, LATE_WINDOW + 1 - (time.monotonic() - ended)))
        m.get_by_test_id("mod-recalculate").click()
        expect(m.get_by_test_id("mod-recalculated")).to_have_text("1 game rated.")

        # the leaderboard of the mode: alice above 1500, bob below
        b.get_by_test_id("back-to-lobby").wait_for()
        b.goto(f"{url}/arena/leaderboard")
        expect(b.get_by_test_id("mode-fastest")).to_have_attribute("aria-pressed", "true")
        rows = b.get_by_test_id("leaderboard-row")
        expect(rows).to_have_count(2)
        expect(rows.nth(0)).to_contain_text(alice)
        expect(rows.nth(1)).to_contain_text(bob)
        top = int(rows.nth(0).locator("td").nth(2).locator("strong").inner_text())
        low = int(rows.nth(1).locator("td").nth(2).locator("strong").inner_text())
        assert top > 1500 > low, (top, low)
        b.get_by_test_id("mode-shortest").click()
        expect(b.get_by_test_id("leaderboard-empty")).to_be_visible()

        # alice's profile: her rating in the table and the chart
        b.goto(f"{url}/arena/users/{alice}")
        expect(b.get_by_test_id("profile-name")).to_have_text(alice)
        expect(b.locator("[data-testid=profile-rating][data-mode=fastest]")).to_contain_text(
            str(top)
        )
        expect(b.get_by_test_id("rating-chart").get_by_role("img")).to_have_attribute(
            "aria-label", re.compile(f"Fastest {top}")
        )
        assert a_problems == b_problems == m_problems == [], (a_problems, b_problems, m_problems)
    finally:
        for context in (a_context, b_context, m_context):
            context.close()
