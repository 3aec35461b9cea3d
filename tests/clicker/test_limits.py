"""Bounded player state on a real server: per-address limits on new players and renames, the
player cap (HTTP and socket), and both enforced on snapshots written before they existed."""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson

from appliance.clicker.settings import ClickerSettings
from appliance.clicker.store import SNAPSHOT_NAME, parse_snapshot
from tests.conftest import RunningServer
from tests.support.phoenix_raw import RawSocket

MakeServer = Callable[..., RunningServer]
TOPIC = "clicker:lobby"


def new_id() -> str:
    return str(uuid.uuid4())


def rename(http: httpx.Client, player_id: str, name: str = "x", **headers: str) -> httpx.Response:
    return http.put(f"/api/clicker/players/{player_id}/name", json={"name": name}, headers=headers)


def click(http: httpx.Client, player_id: str, **headers: str) -> httpx.Response:
    return http.post("/api/clicker/click", json={"player_id": player_id}, headers=headers)


def assert_rate_limited(answer: httpx.Response, what: str) -> None:
    assert answer.status_code == 429, answer.text
    error = answer.json()["error"]
    assert error["code"] == "rate_limited"
    assert f"Too many {what} from your address" in error["message"]
    assert error["retry_after_ms"] >= 1
    assert int(answer.headers["Retry-After"]) >= 1


def test_a_flood_of_random_ids_no_longer_grows_the_store(make_server: MakeServer) -> None:
    """The review's reproduction: 500 PUTs of random UUIDs made 500 named players."""
    running = make_server()  # default settings
    renames = ClickerSettings.model_fields["renames_per_minute"].default
    with httpx.Client(base_url=running.url, timeout=10) as http:
        answers = [rename(http, new_id()) for _ in range(500)]
        accepted = [answer for answer in answers if answer.status_code == 200]
        assert len(accepted) == renames
        assert_rate_limited(answers[-1], "renames")
        assert http.get("/api/clicker/stats").json()["players"] == renames


def test_new_players_are_limited_per_address_and_known_players_play_on(
    make_server: MakeServer,
) -> None:
    running = make_server(
        env={
            "SPARKHOUSE_CLICKER_NEW_PLAYERS_PER_MINUTE": "3",
            "SPARKHOUSE_CLICKER_RENAMES_PER_MINUTE": "100",
            "CLICKER_MIN_INTERVAL_MS": "0",
        }
    )
    with httpx.Client(base_url=running.url, timeout=10) as http:
        players = [new_id() for _ in range(3)]
        assert [click(http, p).status_code for p in players] == [200, 200, 200]
        assert_rate_limited(click(http, new_id()), "new players")
        assert_rate_limited(rename(http, new_id()), "new players")  # a name makes one too
        # Handing out an id stores nothing, so it stays free; the players in keep playing.
        assert http.post("/api/clicker/players").status_code == 201
        assert [click(http, p).json()["score"] for p in players] == [2, 2, 2]
        assert rename(http, players[0], "Ada").status_code == 200
        assert http.get("/api/clicker/stats").json()["players"] == 3


async def test_a_new_players_first_click_over_the_socket_is_limited_too(
    make_server: MakeServer,
) -> None:
    running = make_server(env={"SPARKHOUSE_CLICKER_NEW_PLAYERS_PER_MINUTE": "1"})
    sockets = [await RawSocket.open(running.ws_url) for _ in range(2)]
    try:
        replies = []
        for socket in sockets:
            join_ref, reply = await socket.join(TOPIC)  # joins hand out ids freely
            assert reply[4]["status"] == "ok"
            replies.append(await push(socket, join_ref, "click", {}))
        assert replies[0][4] == {"status": "ok", "response": {"score": 1, "rank": 1}}
        refused = replies[1][4]
        assert refused["status"] == "error"
        assert refused["response"]["reason"] == "rate_limited"
        assert refused["response"]["retry_after_ms"] >= 1
        assert "new players" in refused["response"]["message"]
    finally:
        for socket in sockets:
            await socket.close()


def test_the_limits_key_on_the_forwarded_client_only_behind_a_trusted_proxy(
    make_server: MakeServer,
) -> None:
    env = {"SPARKHOUSE_CLICKER_RENAMES_PER_MINUTE": "2"}
    trusting = make_server(env={**env, "SPARKHOUSE_TRUSTED_PROXIES": "127.0.0.1/32"})
    with httpx.Client(base_url=trusting.url, timeout=10) as http:
        first = {"X-Forwarded-For": "203.0.113.1"}
        assert [rename(http, new_id(), **first).status_code for _ in range(2)] == [200, 200]
        assert_rate_limited(rename(http, new_id(), **first), "renames")
        second = {"X-Forwarded-For": "203.0.113.2"}  # another client behind the same proxy
        assert rename(http, new_id(), **second).status_code == 200

    direct = make_server(env=env)  # no trusted proxy: a forged header changes nothing
    with httpx.Client(base_url=direct.url, timeout=10) as http:
        forged = [{"X-Forwarded-For": f"198.51.100.{i}"} for i in range(3)]
        answers = [rename(http, new_id(), **headers) for headers in forged]
        assert [answer.status_code for answer in answers] == [200, 200, 429]


