"""Game chat meets moderation (issue 19): a message said in a live game is reportable
(``game_chat``) and reaches the moderators' queue with the game's chat around it; a banned
player's next message is refused over the socket, which stays open."""

from __future__ import annotations

import asyncio

import httpx

from tests.arena.conftest import PASSWORD, unique_name
from tests.arena.games.support import Player, stored_chat
from tests.arena.games.test_games import a_game, close_all
from tests.arena.moderation.support import report
from tests.arena.submissions.support import set_role
from tests.conftest import RunningServer


async def test_chat_is_reportable_and_a_ban_silences(
    games_server: RunningServer, people: list[httpx.Client], puzzle: str
) -> None:
    alice, bob = people[:2]
    game_id, (a, b) = await a_game(games_server, [alice, bob])
    topic = f"game:{game_id}"
    name = unique_name("gmod")
    moderator = httpx.Client(base_url=games_server.url, timeout=30)
    try:
        said = []
        for n in range(8):
            sent = await a.push(topic, "chat:message", {"message": f"line {n}"})
            assert sent["status"] == "ok", sent
            said.append(sent["response"]["chatMessage"]["_id"])
        filed = report(bob, said[6], "game_chat", "Rude words in the game chat, please look.")

        answer = moderator.post(
            "/api/v1/register",
            json={"email": f"{name}@example.org", "username": name, "password": PASSWORD},
        )
        assert answer.status_code == 200, answer.text
        set_role(games_server, name, "moderator")
        queue = moderator.get("/api/v1/moderation/review", params={"type": "reported_game_chat"})
        assert queue.status_code == 200, queue.text
        item = next(i for i in queue.json()["data"] if i["id"] == filed["_id"])
        assert item["gameId"] == game_id and item["description"] == "line 6"
        context = item["contextMessages"]
        assert [line["_id"] for line in context] == said[1:8]
        assert [line["isReported"] for line in context] == [n == 6 for n in range(1, 8)]

        alice_id = alice.get("/api/v1/user/me").json()["userId"]
        banned = moderator.post(
            f"/api/v1/moderation/user/{alice_id}/ban/permanent",
            json={"reason": "Rude words in the game chat."},
        )
        assert banned.status_code in (200, 201), banned.text
        refused = await a.push(topic, "chat:message", {"message": "still here?"})
        assert refused["status"] == "error"
        assert refused["response"]["reason"].startswith("You have been permanently banned")
        assert refused["response"]["banDetails"]["type"] == "permanent"
        assert (await a.heartbeat())["status"] == "ok"
        heard = await b.quiet(topic, "chat:message", 0.3)
        assert [m["chatMessage"]["message"] for m in heard] == [f"line {n}" for n in range(8)]
        assert len(await stored_chat(games_server, game_id, 8)) == 8
        await asyncio.sleep(0.2)  # the refused line never comes
        assert len(await stored_chat(games_server, game_id, 9, 0)) == 8
    finally:
        moderator.close()
        await close_all([a, b])


async def test_a_spectator_needs_a_known_game(
    games_server: RunningServer, people: list[httpx.Client]
) -> None:
    watcher = await Player.of(games_server, people[0])
    try:
        for topic in ("game:0123456789abcdef01234567", "game:nope"):
            refused = await watcher.join(topic)
            assert refused["status"] == "error"
            assert refused["response"]["reason"] == "Game not found"
    finally:
        await watcher.close()
