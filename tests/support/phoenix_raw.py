"""A raw Phoenix Channels client on the `websockets` library, for frame-level tests."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection


class RawSocket:
    def __init__(self, connection: ClientConnection, vsn: int) -> None:
        self.connection = connection
        self.vsn = vsn
        self.refs = itertools.count(1)

    @classmethod
    async def open(
        cls,
        base_ws_url: str,
        vsn: str | None = "2.0.0",
        origin: str | None = None,
        params: str = "",
        headers: dict[str, str] | None = None,
        **options: Any,
    ) -> RawSocket:
        query = "&".join(part for part in (params, f"vsn={vsn}" if vsn else "") if part)
        url = base_ws_url + (f"?{query}" if query else "")
        headers = {**({"Origin": origin} if origin else {}), **(headers or {})}
        connection = await websockets.connect(
            url, additional_headers=headers or None, max_size=None, **options
        )
        return cls(connection, 2 if vsn == "2.0.0" else 1)

    def next_ref(self) -> str:
        return str(next(self.refs))

    async def send_raw(self, data: str | bytes) -> None:
        await self.connection.send(data)

    async def send(
        self, join_ref: str | None, ref: str | None, topic: str, event: str, payload: Any
    ) -> None:
        if self.vsn == 2:
            frame: Any = [join_ref, ref, topic, event, payload]
        else:
            frame = {"topic": topic, "event": event, "payload": payload, "ref": ref}
            if join_ref is not None:
                frame["join_ref"] = join_ref
        await self.connection.send(json.dumps(frame))

    async def recv(self, timeout: float = 5) -> Any:
        return json.loads(await asyncio.wait_for(self.connection.recv(), timeout))

    async def join(self, topic: str, payload: dict[str, Any] | None = None) -> tuple[str, Any]:
        ref = self.next_ref()
        await self.send(ref, ref, topic, "phx_join", payload or {})
        return ref, await self.recv()

    async def heartbeat(self) -> Any:
        ref = self.next_ref()
        await self.send(None, ref, "phoenix", "heartbeat", {})
        return ref, await self.recv()

    async def close(self) -> None:
        await self.connection.close()

    async def closed_with(self, timeout: float = 5) -> int | None:
        """Wait for the server to close the connection; returns the close code."""
        try:
            while True:
                await asyncio.wait_for(self.connection.recv(), timeout)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
