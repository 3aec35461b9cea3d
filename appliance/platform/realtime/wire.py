"""Byte-level encoders for realtime frames (WebSocket text frames, Phoenix serializers)."""

from __future__ import annotations

import struct
from typing import Any

import orjson

from appliance.platform.realtime.broker import Message


def websocket_text_frame(payload: bytes) -> bytes:
    """A complete unmasked server→client text frame (RFC 6455 §5.2), no compression.

    Server frames are never masked, so the same bytes serve every subscriber.
    """
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload


def phoenix_v2(
    join_ref: str | None, ref: str | None, topic: str, event: str, payload: Any
) -> bytes:
    return orjson.dumps([join_ref, ref, topic, event, payload])


def phoenix_v1(ref: str | None, topic: str, event: str, payload: Any) -> bytes:
    return orjson.dumps({"topic": topic, "event": event, "payload": payload, "ref": ref})


def broadcast_frame_v2(message: Message) -> bytes:
    return websocket_text_frame(
        phoenix_v2(None, None, message.topic, message.event, message.payload)
    )


def broadcast_frame_v1(message: Message) -> bytes:
    return websocket_text_frame(phoenix_v1(None, message.topic, message.event, message.payload))
