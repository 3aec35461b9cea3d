"""Live games on the Phoenix door through real sockets (issue 19): the lobby's rooms, a game
from start to its timer's end with spectators, chat and linked submissions, two games kept
apart, and the rules of ``POST /submission/game``."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx

from tests.arena.games.support import LOBBY, Player, db, stored_chat, user_id
from tests.arena.submissions.support import CORRECT, HALF_WRONG, language, submit
from tests.conftest import RunningServer

HEX24 = re.compile(r"[0-9a-f]{24}")
ROOM_OF: dict[str, str] = {}


def name_of(client: httpx.Client) -> str:
    found: str = client.get("/api/v1/user/me").json()["username"]
    return found


async def open_all(server: RunningServer, clients: list[httpx.Client]) -> list[Player]:
    return [await Player.of(server, client) for client in clients]


async def close_all(players: list[Player]) -> None:
    for player in players:
        await player.close()


async def a_game(
    server: RunningServer, clients: list[httpx.Client], options: dict[str, Any] | None = None
) -> tuple[str, list[Player]]:
    """The first client hosts a room, the others join it, the host starts it; every one
    joins the game's topic. Returns the game id and the sockets (the room's id is in
    :data:`ROOM_OF` under the game's)."""
    players = await open_all(server, clients)
    for player in players:
        assert (await player.join(LOBBY))["status"] == "ok"
    hosted = await players[0].push(LOBBY, "room:host", {"options": options or {}})
    assert hosted["status"] == "ok", hosted
    room_id = hosted["response"]["roomId"]
    for player in players[1:]:
        joined = await player.push(LOBBY, "room:join", {"roomId": room_id})
        assert joined["status"] == "ok", joined
    started = await players[0].push(LOBBY, "game:start", {"roomId": room_id})
    assert started["status"] == "ok", started
    game_id = started["response"]["gameId"]
    assert started["response"]["gameUrl"] == f"/multiplayer/{game_id}"
    ROOM_OF[game_id] = room_id
    for player in players:
        start = await player.expect(LOBBY, "game:start")
        assert start["gameId"] == game_id
        assert (await player.join(f"game:{game_id}"))["status"] == "ok"
    return game_id, players


def link(client: httpx.Client, game_id: str, submission_id: str) -> httpx.Response:
    return client.post(
        "/api/v1/submission/game", json={"gameId": game_id, "submissionId": submission_id}
    )


async def test_topics_need_a_valid_token(games_server: RunningServer) -> None:
    anonymous = await Player.open(games_server)
    try:
        for topic in (LOBBY, "game:0123456789abcdef01234567"):
            refused = await anonymous.join(topic)
            assert refused["status"] == "error"
            assert refused["response"]["reason"] == "unauthorized"
        pushed = await anonymous.push(LOBBY, "room:host", {})
        assert pushed["response"]["reason"] == "unmatched topic"
        assert (await anonymous.heartbeat())["status"] == "ok"
    finally:
        await anonymous.close()
    forged = await Player.open(games_server, "not.a.token")
    try:
        refused = await forged.join(LOBBY)
        assert refused["status"] == "error" and refused["response"]["reason"] == "unauthorized"
    finally:
        await forged.close()


async def test_the_cookie_also_signs_a_socket_in(
    games_server: RunningServer, people: list[httpx.Client]
) -> None:
    from tests.support.phoenix_raw import RawSocket

    token = people[0].cookies["token"]
    raw = await RawSocket.open(games_server.ws_url, headers={"Cookie": f"token={token}"})
    player = Player(raw)
    try:
        joined = await player.join(LOBBY)
        assert joined["status"] == "ok", joined
    finally:
        await player.close()


