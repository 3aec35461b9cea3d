"""Every arena path reaches the arena: its health, its answer for paths it has no route for
(yet), and ``POST /submission/game`` — never the spark board's ``/api/<x>/<y>``."""

from __future__ import annotations

import httpx
import pytest

from tests.arena.conftest import signed_up
from tests.conftest import RunningServer

SPARK = {"color": [1, 0.5, 0], "radius": 10, "transparency": 0.2, "time_to_grow": 1}


@pytest.mark.parametrize("path", ["/api/health", "/api/v1/health", "/api/v1/health/"])
def test_health_answers_as_codincod(arena_server: RunningServer, path: str) -> None:
    answer = httpx.get(arena_server.url + path)
    assert answer.status_code == 200 and answer.json() == {"status": "OK"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/comment/0123456789abcdef01234567/replies",
        "/api/moderation/nothing",
        "/api/v1/leaderboard/fastest/x",
        "/api/account/profile",
        "/api/report/x",
        "/api/v1/nothing",
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_arena_paths_without_a_route_get_the_arenas_404_not_a_spark(
    arena_server: RunningServer, path: str, method: str
) -> None:
    answer = httpx.request(method, arena_server.url + path, json=SPARK)
    assert answer.status_code == 404, answer.text
    assert answer.json() == {
        "error": "Not Found",
        "message": f"Route {method}:{path} not found",
        "statusCode": 404,
    }


def test_the_spark_board_keeps_its_own_paths(arena_server: RunningServer) -> None:
    assert httpx.post(f"{arena_server.url}/api/3/4", json=SPARK).status_code == 202
    refused = httpx.post(f"{arena_server.url}/api/abc/4", json=SPARK)
    assert refused.status_code == 400 and "x" in refused.json()["errors"]


@pytest.mark.parametrize("prefix", ["/api", "/api/v1"])
def test_a_game_submission_reaches_the_arena(arena_server: RunningServer, prefix: str) -> None:
    url = f"{arena_server.url}{prefix}/submission/game"
    body = {"gameId": "0" * 24, "submissionId": "1" * 24}
    assert httpx.post(url, json=body).status_code == 401
    with signed_up(arena_server.url) as client:
        invalid = client.post(url, json={"gameId": "x"})
        assert invalid.status_code == 400
        assert invalid.json()["error"] == "Validation Error"
        unknown = client.post(url, json=body)
        assert unknown.status_code == 404
        assert unknown.json()["message"] == "Submission not found"
