"""Spark validation and broadcast; no HTTP here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from appliance.platform.errors import Problem, invalid_input
from appliance.platform.ratelimit import RateLimiter
from appliance.platform.realtime.broker import Broker
from appliance.platform.settings import IPNetwork
from appliance.platform.validation import validate
from appliance.sparks.channels import BOARD_TOPIC, SPARK_EVENT
from appliance.sparks.models import BOARD_SIZE, SparkEvent
from appliance.sparks.settings import SparksSettings

_INTEGER = re.compile(r"^[+-]?\d{1,9}$")


def path_coordinate(raw: str) -> int | str:
    """A path segment as an integer when it is one; otherwise left as text, so validation
    names the field instead of the router answering 404."""
    return int(raw) if _INTEGER.match(raw) else raw


def is_board_position(x: str, y: str) -> bool:
    """Whether two path segments name a cell of the board (both integers in range)."""
    return all(
        isinstance(value, int) and 0 <= value < BOARD_SIZE
        for value in (path_coordinate(x), path_coordinate(y))
    )


class SparkService:
    def __init__(
        self, broker: Broker, settings: SparksSettings, trusted_proxies: Sequence[IPNetwork]
    ) -> None:
        self.broker = broker
        self.limiter = RateLimiter(settings.rate_per_minute)
        self.trusted_proxies = trusted_proxies

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
        """Publish a validated spark (``SparkEvent.model_dump()``) to the board."""
        return self.broker.publish(BOARD_TOPIC, SPARK_EVENT, {"data": spark})
