"""The live games' frames match the contract the TypeScript types are made from
(``appliance/arena/games/events.py``, issue 20): a game played on real sockets through each
door (the Phoenix channels, CodinCod's ``/ws``), every reply checked against its push's reply
model, every frame the server sends against its event's model (``extra="forbid"``: a key the
service sends that the contract lacks fails here), and no event outside the contract."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel

from appliance.arena.games import events, sockets
from tests.arena.games.support import LOBBY, Player
from tests.arena.games.test_games import link
from tests.arena.games.ws_client import Ws
from tests.arena.submissions.support import language, submit
from tests.conftest import RunningServer


def recording(player: Player) -> list[list[Any]]:
    """Every frame the player's socket receives, kept aside (``expect`` consumes them)."""
    seen: list[list[Any]] = []
    receive = player.socket.recv

    async def recv(timeout: float) -> list[Any]:
        frame = await receive(timeout)
        seen.append(frame)
        return frame

    player.socket.recv = recv  # type: ignore[method-assign]
    return seen


def ok(reply: dict[str, Any], model: type[BaseModel] | None) -> dict[str, Any]:
    assert reply["status"] == "ok", reply
    response: dict[str, Any] = reply["response"]
    if model is None:
        assert response == {}
    else:
        model.model_validate(response)
    return response


async def test_every_frame_of_a_game_matches_the_contract(
    games_server: RunningServer, people: list[httpx.Client], puzzle: str
) -> None:
    alice, bob = people[:2]
    a, b = await Player.of(games_server, alice), await Player.of(games_server, bob)
    seen = [*map(recording, (a, b))]
    lobby, game = events.LOBBY_PUSHES, events.GAME_PUSHES
    try:
        for player in (a, b):
            ok(await player.join(LOBBY), events.RoomsOverview)
        options = {"visibility": "private", "maxGameDurationInSeconds": 3}
        hosted = ok(await a.push(LOBBY, "room:host", {"options": options}), lobby["room:host"][1])
        assert hosted["inviteCode"]
        code = {"inviteCode": hosted["inviteCode"].lower()}
        ok(await b.push(LOBBY, "room:join-by-invite", code), lobby["room:join-by-invite"][1])
        ok(await b.push(LOBBY, "rooms:overview"), lobby["rooms:overview"][1])
        said = {"roomId": hosted["roomId"], "message": "ready?"}
        ok(await b.push(LOBBY, "room:chat-message", said), lobby["room:chat-message"][1])
        await a.expect(LOBBY, "room:chat-message")
        refused = await b.push(LOBBY, "room:join", {"roomId": "f" * 24})
        assert refused["status"] == "error"
        events.Refusal.model_validate(refused["response"])
        room = {"roomId": hosted["roomId"]}
        started = ok(await a.push(LOBBY, "game:start", room), lobby["game:start"][1])
        topic = f"game:{started['gameId']}"
        for player in (a, b):
            await player.expect(LOBBY, "game:start")
            ok(await player.join(topic), events.GameUpdate)
        ok(await b.push(topic, "game:join"), game["game:join"][1])
        ok(await b.push(topic, "chat:message", {"message": "gl hf"}), game["chat:message"][1])
        nested = {"chatMessage": {"message": "hi"}}
        ok(await a.push(topic, "chat:message", nested), game["chat:message"][1])
        switch = {"language": "python"}
        ok(await b.push(topic, "language:change", switch), game["language:change"][1])
        await a.expect(topic, "language:change")
        python = language(alice)
        made = submit(alice, puzzle, python["_id"]).json()
        linked = ok(
            await a.push(topic, "game:submit", {"submissionId": made["_id"]}),
            game["game:submit"][1],
        )
        assert linked["leaderboardPosition"] == 1
        other = submit(bob, puzzle, python["_id"]).json()
        answer = link(bob, started["gameId"], other["_id"])
        assert answer.status_code == 201, answer.text
        events.GameLinked.model_validate(answer.json())
        ok(await b.push(topic, "player:submitted"), game["player:submitted"][1])
        await a.expect(topic, "game:update", lambda p: p["game"]["status"] == "finished", 10)
        ok(await a.push(topic, "game:leave"), game["game:leave"][1])
        ok(await b.push(LOBBY, "room:leave", room), lobby["room:leave"][1])
        await a.quiet(LOBBY, "rooms:overview", 0.3)
    finally:
        await a.close()
        await b.close()

    names: set[tuple[str, str]] = set()
    for frame in (frame for frames in seen for frame in frames):
        _, _, where, event, payload = frame
        if event.startswith("phx_"):  # the protocol's (replies, phx_close)
            continue
        broadcasts = events.LOBBY_BROADCASTS if where == LOBBY else events.GAME_BROADCASTS
        assert event in broadcasts, f"{event} on {where} is not in the contract"
        broadcasts[event].model_validate(payload)
        names.add(("lobby" if where == LOBBY else "game", event))
    expected = {("lobby", e) for e in events.LOBBY_BROADCASTS if e != "rooms:not-enough"}
    expected |= {("game", e) for e in events.GAME_BROADCASTS}
    assert names == expected  # rooms:not-enough: tests/arena/games/test_games.py


