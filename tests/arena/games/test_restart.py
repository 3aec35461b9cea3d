"""A game's end survives a restart: the timers of running games are re-armed when the server
starts again, and their sockets get the final game:update at endTime."""

from __future__ import annotations

import pytest

from tests.arena.conftest import sign_up, unique_name
from tests.arena.games.conftest import GAMES
from tests.arena.games.support import Player
from tests.arena.games.test_games import a_game, close_all
from tests.arena.submissions.support import add_puzzle, set_role
from tests.conftest import start_server


async def test_a_running_game_still_ends_after_a_restart(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    data = tmp_path_factory.mktemp("restart") / "data"
    server = start_server(data, GAMES)
    alice = sign_up(server.url)
    try:
        name = unique_name("mod")
        moderator = sign_up(server.url, name)
        set_role(server, name, "moderator")
        add_puzzle(alice, approver=moderator)
        moderator.close()
        game_id, players = await a_game(server, [alice], {"maxGameDurationInSeconds": 8})
        await close_all(players)
    finally:
        server.stop()
    again = start_server(data, GAMES)
    try:
        watcher = await Player.open(again, alice.cookies["token"])
        joined = await watcher.join(f"game:{game_id}")
        assert joined["status"] == "ok", joined
        assert joined["response"]["game"]["status"] == "in_progress"
        ended = await watcher.expect(
            f"game:{game_id}",
            "game:update",
            lambda p: p["game"]["status"] == "finished",
            timeout=15,
        )
        assert ended["standings"] == []
        await watcher.close()
    finally:
        alice.close()
        again.stop()
