"""The clicker's HTTP interface against a real server."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import httpx
import pytest

from tests.conftest import RunningServer


def new_id() -> str:
    return str(uuid.uuid4())


def click(http: httpx.Client, player_id: str) -> httpx.Response:
    return http.post("/api/clicker/click", json={"player_id": player_id})


def test_a_new_player_clicks_and_is_throttled(http: httpx.Client) -> None:
    created = http.post("/api/clicker/players")
    assert created.status_code == 201
    player = created.json()
    assert player["score"] == 0 and player["rank"] is None and player["name"] is None
    player_id = player["player_id"]
    assert str(uuid.UUID(player_id)) == player_id

    first = click(http, player_id)
    assert first.status_code == 200
    assert first.json() == {"player_id": player_id, "score": 1, "rank": first.json()["rank"]}
    assert first.json()["rank"] >= 1

    throttled = click(http, player_id)
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "1"
    error = throttled.json()["error"]
    assert error["code"] == "throttled"
    assert 1 <= error["retry_after_ms"] <= 100
    assert f"wait {error['retry_after_ms']} ms" in error["message"]

    time.sleep(error["retry_after_ms"] / 1000 + 0.005)
    assert click(http, player_id).json()["score"] == 2
    assert http.get(f"/api/clicker/players/{player_id}").json()["score"] == 2


def test_an_unknown_well_formed_id_is_simply_a_new_player(http: httpx.Client) -> None:
    player_id = new_id()
    answer = click(http, player_id.upper())
    assert answer.status_code == 200
    assert answer.json()["player_id"] == player_id  # canonical lower-case form
    assert answer.json()["score"] == 1


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({}, 400, "invalid_player_id", "player_id"),
        ({"player_id": "nope"}, 400, "invalid_player_id", "player_id"),
        ({"player_id": 12}, 400, "invalid_player_id", "player_id"),
        ({"player_id": None}, 400, "invalid_player_id", "player_id"),
        ({"player_id": str(uuid.uuid4()), "score": 1e9}, 400, "invalid_body", "score"),
        (["not", "an", "object"], 400, "invalid_json", None),
    ],
)
def test_bad_click_bodies_name_the_problem(
    http: httpx.Client, body: object, status: int, code: str, field: str | None
) -> None:
    answer = http.post("/api/clicker/click", json=body)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"]["field"] == field


def test_non_json_bodies_are_refused(http: httpx.Client) -> None:
    answer = http.post("/api/clicker/click", content=b"player_id=x")
    assert answer.status_code == 415
    answer = http.post(
        "/api/clicker/click", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "invalid_json"


def test_names_are_validated_trimmed_and_shown(http: httpx.Client) -> None:
    player_id = new_id()
    renamed = http.put(f"/api/clicker/players/{player_id}/name", json={"name": "  Zoë 🚀  "})
    assert renamed.status_code == 200
    assert renamed.json() == {
        "player_id": player_id,
        "handle": renamed.json()["handle"],
        "name": "Zoë 🚀",
        "score": 0,
        "rank": None,
    }
    for _ in range(3):
        click(http, player_id)
        time.sleep(0.11)
    board = http.get("/api/clicker/leaderboard", params={"player_id": player_id}).json()
    assert board["player"]["name"] == "Zoë 🚀" and board["player"]["score"] == 3
    higher = [entry for entry in board["top"] if entry["score"] > 3]
    if len(higher) < len(board["top"]):  # on the board: everyone above has a higher score
        assert board["player"]["rank"] == len(higher) + 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": ""}, "1 to 24 characters"),
        ({"name": "x" * 25}, "at most 24 characters"),
        ({"name": "bell\u0007"}, "printable"),
        ({"name": 7}, "valid string"),
        ({}, "Field required"),
        ({"name": "ok", "colour": "red"}, "Extra inputs"),
    ],
)
def test_bad_names_name_the_problem(http: httpx.Client, body: object, message: str) -> None:
    answer = http.put(f"/api/clicker/players/{new_id()}/name", json=body)
    assert answer.status_code == 400
    assert message in answer.json()["error"]["message"]
    assert answer.json()["error"]["code"] in ("invalid_name", "invalid_body")


def test_bad_player_ids_in_paths_and_queries(http: httpx.Client) -> None:
    for answer in (
        http.put("/api/clicker/players/not-a-uuid/name", json={"name": "x"}),
        http.get("/api/clicker/players/not-a-uuid"),
        http.get("/api/clicker/leaderboard", params={"player_id": "12"}),
    ):
        assert answer.status_code == 400
        assert answer.json()["error"] == {
            "code": "invalid_player_id",
            "message": answer.json()["error"]["message"],
            "field": "player_id",
        }


def test_the_leaderboard_is_ordered_and_limited(http: httpx.Client) -> None:
    for _ in range(12):
        click(http, new_id())
    top = http.get("/api/clicker/leaderboard").json()["top"]
    assert len(top) == 10
    assert [entry["score"] for entry in top] == sorted((e["score"] for e in top), reverse=True)
    assert set(top[0]) == {"handle", "name", "score"}


def test_settings_reset_and_top_n(make_server: Callable[..., RunningServer]) -> None:
    # Both spellings of the settings work: the names and SPARKHOUSE_CLICKER_*.
    running = make_server(
        env={
            "CLICKER_RESET_AFTER_SECONDS": "1",
            "CLICKER_TOP_N": "2",
            "SPARKHOUSE_CLICKER_MIN_INTERVAL_MS": "0",
        }
    )
    with httpx.Client(base_url=running.url, timeout=10) as http:
        a, b, c = new_id(), new_id(), new_id()
        assert [click(http, a).json()["score"] for _ in range(3)] == [1, 2, 3]  # no throttle
        click(http, b)
        click(http, c)
        top = http.get("/api/clicker/leaderboard").json()["top"]
        handles = [http.get(f"/api/clicker/players/{p}").json()["handle"] for p in (a, b)]
        assert [entry["handle"] for entry in top] == handles  # top 2; tie: b was first
        assert http.get(f"/api/clicker/players/{c}").json()["rank"] == 2  # tied with b

        time.sleep(1.1)  # everyone idle past CLICKER_RESET_AFTER_SECONDS
        assert http.get("/api/clicker/leaderboard").json()["top"] == []
        assert http.get(f"/api/clicker/players/{a}").json()["score"] == 0
        assert click(http, a).json() == {"player_id": a, "score": 1, "rank": 1}
