"""A server of its own for the live games (no countdown, so games start at once), a puzzle
approved in it, and Phoenix sockets signed in as the test's users."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.arena.conftest import QUIET, sign_up, unique_name
from tests.arena.submissions.support import add_puzzle, set_role
from tests.conftest import RunningServer, start_server

GAMES = {**QUIET, "SPARKHOUSE_ARENA_GAME_COUNTDOWN_SECONDS": "0"}


@pytest.fixture(scope="module")
def games_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("games") / "data", GAMES)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def puzzle(games_server: RunningServer) -> str:
    """The one approved puzzle of the server: every game plays it."""
    author = sign_up(games_server.url)
    name = unique_name("mod")
    moderator = sign_up(games_server.url, name)
    set_role(games_server, name, "moderator")
    try:
        return add_puzzle(author, approver=moderator)
    finally:
        author.close()
        moderator.close()


@pytest.fixture
def people(games_server: RunningServer) -> Iterator[list[httpx.Client]]:
    """Four signed-in users (their clients hold the ``token`` cookie)."""
    clients = [sign_up(games_server.url) for _ in range(4)]
    yield clients
    for client in clients:
        client.close()
