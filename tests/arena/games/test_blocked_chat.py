"""Blocked users (the preferences' ``blockedUsers``) do not reach the blocker through the chat,
at either door: a room's ``room:chat-message`` and a game's chat skip the sockets of those who
blocked the author, and only theirs (blocking is one-way; the author still gets their own).
Real sockets: a Phoenix client and plain ``/ws`` clients in one room and one game."""

from __future__ import annotations

import httpx

from tests.arena.games.support import LOBBY, Player, user_id
from tests.arena.games.ws_client import Ws
from tests.conftest import RunningServer

PREFERENCES = "/api/v1/account/preferences"


def block(client: httpx.Client, *others: httpx.Client) -> None:
    answer = client.put(PREFERENCES, json={"blockedUsers": [user_id(o) for o in others]})
    assert answer.status_code == 200, answer.text


async def test_a_blocked_authors_chat_skips_the_blocker_at_both_doors(
    games_server: RunningServer, people: list[httpx.Client], puzzle: str
) -> None:
    alice, bob, carol, dave = people
    block(alice, bob)  # alice is on Phoenix
    block(dave, bob)  # dave is on /ws
    phoenix = await Player.of(games_server, alice)
    plain = {name: await Ws.of(games_server, c) for name, c in [("bob", bob), ("carol", carol)]}
    plain["dave"] = await Ws.of(games_server, dave)
    games: list[Ws] = []
    try:
        assert (await phoenix.join(LOBBY))["status"] == "ok"
        hosted = await phoenix.push(LOBBY, "room:host", {"options": {}})
        room_id = hosted["response"]["roomId"]
        for socket in plain.values():
            await socket.send("room:join", roomId=room_id)
        await phoenix.expect(LOBBY, "room:overview", lambda p: len(p["room"]["users"]) == 4)

        # the room: bob's line reaches bob and carol, not alice nor dave
        await plain["bob"].send("room:chat-message", roomId=room_id, message="from bob")
        for name in ("bob", "carol"):
            said = await plain[name].expect("room:chat-message")
            assert said["message"] == "from bob"
        assert await plain["dave"].quiet("room:chat-message", 0.4) == []
        assert await phoenix.quiet(LOBBY, "room:chat-message", 0.1) == []
        # one-way: alice's line reaches everyone, bob included
        said = await phoenix.push(LOBBY, "room:chat-message", {"roomId": room_id, "message": "hi"})
        assert said["status"] == "ok"
        for socket in plain.values():
            assert (await socket.expect("room:chat-message"))["message"] == "hi"
        assert (await phoenix.expect(LOBBY, "room:chat-message"))["message"] == "hi"

        started = await phoenix.push(LOBBY, "game:start", {"roomId": room_id})
        game_id = started["response"]["gameId"]
        topic = f"game:{game_id}"
        assert (await phoenix.join(topic))["status"] == "ok"
        for client in (bob, carol, dave):
            socket = await Ws.of(games_server, client, f"/ws/game/{game_id}")
            await socket.expect("game:overview")
            games.append(socket)
        g_bob, g_carol, g_dave = games

        # the game: the same, on the game sockets of both doors
        await g_bob.send("message:send", chatMessage={"message": "gg from bob"})
        for socket in (g_bob, g_carol):
            heard = await socket.expect("message:send")
            assert heard["chatMessage"]["message"] == "gg from bob"
        assert await g_dave.quiet("message:send", 0.4) == []
        assert await phoenix.quiet(topic, "chat:message", 0.1) == []
        sent = await phoenix.push(topic, "chat:message", {"message": "gg all"})
        assert sent["status"] == "ok"
        for socket in games:
            assert (await socket.expect("message:send"))["chatMessage"]["message"] == "gg all"
        assert (await phoenix.expect(topic, "chat:message"))["chatMessage"]["message"] == "gg all"
        # carol's line reaches every socket (nobody blocked her), alice's Phoenix one too
        await g_carol.send("message:send", chatMessage={"message": "from carol"})
        for socket in games:
            assert (await socket.expect("message:send"))["chatMessage"]["message"] == "from carol"
        heard = await phoenix.expect(topic, "chat:message")
        assert heard["chatMessage"]["message"] == "from carol"
    finally:
        for socket in [*games, *plain.values()]:
            await socket.close()
        await phoenix.close()
