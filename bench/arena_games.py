"""Bench suite of the arena's live games (issue 19), at both doors at once.

1. Chat: 1,000 players in 250 games of 4, each player sending one chat message a second; two
   players of each game on the Phoenix door (``/socket/websocket``, topic ``game:<id>``), two on
   CodinCod's own ``/ws/game/<id>``. Every message must reach exactly the 4 sockets of its game
   (deliveries and misdeliveries counted); the latency runs from a message's intended send
   time to its arrival at each socket.
2. Lobby: 500 rooms hosted, 1,000 waiting-room sockets (half per door); a lobby message makes
   the server send ``rooms:overview`` (the 500 rooms) to every one of them; the latency runs
   from that message's send time to each socket's arrival.

Clients: ``python -m bench.arena_games worker`` processes (asyncio, the ``websockets``
library), one JSON line of orders on stdin, one JSON line of results on stdout. The baseline is
a minimal Sanic WebSocket relay in its own process (``python -m bench.arena_games peer``), driven
by the same workers with the same load.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import json
import math
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from bench.common import (
    OUT_DIR,
    PYTHON,
    ROOT,
    Config,
    Row,
    Server,
    Table,
    at_most,
    free_port,
    launch,
    percentile,
    serve_command,
    settings_note,
)

TITLE = "Arena live games"
GAMES = 250
PER_GAME = 4  # two on each door
PLAYERS = GAMES * PER_GAME
CHAT_SECONDS = 20.0
CHAT_P99_MS = 100.0  # issue 19
ROOMS = 500
LOBBY_SOCKETS = 1000
TRIGGERS = 20
TRIGGER_SPACING = 0.5  # seconds between lobby messages (each fan-out is over long before)
LOBBY_P99_MS = 250.0  # issue 19
WORKERS = 2
CONNECTING_AT_ONCE = 32
DRAIN_SECONDS = 2.0
DRAIN_LONGEST = 10.0  # after the last send: later deliveries are counted as lost
LOW_RATE = 0.1  # messages per player per second, the second chat run
LOW_SECONDS = 10.0  # one message per player
HEARTBEAT_SECONDS = 20.0
PONG_TIMEOUT = "Websocket timed out waiting for pong"  # Sanic's warning
CHANGES: list[Any] = []  # every setting at its default (see the note on addresses)

HOW_MEASURED = f"""\
**Setup.** `python -m appliance serve` at its defaults, started once on a fresh data dir (its
migrations, the sample puzzles and the arena's JWT secret) and stopped; then {PLAYERS:,}
users with their arena accounts and {GAMES} running games ({PER_GAME} players each, a sample
puzzle, started a minute ago, ending in an hour) are written straight into `sparkhouse.db` as
the stores write them, and each player's `token` is signed with the stored secret the way
`AccountService.issue_token` does (the register API's bcrypt and rate limits would make the
setup the longest part). Restarted, the server serves the load. Every client socket connects
from its own loopback address (127.10.x.y), as {PLAYERS:,} players would from their own
machines: no per-address socket cap (`SPARKHOUSE_WS_MAX_SOCKETS_PER_ADDRESS`, 500) or `/ws`
upgrade limit (20 a minute) is reached, so no setting needs changing. Clients: {WORKERS}
worker processes (asyncio on uvloop, the `websockets` library), each with half the games or
half the lobby sockets; their clocks are the machine's monotonic clock.

**Chat.** In each game two players join `game:<id>` on `/socket/websocket` (vsn 2.0.0, the
token as a parameter) and two connect to `/ws/game/<id>` (the `token` cookie). Every player
sends one message a second (`chat:message` on Phoenix, `message:send` on `/ws`), the players'
sends spread evenly over each second, at fixed intended times (open loop) for
{CHAT_SECONDS:g} s. A message names its game, sender and intended send time; each socket
records every chat frame it gets: a frame naming another game is a misdelivery, and every
message sent must arrive exactly {PER_GAME} times (at its game's sockets, the sender's too).
Latency = arrival − intended send time, over every delivery; a delivery that has not come
{DRAIN_LONGEST:g} s after the last send counts as lost (infinitely late). The server stores
each message (`arena_chat_messages`) and checks the sender's ban before broadcasting it. The
same at {LOW_RATE:g} message/player/s ({LOW_SECONDS:g} s, run first on the same server) shows
the chat below the target's rate.

**Lobby.** On a fresh server (same setup), {ROOMS} users each join the lobby
(`waiting_room:lobby` on Phoenix or `/ws`, half each) and host a public room, one after another
(each waits for its room); then the other {LOBBY_SOCKETS - ROOMS} users join the lobby (half per
door), and the bench waits until every socket's last overview holds the {ROOMS} rooms (the
hosting sends ≈ 2.5 GB of overviews). One Phoenix lobby user then sends {TRIGGERS} lobby
messages {TRIGGER_SPACING:g} s apart, alternately `room:host` and `room:leave` (so the overview
has {ROOMS} or {ROOMS + 1} rooms, ≈ 30 KB); after each, every lobby socket of both doors gets
`rooms:overview`. Latency = arrival − the send time of the message it follows, over all
{LOBBY_SOCKETS:,} sockets × {TRIGGERS} messages; overviews arriving later than
{DRAIN_SECONDS:g} s after the last message are not counted (the workers then exit without
closing handshakes, as each host leaving would start another storm).

