"""CodinCod's own WebSocket door (``/ws``, ``/ws/game/<id>``; codincod-contract.md §4) with a
plain WebSocket client against a real server: the handshake's refusals before the upgrade,
the lobby to a game and its chat, spectators, two games apart, a second socket replacing the
first, a socket that stops answering pings, malformed frames, and the game endpoint's
refusals."""

from __future__ import annotations

import asyncio
import re
import signal
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from tests.arena.conftest import sign_up, unique_name
from tests.arena.games.conftest import GAMES
from tests.arena.games.support import user_id
from tests.arena.games.ws_client import DeafSocket, Ws, ws_base
from tests.arena.moderation.support import report
from tests.arena.submissions.support import add_puzzle, set_role
from tests.conftest import RunningServer, start_server

FRONTEND = "http://front.example:5173"
CORS = "http://cors.example"
WS = {
    **GAMES,
    "SPARKHOUSE_ARENA_FRONTEND_ORIGINS": FRONTEND,
    "CORS_ORIGINS": CORS,
    "SPARKHOUSE_ARENA_WS_PING_SECONDS": "0.3",
    "SPARKHOUSE_ARENA_WS_PONG_TIMEOUT_SECONDS": "1",
}
HEX24 = re.compile(r"[0-9a-f]{24}")
PARSING_FAILED = {"event": "error", "message": "parsing message failed"}


@pytest.fixture(scope="module")
def games_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """This module's server (the conftest's ``puzzle`` and ``people`` use it): fast pings,
    a frontend origin and a CORS origin."""
    running = start_server(tmp_path_factory.mktemp("ws") / "data", WS)
    yield running
    running.stop()


async def refused(server: RunningServer, path: str, headers: dict[str, str]) -> int:
    with pytest.raises(InvalidStatus) as caught:
        await websockets.connect(ws_base(server) + path, additional_headers=headers)
    status: int = caught.value.response.status_code
    return status


async def a_room(server: RunningServer, clients: list[httpx.Client]) -> tuple[str, list[Ws]]:
    """The first client hosts a room on /ws, the others join it."""
    sockets = [await Ws.of(server, client) for client in clients]
    for socket in sockets:
        assert "rooms" in await socket.expect("rooms:overview")
    await sockets[0].send("room:host", options={"maxGameDurationInSeconds": 30})
    room_id: str = (await sockets[0].expect("room:overview"))["room"]["roomId"]
    for socket in sockets[1:]:
        await socket.send("room:join", roomId=room_id)
        await socket.expect("room:overview", lambda f: any(u["userId"] for u in f["room"]["users"]))
    return room_id, sockets


async def a_game(
    server: RunningServer, clients: list[httpx.Client]
) -> tuple[str, list[Ws], list[Ws]]:
    """A room on /ws started by its host; every member on /ws/game/<id>. Returns the game
    id, the lobby sockets and the game sockets."""
    room_id, lobby = await a_room(server, clients)
    await lobby[0].send("game:start", roomId=room_id)
    starts = [await socket.expect("game:start") for socket in lobby]
    game_id = starts[0]["gameUrl"].rsplit("/", 1)[-1]
    assert all(start["gameUrl"] == f"/multiplayer/{game_id}" for start in starts)
    games = [await Ws.of(server, client, f"/ws/game/{game_id}") for client in clients]
    for socket in games:
        assert (await socket.expect("game:overview"))["game"]["_id"] == game_id
    return game_id, lobby, games


def ban(moderator: httpx.Client, player: httpx.Client, reason: str) -> None:
    """The moderator bans the player for good."""
    banned = moderator.post(
        f"/api/v1/moderation/user/{user_id(player)}/ban/permanent", json={"reason": reason}
    )
    assert banned.status_code in (200, 201), banned.text


async def close_all(*groups: list[Ws]) -> None:
    for group in groups:
        for socket in group:
            await socket.close()


async def test_the_handshake_is_refused_before_the_upgrade(
    games_server: RunningServer, people: list[httpx.Client]
) -> None:
    token = people[0].cookies["token"]
    cookie = {"Cookie": f"token={token}"}
    for path in ("/ws", "/ws/game/0123456789abcdef01234567"):
        assert await refused(games_server, path, {}) == 401
        assert await refused(games_server, path, {"Cookie": "token=not.a.token"}) in (400, 401)
        foreign = {**cookie, "Origin": "http://evil.example"}
        assert await refused(games_server, path, foreign) == 403
    accepted = [
        await Ws.open(games_server, "/ws", token, origin)
        for origin in (None, FRONTEND, CORS, f"http://127.0.0.1:{games_server.port}")
    ]
    try:
        for socket in accepted[-1:]:
            assert "rooms" in await socket.expect("rooms:overview")
    finally:
        await close_all(accepted)