async def test_lobby_rooms_host_join_leave_and_ownership(
    games_server: RunningServer, people: list[httpx.Client]
) -> None:
    host, guest, watcher = await open_all(games_server, people[:3])
    try:
        joined = await watcher.join(LOBBY)
        assert joined["status"] == "ok" and "rooms" in joined["response"]
        await watcher.expect(LOBBY, "rooms:overview")
        await host.join(LOBBY)
        await guest.join(LOBBY)

        hosted = await host.push(LOBBY, "room:host", {"options": {"mode": "shortest"}})
        assert hosted["status"] == "ok", hosted
        room_id = hosted["response"]["roomId"]
        assert HEX24.fullmatch(room_id)
        overview = await host.expect(LOBBY, "room:overview")
        assert overview["room"]["owner"]["userId"] == user_id(people[0])
        assert overview["room"]["options"]["mode"] == "shortest"
        rooms = await watcher.expect(
            LOBBY, "rooms:overview", lambda p: any(r["roomId"] == room_id for r in p["rooms"])
        )
        assert {"roomId": room_id, "amountOfPlayersJoined": 1} in rooms["rooms"]

        assert (await guest.push(LOBBY, "room:join", {"roomId": room_id}))["status"] == "ok"
        for member in (host, guest):
            room = await member.expect(
                LOBBY, "room:overview", lambda p: len(p["room"]["users"]) == 2
            )
            assert [u["userId"] for u in room["room"]["users"]] == [
                user_id(people[0]),
                user_id(people[1]),
            ]
        assert await watcher.quiet(LOBBY, "room:overview", 0.3) == []  # members only

        assert (await host.push(LOBBY, "room:leave", {"roomId": room_id}))["status"] == "ok"
        passed = await guest.expect(LOBBY, "room:overview", lambda p: len(p["room"]["users"]) == 1)
        assert passed["room"]["owner"]["userId"] == user_id(people[1])  # the earliest member

        unknown = await host.push(LOBBY, "room:join", {"roomId": "0" * 24})
        assert unknown["status"] == "error"
        assert unknown["response"]["reason"] == f"Room {'0' * 24} not found"
        malformed = await host.push(LOBBY, "room:host", {"options": {"mode": "chess"}})
        assert malformed["status"] == "error" and "mode" in malformed["response"]["reason"]
        assert (await host.push(LOBBY, "room:join", {"roomId": 5}))["status"] == "error"
        assert (await host.heartbeat())["status"] == "ok"  # the socket is kept

        overview_reply = await watcher.push(LOBBY, "rooms:overview", {})
        assert overview_reply["status"] == "ok"
        assert any(r["roomId"] == room_id for r in overview_reply["response"]["rooms"])
        await guest.close()  # the last member's last lobby socket: the room goes
        await asyncio.sleep(0.3)
        after = await watcher.push(LOBBY, "rooms:overview", {})
        assert all(r["roomId"] != room_id for r in after["response"]["rooms"])
    finally:
        await close_all([host, watcher])


async def test_a_private_room_is_hidden_but_joinable_by_code(
    games_server: RunningServer, people: list[httpx.Client]
) -> None:
    host, guest = await open_all(games_server, people[:2])
    try:
        await host.join(LOBBY)
        await guest.join(LOBBY)
        hosted = await host.push(LOBBY, "room:host", {"options": {"visibility": "private"}})
        room_id, code = hosted["response"]["roomId"], hosted["response"]["inviteCode"]
        assert re.fullmatch(r"[A-Z0-9]{6}", code)
        listed = await guest.push(LOBBY, "rooms:overview", {})
        assert all(r["roomId"] != room_id for r in listed["response"]["rooms"])
        bad = await guest.push(LOBBY, "room:join-by-invite", {"inviteCode": "NOPE00"})
        assert bad["response"]["reason"] == "Invalid invite code: NOPE00"
        joined = await guest.push(LOBBY, "room:join-by-invite", {"inviteCode": code.lower()})
        assert joined["status"] == "ok" and joined["response"]["roomId"] == room_id
        room = await host.expect(LOBBY, "room:overview", lambda p: len(p["room"]["users"]) == 2)
        assert room["room"]["inviteCode"] == code
    finally:
        await close_all([host, guest])


async def test_no_approved_puzzle_is_not_enough(
    games_server: RunningServer, people: list[httpx.Client], puzzle: str
) -> None:
    with db(games_server) as connection:
        connection.execute("UPDATE arena_puzzles SET visibility = 'ready' WHERE id = ?", (puzzle,))
    host = await Player.of(games_server, people[0])
    try:
        await host.join(LOBBY)
        room_id = (await host.push(LOBBY, "room:host", {}))["response"]["roomId"]
        refused = await host.push(LOBBY, "game:start", {"roomId": room_id})
        assert refused["status"] == "error"
        message = "Create a puzzle and get it approved to play multiplayer"
        assert refused["response"]["reason"] == message
        assert (await host.expect(LOBBY, "rooms:not-enough")) == {"message": message}
    finally:
        await host.close()
        with db(games_server) as connection:
            connection.execute(
                "UPDATE arena_puzzles SET visibility = 'approved' WHERE id = ?", (puzzle,)
            )


