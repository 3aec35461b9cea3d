"""Realtime topics of the spark board: browsers join ``board:lobby`` and only listen."""

from __future__ import annotations

from appliance.platform.realtime.channels import Channel

BOARD_TOPIC = "board:lobby"
SPARK_EVENT = "sparkle_event"

CHANNELS = [Channel(BOARD_TOPIC)]