async def test_from_the_lobby_to_a_game_with_chat_and_a_spectator(
    games_server: RunningServer, people: list[httpx.Client], puzzle: str
) -> None:
    alice, bob, carol = people[:3]
    names = [c.get("/api/v1/user/me").json()["username"] for c in (alice, bob, carol)]
    room_id, lobby = await a_room(games_server, [alice, bob])
    watcher = await Ws.of(games_server, carol)
    try:
        assert HEX24.fullmatch(room_id)
        room = (await lobby[0].expect("room:overview", lambda f: len(f["room"]["users"]) == 2))[
            "room"
        ]
        assert room["owner"]["userId"] == user_id(alice)
        assert [u["userId"] for u in room["users"]] == [user_id(alice), user_id(bob)]
        seen = await watcher.expect(
            "rooms:overview",
            lambda f: {"roomId": room_id, "amountOfPlayersJoined": 2} in f["rooms"],
        )
        assert seen

        # room chat: members only, the sender too; rooms:overview after every message
        await lobby[1].send("room:chat-message", roomId=room_id, message="ready?")
        for socket in lobby:
            said = await socket.expect("room:chat-message")
            assert (said["username"], said["message"]) == (names[1], "ready?")
            assert said["createdAt"].endswith("Z")
        await watcher.expect("rooms:overview")
        await watcher.send("room:chat-message", roomId=room_id, message="let me in")
        assert (await watcher.expect("error"))["message"] == "You are not in this room"
        assert await lobby[0].quiet("room:chat-message", 0.3) == []
        await watcher.send("room:join", roomId="0123456789abcdef01234567")
        assert (await watcher.expect("error"))["message"] == (
            "Room 0123456789abcdef01234567 not found"
        )
        await watcher.send("room:join-by-invite", inviteCode="NOPE12")
        assert (await watcher.expect("error"))["message"] == "Invalid invite code: NOPE12"

        await lobby[0].send("game:start", roomId=room_id)
        starts = [await socket.expect("game:start") for socket in lobby]
        game_id = starts[0]["gameUrl"].rsplit("/", 1)[-1]
        assert starts[1]["startTime"] == starts[0]["startTime"]
        path = f"/ws/game/{game_id}"
        games = [await Ws.of(games_server, client, path) for client in (alice, bob)]
        spectator = await Ws.of(games_server, carol, path)
        try:
            first = await games[0].expect("game:overview")
            assert first["puzzle"]["_id"] == puzzle
            assert "solution" not in first["puzzle"]
            assert [p["_id"] for p in first["game"]["players"]] == [user_id(alice), user_id(bob)]
            watched = await spectator.expect("game:overview")
            assert len(watched["game"]["players"]) == 2

            # chat: the username is the token's, never the payload's
            chat = {"username": "mallory", "message": "good luck", "createdAt": "then"}
            await games[1].send("message:send", chatMessage=chat)
            for socket in (*games, spectator):
                sent = (await socket.expect("message:send"))["chatMessage"]
                assert (sent["username"], sent["message"]) == (names[1], "good luck")
                assert HEX24.fullmatch(sent["_id"]) and sent["createdAt"] != "then"
            await games[0].send("message:send", chatMessage={"message": "x" * 161})
            assert (await games[0].expect("error"))["message"].startswith("message must be")

            await games[0].send("language:change", language="rust")
            for socket in (*games, spectator):
                changed = await socket.expect("language:change")
                assert changed == {
                    "event": "language:change",
                    "language": "rust",
                    "username": names[0],
                }

            # the spectator joins: a player now, and everyone sees it
            await spectator.send("game:join")
            for socket in (*games, spectator):
                update = await socket.expect(
                    "game:overview", lambda f: len(f["game"]["players"]) == 3
                )
                assert update["game"]["players"][-1]["_id"] == user_id(carol)

            await games[0].send("player:submitted")
            assert (await games[1].expect("game:overview"))["game"]["_id"] == game_id

            # malformed frames: an error, and the socket stays
            for bad in ("{not json", "[1, 2]", '{"event": 3}', '{"event": "game:explode"}'):
                await games[0].send_raw(bad)
                assert await games[0].expect("error") == PARSING_FAILED
            await lobby[0].send_raw("nope")
            assert await lobby[0].expect("error") == PARSING_FAILED
            await lobby[0].send("room:join")  # no roomId
            assert await lobby[0].expect("error") == PARSING_FAILED
            await games[0].send("language:change", language="go")
            assert (await games[0].expect("language:change"))["language"] == "go"
        finally:
            await close_all(games, [spectator])
    finally:
        await close_all(lobby, [watcher])


