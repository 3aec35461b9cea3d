"""The official ``phoenix`` npm client (with ``ws`` under Node 20) in the arena's live games."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.arena.games.support import user_id
from tests.conftest import RunningServer, run_node

pytestmark = pytest.mark.node


def test_the_phoenix_client_meets_starts_and_chats(
    games_server: RunningServer, people: list[httpx.Client], puzzle: str
) -> None:
    alice, bob = people[:2]
    tokens = [alice.cookies["token"], bob.cookies["token"]]
    result = run_node("arena_games.mjs", games_server.url, *tokens, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["ok"], outcome

    assert outcome["refused"]["reason"] == "unauthorized"
    assert "rooms" in outcome["overview"]
    room_id = outcome["hosted"]["response"]["roomId"]
    assert outcome["joinedRoom"] == {
        "status": "ok",
        "response": {"roomId": room_id, "room": outcome["joinedRoom"]["response"]["room"]},
    }
    game_id = outcome["started"]["response"]["gameId"]
    assert outcome["startB"]["gameId"] == game_id
    assert outcome["startB"]["gameUrl"] == f"/multiplayer/{game_id}"
    assert [p["_id"] for p in outcome["players"]] == [user_id(alice), user_id(bob)]
    assert outcome["puzzleHasSolution"] is False
    assert outcome["sent"]["status"] == "ok"
    assert outcome["chat"]["chatMessage"]["message"] == "hello from phoenix"
    assert outcome["malformed"]["status"] == "error"
    assert outcome["stillThere"] == "ok"
