"""Realtime topics of the spark board: browsers join ``board:lobby`` and listen.

- join with ``{}``: the reply is ``{}`` and sparks arrive as ``sparkle_event`` with
  ``{"data": spark}`` (the spec).
- join with ``{"replay": true}``: the reply is
  ``{"recent": [{"data": spark, "age_ms": N}, ...]}``, the last sparks (oldest first; at most
  200, none older than 10 minutes: service.py), so a board opened late or reloaded shows what
  was just sent. ``age_ms`` is how long ago the server received the spark. Sparks broadcast
  after the join arrive as events, never also in the reply.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from appliance.platform.realtime.channels import Channel, ChannelConnection

BOARD_TOPIC = "board:lobby"
SPARK_EVENT = "sparkle_event"
REPLAY_PARAM = "replay"


def build_channels(recent: Callable[[], list[dict[str, Any]]]) -> list[Channel]:
    """The board's topic; ``recent`` gives the replay (``SparkService.recent``)."""

    async def join(conn: ChannelConnection, params: dict[str, Any]) -> dict[str, Any]:
        # Nothing here awaits: the reply and the subscription that follows it are atomic
        # with respect to broadcasts, so no spark is both replayed and delivered, or lost.
        if isinstance(params, dict) and params.get(REPLAY_PARAM) is True:
            return {"recent": recent()}
        return {}

    return [Channel(BOARD_TOPIC, join=join)]
