"""Realtime topic of the clicker: ``clicker:lobby``.

- join with ``{"player_id": "<uuid>"}``, or with no id to be handed a new one; the reply is
  the player (id, public handle, name, score, rank), the current leaderboard and the game's
  rules.
- push ``click`` with ``{}`` → ``{"score", "rank"}``, or an error reply
  ``{"reason": "throttled", "retry_after_ms": M}`` (``rate_limited`` / ``game_full`` with a
  ``message`` too, for a new player over the address's limit or a full game).
- the server broadcasts ``leaderboard`` with ``{"top": [{"handle", "name", "score"}]}``.
"""

from __future__ import annotations

from typing import Any

from appliance.clicker.models import (
    GameFull,
    InvalidInput,
    RateLimited,
    Throttled,
    parse_player_id,
)
from appliance.clicker.service import ClickEngine, PlayerLimits
from appliance.platform.realtime.channels import Channel, ChannelConnection, ChannelError

LOBBY_TOPIC = "clicker:lobby"
LEADERBOARD_EVENT = "leaderboard"
PLAYER_ID = "player_id"


def build_channels(engine: ClickEngine, limits: PlayerLimits) -> list[Channel]:
    async def join(conn: ChannelConnection, params: dict[str, Any]) -> dict[str, Any]:
        raw = params.get(PLAYER_ID)
        if raw is None:
            player_id = engine.new_player_id()
        else:
            try:
                player_id = parse_player_id(raw)
            except InvalidInput as exc:
                raise ChannelError(
                    "invalid_player_id", field=exc.field, message=exc.message
                ) from None
        conn.assigns[PLAYER_ID] = player_id
        return {
            **engine.view(player_id),
            "top": engine.top(),
            "min_interval_ms": round(engine.min_interval * 1000),
            "reset_after_seconds": engine.reset_after,
        }

    async def click(conn: ChannelConnection, payload: dict[str, Any]) -> dict[str, Any]:
        player_id = conn.assigns[PLAYER_ID]
        try:
            limits.admit_click(engine, player_id, conn.client_ip)
            score, rank = engine.click(player_id)
        except Throttled as exc:
            raise ChannelError("throttled", retry_after_ms=exc.retry_after_ms) from None
        except (RateLimited, GameFull) as exc:
            raise ChannelError(
                exc.code, retry_after_ms=exc.retry_after_ms, message=exc.message
            ) from None
        return {"score": score, "rank": rank}

    return [Channel(LOBBY_TOPIC, join=join, events={"click": click})]
