"""A Phoenix socket for the games tests, on the raw client of tests/support/phoenix_raw.py:
replies are matched by ref, every other frame is kept for :meth:`Player.expect`."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import RunningServer
from tests.support.phoenix_raw import RawSocket

LOBBY = "waiting_room:lobby"
Frame = list[Any]


class Player:
    def __init__(self, socket: RawSocket) -> None:
        self.socket = socket
        self.frames: list[Frame] = []
        self.joined: dict[str, str] = {}

    @classmethod
    async def open(cls, server: RunningServer, token: str | None = None) -> Player:
        params = f"token={token}" if token else ""
        return cls(await RawSocket.open(server.ws_url, params=params))

    @classmethod
    async def of(cls, server: RunningServer, client: httpx.Client) -> Player:
        return await cls.open(server, client.cookies["token"])

    async def close(self) -> None:
        await self.socket.close()

    async def _reply(self, ref: str, timeout: float = 10) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = await self.socket.recv(max(0.01, deadline - loop.time()))
            if frame[3] == "phx_reply" and frame[1] == ref:
                reply: dict[str, Any] = frame[4]
                return reply
            self.frames.append(frame)

    async def join(self, topic: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        ref = self.socket.next_ref()
        await self.socket.send(ref, ref, topic, "phx_join", payload or {})
        reply = await self._reply(ref)
        if reply["status"] == "ok":
            self.joined[topic] = ref
        return reply

    async def push(self, topic: str, event: str, payload: Any = None) -> dict[str, Any]:
        ref = self.socket.next_ref()
        await self.socket.send(self.joined.get(topic), ref, topic, event, payload or {})
        return await self._reply(ref)

    async def heartbeat(self) -> dict[str, Any]:
        ref = self.socket.next_ref()
        await self.socket.send(None, ref, "phoenix", "heartbeat", {})
        return await self._reply(ref)

    async def expect(
        self,
        topic: str,
        event: str,
        where: Callable[[dict[str, Any]], bool] = lambda _: True,
        timeout: float = 5,
    ) -> dict[str, Any]:
        """The first frame (kept or coming) of ``event`` on ``topic`` that ``where`` likes;
        it and the frames before it are consumed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for index, frame in enumerate(self.frames):
                if frame[2] == topic and frame[3] == event and where(frame[4]):
                    del self.frames[: index + 1]
                    payload: dict[str, Any] = frame[4]
                    return payload
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"no {event} on {topic}; got {self.frames}")
            try:
                self.frames.append(await self.socket.recv(remaining))
            except TimeoutError:
                continue

    async def quiet(self, topic: str, event: str, seconds: float = 0.5) -> list[dict[str, Any]]:
        """Every ``event`` on ``topic`` arriving within ``seconds`` (expected: none)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (remaining := deadline - loop.time()) > 0:
            try:
                self.frames.append(await self.socket.recv(remaining))
            except TimeoutError:
                break
        return [f[4] for f in self.frames if f[2] == topic and f[3] == event]


def db(server: RunningServer) -> sqlite3.Connection:
    return sqlite3.connect(Path(server.data_dir) / "sparkhouse.db", timeout=10)


async def stored_chat(
    server: RunningServer, game_id: str, expected: int, seconds: float = 5.0
) -> list[tuple[str, str]]:
    """The game's stored chat lines ``(username, message)``, oldest first, once there are
    ``expected`` of them: the server stores them in batches, within ~50 ms of their broadcast
    (or whatever is there after ``seconds``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        with db(server) as connection:
            rows: list[tuple[str, str]] = connection.execute(
                "SELECT username, message FROM arena_chat_messages WHERE game_id = ?"
                " ORDER BY created_at, id",
                (game_id,),
            ).fetchall()
        if len(rows) >= expected or loop.time() > deadline:
            return rows
        await asyncio.sleep(0.02)


def user_id(client: httpx.Client) -> str:
    answer = client.get("/api/v1/user/me")
    assert answer.status_code == 200, answer.text
    found: str = answer.json()["userId"]
    return found