async def test_a_game_from_start_to_its_end(
    games_server: RunningServer, people: list[httpx.Client], puzzle: str
) -> None:
    alice, bob, carol, _ = people
    python = language(alice)
    game_id, (a, b) = await a_game(games_server, [alice, bob], {"maxGameDurationInSeconds": 6})
    c = await Player.of(games_server, carol)
    try:
        # the joiner's game:update: players, owner, times, options, the puzzle without solution
        update = await a.expect(f"game:{game_id}", "game:update")
        game = update["game"]
        assert game["_id"] == game_id and game["puzzle"] == puzzle
        assert [p["_id"] for p in game["players"]] == [user_id(alice), user_id(bob)]
        assert game["owner"] == {"_id": user_id(alice), "username": name_of(alice)}
        assert game["options"]["maxGameDurationInSeconds"] == 6
        assert game["status"] == "in_progress" and game["playerSubmissions"] == []
        assert update["puzzle"]["_id"] == puzzle and "solution" not in update["puzzle"]

        # a late joiner of the room gets game:start at once
        await c.join(LOBBY)
        late = await c.push(LOBBY, "room:join", {"roomId": ROOM_OF[game_id]})
        assert late["status"] == "ok"
        start = await c.expect(LOBBY, "game:start")
        assert start["gameId"] == game_id and start["gameUrl"] == f"/multiplayer/{game_id}"
        same = await a.push(LOBBY, "game:start", {"roomId": ROOM_OF[game_id]})
        assert same["status"] == "ok" and same["response"]["gameId"] == game_id  # running

        # a spectator joins the topic, then the game
        spectated = await c.join(f"game:{game_id}")
        assert spectated["status"] == "ok"
        assert spectated["response"]["game"]["_id"] == game_id
        became = await c.push(f"game:{game_id}", "game:join")
        assert became["status"] == "ok"
        assert user_id(carol) in [p["_id"] for p in became["response"]["game"]["players"]]
        seen = await a.expect(
            f"game:{game_id}", "game:update", lambda p: len(p["game"]["players"]) == 3
        )
        assert seen["game"]["players"][2]["username"] == name_of(carol)

        # chat: the username is the token's, persisted, for this game's sockets
        sent = await b.push(
            f"game:{game_id}", "chat:message", {"message": "hi all", "username": "mallory"}
        )
        assert sent["status"] == "ok", sent
        for player in (a, b, c):
            chat = await player.expect(f"game:{game_id}", "chat:message")
            assert chat["chatMessage"]["username"] == name_of(bob)
            assert chat["chatMessage"]["message"] == "hi all"
            assert HEX24.fullmatch(chat["chatMessage"]["_id"])
        # stored in the background, within ~50 ms of the broadcast
        assert await stored_chat(games_server, game_id, 1) == [(name_of(bob), "hi all")]
        for bad in ("", "x" * 161, 42):
            refused = await b.push(f"game:{game_id}", "chat:message", {"message": bad})
            assert refused["status"] == "error", bad
        assert (await b.push(f"game:{game_id}", "chat:message", {"message": "x" * 160}))[
            "status"
        ] == "ok"

        # alice links a correct submission over HTTP
        made = submit(alice, puzzle, python["_id"]).json()
        linked = link(alice, game_id, made["_id"])
        assert linked.status_code == 201, linked.text
        assert linked.json() == {
            "success": True,
            "message": "Submission successfully added to game",
            "game": {"id": game_id, "status": "in_progress", "playerCount": 3},
            "leaderboardPosition": 1,
        }
        submitted = await b.expect(f"game:{game_id}", "player:submitted")
        assert submitted == {"userId": user_id(alice), "username": name_of(alice)}
        after = await b.expect(f"game:{game_id}", "game:update")
        entry = after["game"]["playerSubmissions"][0]
        assert entry["_id"] == made["_id"] and "code" not in entry
        assert CORRECT not in str(after)
        again = link(alice, game_id, made["_id"])
        assert again.status_code == 400 and "already" in again.json()["message"]

        # bob's half-right submission is refused by the mode, over the channel
        half = submit(bob, puzzle, python["_id"], code=HALF_WRONG).json()
        refused = await b.push(f"game:{game_id}", "game:submit", {"submissionId": half["_id"]})
        assert refused["status"] == "error"
        assert refused["response"]["reason"] == "Submission invalid for fastest mode"
        # carol's correct one is accepted over the channel
        good = submit(carol, puzzle, python["_id"]).json()
        accepted = await c.push(f"game:{game_id}", "game:submit", {"submissionId": good["_id"]})
        assert accepted["status"] == "ok", accepted
        assert accepted["response"]["leaderboardPosition"] == 2

        # the server ends the game at endTime with the final standings
        ended = await a.expect(
            f"game:{game_id}",
            "game:update",
            lambda p: p["game"]["status"] == "finished",
            timeout=10,
        )
        assert [s["userId"] for s in ended["standings"]] == [user_id(alice), user_id(carol)]
        assert [s["rank"] for s in ended["standings"]] == [1, 2]
        late = submit(bob, puzzle, python["_id"]).json()
        closed = link(bob, game_id, late["_id"])
        assert closed.status_code == 400
        assert closed.json()["message"] == "Game has ended: submissions are closed"
        refused = await b.push(f"game:{game_id}", "game:join")
        assert refused["status"] == "error" and refused["response"]["reason"] == "Game has ended"
        # the room may start another game once this one ended
        another = await a.push(LOBBY, "game:start", {"roomId": ROOM_OF[game_id]})
        assert another["status"] == "ok" and another["response"]["gameId"] != game_id
    finally:
        await close_all([a, b, c])