**Baseline.** A minimal Sanic app in its own process (in bench/arena_games.py: `peer`): a
WebSocket route per game that relays each text frame, re-encoded, to that game's sockets, and a
lobby route that answers any frame with a {ROOMS}-room overview, encoded once, to every lobby
socket — no store, no auth, no rooms, no Phoenix. The same workers drive it with the same load
(every socket speaking its plain JSON frames).
"""


# -- the store ---------------------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    """A DateTime as SQLAlchemy stores it in SQLite."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass
class Player:
    index: int
    account_id: str
    username: str
    token: str


def _fill(data_dir: Path) -> tuple[list[Player], list[str], float]:
    """The users, their accounts and the running games, straight into the store; the players
    with their tokens, the game ids, seconds."""
    import jwt

    from appliance.arena.accounts.service import JWT_ALGORITHM, SECRET_NAME, TOKEN_LIFETIME
    from appliance.platform.ids import object_id

    started = time.perf_counter()
    now = datetime.now(UTC).replace(tzinfo=None)
    issued = datetime.now(UTC).replace(microsecond=0)
    with contextlib.closing(sqlite3.connect(data_dir / "sparkhouse.db")) as db, db:
        (secret,) = db.execute(
            "SELECT value FROM auth_secrets WHERE name = ?", (SECRET_NAME,)
        ).fetchone()
        (puzzle_id,) = db.execute(
            "SELECT id FROM arena_puzzles WHERE visibility = 'approved' LIMIT 1"
        ).fetchone()
        players: list[Player] = []
        users, accounts = [], []
        for index in range(PLAYERS):
            account_id = object_id()
            name = f"gamer{index}"
            users.append((account_id, name, f"{name}@example.org", _stamp(now), _stamp(now)))
            accounts.append((account_id, account_id, _stamp(now), _stamp(now)))
            claims = {
                "userId": account_id,
                "username": name,
                "role": "user",
                "isAuthenticated": True,
                "iat": int(issued.timestamp()),
                "exp": int((issued + TOKEN_LIFETIME).timestamp()),
            }
            token = jwt.encode(claims, secret, algorithm=JWT_ALGORITHM)
            players.append(Player(index, account_id, name, token))
        db.executemany(
            "INSERT INTO users (id, username, email, password_hash, role, must_change_password,"
            " created_at, updated_at) VALUES (?, ?, ?, NULL, 'user', 0, ?, ?)",
            users,
        )
        db.executemany(
            "INSERT INTO arena_accounts (id, user_id, profile, report_count, ban_count,"
            " current_ban_id, created_at, updated_at) VALUES (?, ?, '{}', 0, 0, NULL, ?, ?)",
            accounts,
        )
        created = now - timedelta(minutes=1, seconds=15)
        start, end = now - timedelta(minutes=1), now + timedelta(hours=1)
        options = json.dumps(
            {
                "mode": "fastest",
                "maxGameDurationInSeconds": 3675,
                "visibility": "public",
                "allowedLanguages": [],
                "rated": False,
            }
        )
        games, members = [], []
        game_ids = []
        for number in range(GAMES):
            game_id = object_id()
            game_ids.append(game_id)
            seats = players[number * PER_GAME : (number + 1) * PER_GAME]
            games.append(
                (game_id, seats[0].account_id, puzzle_id, options, _stamp(start), _stamp(end),
                 _stamp(created))
            )  # fmt: skip
            for seat, player in enumerate(seats):
                joined = _stamp(created + timedelta(milliseconds=seat))
                members.append((game_id, player.account_id, joined))
        db.executemany(
            "INSERT INTO arena_games (id, owner_id, puzzle_id, mode, visibility, rated, options,"
            " start_time, end_time, rated_at, created_at)"
            " VALUES (?, ?, ?, 'fastest', 'public', 0, ?, ?, ?, NULL, ?)",
            games,
        )
        db.executemany(
            "INSERT INTO arena_game_players (game_id, account_id, joined_at) VALUES (?, ?, ?)",
            members,
        )
    return players, game_ids, time.perf_counter() - started


