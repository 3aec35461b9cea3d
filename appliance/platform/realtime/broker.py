"""In-process publish/subscribe.

A published message is encoded at most once per wire format (Phoenix V2, Phoenix V1, SSE, …)
and the same bytes are handed to every subscriber synchronously: the publish path never awaits
a subscriber. Each subscriber owns a bounded buffer (for sockets: the transport's write buffer)
and is dropped when it cannot keep up, so a slow reader never grows our memory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger("sparkhouse.realtime")


def topic_prefix(topic: str) -> str:
    """``room:*`` for ``room:abc``; a topic without ``:`` stands for itself."""
    head, colon, _ = topic.partition(":")
    return f"{head}:*" if colon else topic


class Message:
    """One published message; its wire encodings are computed once and cached."""

    __slots__ = ("_encoded", "event", "payload", "topic")

    def __init__(self, topic: str, event: str, payload: dict[str, Any]) -> None:
        self.topic = topic
        self.event = event
        self.payload = payload
        self._encoded: dict[str, bytes] = {}

    def encoded(self, wire_format: str, encode: Callable[[Message], bytes]) -> bytes:
        frame = self._encoded.get(wire_format)
        if frame is None:
            frame = self._encoded[wire_format] = encode(self)
        return frame


class Subscriber(Protocol):
    def deliver(self, message: Message) -> bool:
        """Take the message without blocking; False means this subscriber must be dropped."""

    def drop(self, reason: str) -> None:
        """Disconnect this subscriber (it fell behind or its connection is gone)."""


class Broker:
    """Topics → subscribers. Scaled-out deployments would put Redis behind the same API."""

    def __init__(self) -> None:
        self._topics: dict[str, dict[Subscriber, None]] = {}
        self.published = 0
        self.delivered = 0
        self.dropped = 0

    def subscribe(self, topic: str, subscriber: Subscriber) -> None:
        self._topics.setdefault(topic, {})[subscriber] = None

    def unsubscribe(self, topic: str, subscriber: Subscriber) -> None:
        subscribers = self._topics.get(topic)
        if subscribers is None:
            return
        subscribers.pop(subscriber, None)
        if not subscribers:
            del self._topics[topic]

    def subscriber_count(self, topic: str) -> int:
        return len(self._topics.get(topic, ()))

    def topics(self) -> list[str]:
        return list(self._topics)

    def subscribers_by_prefix(self) -> dict[str, int]:
        """Subscribers per topic prefix (``room:*``, …), what may be shown publicly: a topic's
        full name can be a secret (a room's id is all it takes to read and write it), so
        nothing public lists topics by name."""
        counts: dict[str, int] = {}
        for topic, subscribers in self._topics.items():
            prefix = topic_prefix(topic)
            counts[prefix] = counts.get(prefix, 0) + len(subscribers)
        return counts

    def publish(self, topic: str, event: str, payload: dict[str, Any]) -> int:
        """Deliver to every current subscriber of ``topic``; returns how many took it."""
        self.published += 1
        subscribers = self._topics.get(topic)
        if not subscribers:
            return 0
        message = Message(topic, event, payload)
        delivered = 0
        slow: list[Subscriber] = []
        for subscriber in list(subscribers):
            if subscriber.deliver(message):
                delivered += 1
            else:
                slow.append(subscriber)
        for subscriber in slow:
            self.unsubscribe(topic, subscriber)
            self.dropped += 1
            log.warning("dropped a subscriber of %s that fell behind", topic)
            subscriber.drop("slow consumer")
        self.delivered += delivered
        return delivered
