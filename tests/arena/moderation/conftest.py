"""Fixtures of the moderation tests: one server of their own, a moderator made with the CLI."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.arena.conftest import QUIET, signed_up, unique_name
from tests.arena.moderation.support import create_user_cli, logged_in
from tests.conftest import RunningServer, start_server


@pytest.fixture(scope="session")
def mod_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("moderation") / "data", QUIET)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def moderator_name(mod_server: RunningServer) -> str:
    name = unique_name("mod")
    create_user_cli(mod_server, name)
    return name


@pytest.fixture
def moderator(mod_server: RunningServer, moderator_name: str) -> Iterator[httpx.Client]:
    with logged_in(mod_server, moderator_name) as client:
        yield client


@pytest.fixture
def user(mod_server: RunningServer) -> Iterator[httpx.Client]:
    with signed_up(mod_server.url) as client:
        yield client


@pytest.fixture
def other(mod_server: RunningServer) -> Iterator[httpx.Client]:
    with signed_up(mod_server.url) as client:
        yield client