def _seeded(data_dir: Path, timeout: float = 60) -> None:
    """Wait until a first run has stored the arena's JWT secret and the sample puzzles (both
    made once serving began)."""
    from appliance.arena.accounts.service import SECRET_NAME

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        database = data_dir / "sparkhouse.db"
        with (
            contextlib.suppress(sqlite3.Error),
            contextlib.closing(sqlite3.connect(database)) as db,
        ):
            secret = db.execute(
                "SELECT 1 FROM auth_secrets WHERE name = ?", (SECRET_NAME,)
            ).fetchone()
            puzzle = db.execute(
                "SELECT 1 FROM arena_puzzles WHERE visibility = 'approved' LIMIT 1"
            ).fetchone()
            if secret and puzzle:
                return
        time.sleep(0.2)
    raise RuntimeError("the first run stored no JWT secret or no sample puzzle")


def _address(index: int) -> str:
    """Client ``index``'s own loopback address."""
    return f"127.10.{index // 250}.{index % 250 + 1}"


# -- servers ---------------------------------------------------------------------------------


def _serve(data_dir: Path, name: str) -> Server:
    port = free_port()
    return launch(
        name, serve_command(port, data_dir), port, f"http://127.0.0.1:{port}/healthz", timeout=60
    )


@contextlib.contextmanager
def _appliance(name: str) -> Iterator[tuple[Server, list[Player], list[str], float]]:
    root = Path(tempfile.mkdtemp(prefix="sparkhouse-bench-games-"))
    data_dir = root / "data"
    try:
        setup = _serve(data_dir, "arena-games-setup")
        try:
            _seeded(data_dir)
        finally:
            setup.stop()
        players, game_ids, fill_seconds = _fill(data_dir)
        server = _serve(data_dir, name)
        try:
            yield server, players, game_ids, fill_seconds
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def _peer() -> Iterator[Server]:
    port = free_port()
    command = [PYTHON, "-m", "bench.arena_games", "peer", "--port", str(port)]
    server = launch("arena-games-peer", command, port, f"http://127.0.0.1:{port}/healthz")
    try:
        yield server
    finally:
        server.stop()


# -- the baseline: a minimal Sanic relay -------------------------------------------------------


def peer_main(port: int) -> None:
    from sanic import Request, Sanic
    from sanic.response import HTTPResponse

    app = Sanic("arena_games_peer", configure_logging=False)
    app.config.MOTD = False
    app.config.WEBSOCKET_MAX_SIZE = 1 << 20
    games: dict[str, set[Any]] = {}
    lobby: set[Any] = set()
    rooms = {
        "rooms": [{"roomId": f"{index:024x}", "amountOfPlayersJoined": 1} for index in range(ROOMS)]
    }

    @app.get("/healthz")
    async def healthz(request: Request) -> HTTPResponse:
        return HTTPResponse(b"{}", content_type="application/json")

    @app.websocket("/peer/game/<game_id>")
    async def game(request: Request, ws: Any, game_id: str) -> None:
        sockets = games.setdefault(game_id, set())
        sockets.add(ws)
        try:
            async for data in ws:
                message = orjson.loads(data)["chatMessage"]["message"]
                frame = orjson.dumps({"event": "message:send", "chatMessage": {"message": message}})
                for other in list(sockets):
                    with contextlib.suppress(Exception):
                        await other.send(frame.decode())
        finally:
            sockets.discard(ws)

    @app.websocket("/peer/lobby")
    async def waiting(request: Request, ws: Any) -> None:
        lobby.add(ws)
        try:
            async for _ in ws:
                frame = orjson.dumps({"event": "rooms:overview", **rooms}).decode()
                for other in list(lobby):
                    with contextlib.suppress(Exception):
                        await other.send(frame)
        finally:
            lobby.discard(ws)

    app.run(host="127.0.0.1", port=port, single_process=True, access_log=False, motd=False)


# -- the client worker ----------------------------------------------------------------------------


