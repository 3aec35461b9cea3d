"""Servers with the rooms' settings turned down, so TTL, heartbeats and limits show in
seconds. Each test uses its own room ids, so the servers can be shared."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import RunningServer, start_server
from tests.rooms.support import ALLOWED_ORIGIN, new_room_id


@pytest.fixture(scope="session")
def fast_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """Heartbeat 0.3 s, rooms expire after 1 s idle, swept every 0.2 s; debug logs on."""
    running = start_server(
        tmp_path_factory.mktemp("rooms-fast") / "data",
        env={
            "HEARTBEAT_SECONDS": "0.3",
            "ROOM_TTL_SECONDS": "1",
            "SPARKHOUSE_ROOMS_SWEEP_SECONDS": "0.2",
            "SPARKHOUSE_LOG_LEVEL": "DEBUG",
        },
    )
    yield running
    running.stop()


@pytest.fixture(scope="session")
def limits_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """Small limits and a CORS allow-list."""
    running = start_server(
        tmp_path_factory.mktemp("rooms-limits") / "data",
        env={
            "MAX_STATE_BYTES": "1024",
            "SPARKHOUSE_ROOMS_MAX_ROOMS": "2",
            "SPARKHOUSE_ROOMS_MAX_SUBSCRIBERS_PER_ROOM": "2",
            "CORS_ORIGINS": f"{ALLOWED_ORIGIN},http://localhost:5173",
        },
    )
    yield running
    running.stop()


@pytest.fixture
def room_id() -> str:
    return new_room_id()