async def test_two_games_are_kept_apart(
    games_server: RunningServer, people: list[httpx.Client], puzzle: str
) -> None:
    first_id, lobby_a, game_a = await a_game(games_server, people[:2])
    second_id, lobby_b, game_b = await a_game(games_server, people[2:4])
    try:
        assert first_id != second_id
        await game_a[0].send("message:send", chatMessage={"message": "in the first"})
        await game_b[0].send("message:send", chatMessage={"message": "in the second"})
        await game_b[1].send("language:change", language="c")
        for socket in game_a:
            heard = await socket.quiet("message:send", 0.5)
            assert [f["chatMessage"]["message"] for f in heard] == ["in the first"]
            assert await socket.quiet("language:change", 0.1) == []
        for socket in game_b:
            heard = await socket.quiet("message:send", 0.1)
            assert [f["chatMessage"]["message"] for f in heard] == ["in the second"]
    finally:
        await close_all(lobby_a, game_a, lobby_b, game_b)


async def test_a_second_socket_replaces_the_first_and_closing_leaves_the_room(
    games_server: RunningServer, people: list[httpx.Client], puzzle: str
) -> None:
    alice, bob = people[:2]
    room_id, (a, b) = await a_room(games_server, [alice, bob])
    again = await Ws.of(games_server, alice)
    try:
        assert await a.closed() == 1008
        await again.expect("rooms:overview")
        # still in the room: the replaced socket's close did not take alice out
        await again.send("room:chat-message", roomId=room_id, message="still here")
        assert (await b.expect("room:chat-message"))["message"] == "still here"
        assert (await again.expect("room:chat-message"))["message"] == "still here"

        await again.close()
        left = await b.expect("room:overview", lambda f: len(f["room"]["users"]) == 1)
        assert left["room"]["owner"]["userId"] == user_id(bob)
        await b.expect(
            "rooms:overview",
            lambda f: {"roomId": room_id, "amountOfPlayersJoined": 1} in f["rooms"],
        )
        await b.close()
        watcher = await Ws.of(games_server, alice)
        try:
            overview = await watcher.expect("rooms:overview")
            assert all(room["roomId"] != room_id for room in overview["rooms"])
        finally:
            await watcher.close()
    finally:
        await close_all([a, b, again])

    # the game endpoint has its own registry
    game_id, lobby, games = await a_game(games_server, [alice, bob])
    other = await Ws.of(games_server, alice, f"/ws/game/{game_id}")
    try:
        assert await games[0].closed() == 1008
        await other.expect("game:overview")
        await games[1].send("message:send", chatMessage={"message": "once"})
        assert (await other.expect("message:send"))["chatMessage"]["message"] == "once"
    finally:
        await close_all(lobby, games, [other])


async def test_a_socket_that_misses_its_pongs_leaves_the_room(
    games_server: RunningServer, people: list[httpx.Client], puzzle: str
) -> None:
    alice, bob = people[:2]
    deaf = await DeafSocket.open(games_server, "/ws", alice.cookies["token"])
    b = await Ws.of(games_server, bob)
    try:
        await deaf.send("room:host", options={})
        overview = await b.expect("rooms:overview", lambda f: len(f["rooms"]) > 0)
        room_id = next(
            room["roomId"] for room in overview["rooms"] if room["amountOfPlayersJoined"] == 1
        )
        await b.send("room:join", roomId=room_id)
        await b.expect("room:overview", lambda f: len(f["room"]["users"]) == 2)
        # pings every 0.3 s, dropped once the last pong is older than 1 s
        left = await b.expect("room:overview", lambda f: len(f["room"]["users"]) == 1, 5)
        assert left["room"]["owner"]["userId"] == user_id(bob)
    finally:
        deaf.close()
        await b.close()


async def test_the_game_endpoint_refuses_as_codincod_does(
    games_server: RunningServer, people: list[httpx.Client], puzzle: str
) -> None:
    alice, bob = people[:2]
    malformed = await Ws.of(games_server, alice, "/ws/game/not-an-id")
    assert await malformed.closed() == 1008
    assert malformed.frames == [{"event": "error", "message": "Game not found"}]
    unknown = await Ws.of(games_server, alice, "/ws/game/0123456789abcdef01234567")
    assert await unknown.closed() == 1008
    assert unknown.frames == [{"event": "game:nonexistent", "message": "Game not found"}]

    game_id, lobby, games = await a_game(games_server, [alice, bob])
    name = unique_name("wsmod")
    moderator = sign_up(games_server.url, name)
    try:
        set_role(games_server, name, "moderator")
        ban(moderator, alice, "Spamming the game chat.")
        await games[0].send("message:send", chatMessage={"message": "hello?"})
        refusal = await games[0].expect("error")
        assert refusal["message"].startswith("You have been permanently banned")
        await games[0].send("language:change", language="go")
        assert (await games[0].expect("error"))["message"].startswith("You have been")
        assert await games[1].quiet("message:send", 0.3) == []
        again = await Ws.of(games_server, alice, f"/ws/game/{game_id}")
        assert await again.closed() == 1008
        assert again.frames[0]["event"] == "error"
        assert again.frames[0]["message"].startswith("You are banned: Spamming the game chat.")
    finally:
        moderator.close()
        await close_all(lobby, games)