class Socket:
    """One client socket at one door: ``phoenix``, ``ws`` or ``peer``."""

    def __init__(self, worker: Worker, door: str, token: str, address: str) -> None:
        self.worker = worker
        self.door = door
        self.token = token
        self.address = address
        self.connection: Any = None
        self.topic = ""
        self.ref = 0
        self.replies: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.reader: asyncio.Task[None] | None = None
        self.closing = False
        self.hosted: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def open(self, path: str, topic: str = "") -> None:
        from websockets.asyncio.client import connect

        base = f"ws://127.0.0.1:{self.worker.port}"
        headers: dict[str, str] = {}
        if self.door == "phoenix":
            url = f"{base}/socket/websocket?token={self.token}&vsn=2.0.0"
        else:
            url = base + path
            if self.door == "ws":
                headers["Cookie"] = f"token={self.token}"
        self.connection = await connect(
            url,
            additional_headers=headers or None,
            max_size=None,
            compression=None,
            ping_interval=None,
            open_timeout=60,
            local_addr=(self.address, 0),
        )
        self.reader = asyncio.create_task(self.read())
        if self.door == "phoenix":
            self.topic = topic
            reply = await self.push("phx_join", {})
            if reply.get("status") != "ok":
                raise RuntimeError(f"join {topic} refused: {reply}")

    async def push(self, event: str, payload: dict[str, Any]) -> dict[str, Any]:
        """A Phoenix push and its reply."""
        self.ref += 1
        ref = str(self.ref)
        answered = asyncio.get_running_loop().create_future()
        self.replies[ref] = answered
        await self.connection.send(orjson.dumps(["1", ref, self.topic, event, payload]).decode())
        return await asyncio.wait_for(answered, 60)

    async def send(self, event: str, payload: dict[str, Any]) -> None:
        """One message without waiting for a reply (Phoenix: the reply is read and checked)."""
        frame: list[Any] | dict[str, Any]
        if self.door == "phoenix":
            self.ref += 1
            frame = ["1", str(self.ref), self.topic, event, payload]
        else:
            frame = {"event": event, **payload}
        await self.connection.send(orjson.dumps(frame).decode())

    async def heartbeats(self) -> None:
        while self.door == "phoenix":
            await asyncio.sleep(HEARTBEAT_SECONDS)
            with contextlib.suppress(Exception):
                beat: list[Any] = [None, "hb", "phoenix", "heartbeat", {}]
                await self.connection.send(orjson.dumps(beat).decode())

    async def read(self) -> None:
        """Every frame, as bytes (a 30 KB overview is not decoded), to the worker."""
        from websockets.exceptions import ConnectionClosedOK

        worker = self.worker
        try:
            while True:
                data: bytes = await self.connection.recv(decode=False)
                now = time.monotonic()
                if self.door == "phoenix":
                    if data.startswith(b'[null,null,"'):
                        event_at = data.find(b'",', 12) + 3
                        event = data[event_at : data.find(b'"', event_at)].decode()
                        worker.received(self, event, data, now)
                        continue
                    _, ref, _, event, payload = orjson.loads(data)
                    if event == "phx_reply":
                        waiting = self.replies.pop(ref, None)
                        if waiting is not None:
                            waiting.set_result(payload)
                        elif payload.get("status") != "ok" and ref != "hb":
                            worker.errors[f"reply: {payload.get('response')}"] += 1
                    else:
                        worker.received(self, event, data, now)
                else:
                    event = data[10 : data.find(b'"', 10)].decode()  # {"event":"…
                    if event == "error":
                        worker.errors[data[:200].decode(errors="replace")] += 1
                    elif event == "room:overview" and not self.hosted.done():
                        self.hosted.set_result(None)
                    worker.received(self, event, data, now)
        except ConnectionClosedOK:
            if not self.closing:
                code, reason = self.connection.close_code, self.connection.close_reason
                worker.errors[f"closed by the server: {code} {reason}"[:200]] += 1
        except Exception as exc:  # a dropped socket is counted, not fatal
            if not self.closing:
                worker.errors[f"socket: {type(exc).__name__}: {exc}"[:200]] += 1

    async def close(self) -> None:
        self.closing = True
        if self.connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.connection.close(), 5)