async def test_two_games_are_kept_apart(
    games_server: RunningServer, people: list[httpx.Client], puzzle: str
) -> None:
    first, one = await a_game(games_server, people[:2])
    second, two = await a_game(games_server, people[2:])
    try:
        assert first != second
        await one[0].push(f"game:{first}", "chat:message", {"message": "first only"})
        await two[0].push(f"game:{second}", "chat:message", {"message": "second only"})
        for player in one:
            chat = await player.expect(f"game:{first}", "chat:message")
            assert chat["chatMessage"]["message"] == "first only"
        for player in two:
            chat = await player.expect(f"game:{second}", "chat:message")
            assert chat["chatMessage"]["message"] == "second only"
        for player in one + two:
            assert await player.quiet(f"game:{first}", "chat:message", 0.2) == []
            assert await player.quiet(f"game:{second}", "chat:message", 0.2) == []
            assert all(f[2] in (LOBBY, f"game:{first}", f"game:{second}") for f in player.frames)
        # no frame of the other game ever reached a socket
        assert all(f[2] != f"game:{second}" for p in one for f in p.frames)
        assert all(f[2] != f"game:{first}" for p in two for f in p.frames)
    finally:
        await close_all(one + two)


async def test_the_rules_of_linking_a_submission(
    games_server: RunningServer, people: list[httpx.Client], puzzle: str
) -> None:
    alice, bob, carol, _ = people
    python = language(alice)
    game_id, players = await a_game(
        games_server, [alice, bob], {"allowedLanguages": ["0" * 24], "mode": "backwards"}
    )
    try:
        made = submit(alice, puzzle, python["_id"], code=HALF_WRONG).json()
        unknown = link(alice, "0" * 24, made["_id"])
        assert unknown.status_code == 404 and unknown.json()["message"] == "Game not found"
        assert link(alice, "nope", made["_id"]).status_code == 404
        foreign = link(bob, game_id, made["_id"])
        assert foreign.status_code == 404 and foreign.json()["message"] == "Submission not found"
        language_refused = link(alice, game_id, made["_id"])
        assert language_refused.status_code == 400
        assert language_refused.json()["message"] == "Language not allowed in this game"
        other = await open_all(games_server, [carol])
        outsider = submit(carol, puzzle, python["_id"]).json()
        assert link(carol, game_id, outsider["_id"]).json()["message"] == "User not in this game"
        await close_all(other)
        invalid = alice.post("/api/v1/submission/game", json={"gameId": game_id})
        assert invalid.status_code == 400 and invalid.json()["error"] == "Validation Error"
        assert (
            httpx.post(
                f"{games_server.url}/api/v1/submission/game",
                json={"gameId": game_id, "submissionId": made["_id"]},
            ).status_code
            == 401
        )
    finally:
        await close_all(players)

    # backwards accepts a half-right submission; a stale one is refused
    game_id, players = await a_game(games_server, [alice, bob], {"mode": "backwards"})
    try:
        stale = submit(bob, puzzle, python["_id"]).json()
        with db(games_server) as connection:
            connection.execute(
                "UPDATE arena_submissions SET created_at = datetime(created_at, '-11 seconds')"
                " WHERE id = ?",
                (stale["_id"],),
            )
        old = link(bob, game_id, stale["_id"])
        assert old.status_code == 400 and "older than 10 seconds" in old.json()["message"]
        half = submit(alice, puzzle, python["_id"], code=HALF_WRONG).json()
        assert link(alice, game_id, half["_id"]).status_code == 201
    finally:
        await close_all(players)
