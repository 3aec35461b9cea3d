"""A game's end survives a restart: the timers of running games are re-armed when the server
starts again, and their sockets get the final game:update at endTime."""

from __future__ import annotations

import pytest

from tests.arena.conftest import sign_up, unique_name
from tests.arena.games.conftest import GAMES
from tests.arena.games.support import Player, db
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


async def test_chat_lines_sent_just_before_a_clean_stop_are_all_stored(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Chat lines are stored by a background writer (a batch every ~50 ms): the lines it
    had not stored yet when the server was asked to stop are stored before it exits."""
    data = tmp_path_factory.mktemp("chat-stop") / "data"
    server = start_server(data, GAMES)
    alice = sign_up(server.url)
    try:
        name = unique_name("mod")
        moderator = sign_up(server.url, name)
        set_role(server, name, "moderator")
        add_puzzle(alice, approver=moderator)
        moderator.close()
        game_id, players = await a_game(server, [alice])
        topic = f"game:{game_id}"
        for n in range(40):
            sent = await players[0].push(topic, "chat:message", {"message": f"line {n}"})
            assert sent["status"] == "ok", sent
        assert server.stop() == 0  # at once: the last lines are still waiting for their batch
        with db(server) as connection:
            rows = connection.execute(
                "SELECT message FROM arena_chat_messages WHERE game_id = ?", (game_id,)
            ).fetchall()
        assert sorted(row[0] for row in rows) == sorted(f"line {n}" for n in range(40))
    finally:
        alice.close()
        server.stop()
