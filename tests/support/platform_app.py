"""The real appliance plus one extra channel, ``echo:*``, for exercising the platform's socket
rules (channel limits, replies, crashes, slow consumers) with topics no part offers.

Run as ``python tests/support/platform_app.py PORT DATA_DIR``; tests start it like the real server.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from appliance.platform.realtime.channels import Channel, ChannelConnection, ChannelError
from appliance.server import create_app
from appliance.settings import load_settings


async def join(channel: ChannelConnection, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("refuse"):
        raise ChannelError("unauthorized")
    channel.assigns["count"] = 0
    return {"joined": channel.topic, "params": dict(channel.params)}


async def echo(channel: ChannelConnection, payload: dict[str, Any]) -> dict[str, Any]:
    channel.assigns["count"] += 1
    return {"echo": payload, "count": channel.assigns["count"]}


async def fail(channel: ChannelConnection, payload: dict[str, Any]) -> dict[str, Any]:
    raise ChannelError("nope", detail="asked to fail")


async def crash(channel: ChannelConnection, payload: dict[str, Any]) -> dict[str, Any]:
    raise RuntimeError("handler crashed on purpose")


async def push_back(channel: ChannelConnection, payload: dict[str, Any]) -> None:
    channel.push("pushed", payload)


def main() -> None:
    port, data_dir = int(sys.argv[1]), Path(sys.argv[2])
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = load_settings(port=port, data_dir=data_dir)
    app = create_app(settings, name="sparkhouse_platform_test")
    broker = app.ctx.broker

    async def broadcast(channel: ChannelConnection, payload: dict[str, Any]) -> dict[str, Any]:
        return {"delivered": broker.publish(channel.topic, "shout", payload)}

    app.ctx.platform.channels.add(
        Channel(
            "echo:*",
            join=join,
            events={
                "echo": echo,
                "fail": fail,
                "crash": crash,
                "push": push_back,
                "broadcast": broadcast,
            },
        )
    )
    app.run(host="127.0.0.1", port=port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