class Worker:
    def __init__(self, orders: dict[str, Any]) -> None:
        self.orders = orders
        self.port: int = orders["port"]
        self.errors: Counter[str] = Counter()
        self.recording = False
        # chat
        self.games: dict[Socket, int] = {}
        self.latencies: list[float] = []
        self.deliveries: Counter[str] = Counter()
        self.misdelivered = 0
        # lobby
        self.overviews: dict[Socket, list[float]] = {}
        self.rooms: set[int] = set()  # room counts of the overviews received
        self.counts: dict[Socket, int] = {}  # the room count of each socket's last overview
        self.last: dict[str, float] = {}  # the last arrival of each event
        self.until = math.inf  # overviews arriving from then on are not counted

    async def quiet(self, events: tuple[str, ...], still: float, longest: float) -> None:
        """Wait until none of ``events`` arrived for ``still`` seconds from now or the last
        arrival (at most ``longest``)."""
        started = time.monotonic()
        deadline = started + longest
        while time.monotonic() < deadline:
            last = max((self.last.get(event, started) for event in events), default=started)
            last = max(last, started)
            if time.monotonic() - last >= still:
                return
            await asyncio.sleep(0.1)

    def received(self, socket: Socket, event: str, data: bytes, now: float) -> None:
        self.last[event] = now
        if event == "rooms:overview":
            self.counts[socket] = data.count(b'"roomId"')
        if not self.recording:
            return
        if event in ("chat:message", "message:send"):
            at = data.find(b'"message":"') + 11
            text = data[at : data.find(b'"', at)].decode()
            game, sender, number, intended = text.split("|")
            if int(game) != self.games[socket]:
                self.misdelivered += 1
                return
            self.deliveries[f"{sender}|{number}"] += 1
            self.latencies.append((now - float(intended)) * 1000)
        elif event == "rooms:overview" and now < self.until:
            self.overviews[socket].append(now)
            self.rooms.add(self.counts[socket])

    async def connect_all(self, jobs: list[Any]) -> None:
        gate = asyncio.Semaphore(CONNECTING_AT_ONCE)

        async def one(job: Any) -> None:
            async with gate:
                await job

        await asyncio.gather(*(one(job) for job in jobs))

    async def chat(self) -> dict[str, Any]:
        orders = self.orders
        sockets = []
        for seat in orders["players"]:
            socket = Socket(self, seat["door"], seat["token"], seat["address"])
            self.games[socket] = seat["game"]
            sockets.append((socket, seat))

        def path(seat: dict[str, Any]) -> tuple[str, str]:
            if seat["door"] == "peer":
                return f"/peer/game/{seat['game_id']}", ""
            return f"/ws/game/{seat['game_id']}", f"game:{seat['game_id']}"

        await self.connect_all([socket.open(*path(seat)) for socket, seat in sockets])
        go = await self.ready()
        seconds = orders["seconds"]
        interval = 1 / orders["rate"]
        sent: list[str] = []
        lag = 0.0

        async def player(socket: Socket, seat: dict[str, Any]) -> None:
            nonlocal lag
            offset = seat["offset"] * interval
            for number in range(round(seconds / interval)):
                intended = go + offset + number * interval
                delay = intended - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                lag = max(lag, time.monotonic() - intended)
                text = f"{seat['game']}|{seat['index']}|{number}|{intended:.6f}"
                if socket.door == "phoenix":
                    await socket.send("chat:message", {"message": text})
                else:
                    await socket.send("message:send", {"chatMessage": {"message": text}})
                sent.append(f"{seat['index']}|{number}")

        beats = [asyncio.create_task(socket.heartbeats()) for socket, _ in sockets]
        self.recording = True
        await asyncio.gather(*(player(socket, seat) for socket, seat in sockets))
        # until the deliveries stop (a server behind its load is given DRAIN_LONGEST)
        await self.quiet(("chat:message", "message:send"), DRAIN_SECONDS, DRAIN_LONGEST)
        self.recording = False
        for beat in beats:
            beat.cancel()
        await asyncio.gather(*(socket.close() for socket, _ in sockets))
        return {
            "sent": sent,
            "deliveries": dict(self.deliveries),
            "misdelivered": self.misdelivered,
            "latencies": [round(value, 3) for value in self.latencies],
            "send_lag_ms": lag * 1000,
            "first_send": go,
            "last_delivery": max(
                self.last.get(event, 0.0) for event in ("chat:message", "message:send")
            ),
        }

    async def lobby(self) -> dict[str, Any]:
        orders = self.orders

        def lobby_socket(entry: dict[str, Any]) -> Socket:
            socket = Socket(self, entry["door"], entry["token"], entry["address"])
            self.overviews[socket] = []
            return socket

        def path(socket: Socket) -> tuple[str, str]:
            return ("/peer/lobby" if socket.door == "peer" else "/ws"), "waiting_room:lobby"

        async def host(socket: Socket) -> None:
            await socket.open(*path(socket))
            if socket.door == "phoenix":
                reply = await socket.push("room:host", {})
                if reply.get("status") != "ok":
                    raise RuntimeError(f"room:host refused: {reply}")
            elif socket.door == "ws":
                await socket.send("room:host", {})
                await asyncio.wait_for(socket.hosted, 60)

        hosts = [lobby_socket(entry) for entry in orders["hosts"]]
        for socket in hosts:  # one after another: each lobby message goes to every socket
            await host(socket)
        others = [lobby_socket(entry) for entry in orders["others"]]
        await self.connect_all([socket.open(*path(socket)) for socket in others])
        trigger: Socket | None = None
        if orders.get("trigger"):
            trigger = lobby_socket(orders["trigger"])
            await trigger.open(*path(trigger))
        everyone = [*hosts, *others, *([trigger] if trigger else [])]
        beats = [asyncio.create_task(socket.heartbeats()) for socket in everyone]
        # the hosting's overviews are over: every socket's last one has every room
        rooms = orders.get("rooms")
        deadline = time.monotonic() + 120
        while rooms and time.monotonic() < deadline:
            if all(self.counts.get(socket) == rooms for socket in everyone):
                break
            await asyncio.sleep(0.2)
        await self.quiet(("rooms:overview",), 1.0, 30)
        go = await self.ready()
        for socket in everyone:
            socket_times = self.overviews[socket]
            socket_times.clear()
        # one end for every worker: the sockets a worker closes make lobby messages
        self.until = go + orders["triggers"] * orders["spacing"] + DRAIN_SECONDS
        self.recording = True
        sent: list[float] = []
        if trigger is not None:
            room = ""
            for number in range(orders["triggers"]):
                intended = go + number * orders["spacing"]
                delay = intended - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                sent.append(time.monotonic())
                if trigger.door == "peer":
                    await trigger.send("rooms:overview", {})
                elif room:
                    await trigger.push("room:leave", {"roomId": room})
                    room = ""
                else:
                    reply = await trigger.push("room:host", {})
                    room = reply.get("response", {}).get("roomId", "")
        await asyncio.sleep(max(0.0, self.until - time.monotonic()))
        self.recording = False
        for beat in beats:
            beat.cancel()
        # No closing handshakes: each host leaving would send every remaining lobby socket
        # an overview (the same storm as the hosting); the sockets end with the process.
        return {
            "sent": sent,
            "arrivals": [self.overviews[socket] for socket in everyone],
            "rooms": sorted(self.rooms),
        }

    async def ready(self) -> float:
        """Tell the bench this worker is connected; the start time it answers."""
        print(json.dumps({"ready": True, "errors": dict(self.errors)}), flush=True)
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        return float(json.loads(line)["go"])

    async def run(self) -> dict[str, Any]:
        result = await (self.chat() if self.orders["phase"] == "chat" else self.lobby())
        result["errors"] = dict(self.errors)
        return result


