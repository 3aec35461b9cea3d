"""The leaderboard through HTTP on a real server (codincod-contract.md §3.11, §9): finished
games written into the data dir's SQLite, rated by POST /leaderboard/recalculate (moderators
only), read back by GET /leaderboard/:gameMode and /leaderboard/user/:id with exact Glicko-2
values; each game counted once, a second run changing nothing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from appliance.arena.leaderboard.glicko2 import Rating, rate
from appliance.platform.clock import utc_now
from tests.arena.conftest import PASSWORD, QUIET, sign_up, unique_name
from tests.arena.leaderboard.support import Played, connect, insert_game, rated_at
from tests.conftest import RunningServer, start_server

EPOCH = "1970-01-01T00:00:00.000Z"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("leaderboard") / "data", QUIET)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def moderator(server: RunningServer) -> Iterator[httpx.Client]:
    """A moderator made as an operator does: ``sparkhouse arena user create --role``."""
    name = unique_name("mod")
    made = subprocess.run(
        [sys.executable, "-m", "appliance", "arena", "user", "create", name,
         "--password", PASSWORD, "--role", "moderator", "--data-dir", str(server.data_dir)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    client = httpx.Client(base_url=server.url, timeout=30)
    signed = client.post("/api/v1/login", json={"identifier": name, "password": PASSWORD})
    assert signed.status_code == 200, signed.text
    yield client
    client.close()


class Player:
    def __init__(self, server: RunningServer) -> None:
        self.client = sign_up(server.url)
        me = self.client.get("/api/v1/user/me").json()
        self.id: str = me["userId"]
        self.username: str = me["username"]


@pytest.fixture
def players(server: RunningServer) -> Iterator[list[Player]]:
    made = [Player(server) for _ in range(3)]
    yield made
    for player in made:
        player.client.close()


def ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()


def recalculate(moderator: httpx.Client) -> dict[str, Any]:
    done: dict[str, Any] = ok(moderator.post("/api/v1/leaderboard/recalculate"))
    return done


def board(server: RunningServer, mode: str, **query: Any) -> dict[str, Any]:
    found: dict[str, Any] = ok(httpx.get(f"{server.url}/api/v1/leaderboard/{mode}", params=query))
    return found


def test_a_rated_game_from_the_store_to_the_leaderboard(
    server: RunningServer, moderator: httpx.Client, players: list[Player]
) -> None:
    a, b, c = players
    assert board(server, "typeracer") == {
        "gameMode": "typeracer",
        "entries": [],
        "page": 1,
        "pageSize": 50,
        "totalEntries": 0,
        "totalPages": 0,
        "lastUpdated": EPOCH,
    }
    # typeracer: speed = characters per second × 1000; c fails every test
    code_a, code_b = "x" * 300, "y" * 100
    with connect(server.data_dir) as db:
        game = insert_game(
            db,
            [Played(a.id, 1.0, 30, code_a), Played(b.id, 1.0, 20, code_b), Played(c.id, 0.4, 5)],
            mode="typeracer",
            ended=utc_now() - timedelta(seconds=11),
        )
    done = recalculate(moderator)
    assert done["success"] is True and done["processedGames"]["typeracer"] == 1
    assert set(done["processedGames"]) >= {"fastest", "typeracer", "random"}
    assert done["totalProcessed"] == sum(done["processedGames"].values())

    fresh = Rating()
    expected = {
        a.id: rate(fresh, [(fresh, 1.0), (fresh, 1.0)]),
        b.id: rate(fresh, [(fresh, 0.0), (fresh, 1.0)]),
        c.id: rate(fresh, [(fresh, 0.0), (fresh, 0.0)]),
    }
    scores = {a.id: 300 / 30 * 1000, b.id: 100 / 20 * 1000, c.id: 0.0}
    found = board(server, "typeracer")
    assert [e["userId"] for e in found["entries"]] == [a.id, b.id, c.id]
    assert found["totalEntries"] == 3 and found["totalPages"] == 1
    for position, entry in enumerate(found["entries"], 1):
        rating = expected[entry["userId"]]
        assert entry["rank"] == position
        assert entry["username"] == {a.id: a, b.id: b, c.id: c}[entry["userId"]].username
        assert entry["rating"] == pytest.approx(rating.rating, abs=1e-9)
        glicko = entry["glicko"]
        assert glicko["rating"] == entry["rating"]
        assert glicko["rd"] == pytest.approx(rating.rd, abs=1e-9)
        assert glicko["volatility"] == pytest.approx(rating.volatility, abs=1e-12)
        assert glicko["lastUpdated"].endswith("Z") and glicko["lastUpdated"] != EPOCH
        assert entry["gamesPlayed"] == 1
        assert entry["gamesWon"] == (1 if position == 1 else 0)
        assert entry["winRate"] == entry["gamesWon"]
        assert entry["bestScore"] == pytest.approx(scores[entry["userId"]])
        assert entry["averageScore"] == pytest.approx(scores[entry["userId"]])
    assert found["lastUpdated"] == max(e["glicko"]["lastUpdated"] for e in found["entries"])
    with connect(server.data_dir) as db:
        assert rated_at(db, game) is not None

    mine = ok(httpx.get(f"{server.url}/api/leaderboard/user/{a.id}"))
    assert mine == {
        "userId": a.id,
        "username": a.username,
        "rankings": {
            "typeracer": {
                "rank": 1,
                "rating": pytest.approx(expected[a.id].rating, abs=1e-9),
                "gamesPlayed": 1,
                "winRate": 1.0,
            }
        },
    }


def test_recalculating_again_changes_nothing(
    server: RunningServer, moderator: httpx.Client, players: list[Player]
) -> None:
    a, b, c = players
    now = utc_now()
    with connect(server.data_dir) as db:
        games = [
            insert_game(db, [Played(a.id, 1, 10), Played(b.id, 1, 20)], mode="shortest",
                        ended=now - timedelta(minutes=30)),
            insert_game(db, [Played(b.id, 1, 10, "p"), Played(c.id, 1, 5, "print(2)")],
                        mode="shortest", ended=now - timedelta(minutes=20)),
        ]  # fmt: skip
    first = recalculate(moderator)
    assert first["processedGames"]["shortest"] == 2
    after_first = board(server, "shortest")
    with connect(server.data_dir) as db:
        marks = [rated_at(db, game) for game in games]
    assert all(marks)

    second = recalculate(moderator)
    assert second["totalProcessed"] == 0
    assert set(second["processedGames"].values()) == {0}
    assert board(server, "shortest") == after_first
    with connect(server.data_dir) as db:
        assert [rated_at(db, game) for game in games] == marks
    by_id = {e["userId"]: e for e in after_first["entries"]}
    assert by_id[b.id]["gamesPlayed"] == 2 and by_id[b.id]["gamesWon"] == 1
    # b lost the first (same length, slower), won the second (shorter code), rated from b's
    # rating after the first: periods in the order played
    fresh = Rating()
    b_first = rate(fresh, [(fresh, 0.0)])
    assert by_id[b.id]["rating"] == pytest.approx(rate(b_first, [(fresh, 1.0)]).rating)


def test_only_finished_rated_games_with_two_submissions_change_ratings(
    server: RunningServer, moderator: httpx.Client, players: list[Player]
) -> None:
    a, b, _ = players
    now = utc_now()
    with connect(server.data_dir) as db:
        lonely = insert_game(db, [Played(a.id)], mode="debug", ended=now - timedelta(minutes=5))
        unrated = insert_game(
            db, [Played(a.id), Played(b.id)], mode="debug", ended=now - timedelta(minutes=5),
            rated=False,
        )  # fmt: skip
        buffer = insert_game(
            db, [Played(a.id), Played(b.id)], mode="debug", ended=now - timedelta(seconds=2)
        )
        running = insert_game(
            db, [Played(a.id), Played(b.id)], mode="debug", ended=now + timedelta(minutes=5)
        )
    done = recalculate(moderator)
    assert done["processedGames"]["debug"] == 0
    assert "1 skipped" in done["message"]
    assert board(server, "debug")["entries"] == []
    with connect(server.data_dir) as db:
        assert rated_at(db, lonely) is not None
        assert rated_at(db, unrated) is None
        assert rated_at(db, buffer) is None
        assert rated_at(db, running) is None
        db.execute("DELETE FROM arena_games WHERE id IN (?, ?)", (buffer, running))


def test_ranks_are_renumbered_by_rating_in_each_mode(
    server: RunningServer, moderator: httpx.Client, players: list[Player]
) -> None:
    a, b, c = players
    now = utc_now()
    with connect(server.data_dir) as db:
        insert_game(
            db,
            [Played(a.id, 1, 10), Played(b.id, 1, 20)],
            mode="efficiency",
            ended=now - timedelta(minutes=10),
        )
        insert_game(
            db,
            [Played(c.id, 1, 10), Played(a.id, 1, 20)],
            mode="efficiency",
            ended=now - timedelta(minutes=9),
        )
        insert_game(
            db,
            [Played(c.id, 1, 10), Played(b.id, 1, 20)],
            mode="efficiency",
            ended=now - timedelta(minutes=8),
        )
    recalculate(moderator)
    entries = board(server, "efficiency")["entries"]
    ratings = [e["rating"] for e in entries]
    assert ratings == sorted(ratings, reverse=True)
    assert [e["rank"] for e in entries] == [1, 2, 3]
    assert entries[0]["userId"] == c.id and entries[-1]["userId"] == b.id
    rankings = ok(httpx.get(f"{server.url}/api/v1/leaderboard/user/{b.id}"))["rankings"]
    assert rankings["efficiency"]["rank"] == 3


def test_pages_and_their_bounds(
    server: RunningServer, moderator: httpx.Client, players: list[Player]
) -> None:
    a, b, c = players
    with connect(server.data_dir) as db:
        insert_game(
            db, [Played(a.id, 1, 10), Played(b.id, 1, 20), Played(c.id, 1, 30)],
            mode="incremental", ended=utc_now() - timedelta(minutes=1),
        )  # fmt: skip
    recalculate(moderator)
    second = board(server, "incremental", page=2, pageSize=2)
    assert (second["page"], second["pageSize"], second["totalEntries"], second["totalPages"]) == (
        2,
        2,
        3,
        2,
    )
    assert [e["rank"] for e in second["entries"]] == [3]
    assert board(server, "incremental", pageSize=0)["pageSize"] == 1
    assert board(server, "incremental", pageSize=1000)["pageSize"] == 100
    assert board(server, "incremental", pageSize="many", page="x")["pageSize"] == 50
    assert board(server, "incremental", page=0)["page"] == 1
    assert board(server, "incremental", page=9)["entries"] == []


def test_an_unknown_mode_is_400(server: RunningServer) -> None:
    for prefix in ("/api/v1", "/api"):
        answer = httpx.get(f"{server.url}{prefix}/leaderboard/chess")
        assert answer.status_code == 400
        assert answer.json()["error"] == "Invalid game mode"


def test_a_users_rankings_create_nothing(server: RunningServer, players: list[Player]) -> None:
    newcomer = players[0]
    found = ok(httpx.get(f"{server.url}/api/v1/leaderboard/user/{newcomer.id}"))
    assert found == {"userId": newcomer.id, "username": newcomer.username, "rankings": {}}
    with connect(server.data_dir) as db:
        rows = db.execute(
            "SELECT count(*) FROM arena_user_metrics WHERE account_id = ?", (newcomer.id,)
        ).fetchone()
    assert rows == (0,)
    for unknown in ("0123456789abcdef01234567", "nobody"):
        answer = httpx.get(f"{server.url}/api/v1/leaderboard/user/{unknown}")
        assert answer.status_code == 404 and answer.json()["error"] == "User not found"


def test_only_moderators_recalculate(server: RunningServer, players: list[Player]) -> None:
    for prefix in ("/api/v1", "/api"):
        anonymous = httpx.post(f"{server.url}{prefix}/leaderboard/recalculate")
        assert anonymous.status_code == 401
        refused = players[0].client.post(f"{prefix}/leaderboard/recalculate")
        assert refused.status_code == 403
        assert refused.json()["message"] == "Moderator access required"
