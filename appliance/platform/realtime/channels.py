"""What a part declares about its realtime topics (in its own ``channels.py``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class ChannelError(Exception):
    """Refuse a join or answer a push with ``{"status": "error", "response": ...}``."""

    def __init__(self, reason: str, **details: Any) -> None:
        super().__init__(reason)
        self.response = {"reason": reason, **details}


class ChannelConnection(Protocol):
    """One joined channel of one socket, as a part's handlers see it."""

    topic: str
    join_ref: str | None
    assigns: dict[str, Any]
    """Per-channel state a part keeps between events (e.g. the player id)."""

    @property
    def params(self) -> Mapping[str, str]:
        """The socket's connect params (query string), where credentials travel."""

    @property
    def cookies(self) -> Mapping[str, str]:
        """The cookies of the socket's upgrade request (a part may read its own there)."""

    @property
    def client_ip(self) -> str: ...

    def push(self, event: str, payload: dict[str, Any]) -> None:
        """Send an event to this channel only."""

    def close(self) -> None:
        """Leave the channel after the current reply (the server's ``phx_leave``)."""


JoinHandler = Callable[[ChannelConnection, dict[str, Any]], Awaitable[dict[str, Any]]]
"""Returns the join reply's response; raises ChannelError to refuse."""
EventHandler = Callable[[ChannelConnection, dict[str, Any]], Awaitable[dict[str, Any] | None]]
"""Returns the ok reply's response, None for no reply; raises ChannelError for an error reply."""
LeaveHandler = Callable[[ChannelConnection], Awaitable[None]]


async def allow_everyone(channel: ChannelConnection, params: dict[str, Any]) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Channel:
    """A topic pattern (exact, or a prefix ending in ``*`` such as ``game:*``) and its
    handlers."""

    pattern: str
    join: JoinHandler = allow_everyone
    events: Mapping[str, EventHandler] = field(default_factory=dict)
    leave: LeaveHandler | None = None

    def matches(self, topic: str) -> bool:
        if self.pattern.endswith("*"):
            return topic.startswith(self.pattern[:-1])
        return topic == self.pattern


class ChannelRegistry:
    """Every part's channels; the socket asks it who handles a topic."""

    def __init__(self) -> None:
        self._channels: list[Channel] = []

    def add(self, *channels: Channel) -> None:
        for channel in channels:
            if any(existing.pattern == channel.pattern for existing in self._channels):
                raise ValueError(f"two parts declare the topic pattern {channel.pattern!r}")
            self._channels.append(channel)

    def find(self, topic: str) -> Channel | None:
        for channel in self._channels:
            if channel.matches(topic):
                return channel
        return None