def recorded(socket: Ws) -> list[dict[str, Any]]:
    """Every frame the /ws socket receives, kept aside (``expect`` consumes them)."""
    seen: list[dict[str, Any]] = []
    receive = socket._next

    async def next_frame(timeout: float) -> dict[str, Any]:
        frame = await receive(timeout)
        seen.append(frame)
        return frame

    socket._next = next_frame  # type: ignore[method-assign]
    return seen


def test_the_ws_contract_names_the_events_the_door_reads() -> None:
    assert set(events.WS_LOBBY_SENDS) == set(sockets.LOBBY_FIELDS)
    assert set(events.WS_GAME_SENDS) == set(sockets.GAME_EVENTS)
    assert events.WS_LOBBY_PATH == sockets.LOBBY_PATH
    assert sockets.GAME_PATH.replace("<game_id>", "{gameId}") == events.WS_GAME_PATH


async def test_every_frame_of_a_ws_game_matches_the_contract(
    games_server: RunningServer, people: list[httpx.Client], puzzle: str
) -> None:
    alice, bob = people[:2]
    a, b = await Ws.of(games_server, alice), await Ws.of(games_server, bob)
    lobby_seen = [*map(recorded, (a, b))]
    game_seen: list[list[dict[str, Any]]] = []
    games: list[Ws] = []
    try:
        options = {"visibility": "private", "maxGameDurationInSeconds": 3}
        await a.send("room:host", options=options)
        room = (await a.expect("room:overview"))["room"]
        await b.send("room:join-by-invite", inviteCode=room["inviteCode"].lower())
        await b.expect("room:overview", lambda f: len(f["room"]["users"]) == 2)
        await b.send("room:chat-message", roomId=room["roomId"], message="ready?")
        await a.expect("room:chat-message")
        await a.send("room:join", roomId="f" * 24)
        await a.expect("error")
        await a.send("game:start", roomId=room["roomId"])
        game_id = (await a.expect("game:start"))["gameUrl"].rsplit("/", 1)[-1]
        await b.expect("game:start")
        path = events.WS_GAME_PATH.replace("{gameId}", game_id)
        games = [await Ws.of(games_server, client, path) for client in (alice, bob)]
        game_seen = [*map(recorded, games)]
        ga, gb = games
        for socket in games:
            await socket.expect("game:overview")
        await gb.send("game:join")
        await gb.send("message:send", chatMessage={"message": "gl hf"})
        await ga.expect("message:send")
        await ga.send("language:change", language="python")
        await gb.expect("language:change")
        await ga.send("message:send", chatMessage={"message": "x" * 161})
        await ga.expect("error")
        python = language(bob)
        made = submit(bob, puzzle, python["_id"]).json()
        answer = link(bob, game_id, made["_id"])
        assert answer.status_code == 201, answer.text
        await gb.send("player:submitted")
        await ga.expect("game:overview", lambda f: f["game"]["playerSubmissions"] != [])
        await ga.expect("game:finished", timeout=10)
        unknown = await Ws.of(
            games_server, alice, events.WS_GAME_PATH.replace("{gameId}", "0" * 24)
        )
        game_seen.append(recorded(unknown))
        await unknown.expect("game:nonexistent")
        assert await unknown.closed() == 1008
    finally:
        for socket in (a, b, *games):
            await socket.close()

    names: set[tuple[str, str]] = set()
    for door, seen, receives in (
        ("ws", lobby_seen, events.WS_LOBBY_RECEIVES),
        ("wsGame", game_seen, events.WS_GAME_RECEIVES),
    ):
        for frame in (frame for frames in seen for frame in frames):
            payload = dict(frame)
            event = payload.pop("event")
            assert event in receives, f"{event} on {door} is not in the contract"
            receives[event].model_validate(payload)
            names.add((door, event))
    expected = {("ws", e) for e in events.WS_LOBBY_RECEIVES if e != "rooms:not-enough"}
    expected |= {("wsGame", e) for e in events.WS_GAME_RECEIVES}
    assert names == expected  # rooms:not-enough: tests/arena/games/test_games.py