async def test_an_ended_game_is_read_only(
    games_server: RunningServer, people: list[httpx.Client], puzzle: str
) -> None:
    alice, bob, carol = people[:3]
    sockets = [await Ws.of(games_server, client) for client in (alice, bob)]
    try:
        await sockets[0].send("room:host", options={"maxGameDurationInSeconds": 1})
        room_id = (await sockets[0].expect("room:overview"))["room"]["roomId"]
        await sockets[0].send("game:start", roomId=room_id)
        game_id = (await sockets[0].expect("game:start"))["gameUrl"].rsplit("/", 1)[-1]
        game = await Ws.of(games_server, alice, f"/ws/game/{game_id}")
        finished: dict[str, Any] = await game.expect("game:finished", timeout=5)
        assert finished["game"]["status"] == "finished"
        await game.send("message:send", chatMessage={"message": "too late"})
        assert (await game.expect("error"))["message"] == "Game has ended: the chat is read-only"
        late = await Ws.of(games_server, carol, f"/ws/game/{game_id}")
        assert (await late.expect("game:finished"))["game"]["_id"] == game_id
        await late.send("game:join")
        assert (await late.expect("error"))["message"] == "Game has ended"
        await asyncio.gather(game.close(), late.close())
    finally:
        await close_all(sockets)


async def test_twenty_upgrades_a_minute(tmp_path_factory: pytest.TempPathFactory) -> None:
    server = start_server(
        tmp_path_factory.mktemp("wslimit") / "data", {"SPARKHOUSE_ARENA_SEED_SAMPLES": "false"}
    )
    try:
        statuses = [await refused(server, "/ws", {}) for _ in range(21)]
        assert statuses == [401] * 20 + [429]
    finally:
        server.stop()


async def test_a_stopping_server_closes_its_sockets_as_going_away(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """§4's close code 1001 (server shutdown) on both endpoints, the game's too."""
    server = start_server(tmp_path_factory.mktemp("wsstop") / "data", GAMES)
    clients: list[httpx.Client] = []
    try:
        clients = [sign_up(server.url) for _ in range(2)]
        moderator_name = unique_name("stopmod")
        clients.append(sign_up(server.url, moderator_name))
        set_role(server, moderator_name, "moderator")
        add_puzzle(clients[0], approver=clients[2])  # a game needs an approved puzzle
        _, lobby, games = await a_game(server, clients[:2])
        server.process.send_signal(signal.SIGTERM)
        for socket in (*lobby, *games):
            assert await socket.closed(10) == 1001
        assert server.process.wait(15) == 0
    finally:
        for client in clients:
            client.close()
        server.stop()


async def test_chat_on_this_door_is_reportable_and_a_ban_silences_it(
    games_server: RunningServer, people: list[httpx.Client], puzzle: str
) -> None:
    """The Phoenix door's chat moderation (test_chat_moderation.py), on /ws/game/<id>: a
    line reported as game_chat reaches the moderators' queue with its context, and a ban
    refuses the author's next line, which nobody hears."""
    alice, bob = people[:2]
    game_id, lobby, games = await a_game(games_server, [alice, bob])
    name = unique_name("wsmod")
    moderator = sign_up(games_server.url, name)
    try:
        said = []
        for n in range(8):
            await games[0].send("message:send", chatMessage={"message": f"line {n}"})
            said.append((await games[0].expect("message:send"))["chatMessage"]["_id"])
        heard = [frame["chatMessage"]["_id"] for frame in await games[1].quiet("message:send", 0.3)]
        assert heard == said
        filed = report(bob, said[6], "game_chat", "Rude words in the game chat, please look.")

        set_role(games_server, name, "moderator")
        queue = moderator.get("/api/v1/moderation/review", params={"type": "reported_game_chat"})
        assert queue.status_code == 200, queue.text
        item = next(i for i in queue.json()["data"] if i["id"] == filed["_id"])
        assert item["gameId"] == game_id and item["description"] == "line 6"
        assert [line["_id"] for line in item["contextMessages"]] == said[1:8]

        ban(moderator, alice, "Rude words in the game chat.")
        await games[0].send("message:send", chatMessage={"message": "still here?"})
        refused = await games[0].expect("error")
        assert "banned" in refused["message"], refused
        assert await games[1].quiet("message:send", 0.3) == []
    finally:
        moderator.close()
        await close_all(games, lobby)
