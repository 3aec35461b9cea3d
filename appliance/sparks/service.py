"""Spark validation and broadcast; no HTTP here."""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from appliance.platform.errors import Problem, invalid_input
from appliance.platform.ratelimit import RateLimiter
from appliance.platform.realtime.broker import Broker
from appliance.platform.settings import IPNetwork
from appliance.platform.validation import validate
from appliance.sparks.channels import BOARD_TOPIC, SPARK_EVENT
from appliance.sparks.models import BOARD_SIZE, SparkEvent
from appliance.sparks.settings import SparksSettings

REPLAY_COUNT = 200
"""At most this many recent sparks are replayed to a board that joins (channels.py)."""
REPLAY_SECONDS = 600.0
"""Only sparks received within this many seconds are replayed."""

_INTEGER = re.compile(r"^[+-]?\d{1,9}$")


def path_coordinate(raw: str) -> int | str:
    """A path segment as an integer when it is one; otherwise left as text, so validation
    names the field instead of the router answering 404."""
    if len(raw) <= 9 and raw.isdecimal():  # what the pattern matches, without it
        return int(raw)
    return int(raw) if _INTEGER.match(raw) else raw


def is_board_position(x: str, y: str) -> bool:
    """Whether two path segments name a cell of the board (both integers in range)."""
    return all(
        isinstance(value, int) and 0 <= value < BOARD_SIZE
        for value in (path_coordinate(x), path_coordinate(y))
    )


class SparkService:
    def __init__(
        self,
        broker: Broker,
        settings: SparksSettings,
        trusted_proxies: Sequence[IPNetwork],
        clock: Callable[[], float] = time.monotonic,
        replay_count: int = REPLAY_COUNT,
        replay_seconds: float = REPLAY_SECONDS,
    ) -> None:
        self.broker = broker
        self.limiter = RateLimiter(settings.rate_per_minute)
        self.trusted_proxies = trusted_proxies
        self.clock = clock
        self.replay_seconds = replay_seconds
        # (received at, spark): the last sparks broadcast, for a board that joins late.
        # In this process only: with a shared broker each process replays what it received.
        self._recent: deque[tuple[float, dict[str, Any]]] = deque(maxlen=replay_count)

    def validate(self, x: str, y: str, body: dict[str, Any]) -> SparkEvent:
        """The spark at (x, y) (path segments) made of ``body``, or a 400 ServiceError whose
        ``problems`` name every offending field (the spec's 400)."""
        conflicts = [
            Problem(name, "is given by the URL path; leave it out of the body")
            for name in ("x", "y")
            if name in body
        ]
        if conflicts:
            raise invalid_input(conflicts, status=400, fields=SparkEvent.model_fields)
        spark = {**body, "x": path_coordinate(x), "y": path_coordinate(y)}
        return validate(SparkEvent, spark, status=400)

    def broadcast(self, spark: dict[str, Any]) -> int:
        """Publish a validated spark (``SparkEvent.model_dump()``) to the board, and keep it
        for the replay."""
        if self._recent.maxlen:
            self._recent.append((self.clock(), spark))
        return self.broker.publish(BOARD_TOPIC, SPARK_EVENT, {"data": spark})

    def recent(self) -> list[dict[str, Any]]:
        """The sparks of the replay, oldest first: the last ``replay_count`` broadcast within
        the last ``replay_seconds`` (200 and 10 minutes by default). Each is its
        ``sparkle_event`` payload (``{"data": spark}``) plus ``age_ms``, how long ago it was
        received, so a board can draw one that is still growing at its present size."""
        now = self.clock()
        cutoff = now - self.replay_seconds
        recent = self._recent
        while recent and recent[0][0] < cutoff:
            recent.popleft()
        return [{"data": spark, "age_ms": round((now - at) * 1000)} for at, spark in recent]
