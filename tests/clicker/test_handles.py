"""The player id is the player's only credential: the leaderboard names players by a public
handle, so reading the board no longer lets anyone rename (or click as) the top player."""

from __future__ import annotations

import re
import stat
import uuid
from collections.abc import Callable

import httpx

from appliance.clicker.store import HANDLE_KEY_NAME
from tests.conftest import RunningServer
from tests.support.phoenix_raw import RawSocket

HANDLE = re.compile(r"[0-9a-f]{16}")
TOPIC = "clicker:lobby"


async def test_the_board_shows_handles_and_an_outsider_cannot_rename_the_leader(
    make_server: Callable[..., RunningServer],
) -> None:
    running = make_server()  # its own board
    async with httpx.AsyncClient(base_url=running.url, timeout=10) as http:
        created = (await http.post("/api/clicker/players", json={"name": "Leader"})).json()
        player_id, handle = created["player_id"], created["handle"]
        assert HANDLE.fullmatch(handle)
        await http.post("/api/clicker/click", json={"player_id": player_id})

        # Over the socket, the join reply tells a player its own handle.
        socket = await RawSocket.open(running.ws_url)
        try:
            _, reply = await socket.join(TOPIC, {"player_id": player_id})
            joined = reply[4]["response"]
            assert (joined["player_id"], joined["handle"]) == (player_id, handle)
            assert joined["top"] == [{"handle": handle, "name": "Leader", "score": 1}]
        finally:
            await socket.close()

        # What an outsider sees: the board, with no id anywhere in it.
        board = await http.get("/api/clicker/leaderboard")
        assert board.json()["top"] == [{"handle": handle, "name": "Leader", "score": 1}]
        assert player_id not in board.text
        assert (await http.get(f"/api/clicker/players/{player_id}")).json()["handle"] == handle

        # The handle is no key: a rename or a click with it is refused, the leader unchanged.
        hijack = await http.put(f"/api/clicker/players/{handle}/name", json={"name": "Pwned"})
        assert hijack.status_code == 400
        assert hijack.json()["error"]["code"] == "invalid_player_id"
        forged = await http.post("/api/clicker/click", json={"player_id": handle})
        assert forged.status_code == 400
        board = (await http.get("/api/clicker/leaderboard")).json()
        assert board["top"] == [{"handle": handle, "name": "Leader", "score": 1}]


def test_handles_come_from_a_private_secret_kept_across_restarts(
    make_server: Callable[..., RunningServer],
) -> None:
    first = make_server()
    player_id = str(uuid.uuid4())
    with httpx.Client(base_url=first.url, timeout=10) as http:
        handle = http.get(f"/api/clicker/players/{player_id}").json()["handle"]
    key = first.data_dir / "clicker" / HANDLE_KEY_NAME
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    first.stop()

    second = make_server(data_dir=first.data_dir)
    with httpx.Client(base_url=second.url, timeout=10) as http:
        assert http.get(f"/api/clicker/players/{player_id}").json()["handle"] == handle
    other = make_server()  # another deployment, another secret: other handles
    with httpx.Client(base_url=other.url, timeout=10) as http:
        assert http.get(f"/api/clicker/players/{player_id}").json()["handle"] != handle
