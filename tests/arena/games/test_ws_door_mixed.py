"""Both doors over one game service: a Phoenix client and a ``/ws`` client in the same room and
game see each other; and what the Phoenix door gained with the ``/ws`` one (room chat,
``language:change``, ``rooms:overview`` after every lobby message, a read-only chat once the
game ended, ``game:leave`` stopping the broadcasts, a banned user refused the game topic and
``game:join``)."""

from __future__ import annotations

import httpx

from tests.arena.conftest import sign_up, unique_name
from tests.arena.games.support import LOBBY, Player, user_id
from tests.arena.games.ws_client import Ws
from tests.arena.submissions.support import set_role
from tests.conftest import RunningServer


def phoenix_name(client: httpx.Client) -> str:
    found: str = client.get("/api/v1/user/me").json()["username"]
    return found


async def test_a_phoenix_player_and_a_ws_player_share_room_and_game(
    games_server: RunningServer, people: list[httpx.Client], puzzle: str
) -> None:
    alice, bob = people[:2]
    phoenix = await Player.of(games_server, alice)
    plain = await Ws.of(games_server, bob)
    try:
        assert (await phoenix.join(LOBBY))["status"] == "ok"
        await plain.expect("rooms:overview")
        hosted = await phoenix.push(LOBBY, "room:host", {"options": {}})
        room_id = hosted["response"]["roomId"]
        await plain.expect(
            "rooms:overview",
            lambda f: {"roomId": room_id, "amountOfPlayersJoined": 1} in f["rooms"],
        )
        await plain.send("room:join", roomId=room_id)
        room = (await plain.expect("room:overview", lambda f: len(f["room"]["users"]) == 2))["room"]
        assert room["owner"]["userId"] == user_id(alice)
        seen = await phoenix.expect(LOBBY, "room:overview", lambda p: len(p["room"]["users"]) == 2)
        assert seen["room"]["users"][1]["userId"] == user_id(bob)

        # room chat crosses the doors, the sender included
        await plain.send("room:chat-message", roomId=room_id, message="hi from /ws")
        assert (await phoenix.expect(LOBBY, "room:chat-message"))["message"] == "hi from /ws"
        assert (await plain.expect("room:chat-message"))["message"] == "hi from /ws"
        said = await phoenix.push(LOBBY, "room:chat-message", {"roomId": room_id, "message": "yo"})
        assert said["status"] == "ok"
        assert (await plain.expect("room:chat-message"))["message"] == "yo"

        # the /ws player starts; both get game:start
        await plain.send("game:start", roomId=room_id)
        game_id = (await plain.expect("game:start"))["gameUrl"].rsplit("/", 1)[-1]
        assert (await phoenix.expect(LOBBY, "game:start"))["gameId"] == game_id
        topic = f"game:{game_id}"
        assert (await phoenix.join(topic))["status"] == "ok"
        game = await Ws.of(games_server, bob, f"/ws/game/{game_id}")
        try:
            players = (await game.expect("game:overview"))["game"]["players"]
            assert [p["_id"] for p in players] == [user_id(alice), user_id(bob)]

            sent = await phoenix.push(topic, "chat:message", {"message": "from phoenix"})
            assert sent["status"] == "ok"
            heard = (await game.expect("message:send"))["chatMessage"]
            assert heard["message"] == "from phoenix"
            await game.send("message:send", chatMessage={"message": "from /ws"})
            got = await phoenix.expect(topic, "chat:message", lambda p: "from /ws" in str(p))
            assert got["chatMessage"]["_id"]
            await game.send("language:change", language="rust")
            changed = await phoenix.expect(topic, "language:change")
            assert changed["language"] == "rust"
            swapped = await phoenix.push(topic, "language:change", {"language": "go"})
            assert swapped["status"] == "ok"
            back = await game.expect("language:change", lambda f: f["language"] == "go")
            assert back["username"] == phoenix_name(alice)

            # game:leave on Phoenix: no more broadcasts to that socket
            left = await phoenix.push(topic, "game:leave", {})
            assert left["status"] == "ok"
            await phoenix.expect(topic, "phx_close")
            await game.send("message:send", chatMessage={"message": "anyone?"})
            assert (await game.expect("message:send"))["chatMessage"]["message"] == "anyone?"
            assert await phoenix.quiet(topic, "chat:message", 0.4) == []
        finally:
            await game.close()

        # rooms:overview after every lobby message, a query too
        await plain.quiet("rooms:overview", 0.2)
        assert (await phoenix.push(LOBBY, "rooms:overview", {}))["status"] == "ok"
        await plain.expect("rooms:overview")

        # the /ws player's socket closes while alice's Phoenix socket stays: bob leaves
        await plain.close()
        gone = await phoenix.expect(LOBBY, "room:overview", lambda p: len(p["room"]["users"]) == 1)
        assert gone["room"]["users"][0]["userId"] == user_id(alice)
    finally:
        await plain.close()
        await phoenix.close()


async def test_the_phoenix_chat_is_read_only_once_the_game_ended(
    games_server: RunningServer, people: list[httpx.Client], puzzle: str
) -> None:
    alice = people[0]
    phoenix = await Player.of(games_server, alice)
    try:
        assert (await phoenix.join(LOBBY))["status"] == "ok"
        hosted = await phoenix.push(
            LOBBY, "room:host", {"options": {"maxGameDurationInSeconds": 1}}
        )
        started = await phoenix.push(LOBBY, "game:start", {"roomId": hosted["response"]["roomId"]})
        topic = f"game:{started['response']['gameId']}"
        assert (await phoenix.join(topic))["status"] == "ok"
        await phoenix.expect(topic, "game:update", lambda p: p["game"]["status"] == "finished")
        late = await phoenix.push(topic, "chat:message", {"message": "too late"})
        assert late["status"] == "error"
        assert late["response"]["reason"] == "Game has ended: the chat is read-only"
    finally:
        await phoenix.close()


async def test_a_banned_user_can_neither_watch_nor_join_on_phoenix(
    games_server: RunningServer, people: list[httpx.Client], puzzle: str
) -> None:
    alice, carol = people[0], people[2]
    host = await Player.of(games_server, alice)
    watcher = await Player.of(games_server, carol)
    name = unique_name("phxmod")
    moderator = sign_up(games_server.url, name)
    try:
        set_role(games_server, name, "moderator")
        assert (await host.join(LOBBY))["status"] == "ok"
        hosted = await host.push(LOBBY, "room:host", {"options": {}})
        started = await host.push(LOBBY, "game:start", {"roomId": hosted["response"]["roomId"]})
        topic = f"game:{started['response']['gameId']}"
        assert (await watcher.join(topic))["status"] == "ok"
        banned = moderator.post(
            f"/api/v1/moderation/user/{user_id(carol)}/ban/permanent",
            json={"reason": "Spamming the game chat."},
        )
        assert banned.status_code in (200, 201), banned.text
        joined = await watcher.push(topic, "game:join")
        assert joined["status"] == "error"
        assert joined["response"]["reason"].startswith("You have been permanently banned")
        again = await Player.of(games_server, carol)
        try:
            refused = await again.join(topic)
            assert refused["status"] == "error"
            assert refused["response"]["reason"].startswith("You have been permanently banned")
        finally:
            await again.close()
    finally:
        moderator.close()
        await watcher.close()
        await host.close()
