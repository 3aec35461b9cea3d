"""Helpers of the arena tests: a shared arena server without rate limits or sample puzzles,
and signing people up through the real API."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.conftest import RunningServer, start_server

QUIET = {"SPARKHOUSE_ARENA_RATE_LIMITS": "false", "SPARKHOUSE_ARENA_SEED_SAMPLES": "false"}
"""An arena server for tests that are not about rate limits or the sample puzzles."""
PASSWORD = "correct horse battery staple"
_names = itertools.count(1)


def unique_name(prefix: str = "user") -> str:
    return f"{prefix}{next(_names)}"


def sign_up(url: str, username: str | None = None, password: str = PASSWORD) -> httpx.Client:
    """A client holding the ``token`` cookie of a newly registered user (close it, or use
    :func:`signed_up`)."""
    name = username or unique_name()
    client = httpx.Client(base_url=url, timeout=30)
    answer = client.post(
        "/api/v1/register",
        json={"email": f"{name}@example.org", "username": name, "password": password},
    )
    assert answer.status_code == 200, answer.text
    return client


@pytest.fixture(scope="session")
def arena_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("arena") / "data", QUIET)
    yield running
    running.stop()


@contextmanager
def signed_up(url: str, username: str | None = None) -> Iterator[httpx.Client]:
    """:func:`sign_up` for a ``with`` block: the client is closed after it."""
    client = sign_up(url, username)
    try:
        yield client
    finally:
        client.close()