async def push(socket: RawSocket, join_ref: str, event: str, payload: dict[str, Any]) -> Any:
    ref = socket.next_ref()
    await socket.send(join_ref, ref, TOPIC, event, payload)
    while True:  # skip broadcasts until our reply
        frame = await socket.recv()
        if frame[1] == ref:
            return frame


async def test_the_player_cap_holds_over_http_and_the_socket(make_server: MakeServer) -> None:
    running = make_server(
        env={"SPARKHOUSE_CLICKER_MAX_PLAYERS": "2", "CLICKER_RESET_AFTER_SECONDS": "600"}
    )
    async with httpx.AsyncClient(base_url=running.url, timeout=10) as http:
        a, b = new_id(), new_id()
        assert (await http.post("/api/clicker/click", json={"player_id": a})).status_code == 200
        assert (await http.post("/api/clicker/click", json={"player_id": b})).status_code == 200
        full = await http.put(f"/api/clicker/players/{new_id()}/name", json={"name": "Late"})
        assert full.status_code == 503
        assert full.json()["error"]["code"] == "game_full"
        assert 595 <= int(full.headers["Retry-After"]) <= 600  # until a's score goes stale
        named = await http.post("/api/clicker/players", json={"name": "Late"})
        assert named.status_code == 503
        stats = (await http.get("/api/clicker/stats")).json()
        assert (stats["players"], stats["max_players"]) == (2, 2)

    socket = await RawSocket.open(running.ws_url)
    try:
        join_ref, _ = await socket.join(TOPIC)
        refused = (await push(socket, join_ref, "click", {}))[4]
        assert refused["status"] == "error"
        assert refused["response"]["reason"] == "game_full"
        assert "The game is full" in refused["response"]["message"]
    finally:
        await socket.close()


def test_an_old_snapshot_over_the_cap_loads_trimmed_and_idle_names_expire_on_load(
    make_server: MakeServer, tmp_path: Path
) -> None:
    """A version 1 file holding the flood (500 named players at 0) and one real player: the
    cap trims it at start-up, the next snapshot is written without the flood, and a shorter
    idle time forgets the remaining names at the next start."""
    data_dir = tmp_path / "flooded"
    now = time.time()
    real = new_id()
    flood = {new_id(): ["junk", 0, 0.0] for _ in range(500)}
    document = {
        "format": "sparkhouse-clicker-snapshot",
        "version": 1,
        "saved_at": now - 3600,
        "count": 501,
        "players": {real: ["Real", 42, now - 10], **flood},
    }
    path = data_dir / "clicker" / SNAPSHOT_NAME
    path.parent.mkdir(parents=True)
    path.write_bytes(orjson.dumps(document))

    env = {"SPARKHOUSE_CLICKER_MAX_PLAYERS": "100", "CLICKER_SNAPSHOT_SECONDS": "0.2"}
    first = make_server(env=env, data_dir=data_dir)
    with httpx.Client(base_url=first.url, timeout=10) as http:
        assert http.get("/api/clicker/stats").json()["players"] == 100
        assert http.get(f"/api/clicker/players/{real}").json()["score"] == 42
    assert "more than SPARKHOUSE_CLICKER_MAX_PLAYERS=100" in first.log()
    deadline = time.monotonic() + 5
    while orjson.loads(path.read_bytes())["version"] != 2:
        assert time.monotonic() < deadline, "the trimmed snapshot was not written"
        time.sleep(0.05)
    assert len(parse_snapshot(path.read_bytes())) == 100
    assert first.stop(signal.SIGTERM) == 0

    # The names have been idle since the old file was saved, an hour ago.
    second = make_server(
        env={**env, "SPARKHOUSE_CLICKER_FORGET_AFTER_SECONDS": "1800"}, data_dir=data_dir
    )
    with httpx.Client(base_url=second.url, timeout=10) as http:
        stats = http.get("/api/clicker/stats").json()
        assert (stats["players"], stats["live_players"]) == (1, 1)
        assert http.get(f"/api/clicker/players/{real}").json()["name"] == "Real"