def worker_main() -> None:
    from bench.common import raise_fd_limit, use_uvloop

    raise_fd_limit()
    use_uvloop()
    orders = json.loads(sys.stdin.readline())
    result = asyncio.run(Worker(orders).run())
    Path(orders["result"]).write_bytes(orjson.dumps(result))
    print(json.dumps({"done": True}), flush=True)


# -- the bench side -----------------------------------------------------------------------------


class Fleet:
    """The worker processes of one phase."""

    def __init__(self, orders: list[dict[str, Any]], name: str) -> None:
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        self.processes = []
        self.results: list[Path] = []
        for index, order in enumerate(orders):
            log = (OUT_DIR / f"arena-games-{name}-{index}.log").open("wb")
            process = subprocess.Popen(
                [PYTHON, "-m", "bench.arena_games", "worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                cwd=ROOT,
                text=True,
            )
            assert process.stdin is not None
            order["result"] = str(OUT_DIR / f"arena-games-{name}-{index}.json")
            self.results.append(Path(order["result"]))
            process.stdin.write(json.dumps(order) + "\n")
            process.stdin.flush()
            self.processes.append(process)

    def _line(self, process: subprocess.Popen[str]) -> dict[str, Any]:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            process.wait(10)
            raise RuntimeError(f"a worker died (exit {process.returncode}); see bench/out")
        found: dict[str, Any] = json.loads(line)
        return found

    def run(self, lead: float = 1.0) -> tuple[list[dict[str, Any]], Counter[str]]:
        errors: Counter[str] = Counter()
        for process in self.processes:
            errors.update(self._line(process)["errors"])
        go = time.monotonic() + lead
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write(json.dumps({"go": go}) + "\n")
            process.stdin.flush()
        for process in self.processes:
            self._line(process)
            process.wait(30)
        results = [orjson.loads(path.read_bytes()) for path in self.results]
        for result in results:
            errors.update(result["errors"])
        return results, errors

    def kill(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)


@dataclass
class ChatResult:
    sent: int
    complete: int  # messages that reached exactly their game's sockets
    deliveries: int
    misdelivered: int
    extra: int  # deliveries past PER_GAME for one message
    latencies: list[float]  # every expected delivery; one that never came is infinite
    send_lag_ms: float
    handled_per_second: float  # messages delivered, over first send to last delivery
    errors: Counter[str]

    def p(self, pct: float) -> float:
        """The ``pct`` percentile, infinite when it falls among the lost deliveries."""
        finite = sorted(value for value in self.latencies if not math.isinf(value))
        rank = (len(self.latencies) - 1) * pct / 100.0
        if not self.latencies or math.ceil(rank) >= len(finite):
            return math.inf
        return percentile(finite, pct * (len(self.latencies) - 1) / max(len(finite) - 1, 1))


def _chat(
    port: int,
    players: list[Player],
    game_ids: list[str],
    peer: bool,
    seconds: float,
    rate: float = 1.0,
) -> ChatResult:
    orders = []
    per_worker = GAMES // WORKERS
    for number in range(WORKERS):
        seats = []
        for game in range(number * per_worker, (number + 1) * per_worker):
            for seat in range(PER_GAME):
                index = game * PER_GAME + seat
                door = "peer" if peer else ("phoenix" if seat < PER_GAME // 2 else "ws")
                seats.append(
                    {
                        "index": index,
                        "token": players[index].token,
                        "address": _address(index),
                        "door": door,
                        "game": game,
                        "game_id": game_ids[game],
                        # players' sends spread evenly over each second
                        "offset": ((index * 7919) % PLAYERS) / PLAYERS,
                    }
                )
        orders.append(
            {"phase": "chat", "port": port, "players": seats, "seconds": seconds, "rate": rate}
        )
    fleet = Fleet(orders, "chat-peer" if peer else "chat")
    try:
        results, errors = fleet.run()
    finally:
        fleet.kill()
    deliveries: Counter[str] = Counter()
    for result in results:
        deliveries.update(result["deliveries"])
    sent = [key for result in results for key in result["sent"]]
    latencies = [value for result in results for value in result["latencies"]]
    missing = sum(max(0, PER_GAME - deliveries[key]) for key in sent)
    latencies += [math.inf] * missing
    delivered = sum(1 for key in sent if deliveries[key])
    span = max(r["last_delivery"] for r in results) - min(r["first_send"] for r in results)
    return ChatResult(
        sent=len(sent),
        complete=sum(1 for key in sent if deliveries[key] == PER_GAME),
        deliveries=sum(deliveries.values()),
        misdelivered=sum(result["misdelivered"] for result in results),
        extra=sum(max(0, count - PER_GAME) for count in deliveries.values()),
        latencies=latencies,
        send_lag_ms=max(result["send_lag_ms"] for result in results),
        handled_per_second=delivered / span if span > 0 else 0.0,
        errors=errors,
    )


@dataclass
class LobbyResult:
    triggers: int
    sockets: int
    arrivals: int
    latencies: list[float]
    short: int  # sockets that got fewer overviews than lobby messages
    rooms: list[int]  # the room counts the overviews held
    errors: Counter[str]


def _lobby(port: int, players: list[Player], peer: bool, triggers: int) -> LobbyResult:
    def entry(index: int, door: str) -> dict[str, Any]:
        return {"token": players[index].token, "address": _address(index), "door": door}

    def door_of(index: int) -> str:
        return "peer" if peer else ("phoenix" if index % 2 == 0 else "ws")

    hosts = [] if peer else list(range(ROOMS))
    others = list(range(len(hosts), LOBBY_SOCKETS - 1))
    trigger = LOBBY_SOCKETS - 1
    orders = []
    for number in range(WORKERS):
        order: dict[str, Any] = {
            "phase": "lobby",
            "port": port,
            "hosts": [entry(i, door_of(i)) for i in hosts[number::WORKERS]],
            "others": [entry(i, door_of(i)) for i in others[number::WORKERS]],
            "triggers": triggers,
            "spacing": TRIGGER_SPACING,
            "rooms": None if peer else ROOMS,
        }
        if number == 0:
            order["trigger"] = entry(trigger, "peer" if peer else "phoenix")
        orders.append(order)
    fleet = Fleet(orders, "lobby-peer" if peer else "lobby")
    try:
        results, errors = fleet.run()
    finally:
        fleet.kill()
    sent = sorted(time for result in results for time in result["sent"])
    latencies, arrivals, short, sockets = [], 0, 0, 0
    for result in results:
        for times in result["arrivals"]:
            sockets += 1
            arrivals += len(times)
            short += len(times) < len(sent)
            for arrived in times:
                at = bisect.bisect_right(sent, arrived) - 1
                if at >= 0:
                    latencies.append((arrived - sent[at]) * 1000)
    rooms = sorted({count for result in results for count in result["rooms"]})
    return LobbyResult(len(sent), sockets, arrivals, latencies, short, rooms, errors)


def _error_note(errors: Counter[str]) -> str:
    if not errors:
        return "no error frame, refused reply or dropped socket"
    shown = "; ".join(f"{count} × {text}" for text, count in errors.most_common(3))
    return f"{sum(errors.values())} errors: {shown}"


def _finite(value: float) -> float | None:
    return None if math.isinf(value) or math.isnan(value) else value


def _chat_table(chat: ChatResult, base: ChatResult, rate: float, seconds: float) -> Table:
    table = Table(
        f"Chat: {PLAYERS:,} players in {GAMES} games, {rate:g} message/player/s "
        f"({PLAYERS * rate:,.0f} messages/s), both doors at once",
        "a minimal Sanic WebSocket relay (no store, no auth), same load",
    )
    table.add(Row("messages sent", chat.sent, baseline=base.sent, digits=0))
    table.add(
        Row(
            f"messages delivered to exactly their game's {PER_GAME} sockets",
            chat.complete,
            baseline=base.complete,
            target=f"all {chat.sent:,}",
            passed=chat.complete == chat.sent and chat.sent > 0,
            digits=0,
        )
    )
    wrong, wrong_base = chat.misdelivered + chat.extra, base.misdelivered + base.extra
    table.add(
        Row(
            "misdeliveries (to another game's socket) + duplicates",
            wrong,
            baseline=wrong_base,
            target="0",
            passed=wrong == 0,
            digits=0,
        )
    )
    table.add(
        Row(
            "messages delivered per second (first send → last delivery)",
            chat.handled_per_second,
            "/s",
            base.handled_per_second,
            digits=0,
        )
    )
    p99 = _finite(chat.p(99))
    table.add(Row("delivery latency p50", _finite(chat.p(50)), "ms", _finite(base.p(50))))
    table.add(
        Row(
            "delivery latency p99",
            p99,
            "ms",
            _finite(base.p(99)),
            target=f"≤ {CHAT_P99_MS:g} ms",
            passed=at_most(p99, CHAT_P99_MS),
        )
    )
    table.add(Row("delivery latency max", _finite(chat.p(100)), "ms", _finite(base.p(100))))
    missing = sum(1 for value in chat.latencies if math.isinf(value))
    table.notes.append(
        f"{seconds:g} s of chat; {chat.deliveries:,} deliveries of {PER_GAME * chat.sent:,} "
        f"expected ({missing:,} never came within {DRAIN_LONGEST:g} s of the last send: "
        "counted as infinitely late, a latency shown as — is unbounded); the clients sent at "
        f"most {chat.send_lag_ms:.1f} ms late (baseline run: {base.send_lag_ms:.1f} ms); "
        f"{_error_note(chat.errors)} (baseline: {_error_note(base.errors)})."
    )
    return table


def run(config: Config) -> list[Table]:
    seconds = 3.0 if config.quick else CHAT_SECONDS
    low_seconds = LOW_SECONDS
    triggers = 4 if config.quick else TRIGGERS
    with _peer() as peer:
        games = [f"g{number}" for number in range(GAMES)]
        low_base = _chat(peer.port, _dummy_players(), games, True, low_seconds, LOW_RATE)
        chat_base = _chat(peer.port, _dummy_players(), games, True, seconds)
        lobby_base = _lobby(peer.port, _dummy_players(), True, triggers)
    with _appliance("arena-games-chat") as (server, players, game_ids, fill_seconds):
        low = _chat(server.port, players, game_ids, False, low_seconds, LOW_RATE)
        low_pongs = server.log().count(PONG_TIMEOUT)
        chat = _chat(server.port, players, game_ids, False, seconds)
        pongs = server.log().count(PONG_TIMEOUT) - low_pongs
    # a fresh server for the lobby: no chat left in its queues
    with _appliance("arena-games-lobby") as (server, players, _, _):
        lobby = _lobby(server.port, players, False, triggers)

    chat_table = _chat_table(chat, chat_base, 1.0, seconds)
    low_table = _chat_table(low, low_base, LOW_RATE, low_seconds)
    for table, count in ((chat_table, pongs), (low_table, low_pongs)):
        if count:
            table.notes.append(
                f"The server's log: {count} sockets closed by Sanic's WebSocket keepalive "
                "(no pong within 20 s of its ping; the client answers pings at once), which "
                "the client sees as 1011."
            )
    chat_table.notes.append(
        f"{PLAYERS:,} users, their accounts and {GAMES} games written into the store in "
        f"{fill_seconds:.1f} s (setup, not timed). Each client socket from its own loopback "
        "address, so the per-address socket cap and the /ws upgrade limit are not reached."
    )
    chat_table.notes.append(settings_note(CHANGES))
    low_table.notes.append(
        "The same at a tenth of the rate, run first on the same server: where the chat "
        "stands below its capacity."
    )

    lobby_table = Table(
        f"Lobby: {ROOMS} rooms, rooms:overview to {LOBBY_SOCKETS:,} lobby sockets",
        "a minimal Sanic WebSocket broadcaster of the same overview",
    )
    p50, p99 = percentile(lobby.latencies, 50), percentile(lobby.latencies, 99)
    lobby_table.add(
        Row(
            "overviews received / expected",
            lobby.arrivals,
            baseline=lobby_base.arrivals,
            target=f"{lobby.triggers * lobby.sockets:,}",
            passed=lobby.short == 0 and lobby.arrivals == lobby.triggers * lobby.sockets,
            digits=0,
        )
    )
    lobby_table.add(
        Row("fan-out latency p50", p50, "ms", percentile(lobby_base.latencies, 50), digits=1)
    )
    lobby_table.add(
        Row(
            "fan-out latency p99",
            p99,
            "ms",
            percentile(lobby_base.latencies, 99),
            target=f"≤ {LOBBY_P99_MS:g} ms",
            passed=at_most(p99, LOBBY_P99_MS),
            digits=1,
        )
    )
    lobby_table.add(
        Row("fan-out latency max", max(lobby.latencies, default=None), "ms",
            max(lobby_base.latencies, default=None), digits=1)
    )  # fmt: skip
    lobby_table.notes.append(
        f"{lobby.triggers} lobby messages × {lobby.sockets:,} sockets ({lobby.short} sockets "
        f"got fewer overviews than messages); the overviews held "
        f"{' or '.join(str(count) for count in lobby.rooms) or 'no'} rooms; "
        f"{_error_note(lobby.errors)} "
        f"(baseline: {_error_note(lobby_base.errors)})."
    )
    lobby_table.notes.append(settings_note(CHANGES))
    return [chat_table, low_table, lobby_table]


def _dummy_players() -> list[Player]:
    return [Player(index, "", f"gamer{index}", "") for index in range(PLAYERS)]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.arena_games")
    parser.add_argument("role", choices=["worker", "peer"])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    if args.role == "worker":
        worker_main()
    else:
        peer_main(args.port)


if __name__ == "__main__":
    main()
