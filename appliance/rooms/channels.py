"""Realtime topics of the rooms: one broker topic per room, streamed over SSE only.

No WebSocket channel is declared, so Phoenix clients cannot join these topics.
"""

from __future__ import annotations

from appliance.platform.realtime.broker import Message
from appliance.platform.realtime.sse import sse_event

TOPIC_PREFIX = "room:"
STATE_EVENT = "state"
SSE_FORMAT = "rooms-sse"


def room_topic(room_id: str) -> str:
    return TOPIC_PREFIX + room_id


def state_event(message: Message) -> bytes:
    """``id: <version>``, ``event: state``, ``data: <record>`` from a published record, whose
    JSON the service encoded once when the room was written."""
    return sse_event(
        STATE_EVENT, message.payload["record_json"], event_id=message.payload["version"]
    )
